"""The reports' shapes."""

from __future__ import annotations

from pydantic import Field

from rollcall_shared.schemas import Camel

from plans.plan.taxonomy import INTERVENTIONS, TIER_OF
from plans.reports.effectiveness import Effect


class Window(Camel):
    students: int = Field(description="Students whose whole window of school days has closed")
    attendance_rate: float | None = Field(description="Their mean attendance rate over the window")


class Comparison(Camel):
    students: int = Field(description="Students with both windows whole")
    before: float | None
    after: float | None
    change: float | None = Field(description="after - before, in attendance rate")


class InterventionEffect(Camel):
    code: str
    label: str
    tier: int
    school_id: str | None = Field(description="None: every school of the district")
    students: int = Field(description="Students who received it (active or done)")
    before: Window
    after: Window
    paired: Comparison

    @classmethod
    def of(cls, effect: Effect) -> InterventionEffect:
        tier = TIER_OF[effect.code]
        return cls(
            code=effect.code, label=INTERVENTIONS[tier][effect.code], tier=tier, school_id=effect.school_id,
            students=effect.students, before=Window(**vars(effect.before)), after=Window(**vars(effect.after)),
            paired=Comparison(students=effect.paired.students, before=effect.paired.before, after=effect.paired.after,
                              change=effect.paired.change),
        )  # fmt: skip


class EffectivenessReport(Camel):
    school_year: int
    school_days: int = Field(description="N: the school days measured before and after each start")
    interventions: list[InterventionEffect]
