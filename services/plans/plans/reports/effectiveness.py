"""Intervention effectiveness on plain data: attendance over the N school days before each start against the N after."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from statistics import fmean

from plans.attendance.days import StudentDays


@dataclass(frozen=True)
class Start:
    """A student's first start of an intervention kind at a school."""

    code: str
    school_id: str
    student_id: str
    start_date: date


@dataclass(frozen=True)
class Window:
    students: int
    """Students whose whole window of N school days has closed."""
    attendance_rate: float | None


@dataclass(frozen=True)
class Comparison:
    """Before and after over the students who have both windows whole: the fair comparison."""

    students: int
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        return round(self.after - self.before, 4) if self.before is not None and self.after is not None else None


@dataclass(frozen=True)
class Effect:
    code: str
    school_id: str | None
    """None: every school of the district."""
    students: int
    before: Window
    after: Window
    paired: Comparison


def measure(starts: Iterable[Start], days_of: Mapping[str, StudentDays], school_days: int) -> list[Effect]:
    """One effect per intervention kind and school, then per kind for the whole district."""
    rates: dict[tuple[str, str | None], list[tuple[float | None, float | None]]] = defaultdict(list)
    for start in starts:
        days = days_of[start.student_id]
        before = days.before(start.start_date, school_days)
        after = days.starting(start.start_date, school_days)
        pair = (days.attendance_rate(before) if len(before) == school_days else None,
                days.attendance_rate(after) if len(after) == school_days else None)  # fmt: skip
        rates[(start.code, start.school_id)].append(pair)
        rates[(start.code, None)].append(pair)
    return [_effect(code, school_id, pairs) for (code, school_id), pairs in sorted(rates.items(), key=_order)]


def _order(item: tuple[tuple[str, str | None], object]) -> tuple[str, bool, str]:
    (code, school_id), _ = item
    return code, school_id is None, school_id or ""


def _effect(code: str, school_id: str | None, pairs: list[tuple[float | None, float | None]]) -> Effect:
    before = [b for b, _ in pairs if b is not None]
    after = [a for _, a in pairs if a is not None]
    both = [(b, a) for b, a in pairs if b is not None and a is not None]
    return Effect(
        code=code, school_id=school_id, students=len(pairs),
        before=Window(len(before), _mean(before)), after=Window(len(after), _mean(after)),
        paired=Comparison(len(both), _mean([b for b, _ in both]), _mean([a for _, a in both])),
    )  # fmt: skip


def _mean(values: list[float]) -> float | None:
    return round(fmean(values), 4) if values else None
