"""Every table of plans, so `Base.metadata` (and Alembic) sees them all."""

from plans.base import Base, InboxMessage, OutboxMessage
from plans.cases.models import Case, CaseEntry, CaseReason
from plans.plan.models import PlanAcknowledgement, PlanBarrier, PlanGoal, PlanIntervention, PlanMeeting, PlanNote
from plans.staff.models import Staff, TeamMember

__all__ = [
    "Base", "Case", "CaseEntry", "CaseReason", "InboxMessage", "OutboxMessage", "PlanAcknowledgement", "PlanBarrier",
    "PlanGoal", "PlanIntervention", "PlanMeeting", "PlanNote", "Staff", "TeamMember",
]  # fmt: skip
