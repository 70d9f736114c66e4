"""A seeded, streaming generator of a realistic district, replayed day by day as Ed-Fi resources.

Each student's absences, tardies and skipped periods are drawn as gaps between events, so a replay
costs time in proportion to the records it yields and memory in proportion to the roster only.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property
from itertools import islice
from typing import Any

from rollcall_dev import attendance, edfi, groups
from rollcall_dev.attendance import PRESENT, UNEXCUSED, Absence
from rollcall_dev.roster import (
    Enrollment,
    Family,
    School,
    Student,
    make_families,
    make_schools,
    make_students,
)
from rollcall_dev.school_year import school_days, weekdays

RESENT_SHARE = 0.01
"""Records the SIS sends again the next day, unchanged."""
TIME_ZONE = "America/Los_Angeles"
LETTERHEAD = {
    "districtName": "Cedar Grove Unified School District",
    "addressLines": ["1450 Mission Avenue", "Cedar Grove, CA 91730"],
    "phone": "(626) 418-2600",
    "email": "attendance@cedargrove-usd.example.org",
    "signer": "Office of Child Welfare and Attendance",
}


def _enrollment_changes(students: list[Student]) -> dict[int, list[tuple[Student, Enrollment]]]:
    """By school day: enrollments that start that day, or whose exit the SIS records that day."""
    changes: defaultdict[int, list[tuple[Student, Enrollment]]] = defaultdict(list)
    for student in students:
        for enrollment in student.enrollments:
            changes[enrollment.entry].append((student, enrollment))
            if enrollment.exit is not None:
                changes[enrollment.exit + 1].append((student, enrollment))
    return changes


class Kind(StrEnum):
    """What a student's next scheduled event is."""

    ABSENCE = "absence"
    ILLNESS_GOES_ON = "illness goes on"
    TARDY = "tardy"
    SKIPPED_PERIODS = "skipped periods"


@dataclass(frozen=True)
class Records:
    """Ed-Fi resources of one kind to POST together, in the order the SIS sent them."""

    resource: str
    items: list[edfi.Resource]


@dataclass(frozen=True)
class DayClosed:
    """The SIS says attendance at the school for that day is final."""

    school_id: str
    date: date


@dataclass(frozen=True)
class Expected:
    """What the district's records say about one student through the last closed day."""

    enrolled_days: int
    absent_days: int
    unexcused_period_absences: int


