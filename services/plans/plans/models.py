"""Every table of plans, so `Base.metadata` (and Alembic) sees them all."""

from plans.attendance.models import DayRecord, Enrollment, SchoolDay
from plans.base import Base, InboxMessage, OutboxMessage, ParkedMessage
from plans.cases.models import Case, CaseEntry, CaseReason
from plans.history.models import OutreachEntry, ThresholdEntry
from plans.plan.models import PlanAcknowledgement, PlanBarrier, PlanGoal, PlanIntervention, PlanMeeting, PlanNote
from plans.staff.models import Staff, TeamMember

__all__ = [
    "Base", "Case", "CaseEntry", "CaseReason", "DayRecord", "Enrollment", "InboxMessage", "OutboxMessage",
    "OutreachEntry", "ParkedMessage", "PlanAcknowledgement", "PlanBarrier", "PlanGoal", "PlanIntervention",
    "PlanMeeting", "PlanNote", "SchoolDay", "Staff", "TeamMember", "ThresholdEntry",
]  # fmt: skip
