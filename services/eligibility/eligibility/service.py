"""Applies attendance events in the order they happened and decides every crossing and clearing."""

from __future__ import annotations

from collections.abc import Sequence
from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import (
    AttendanceEvent,
    CalendarDateRecorded,
    DayMissed,
    EnrollmentRecorded,
    SchoolAttendanceChanged,
    SchoolDayClosed,
    StudentEvent,
    StudentGroupsRecorded,
    ThresholdChanged,
    deterministic_id,
)
from rollcall_shared.inbox import claim_new

from eligibility import repository
from eligibility.models import InboxMessage
from eligibility.playbook import TIERS, Playbook
from eligibility.rules import Change, RuleState, SchoolDays, compute_metrics, days_missed, evaluate
from eligibility.schools import lock_schools, review_schools, touched_schools
from eligibility.state import RuleProgress, StudentCache, StudentKey, StudentState

SchoolKey = tuple[str, str]


class Fenced(Exception):
    """Another consumer has taken one of the batch's partitions; this one must not write."""


class Eligibility:
    """Holds students' and schools' state between batches; each batch is one transaction.

    Cached states are trusted while this consumer holds the lease of their partitions: a new owner
    moves the lease's epoch on before it reads anything, and every batch locks its leases first.
    """

    def __init__(self, *, cached_students: int, topic: str) -> None:
        self.students = StudentCache(cached_students)
        self.topic = topic
        self.leases: dict[int, int] = {}
        self._schools: dict[SchoolKey, tuple[int, SchoolDays]] = {}
        self._rebuilds: dict[str, int] = {}

    def forget(self) -> None:
        """Drop every cached state (partitions were reassigned)."""
        self.students.clear()
        self._schools.clear()
        self._rebuilds.clear()

    async def take(self, session: AsyncSession, partitions: set[int]) -> None:
        self.forget()
        self.leases = await repository.take_partitions(session, self.topic, partitions) if partitions else {}

    async def apply(
        self, session: AsyncSession, events: Sequence[AttendanceEvent], partitions: set[int] | None = None
    ) -> tuple[list[tuple[ThresholdChanged, AttendanceEvent]], list[SchoolAttendanceChanged]]:
        """Apply the batch in the caller's transaction; returns the threshold changes with their causes, and
        the changes of the schools' attendance against their target.

        `partitions` are those the events came from; without them (no broker) nothing is fenced.
        """
        if partitions and not (
            partitions <= self.leases.keys()
            and await repository.hold_partitions(session, self.topic, {p: self.leases[p] for p in partitions})
        ):
            self.forget()
            raise Fenced
        fresh = await claim_new(session, InboxMessage, (e.event_id for e in events))
        events = [e for e in events if e.event_id in fresh]
        await repository.save_groups(session, [e for e in events if isinstance(e, StudentGroupsRecorded)])
        events = [e for e in events if not isinstance(e, StudentGroupsRecorded)]
        student_events = [e for e in events if isinstance(e, StudentEvent)]
        keys = list(dict.fromkeys((e.district_id, e.student_id) for e in student_events))
        await self._forget_rebuilt(session, {d for d, _ in keys})
        states = await self._load_students(session, keys)
        playbooks = await repository.playbooks(session, {d for d, _ in keys})
        school_keys = {(e.district_id, e.school_id) for e in events if hasattr(e, "school_id")}
        school_keys |= {(d, school) for (d, _), st in states.items() for school, _ in st.history.enrollments}
        schools = await self._load_schools(session, school_keys)
        days_changed: dict[SchoolKey, dict[date, bool]] = {}
        closed: dict[SchoolKey, date] = {}
        applied: dict[SchoolKey, date] = {}
        closes: Counter[tuple[str, str, str, date, int]] = Counter()
        calendars = Calendars(schools)
        changes: list[tuple[ThresholdChanged, AttendanceEvent]] = []
        try:
            for event in events:
                if isinstance(event, CalendarDateRecorded):
                    _record_calendar_day(schools, days_changed, event)
                    continue
                if isinstance(event, SchoolDayClosed):
                    _learn_closed_days(schools, days_changed, event)
                    _count_close(closes, applied, event)
                if (through := _closed_through(event)) is not None:
                    school = (event.district_id, event.school_id)
                    closed[school] = max(closed.get(school, through), through)
                key = (event.district_id, event.student_id)
                state = states[key]
                for year in sorted(state.apply(event)):
                    changes += [
                        (change, event)
                        for change in evaluate_year(
                            state, key, year, calendars=calendars, playbook=playbooks[event.district_id],
                            school_id=event.school_id, occurred_at=event.recorded_at,
                        )
                    ]
            for school, through in (await repository.count_closes(session, closes)).items():
                applied[school] = max(applied.get(school, through), through)
            touched = touched_schools(states, applied, schools, playbooks)
            as_of = await lock_schools(session, touched | days_changed.keys() | closed.keys(), told=applied)
            await repository.save_students(session, states)
            await repository.save_school_days(session, days_changed)
            await repository.save_closed_through(session, closed, applied)
            school_changes = await review_schools(
                session, touched, as_of=as_of, calendars=schools, playbooks=playbooks,
                occurred_at=max((e.recorded_at for e in events), default=datetime.now(UTC)),
            )
        except BaseException:
            self.students.evict(keys)
            for key in school_keys:
                self._schools.pop(key, None)
            raise
        for key in keys:
            states[key].saved()
            self.students.put(key, states[key])
        for key in days_changed:
            self._schools.pop(key, None)
        return changes, school_changes

    async def _forget_rebuilt(self, session: AsyncSession, district_ids: set[str]) -> None:
        """Drop the cached students of a district whose state a rebuild has rewritten since (a chunk of it)."""
        for district_id, mark in (await repository.rebuild_marks(session, district_ids)).items():
            if self._rebuilds.get(district_id) != mark:
                self.students.evict_district(district_id)
                self._rebuilds[district_id] = mark

    async def _load_students(self, session: AsyncSession, keys: list[StudentKey]) -> dict[StudentKey, StudentState]:
        states: dict[StudentKey, StudentState] = {}
        missing = []
        for key in keys:
            if (cached := self.students.get(key)) is not None:
                states[key] = cached
            else:
                missing.append(key)
        if missing:
            states.update(await repository.load_students(session, missing))
        return states

    async def _load_schools(self, session: AsyncSession, keys: set[SchoolKey]) -> dict[SchoolKey, SchoolDays]:
        stored = await repository.school_versions(session, keys)
        stale = [k for k in keys if self._schools.get(k, (-1, None))[0] != stored.get(k, 0)]
        if stale:
            for key, days in (await repository.instructional_days(session, stale)).items():
                self._schools[key] = (stored.get(key, 0), SchoolDays(frozenset(days)))
        return {key: SchoolDays(self._schools[key][1].instructional) for key in keys}


