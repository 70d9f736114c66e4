"""The generated district's schools and students: who attends where, and how often they miss."""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from rollcall_dev.school_year import SCHOOL_YEAR

SCHOOL_NAMES = (
    "Lincoln", "Washington", "Roosevelt", "Jefferson", "Madison", "Franklin",
    "Kennedy", "Hamilton", "Garfield", "Monroe", "Adams", "Jackson",
)  # fmt: skip
FIRST_STUDENT_ID = 604001

PROFILES = (
    ("regular", 0.72, 0.0, 0.035),
    ("at-risk", 0.13, 0.05, 0.09),
    ("chronic", 0.12, 0.11, 0.19),
    ("severe-chronic", 0.03, 0.22, 0.35),
)
"""Attendance Works tiers: the share of students in each and the range of their absence rate."""
TRUANT_SHARE = 0.08
SKIPS_PERIODS_SHARE = 0.06
LATE_ENTRY_SHARE = 0.04
TRANSFER_SHARE = 0.04
WITHDRAWAL_SHARE = 0.03


@dataclass(frozen=True)
class School:
    school_id: str
    name: str
    grades: range
    """Grades served; 0 is kindergarten."""

    @property
    def calendar_code(self) -> str:
        return f"{self.school_id}-{SCHOOL_YEAR}"


@dataclass(frozen=True)
class Enrollment:
    """Attendance at `school` from school day `entry` through `exit` (indexes into the year)."""

    school: School
    entry: int
    exit: int | None = None


@dataclass(slots=True)
class Student:
    number: int
    student_id: str
    grade: int
    profile: str
    absence_rate: float
    unexcused_share: float
    tardy_rate: float
    skip_rate: float
    enrollments: list[Enrollment]

    @property
    def truant(self) -> bool:
        return self.unexcused_share > 0.5

    @property
    def skips_periods(self) -> bool:
        return self.skip_rate > 0

    @property
    def transferred(self) -> bool:
        return len(self.enrollments) > 1

    def school_on(self, index: int) -> School | None:
        for enrollment in self.enrollments:
            if enrollment.entry <= index and (enrollment.exit is None or index <= enrollment.exit):
                return enrollment.school
        return None

    def enrolled_days(self, *, through: int) -> int:
        """School days enrolled from the first day of the year through day `through`."""
        total = 0
        for enrollment in self.enrollments:
            last = through if enrollment.exit is None else min(enrollment.exit, through)
            total += max(0, last - enrollment.entry + 1)
        return total


def make_schools(count: int) -> list[School]:
    """Two K-8 schools for every high school, with Ed-Fi style ids (district 255901)."""
    schools = []
    for n in range(count):
        high = n % 3 == 2
        name = SCHOOL_NAMES[n % len(SCHOOL_NAMES)]
        if n >= len(SCHOOL_NAMES):
            name += f" {n // len(SCHOOL_NAMES) + 1}"
        kind, grades = ("High School", range(9, 13)) if high else ("K-8 School", range(0, 9))
        schools.append(School(str(255901001 + n), f"{name} {kind}", grades))
    return schools


def make_students(
    rng: random.Random, count: int, schools: list[School], year_days: int
) -> list[Student]:
    by_grade = {grade: [s for s in schools if grade in s.grades] for grade in range(13)}
    grades = [grade for grade, serving in by_grade.items() if serving]
    return [_student(rng, number, by_grade, grades, year_days) for number in range(count)]


def _student(
    rng: random.Random,
    number: int,
    by_grade: dict[int, list[School]],
    grades: list[int],
    year_days: int,
) -> Student:
    grade = rng.choice(grades)
    profile, low, high = _profile(rng.random())
    truant = rng.random() < TRUANT_SHARE
    skips = grade >= 9 and rng.random() < SKIPS_PERIODS_SHARE
    return Student(
        number=number,
        student_id=str(FIRST_STUDENT_ID + number),
        grade=grade,
        profile=profile,
        absence_rate=rng.uniform(low, high),
        unexcused_share=rng.uniform(0.7, 0.95) if truant else rng.uniform(0.05, 0.3),
        tardy_rate=rng.uniform(0.03, 0.1) if truant else rng.uniform(0.0, 0.03),
        skip_rate=rng.uniform(0.15, 0.35) if skips else 0.0,
        enrollments=_enrollments(rng, by_grade[grade], year_days),
    )


def _profile(draw: float) -> tuple[str, float, float]:
    for name, share, low, high in PROFILES:
        if draw < share:
            return name, low, high
        draw -= share
    name, _, low, high = PROFILES[-1]
    return name, low, high


