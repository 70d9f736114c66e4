"""Every router of the notifications API."""

from rollcall_shared.audit import audit_router

from notifications.base import AuditEntry

from notifications.districts.endpoints import router as districts
from notifications.letters.endpoints import router as letters
from notifications.outreach.callbacks import router as sms_callbacks
from notifications.outreach.endpoints import router as outreach
from notifications.roster.endpoints import router as households

routers = [outreach, letters, households, districts, sms_callbacks, audit_router(AuditEntry)]
