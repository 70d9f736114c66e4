"""Immutable, versioned events that cross service boundaries."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.alias_generators import to_camel

EVENT_NAMESPACE = uuid.UUID("6f1c2a4e-8d53-4c1e-9b7a-2f0d5e8c1a37")


def deterministic_id(*parts: object) -> str:
    """The same parts always give the same event id."""
    return str(uuid.uuid5(EVENT_NAMESPACE, "|".join(str(p) for p in parts)))


class AttendanceCategory(StrEnum):
    """Ed-Fi AttendanceEventCategoryDescriptor code values."""

    IN_ATTENDANCE = "In Attendance"
    EXCUSED_ABSENCE = "Excused Absence"
    UNEXCUSED_ABSENCE = "Unexcused Absence"
    TARDY = "Tardy"
    EARLY_DEPARTURE = "Early departure"
    PARTIAL = "Partial"


class Event(BaseModel):
    model_config = ConfigDict(
        frozen=True, alias_generator=to_camel, populate_by_name=True, extra="ignore"
    )

    event_id: str
    district_id: str

    def to_json(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()


class IngestEvent(Event):
    version: int = 1
    recorded_at: datetime
    """When ingest durably accepted the change."""


class StudentEvent(IngestEvent):
    student_id: str
    school_id: str


class DailyAttendanceRecorded(StudentEvent):
    type: Literal["attendance.daily-recorded"] = "attendance.daily-recorded"
    date: date
    category: AttendanceCategory
    minutes: int | None = None
    reason: str | None = None


class SectionAttendanceRecorded(StudentEvent):
    type: Literal["attendance.section-recorded"] = "attendance.section-recorded"
    section_id: str
    date: date
    category: AttendanceCategory
    minutes: int | None = None
    reason: str | None = None


class EnrollmentRecorded(StudentEvent):
    type: Literal["enrollment.recorded"] = "enrollment.recorded"
    entry_date: date
    exit_date: date | None = None
    school_closed_through: date | None = None
    """The school's `as_of` when ingest accepted the enrollment: the days already final there."""
    grade_level: str | None = None
    """The Ed-Fi GradeLevelDescriptor code value of the enrollment (`entryGradeLevelDescriptor`), e.g. `Ninth grade`."""


class SchoolDayClosed(StudentEvent):
    """Attendance at the school is final through `closed_through` (one event per enrolled student)."""

    type: Literal["school-day.closed"] = "school-day.closed"
    closed_through: date
    instructional_days: tuple[date, ...] = ()
    """The school's instructional days finalised by this close, as ingest knew them."""
    close_id: str | None = None
    """The same for every event of one close of the school (older events have none)."""
    close_size: int | None = None
    """How many events that close sent: one per student, so a consumer knows when it has applied them all."""


class CalendarDateRecorded(IngestEvent):
    type: Literal["calendar.date-recorded"] = "calendar.date-recorded"
    school_id: str
    date: date
    instructional: bool


GroupName = Literal["english-learner", "special-education", "economically-disadvantaged", "homeless", "foster-care"]
"""The student groups of reports that come and go over a school year (programs and characteristics)."""


class GroupPeriod(BaseModel):
    """A student in one group from `begin_date` through `end_date`; open ends are unknown or ongoing."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    group: GroupName
    begin_date: date | None = None
    end_date: date | None = None


class StudentGroupsRecorded(IngestEvent):
    """Everything ingest now knows of a student's report groups, whole: the latest one replaces the earlier.

    Built from the student's StudentEducationOrganizationAssociations (sex, race and ethnicity, English
    learner status, student characteristics) and program associations (special education, school food
    service, homeless, foster care).
    """

    type: Literal["student.groups-recorded"] = "student.groups-recorded"
    student_id: str
    sex: str | None = None
    """The SexDescriptor code value, e.g. `Female`."""
    race_ethnicity: str | None = None
    """Hispanic or Latino of any race, else the one race reported, else `Two or more races`."""
    groups: tuple[GroupPeriod, ...] = ()


AttendanceEvent = Annotated[
    DailyAttendanceRecorded
    | SectionAttendanceRecorded
    | EnrollmentRecorded
    | SchoolDayClosed
    | CalendarDateRecorded
    | StudentGroupsRecorded,
    Field(discriminator="type"),
]
attendance_event = TypeAdapter(AttendanceEvent)


class RosterChanged(IngestEvent):
    """A student, contact or student-contact association changed; identifiers only."""

    type: Literal["roster.changed"] = "roster.changed"
    resource: Literal["student", "contact", "studentContactAssociation"]
    student_id: str | None = None
    contact_id: str | None = None


class Metrics(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    absent_days: int = 0
    truant_days: int = 0
    unexcused_period_absences: int = 0
    enrolled_days: int = 0
    absence_rate: float | None = None


class DayMissed(BaseModel):
    """One day counted as absent or truant, as letters to families list them."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    date: date
    category: AttendanceCategory
    truant: bool


class ThresholdChanged(Event):
    """Published on `eligibility.thresholds.v1`."""

    type: Literal["threshold.crossed", "threshold.cleared"]
    student_id: str
    school_id: str
    school_year: int
    rule_id: str
    tier: int
    metrics: Metrics
    occurred_at: datetime
    days_missed: tuple[DayMissed, ...] = ()
    """The school year's absent and truant days at the change, oldest first (an addition to v1)."""


class SchoolAttendanceChanged(Event):
    """Published on `eligibility.schools.v1`: a school's attendance over its last school days fell below the
    district's target (once per dip), or came back to it."""

    type: Literal["school.attendance-below-target", "school.attendance-recovered"]
    school_id: str
    school_year: int
    attendance_rate: float
    """Days attended over days enrolled, all the school's students, over the window's days."""
    target: float
    window_days: int
    first_day: date
    last_day: date
    """The window: the school's last `window_days` instructional days, through its latest closed day."""
    occurred_at: datetime


def school_year_of(day: date) -> int:
    """School years run 1 July to 30 June and are named by the year they end in."""
    return day.year + 1 if day.month >= 7 else day.year


class OutreachStatusChanged(Event):
    """Published on `notifications.outreach.v1` at every status change of an outreach item."""

    type: Literal["outreach.status-changed"] = "outreach.status-changed"
    outreach_id: str
    student_id: str
    rule_id: str
    crossing_event_id: str
    channel: Literal["letter", "email", "sms"]
    language: str
    status: Literal["pending_approval", "scheduled", "sent", "delivered", "failed", "cancelled", "suppressed"]
    household_id: str
    created_at: datetime
    updated_at: datetime
    school_id: str | None = None
    kind: Literal["notice", "correction"] = "notice"
    reason: str | None = None
    """Why an item was suppressed, failed or cancelled, in a few words; never a contact detail."""


class CaseChanged(Event):
    """Published on `plans.cases.v1` at every change of an intervention case."""

    type: Literal["case.opened", "case.updated", "case.escalated", "case.closed"]
    case_id: str
    student_id: str
    school_id: str
    kind: Literal["success-plan", "site-intervention", "multi-agency"]
    tier: int
    status: Literal["open", "closed"]
    reasons: list[str]
    owner_id: str | None
    follow_up_due: date | None
    opened_at: datetime
    closed_at: datetime | None
    outcome: Literal["goal-met", "opened-in-error", "left-district", "closed-by-staff"] | None
    occurred_at: datetime
    change: str
    """What changed, in a few words (e.g. `reason truancy-2 added`); never personal data."""
    proposed_outcome: Literal["goal-met"] | None = None
    """The outcome the case is proposed to close with, once its goal was met at review (an addition to v1)."""
