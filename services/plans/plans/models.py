"""Every table of plans, so `Base.metadata` (and Alembic) sees them all."""

from plans.base import Base, InboxMessage, OutboxMessage
from plans.cases.models import Case, CaseEntry, CaseReason
from plans.staff.models import Staff, TeamMember

__all__ = ["Base", "Case", "CaseEntry", "CaseReason", "InboxMessage", "OutboxMessage", "Staff", "TeamMember"]
