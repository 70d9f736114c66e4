"""Kafka topic names: the event contract between services."""

ATTENDANCE = "ingest.attendance.v1"
"""Attendance, enrollment and school-day events, keyed by `{district}:{student}`.

School-level events (calendar dates) are keyed by `{district}@school:{school}`."""

ROSTER = "ingest.roster.v1"
"""Student, contact and student-contact changes (identifiers only), keyed by district."""

THRESHOLDS = "eligibility.thresholds.v1"
SCHOOLS = "eligibility.schools.v1"
"""School-wide attendance below the district's target and back, keyed by `{district}@school:{school}`."""
OUTREACH = "notifications.outreach.v1"
CASES = "plans.cases.v1"

DEAD_LETTER = "rollcall.dead-letter.v1"
"""Messages a consumer could not process, with the reason in the `x-dead-letter-reason` header."""

ALL = (ATTENDANCE, ROSTER, THRESHOLDS, SCHOOLS, OUTREACH, CASES, DEAD_LETTER)


def student_key(district_id: str, student_id: str) -> str:
    return f"{district_id}:{student_id}"


def school_key(district_id: str, school_id: str) -> str:
    return f"{district_id}@school:{school_id}"