def _enrollments(rng: random.Random, schools: list[School], year_days: int) -> list[Enrollment]:
    """Most students attend one school all year; some enter late, move schools or leave."""
    home = rng.choice(schools)
    entry = rng.randrange(1, 40) if rng.random() < LATE_ENTRY_SHARE else 0
    move = rng.random()
    if move < TRANSFER_SHARE and len(schools) > 1:
        day = rng.randrange(entry + 10, year_days - 10)
        other = rng.choice([school for school in schools if school is not home])
        return [Enrollment(home, entry, day - 1), Enrollment(other, day)]
    if move < TRANSFER_SHARE + WITHDRAWAL_SHARE:
        return [Enrollment(home, entry, rng.randrange(entry + 10, year_days - 10))]
    return [Enrollment(home, entry)]


# Families: who each student lives with and how the school reaches them. Drawn from their own
# random stream, only when asked for, so the attendance replay (and the bench) never pays for them.

FIRST_CONTACT_ID = 904001
SIBLINGS = ((1, 0.62), (2, 0.28), (3, 0.10))
"""Students per household and the share of households of that size."""
SPANISH_SHARE = 0.30
TWO_PARENT_SHARE = 0.55
PARENT_ELSEWHERE_SHARE = 0.10
"""Single-parent households whose other parent, living elsewhere, is on file too."""
MOBILE_SHARE = 0.85
EMAIL_ONLY_SHARE = 0.10
"""The rest of the guardians have neither a mobile number nor an email on file."""
EMAIL_WITH_MOBILE_SHARE = 0.70
UNDELIVERABLE_SHARE = 0.06
"""Mobile numbers ending in 0000: the local SMS gateway reports them undeliverable."""
NO_ADDRESS_SHARE = 0.01

FIRST_NAMES = {
    ("en", "F"): ("Emily", "Sarah", "Jessica", "Ashley", "Megan", "Rachel", "Lauren", "Nicole",
                  "Amanda", "Heather", "Olivia", "Grace", "Hannah", "Chloe", "Aaliyah", "Mia"),
    ("en", "M"): ("Michael", "David", "James", "Robert", "Daniel", "Kevin", "Brian", "Jason",
                  "Ethan", "Noah", "Liam", "Tyler", "Marcus", "Andrew", "Elijah", "Ryan"),
    ("es", "F"): ("María", "Guadalupe", "Rosa", "Ana", "Lucía", "Sofía", "Valeria", "Ximena",
                  "Carmen", "Elena", "Camila", "Isabella", "Daniela", "Fernanda", "Paola", "Luz"),
    ("es", "M"): ("José", "Juan", "Luis", "Carlos", "Miguel", "Jesús", "Alejandro", "Mateo",
                  "Santiago", "Diego", "Javier", "Andrés", "Rafael", "Emiliano", "Óscar", "Iker"),
}  # fmt: skip
SURNAMES = {
    "en": ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
           "Anderson", "Taylor", "Thomas", "Moore", "Nguyen", "Kim", "Patel", "Chen", "Jackson",
           "White", "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "Wright", "Scott"),
    "es": ("García", "Hernández", "López", "Martínez", "González", "Rodríguez", "Pérez",
           "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Morales",
           "Cruz", "Reyes", "Gutiérrez", "Ortiz", "Chávez", "Ruiz", "Mendoza", "Vargas",
           "Castillo"),
}  # fmt: skip
STREETS = (
    "Oak", "Maple", "Cedar", "Pine", "Sycamore", "Walnut", "Willow", "Elm", "Mission", "Valley",
    "Sierra", "Olive", "Magnolia", "Jacaranda", "Orange Grove", "Vista", "Alvarado", "Figueroa",
)  # fmt: skip
STREET_KINDS = ("Street", "Avenue", "Drive", "Boulevard", "Lane", "Court", "Way", "Place")
TOWNS = (("Cedar Grove", "91730"), ("Cedar Grove", "91737"), ("Mill Creek", "91752"),
         ("Alder Valley", "91761"), ("Harbor Point", "91764"))  # fmt: skip
AREA_CODES = ("213", "323", "310", "424", "562", "626", "747", "818")
EXCHANGES = tuple(n for n in range(200, 1000) if n % 100 != 11 and n != 555)
"""Exchanges that make a valid-looking number: never N11 or 555."""
EMAIL_DOMAINS = ("example.org", "example.com", "example.net")


@dataclass(frozen=True)
class Address:
    street: str
    apartment: str | None
    city: str
    postal_code: str
    state: str = "CA"


