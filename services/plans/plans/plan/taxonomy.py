"""The seeded, read-only vocabularies of a plan: Attendance Works' root causes and tiered interventions."""

from __future__ import annotations

BARRIERS: dict[str, dict[str, str]] = {
    "barriers": {
        "transportation": "Lack of transportation",
        "chronic-illness": "Chronic illness",
        "asthma": "Asthma",
        "dental": "Dental problems",
        "poor-health-care": "Poor access to health care",
        "housing-instability": "Housing instability or homelessness",
        "family-instability": "Family instability",
        "family-responsibilities": "Family responsibilities (caring for siblings, working)",
        "food-insecurity": "Food insecurity",
        "trauma": "Trauma",
        "unsafe-path": "Unsafe path to school",
        "system-involvement": "Involvement with child welfare or juvenile justice",
    },
    "aversion": {
        "anxiety": "Anxiety",
        "bullying": "Bullying",
        "academic-struggles": "Struggling academically",
        "social-struggles": "Struggling socially",
        "school-discipline": "Ineffective or exclusionary school discipline",
        "negative-climate": "Negative school climate",
        "parent-school-experience": "Parents' negative school experience",
        "undiagnosed-disability": "Undiagnosed disability or missing accommodations",
    },
    "disengagement": {
        "lack-of-engagement": "Lack of engaging, relevant instruction",
        "no-adult-relationship": "No meaningful relationship with an adult at school",
        "no-enrichment": "Lack of enrichment opportunities",
        "no-support": "Lack of academic or behavioral support",
        "credits-behind": "Behind on credits",
        "peers-out-of-school": "Drawn to peers out of school",
    },
    "misconceptions": {
        "impact-of-absences": "Misunderstanding of the impact of absences",
        "excused-absences": "Believing only unexcused absences matter",
        "sporadic-absences": "Believing sporadic absences do no harm",
        "early-grades": "Believing attendance matters only in later grades",
        "suspensions": "Not counting suspensions as lost time",
    },
}
"""Root-cause group -> barrier code -> label."""

GROUP_OF = {code: group for group, barriers in BARRIERS.items() for code in barriers}

INTERVENTIONS: dict[int, dict[str, str]] = {
    1: {
        "recognition-incentives": "Attendance recognition and incentives",
        "positive-climate": "Positive school climate and relationships",
        "family-nudges": "Family engagement and attendance nudges",
        "expectations": "Clear attendance expectations shared with families",
        "barrier-screening": "Identifying and addressing common barriers",
    },
    2: {
        "check-in-check-out": "Check-in/check-out",
        "mentor": "Mentor",
        "home-visit": "Family visit or home visit",
        "transportation-help": "Bus pass or transportation help",
        "tutoring": "Tutoring",
        "success-plan-meeting": "Success-plan meeting",
        "small-group": "Small-group support",
        "health-check": "School nurse health check",
    },
    3: {
        "case-management": "Interagency case management",
        "sart-sarb-referral": "SART/SARB referral",
        "health-referral": "Health referral",
        "mental-health-referral": "Mental-health referral",
        "housing-referral": "Housing support referral",
        "child-welfare-referral": "Child welfare or family services referral",
    },
}
"""Tier -> intervention code -> label."""

TIER_OF = {code: tier for tier, interventions in INTERVENTIONS.items() for code in interventions}