class District:
    """A district of K-8 schools and high schools whose 2025-26 school year replays day by day."""

    def __init__(
        self,
        *,
        district_id: str = "demo",
        seed: int = 2026,
        schools: int = 3,
        students: int = 600,
        days: int | None = None,
        batch_size: int = 1000,
    ) -> None:
        self.district_id = district_id
        self.seed = seed
        self.batch_size = batch_size
        self.year = school_days()
        self.school_days = self.year[:days]
        self.schools = make_schools(schools)
        self.students = make_students(
            random.Random(f"{seed}:roster"), students, self.schools, len(self.year)
        )
        self._enrollment_changes = _enrollment_changes(self.students)
        rates = {
            Kind.ABSENCE: [s.absence_rate / attendance.mean_absence_days(s) for s in self.students],
            Kind.TARDY: [s.tardy_rate for s in self.students],
            Kind.SKIPPED_PERIODS: [s.skip_rate for s in self.students],
        }
        self._log_stay = {
            kind: [math.log(1.0 - rate) for rate in each] for kind, each in rates.items()
        }
        self._reset()

    def _reset(self) -> None:
        self._rng = random.Random(f"{self.seed}:attendance")
        self._due: defaultdict[int, list[tuple[int, Kind, Absence | None]]] = defaultdict(list)
        self._corrections: defaultdict[int, list[tuple[int, edfi.Resource]]] = defaultdict(list)
        self._resends: defaultdict[int, list[edfi.Resource]] = defaultdict(list)
        self._absent = [0] * len(self.students)
        self._skipped = [0] * len(self.students)
        self.closed_days = 0
        for number in range(len(self.students)):
            self._schedule(number, Kind.ABSENCE, -1)
            self._schedule(number, Kind.TARDY, -1)
            self._schedule(number, Kind.SKIPPED_PERIODS, -1)

    @cached_property
    def families(self) -> list[Family]:
        """Who each student lives with; drawn only when asked for (the bench never asks)."""
        return make_families(random.Random(f"{self.seed}:families"), self.students)

    def roster(self) -> Iterator[Records]:
        """Students, their guardians and who lives with whom: the SIS sends these first."""
        children = (child for family in self.families for child in family.children)
        yield from self._batches("students", (
            edfi.student(
                student_id=child.student.student_id, first_name=child.first_name,
                last_name=child.last_name, birth_date=child.birth_date,
            )
            for child in children
        ))  # fmt: skip
        guardians = (guardian for family in self.families for guardian in family.guardians)
        yield from self._batches("contacts", (
            edfi.contact(
                contact_id=g.contact_id, first_name=g.first_name, last_name=g.last_name,
                language=g.language, address=g.address, mobile=g.mobile,
                home_phone=g.home_phone, email=g.email,
            )
            for g in guardians
        ))  # fmt: skip
        yield from self._batches("studentContactAssociations", (
            edfi.student_contact_association(
                student_id=child.student.student_id, contact_id=guardian.contact_id,
                relation=guardian.relation, primary=priority == 1,
                lives_with=guardian.lives_with, priority=priority,
            )
            for family in self.families
            for child in family.children
            for priority, guardian in enumerate(family.guardians, 1)
        ))  # fmt: skip

    def groups(self) -> Iterator[Records]:
        """Each student's sex, race and ethnicity, English learner status and programs, as reports group them."""
        by_resource: defaultdict[str, list[edfi.Resource]] = defaultdict(list)
        for resource, record in groups.resources(groups.draw_groups(random.Random(f"{self.seed}:groups"), self.students)):
            by_resource[resource].append(record)
        for resource, records in by_resource.items():
            yield from self._batches(resource, records)

    def outreach_settings(self) -> dict[str, Any]:
        """The district's notification settings: letterhead, schools, and no quiet hours.

        Letters are printed on request after the replay, so the print time is the day's last minute.
        """
        return {
            **LETTERHEAD,
            "timeZone": TIME_ZONE,
            "quietHours": {},
            "printTime": "23:59:00",
            "schools": {school.school_id: school.name for school in self.schools},
        }

    def replay(self) -> Iterator[Records | DayClosed]:
        """The whole replay: the year's calendar, then each school day's records and closes."""
        self._reset()
        calendar = (
            edfi.calendar_date(
                school_id=school.school_id, calendar_code=school.calendar_code, day=day
            )
            for school in self.schools
            for day in weekdays()
        )
        yield from self._batches("calendarDates", calendar)
        for index, day in enumerate(self.school_days):
            yield from self._batches("studentSchoolAssociations", self._enrollments(index))
            daily, sections = self._attendance(index, day)
            yield from self._batches("studentSchoolAttendanceEvents", daily)
            yield from self._batches("studentSectionAttendanceEvents", sections)
            for school in self.schools:
                yield DayClosed(school.school_id, day)
            self.closed_days = index + 1

    def expected(self, student: Student) -> Expected:
        """The student's counts as of the last day the replay closed."""
        return Expected(
            enrolled_days=student.enrolled_days(through=self.closed_days - 1),
            absent_days=self._absent[student.number],
            unexcused_period_absences=self._skipped[student.number],
        )

    def examples(self) -> dict[str, Student]:
        """One student of each kind worth looking at, judged by the records replayed so far."""

        def rate(student: Student) -> float:
            expected = self.expected(student)
            return expected.absent_days / expected.enrolled_days if expected.enrolled_days else 0.0

        kinds = {
            "severe chronic": lambda s: rate(s) >= 0.20,
            "chronic": lambda s: 0.10 <= rate(s) < 0.20,
            "truant": lambda s: s.truant and rate(s) < 0.10,
            "skips periods": lambda s: self._skipped[s.number] >= 10,
            "moved schools": lambda s: s.transferred and s.enrollments[-1].entry < self.closed_days,
            "rarely absent": lambda s: rate(s) < 0.02 and not s.truant,
        }
        return {
            label: student
            for label, matches in kinds.items()
            for student in islice((s for s in self.students if matches(s)), 1)
        }

    def _batches(self, resource: str, records: Iterable[edfi.Resource]) -> Iterator[Records]:
        records = iter(records)
        while batch := list(islice(records, self.batch_size)):
            yield Records(resource, batch)

    def _schedule(self, number: int, kind: Kind, after: int) -> None:
        """Put the student's next event of this kind on a later school day (a geometric gap)."""
        log_stay = self._log_stay[kind][number]
        if log_stay < 0:
            gap = 1 + int(math.log(1.0 - self._rng.random()) / log_stay)
            self._due[after + gap].append((number, kind, None))

    def _enrollments(self, index: int) -> Iterator[edfi.Resource]:
        """Entries that start today, and exits recorded the school day after the last one."""
        for student, enrollment in self._enrollment_changes.get(index, ()):
            ends = enrollment.exit == index - 1
            yield edfi.school_association(
                student_id=student.student_id,
                school_id=enrollment.school.school_id,
                entry=self.year[enrollment.entry],
                exit_withdraw=self.year[enrollment.exit] if ends else None,
                grade=student.grade,
            )

    def _attendance(self, index: int, day: date) -> tuple[list[edfi.Resource], list[edfi.Resource]]:
        """The day's daily records, after earlier days' resends and corrections; periods skipped."""
        daily: dict[int, edfi.Resource] = {}
        absent: set[int] = set()
        skipping: list[tuple[Student, School]] = []
        for number, kind, absence in self._due.pop(index, ()):
            student = self.students[number]
            if kind is Kind.ABSENCE:
                absence = attendance.draw_absence(self._rng, student)
                self._schedule(number, kind, index + absence[2] - 1)
            elif kind is not Kind.ILLNESS_GOES_ON:
                self._schedule(number, kind, index)
            if absence is not None and absence[2] > 1:
                category, reason, days = absence
                self._due[index + 1].append(
                    (number, Kind.ILLNESS_GOES_ON, (category, reason, days - 1))
                )
            school = student.school_on(index)
            if school is None:
                continue
            if kind is Kind.TARDY and number not in daily:
                daily[number] = attendance.late_arrival(self._rng, student, school, day)
            elif kind is Kind.SKIPPED_PERIODS:
                skipping.append((student, school))
            elif absence is not None and number not in absent:
                absent.add(number)
                daily[number] = self._absence(student, school, index, day, absence)
        sections = []
        for student, school in skipping:
            if student.number not in absent:
                periods = attendance.skipped_periods(self._rng, student, school, day)
                self._skipped[student.number] += len(periods)
                sections += periods
        for record in daily.values():
            if self._rng.random() < RESENT_SHARE:
                self._resends[index + 1].append(record)
        earlier = self._resends.pop(index, []) + self._corrected(index)
        return earlier + list(daily.values()), sections

    def _absence(
        self, student: Student, school: School, index: int, day: date, absence: Absence
    ) -> edfi.Resource:
        category, reason, _ = absence
        self._absent[student.number] += 1
        if category == UNEXCUSED and (
            fixed := attendance.correction(self._rng, student, school, day)
        ):
            self._corrections[index + self._rng.randint(1, 4)].append((student.number, fixed))
        return attendance.daily(student, school, day, category, reason)

    def _corrected(self, index: int) -> list[edfi.Resource]:
        records = []
        for number, record in self._corrections.pop(index, ()):
            if record["attendanceEventCategoryDescriptor"].endswith(PRESENT):
                self._absent[number] -= 1
            records.append(record)
        return records
