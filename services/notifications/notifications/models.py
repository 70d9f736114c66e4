"""Every table of notifications, so `Base.metadata` (and Alembic) sees them all."""

from notifications.base import Base, InboxMessage, OutboxMessage, ParkedMessage
from notifications.districts.models import DistrictSettings, TemplateOverride
from notifications.letters.models import LetterBatch
from notifications.outreach.models import OptOut, OutreachItem
from notifications.roster.models import Guardian, Student, StudentGuardian

__all__ = [
    "Base",
    "DistrictSettings",
    "Guardian",
    "InboxMessage",
    "LetterBatch",
    "OptOut",
    "OutboxMessage",
    "OutreachItem",
    "ParkedMessage",
    "Student",
    "StudentGuardian",
    "TemplateOverride",
]