def _record_calendar_day(
    schools: dict[SchoolKey, SchoolDays], days_changed: dict[SchoolKey, dict[date, bool]], event: CalendarDateRecorded
) -> None:
    key = (event.district_id, event.school_id)
    school = schools[key]
    if event.instructional:
        school.instructional = school.instructional | {event.date}
    else:
        school.instructional = school.instructional - {event.date}
    days_changed.setdefault(key, {})[event.date] = event.instructional


def _learn_closed_days(
    schools: dict[SchoolKey, SchoolDays], days_changed: dict[SchoolKey, dict[date, bool]], event: SchoolDayClosed
) -> None:
    key = (event.district_id, event.school_id)
    school = schools[key]
    if new_days := set(event.instructional_days) - school.instructional:
        school.instructional = school.instructional | new_days
        days_changed.setdefault(key, {}).update(dict.fromkeys(new_days, True))


def _count_close(
    closes: Counter[tuple[str, str, str, date, int]], applied: dict[SchoolKey, date], event: SchoolDayClosed
) -> None:
    """Count the event towards its close; an older event, without a close id or size, is a whole close alone."""
    if event.close_id is None or event.close_size is None:
        key = (event.district_id, event.school_id)
        applied[key] = max(applied.get(key, event.closed_through), event.closed_through)
    else:
        closes[(event.district_id, event.school_id, event.close_id, event.closed_through, event.close_size)] += 1


def _closed_through(event: AttendanceEvent) -> date | None:
    """The school's `as_of` an event tells."""
    if isinstance(event, SchoolDayClosed):
        return event.closed_through
    return event.school_closed_through if isinstance(event, EnrollmentRecorded) else None


class Calendars:
    """The batch's school calendars, each made final only as far as one student has been told."""

    def __init__(self, schools: dict[SchoolKey, SchoolDays]) -> None:
        self.schools = schools
        self._views: dict[tuple[SchoolKey, date | None], SchoolDays] = {}

    def as_seen_by(self, state: StudentState, district_id: str) -> dict[str, SchoolDays]:
        seen = {}
        for school_id, _ in state.history.enrollments:
            key, as_of = (district_id, school_id), state.closed_through.get(school_id)
            school = self.schools[key]
            view = self._views.get((key, as_of))
            if view is None or view.instructional is not school.instructional:
                view = self._views[(key, as_of)] = SchoolDays(school.instructional, as_of)
            seen[school_id] = view
        return seen


def evaluate_year(
    state: StudentState,
    key: StudentKey,
    year: int,
    *,
    calendars: Calendars,
    playbook: Playbook,
    school_id: str,
    occurred_at: datetime,
) -> list[ThresholdChanged]:
    """Evaluate one school year of a student against the playbook; moves its rule states on."""
    district_id, student_id = key
    schools = calendars.as_seen_by(state, district_id)
    metrics = compute_metrics(state.history, school_year=year, schools=schools, playbook=playbook)
    state.metrics[year] = metrics
    current = {rule: progress.state for (y, rule), progress in state.rules.items() if y == year}
    changes = []
    missed: tuple[DayMissed, ...] | None = None
    for transition in evaluate(current, metrics, playbook):
        if missed is None:
            missed = days_missed(state.history, school_year=year, playbook=playbook)
        progress = state.rules.setdefault((year, transition.rule_id), RuleProgress())
        if transition.change is Change.CROSSED:
            progress.crossings += 1
            progress.state, ordinal = RuleState.CROSSED, progress.crossings
        else:
            progress.clearings += 1
            progress.state, ordinal = RuleState.BELOW, progress.clearings
        progress.changed_at = occurred_at
        state.changed_rules.add((year, transition.rule_id))
        change = ThresholdChanged(
            event_id=deterministic_id(district_id, student_id, year, transition.rule_id, transition.change, ordinal),
            type=transition.change.value,
            district_id=district_id,
            student_id=student_id,
            school_id=school_id,
            school_year=year,
            rule_id=transition.rule_id.value,
            tier=TIERS[transition.rule_id],
            metrics=metrics,
            occurred_at=occurred_at,
            days_missed=missed,
        )
        changes.append(change)
    return changes