@dataclass(frozen=True)
class Guardian:
    contact_id: str
    first_name: str
    last_name: str
    relation: str
    """An Ed-Fi RelationDescriptor value: Mother, Father, Grandmother, ..."""
    language: str
    """An Ed-Fi LanguageDescriptor value: `spa` or `eng`."""
    lives_with: bool
    address: Address | None
    mobile: str | None
    home_phone: str | None
    """A landline: no texts."""
    email: str | None


@dataclass(frozen=True)
class Child:
    student: Student
    first_name: str
    last_name: str
    birth_date: date


@dataclass(frozen=True)
class Family:
    """Siblings who live together, the guardians at home (the first is the primary contact), and
    sometimes a parent who lives elsewhere."""

    children: tuple[Child, ...]
    guardians: tuple[Guardian, ...]

    @property
    def spanish(self) -> bool:
        return self.guardians[0].language == "spa"


def make_families(rng: random.Random, students: list[Student]) -> list[Family]:
    """Every student in exactly one family; consecutive students are siblings."""
    families: list[Family] = []
    start, contacts = 0, itertools.count(FIRST_CONTACT_ID)
    while start < len(students):
        size = rng.choices([n for n, _ in SIBLINGS], [share for _, share in SIBLINGS])[0]
        families.append(_family(rng, students[start : start + size], contacts))
        start += size
    return families


def _family(rng: random.Random, students: list[Student], contacts: Iterator[int]) -> Family:
    language = "es" if rng.random() < SPANISH_SHARE else "en"
    surname = rng.choice(SURNAMES[language])
    home = _address(rng) if rng.random() >= NO_ADDRESS_SHARE else None
    first_parent = rng.choice(("Mother", "Mother", "Mother", "Father", "Grandmother"))
    relations = [first_parent]
    if rng.random() < TWO_PARENT_SHARE:
        relations.append("Father" if first_parent != "Father" else "Mother")
    guardians = [
        _guardian(rng, next(contacts), relation, language, surname, home, lives_with=True)
        for relation in relations
    ]
    alone = len(guardians) == 1 and relations[0] != "Grandmother"
    if alone and rng.random() < PARENT_ELSEWHERE_SHARE:
        other = "Father" if relations[0] == "Mother" else "Mother"
        elsewhere = rng.choice(SURNAMES[language])
        away = _address(rng)
        guardians.append(
            _guardian(rng, next(contacts), other, language, elsewhere, away, lives_with=False)
        )
    children = tuple(
        Child(student, _first_name(rng, language), surname, _birthday(rng, student))
        for student in students
    )
    return Family(children, tuple(guardians))


def _guardian(
    rng: random.Random, number: int, relation: str, language: str, surname: str,
    address: Address | None, *, lives_with: bool,
) -> Guardian:  # fmt: skip
    sex = "M" if relation == "Father" else "F"
    first = rng.choice(FIRST_NAMES[language, sex])
    draw = rng.random()
    mobile = None
    if draw < MOBILE_SHARE:
        mobile = _phone(rng, undeliverable=rng.random() < UNDELIVERABLE_SHARE)
    has_email = draw < MOBILE_SHARE * EMAIL_WITH_MOBILE_SHARE or (
        MOBILE_SHARE <= draw < MOBILE_SHARE + EMAIL_ONLY_SHARE
    )
    email = f"{_ascii(first)}.{_ascii(surname)}{number % 1000}@{rng.choice(EMAIL_DOMAINS)}"
    return Guardian(
        contact_id=str(number), first_name=first, last_name=surname, relation=relation,
        language="spa" if language == "es" else "eng", lives_with=lives_with, address=address,
        mobile=mobile, home_phone=_phone(rng) if mobile is None and rng.random() < 0.5 else None,
        email=email if has_email else None,
    )  # fmt: skip


def _first_name(rng: random.Random, language: str) -> str:
    return rng.choice(FIRST_NAMES[language, rng.choice("FM")])


def _address(rng: random.Random) -> Address:
    city, postal_code = rng.choice(TOWNS)
    street = f"{rng.randint(100, 9899)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}"
    apartment = f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}" if rng.random() < 0.25 else None
    return Address(street, apartment, city, postal_code)


def _phone(rng: random.Random, *, undeliverable: bool = False) -> str:
    """A Los Angeles area number in the format families write it."""
    exchange = rng.choice(EXCHANGES)
    line = 0 if undeliverable else rng.randint(1, 9999)
    return f"({rng.choice(AREA_CODES)}) {exchange}-{line:04d}"


def _birthday(rng: random.Random, student: Student) -> date:
    """Five on September 1st in kindergarten, a year older each grade."""
    return date(SCHOOL_YEAR - 7 - student.grade, 9, 2) + timedelta(days=rng.randrange(365))


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
