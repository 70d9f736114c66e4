"""A district's playbook: the thresholds of the default attendance playbook, configurable per district."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ConfigDict, Field, model_validator

from rollcall_shared.schemas import Camel


class RuleId(StrEnum):
    TRUANCY_1 = "truancy-1"
    TRUANCY_2 = "truancy-2"
    TRUANCY_3 = "truancy-3"
    SUCCESS_PLAN = "success-plan"
    CHRONIC_RISK = "chronic-risk"
    CHRONIC = "chronic"
    SEVERE_CHRONIC = "severe-chronic"


class RateRule(Camel):
    model_config = ConfigDict(frozen=True)

    crosses_at: float = Field(gt=0, le=1, description="absence rate at or above which the rule crosses")
    clears_below: float = Field(gt=0, le=1, description="absence rate below which it clears")

    @model_validator(mode="after")
    def _clears_at_or_below_crossing(self) -> RateRule:
        # A clear line above the cross line would flap a student on every evaluation.
        if self.clears_below > self.crosses_at:
            raise ValueError("clears_below must not exceed crosses_at")
        return self


class Playbook(Camel):
    """Every number of `playbook.md`, with its default; the semantics are fixed."""

    model_config = ConfigDict(frozen=True)

    truancy_1_days: int = Field(3, ge=1)
    truancy_1_period_absences: int = Field(18, ge=1)
    truancy_2_days: int = Field(5, ge=1)
    truancy_3_days: int = Field(7, ge=1)
    success_plan_absent_days: int = Field(5, ge=1)
    truant_minutes: int = Field(30, ge=0, description="a tardy, early departure or partial day counts as truant when more minutes than this are missed")
    excused_reasons: tuple[str, ...] = Field((), description="attendanceEventReason values that excuse a tardy, early departure or partial day")
    rate_min_enrolled_days: int = Field(10, ge=1)
    chronic_risk: RateRule = RateRule(crosses_at=0.05, clears_below=0.04)
    chronic: RateRule = RateRule(crosses_at=0.10, clears_below=0.08)
    severe_chronic: RateRule = RateRule(crosses_at=0.20, clears_below=0.16)
    school_attendance_target: float = Field(0.96, gt=0, le=1, description="a school's attendance over its last `schoolTargetDays` school days below this starts a campaign (school.attendance-below-target)")
    school_target_days: int = Field(10, ge=1, le=60, description="the school days a school's attendance is taken over")
    report_minimum_students: int = Field(10, ge=1, description="reports that leave the district show no figures for a row of fewer students")


TIERS: dict[RuleId, int] = {
    RuleId.TRUANCY_1: 1,
    RuleId.TRUANCY_2: 2,
    RuleId.TRUANCY_3: 3,
    RuleId.SUCCESS_PLAN: 2,
    RuleId.CHRONIC_RISK: 1,
    RuleId.CHRONIC: 2,
    RuleId.SEVERE_CHRONIC: 3,
}

DEFAULT_PLAYBOOK = Playbook()
