"""The plan API's shapes: the vocabularies, what staff record, and the plan as a whole."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Self

from pydantic import Field, model_validator

from rollcall_shared.schemas import Camel

from plans.cases.schemas import Actor
from plans.plan.goal import Progress
from plans.plan.models import PlanBarrier, PlanGoal, PlanIntervention
from plans.plan.taxonomy import BARRIERS, GROUP_OF, INTERVENTIONS, TIER_OF

Status = Literal["planned", "active", "done"]
Group = Literal["barriers", "aversion", "disengagement", "misconceptions"]


class Labelled(Camel):
    code: str
    label: str


class BarrierGroup(Camel):
    group: Group = Field(description="Attendance Works root-cause group")
    barriers: list[Labelled]


class CatalogTier(Camel):
    tier: Literal[1, 2, 3]
    interventions: list[Labelled]


class NewBarriers(Actor):
    codes: list[str] = Field(min_length=1, max_length=50, description="Barrier codes of `GET /barriers`")


class NewGoal(Actor):
    """At most `maxAbsences` absences over the next `schoolDays` school days from `startDate`."""

    max_absences: int = Field(ge=0, le=200)
    school_days: int = Field(ge=1, le=200)
    start_date: date


class NewIntervention(Actor):
    code: str = Field(max_length=40, description="A code of `GET /interventions/catalog`")
    owner_id: str = Field(max_length=64, description="The staff member who carries it out")
    start_date: date
    end_date: date | None = None
    status: Status = "planned"

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("endDate is before startDate")
        return self


class InterventionChange(Actor):
    status: Status | None = None
    end_date: date | None = None


class NewMeeting(Actor):
    held_on: date
    staff_ids: list[str] = Field(default_factory=list, max_length=50, description="Staff who attended")
    family_members: list[str] = Field(default_factory=list, max_length=20, description="Family who attended, free text")
    family_attended: bool = Field(description="The plan is still made and shared when the family does not come")
    notes: str | None = Field(None, max_length=5000)


class NewNote(Actor):
    text: str = Field(min_length=1, max_length=5000)


class NewAcknowledgement(Actor):
    acknowledged_on: date
    acknowledged_by: str = Field(min_length=1, max_length=200, description="Who in the family, free text")
    how: Literal["signed", "verbal", "electronic"]


class Recorded(Camel):

    recorded_by: str
    recorded_at: datetime


class Barrier(Recorded):
    code: str
    group: Group
    label: str

    @classmethod
    def of(cls, row: PlanBarrier) -> Barrier:
        group = GROUP_OF[row.code]
        return cls(code=row.code, group=group, label=BARRIERS[group][row.code],
                   recorded_by=row.recorded_by, recorded_at=row.recorded_at)  # fmt: skip


class GoalProgress(Camel):
    status: Literal["on-track", "off-track", "met", "missed"] = Field(
        description="`off-track`: more absences than allowed already; decided at the review, as corrections may come"
    )
    school_days: int = Field(description="School days of the goal's window closed so far")
    absences: int = Field(description="Absences (excused or not) on those days")
    review_on: date = Field(description="The window's last school day: when it closed, or when it is expected to")


class Goal(Recorded):
    max_absences: int
    school_days: int
    start_date: date
    outcome: Literal["met", "missed"] | None = Field(description="Decided when the window's last school day closes")
    off_track_on: date | None = Field(description="When more absences than allowed were first seen")
    progress: GoalProgress

    @classmethod
    def of(cls, row: PlanGoal, progress: Progress) -> Goal:
        fields = {name: getattr(row, name) for name in cls.model_fields if name != "progress"}
        return cls(**fields, progress=GoalProgress(status=progress.status.value, school_days=progress.school_days,
                                                   absences=progress.absences, review_on=progress.review_on))  # fmt: skip


class Intervention(Recorded):
    intervention_id: int
    code: str
    tier: int
    label: str
    owner_id: str
    start_date: date
    end_date: date | None
    status: Status

    @classmethod
    def of(cls, row: PlanIntervention) -> Intervention:
        tier = TIER_OF[row.code]
        fields = {name: getattr(row, name) for name in cls.model_fields if name not in ("tier", "label")}
        return cls(**fields, tier=tier, label=INTERVENTIONS[tier][row.code])


class Meeting(Recorded):
    meeting_id: int
    held_on: date
    staff_ids: list[str]
    family_members: list[str]
    family_attended: bool
    notes: str | None


class Note(Recorded):
    note_id: int
    text: str


class Acknowledgement(Recorded):
    acknowledgement_id: int
    acknowledged_on: date
    acknowledged_by: str
    how: Literal["signed", "verbal", "electronic"]


class Plan(Camel):
    case_id: str
    barriers: list[Barrier]
    goal: Goal | None = Field(description="The SMART goal, measured on the student's attendance")
    interventions: list[Intervention]
    meetings: list[Meeting]
    notes: list[Note]
    acknowledgements: list[Acknowledgement]
