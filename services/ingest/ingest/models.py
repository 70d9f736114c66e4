"""Every table of ingest, so `Base.metadata` (and Alembic) sees them all."""

from ingest.attendance.models import DailyAttendance, SectionAttendance
from ingest.base import Base, OutboxMessage, ParkedMessage
from ingest.calendar.models import CalendarDate, SchoolClose
from ingest.clients.models import ApiClient, ClientSecret
from ingest.enrollment.models import Enrollment
from ingest.groups.models import GroupedStudent
from ingest.roster.models import RosterDocument

__all__ = [
    "ApiClient",
    "Base",
    "CalendarDate",
    "ClientSecret",
    "DailyAttendance",
    "Enrollment",
    "GroupedStudent",
    "OutboxMessage",
    "ParkedMessage",
    "RosterDocument",
    "SchoolClose",
    "SectionAttendance",
]
