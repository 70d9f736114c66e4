"""Intake: each record validated on its own, the good ones applied in batches in arrival order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ingest.api import IngestAnswer, Rejection, ResourceCounts, StreamAnswer
from ingest.attendance.service import record_daily_attendance, record_section_attendance
from ingest.calendar.service import record_calendar_dates
from ingest.current import Applied
from ingest.edfi import resources
from ingest.edfi.errors import Unreadable, describe
from ingest.enrollment.service import record_enrollments
from ingest.groups.service import announce_groups, record_group_documents
from ingest.publishers import publish
from ingest.roster.service import record_contacts, record_student_contacts, record_students


MAX_REJECTED = 10_000
"""Rejections one request may name (as many as a JSON body's records); a file with more is refused
whole rather than held in memory and answered record by record."""


@dataclass(frozen=True)
class Resource:
    model: type[BaseModel]
    apply: Callable[..., Awaitable[Applied]]


RESOURCES = {
    "studentSchoolAssociations": Resource(resources.StudentSchoolAssociation, record_enrollments),
    "calendarDates": Resource(resources.CalendarDate, record_calendar_dates),
    "studentSchoolAttendanceEvents": Resource(
        resources.StudentSchoolAttendanceEvent, record_daily_attendance
    ),
    "studentSectionAttendanceEvents": Resource(
        resources.StudentSectionAttendanceEvent, record_section_attendance
    ),
    "students": Resource(resources.Student, record_students),
    "contacts": Resource(resources.Contact, record_contacts),
    "studentContactAssociations": Resource(resources.StudentContactAssociation, record_student_contacts),
    "studentEducationOrganizationAssociations": Resource(
        resources.StudentEducationOrganizationAssociation, record_group_documents
    ),
    "studentSpecialEducationProgramAssociations": Resource(
        resources.StudentSpecialEducationProgramAssociation, record_group_documents
    ),
    "studentSchoolFoodServiceProgramAssociations": Resource(
        resources.StudentSchoolFoodServiceProgramAssociation, record_group_documents
    ),
    "studentHomelessProgramAssociations": Resource(resources.StudentHomelessProgramAssociation, record_group_documents),
    "studentProgramAssociations": Resource(resources.StudentProgramAssociation, record_group_documents),
}
"""By Ed-Fi resource name; a batch applies enrollments first, so its late calendar corrections
reach the students it enrolls."""


class Intake:
    """Takes the records of one request in order; events keep that order per student."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        district_id: str,
        batch_size: int,
        fields: Mapping[str, str] | None = None,
    ) -> None:
        self.session = session
        self.district_id = district_id
        self.batch_size = batch_size
        self.fields = fields
        """Renames Ed-Fi fields in rejection reasons, e.g. to an export's column names."""
        self.counts: dict[str, ResourceCounts] = {}
        self.rejected: list[Rejection] = []
        self._received = 0
        self._pending: dict[str, list[tuple[int, Any]]] = {}
        self._pending_count = 0

    async def add(self, resource: str, raw: object) -> None:
        """Validate the next record; it is written with its batch, or rejected with every reason."""
        index, self._received = self._received, self._received + 1
        counts = self.counts.setdefault(resource, ResourceCounts())
        try:
            record = RESOURCES[resource].model.model_validate(raw)
        except ValidationError as error:
            counts.rejected += 1
            self.rejected.append(Rejection(index=index, errors=describe(error, self.fields)))
            if len(self.rejected) > MAX_REJECTED:
                first = self.rejected[0]
                raise Unreadable(
                    f"more than {MAX_REJECTED:,} records were rejected (record {first.index}: "
                    f"{'; '.join(first.errors)}): is it the right file, or the right profile?"
                ) from None
            return
        self._pending.setdefault(resource, []).append((index, record))
        self._pending_count += 1
        if self._pending_count >= self.batch_size:
            await self.flush()

    async def flush(self) -> None:
        """Write the pending records and their events, in the order the records arrived."""
        now = datetime.now(UTC)
        changes, consequences, regrouped = [], [], set()
        for name, resource in RESOURCES.items():
            records = self._pending.pop(name, None)
            if not records:
                continue
            applied = await resource.apply(
                self.session, district_id=self.district_id, records=records, now=now
            )
            self.counts[name].accepted += applied.accepted
            self.counts[name].duplicates += applied.duplicates
            changes += applied.changes
            consequences += applied.consequences
            regrouped |= applied.regrouped
        self._pending_count = 0
        changes.sort(key=lambda change: change[0])
        consequences += await announce_groups(
            self.session, district_id=self.district_id, student_ids=regrouped, now=now
        )
        await publish(self.session, [event for _, event in changes] + consequences)

    def answer(self) -> IngestAnswer:
        return IngestAnswer(**self._totals(), rejected=self.rejected)

    def stream_answer(self, ignored: Mapping[str, int]) -> StreamAnswer:
        return StreamAnswer(
            **self._totals(), rejected=self.rejected, resources=self.counts, ignored=dict(ignored)
        )

    def _totals(self) -> dict[str, int]:
        return {
            "accepted": sum(counts.accepted for counts in self.counts.values()),
            "duplicates": sum(counts.duplicates for counts in self.counts.values()),
        }
