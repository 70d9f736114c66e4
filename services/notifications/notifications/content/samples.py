"""A made-up household for previews and for checking a district's template."""

from __future__ import annotations

from datetime import date, timedelta

from notifications.content.context import Absence, Child, Letterhead, OutreachContent, Recipient

UNEXCUSED = ("Unexcused Absence", True)
EXCUSED = ("Excused Absence", False)
LATE = ("Tardy", True)

# Each sample child's days for a kind, enough to cross that kind's rule.
_DAYS = {
    "truancy-1": ((UNEXCUSED,) * 3, (UNEXCUSED, LATE, UNEXCUSED)),
    "truancy-2": ((UNEXCUSED,) * 5, (UNEXCUSED, LATE) * 2 + (UNEXCUSED,)),
    "truancy-3": ((UNEXCUSED,) * 7, (UNEXCUSED, LATE) * 3 + (UNEXCUSED,)),
    "success-plan": ((EXCUSED, UNEXCUSED) * 2 + (EXCUSED,), (EXCUSED,) * 6),
    "chronic-risk": ((EXCUSED,) * 3, (EXCUSED, UNEXCUSED)),
    "chronic": ((EXCUSED,) * 5, (EXCUSED, UNEXCUSED) * 3),
    "correction": ((EXCUSED,) * 3, (EXCUSED,) * 3),
}
ENROLLED_DAYS = 40
FIRST_DAY = date(2021, 9, 7)


def sample_content(kind: str, language: str) -> OutreachContent:
    """A sample household of two children, clearly not a real family, for a kind's preview."""
    spanish = language == "es"
    children = (
        _child("S-0001", "Ana", "Sample Elementary School", _DAYS[kind][0], offset=0),
        _child("S-0002", "Luis", "Sample Middle School", _DAYS[kind][1], offset=1),
    )
    return OutreachContent(
        kind=kind,
        rule_id="truancy-1" if kind == "correction" else kind,
        language=language,
        children=children,
        recipient=Recipient(
            name="Carmen Sample",
            address_lines=("123 Example Street, Apt 4", "Springfield, CA 90000"),
        ),
        letterhead=Letterhead(
            district_name="Sample Unified School District",
            address_lines=("1 District Way", "Springfield, CA 90000"),
            phone="(555) 010-0100",
            email="attendance@example.org",
            signer="Oficina de Asistencia" if spanish else "Attendance Office",
        ),
        date=date(2021, 11, 5),
        school_year=2022,
    )


def _child(
    student_id: str, first_name: str, school: str, days: tuple[tuple[str, bool], ...], offset: int
) -> Child:
    absences = tuple(
        Absence(date=_school_day(3 * n + offset), category=category, truant=truant)
        for n, (category, truant) in enumerate(days)
    )
    absent_days = sum(a.category in ("Excused Absence", "Unexcused Absence") for a in absences)
    return Child(
        student_id=student_id,
        first_name=first_name,
        last_name="Sample",
        school_id=f"sample-{school.split()[1].lower()}",
        school_name=school,
        absent_days=absent_days,
        truant_days=sum(a.truant for a in absences),
        unexcused_period_absences=0,
        enrolled_days=ENROLLED_DAYS,
        absence_rate=absent_days / ENROLLED_DAYS,
        absences=absences,
    )


def _school_day(n: int) -> date:
    """The n-th weekday from the first day of the sample school year."""
    day = FIRST_DAY
    while n:
        day += timedelta(days=1)
        n -= day.weekday() < 5
    return day
