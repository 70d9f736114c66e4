"""Report groups: keep each student's current group documents, and announce the whole picture on every change."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import GroupName, GroupPeriod, StudentGroupsRecorded

from ingest.current import Applied
from ingest.edfi.resources import (
    StudentEducationOrganizationAssociation,
    StudentHomelessProgramAssociation,
    StudentProgramAssociation,
    StudentSchoolFoodServiceProgramAssociation,
    StudentSpecialEducationProgramAssociation,
)
from ingest.groups import repository
from ingest.publishers import new_event_id

GroupSource = StudentEducationOrganizationAssociation | StudentProgramAssociation
SOURCES: dict[str, type[GroupSource]] = {
    source.__name__: source
    for source in (
        StudentEducationOrganizationAssociation,
        StudentProgramAssociation,
        StudentSpecialEducationProgramAssociation,
        StudentSchoolFoodServiceProgramAssociation,
        StudentHomelessProgramAssociation,
    )
}
"""The Ed-Fi resources groups come from, by the name their documents are stored under."""

PROGRAM_GROUPS: dict[type[StudentProgramAssociation], GroupName] = {
    StudentSpecialEducationProgramAssociation: "special-education",
    StudentSchoolFoodServiceProgramAssociation: "economically-disadvantaged",
    StudentHomelessProgramAssociation: "homeless",
}
CHARACTERISTIC_GROUPS: dict[str, GroupName] = {
    "economic disadvantaged": "economically-disadvantaged",
    "homeless": "homeless",
    "foster care": "foster-care",
}
"""StudentCharacteristicDescriptor code values, case aside."""
ENGLISH_PROFICIENT = "notlimited"
"""The LimitedEnglishProficiencyDescriptor `NotLimited` (or `Not Limited`); any other value is an English learner."""
HISPANIC = "Hispanic or Latino"
SEVERAL_RACES = "Two or more races"


async def record_group_documents(
    session: AsyncSession, *, district_id: str, records: Sequence[tuple[int, GroupSource]], now: datetime
) -> Applied:
    """Keep the current document of each key; the students whose documents changed are regrouped.

    Each record is compared with its key's current document (a later record of the same key in the batch, with
    the one before it): the same document again is a duplicate.
    """
    students = {record.student_reference.student_unique_id for _, record in records}
    stored = await repository.lock_students(session, district_id=district_id, student_ids=students)
    applied = Applied()
    for _, record in records:
        student_id = record.student_reference.student_unique_id
        resource, resource_id = type(record).__name__, _resource_id(record)
        document = record.model_dump(mode="json", by_alias=True)
        key = f"{resource} {resource_id}"
        current = stored[student_id].get(key)
        if current is not None and current["document"] == document:
            applied.duplicates += 1
            continue
        stored[student_id][key] = {
            "resource": resource, "resourceId": resource_id, "document": document, "recordedAt": now.isoformat(),
        }  # fmt: skip
        applied.accepted += 1
        applied.regrouped.add(student_id)
    changed = {student_id: stored[student_id] for student_id in applied.regrouped}
    await repository.save_documents(session, district_id=district_id, documents=changed)
    return applied


async def announce_groups(
    session: AsyncSession, *, district_id: str, student_ids: Collection[str], now: datetime
) -> list[StudentGroupsRecorded]:
    """Each student's report groups, whole, from every current group document of theirs."""
    if not student_ids:
        return []
    stored = await repository.lock_students(session, district_id=district_id, student_ids=student_ids)
    return [
        student_groups(_sources(stored[student_id]), district_id=district_id, student_id=student_id, now=now)
        for student_id in sorted(student_ids)
    ]


def _sources(documents: repository.Documents) -> list[GroupSource]:
    return [SOURCES[held["resource"]].model_validate(held["document"]) for _, held in sorted(documents.items())]


def student_groups(
    sources: Sequence[GroupSource], *, district_id: str, student_id: str, now: datetime
) -> StudentGroupsRecorded:
    """Sex and race come from the first association, by education organization id, that states them."""
    associations = sorted(
        (source for source in sources if isinstance(source, StudentEducationOrganizationAssociation)),
        key=lambda association: association.education_organization_reference.education_organization_id,
    )
    periods = {period for source in sources for period in _periods(source)}
    return StudentGroupsRecorded(
        event_id=new_event_id(),
        district_id=district_id,
        recorded_at=now,
        student_id=student_id,
        sex=next((association.sex_descriptor for association in associations if association.sex_descriptor), None),
        race_ethnicity=next(filter(None, map(race_ethnicity, associations)), None),
        groups=tuple(sorted(periods, key=_in_order)),
    )


def race_ethnicity(association: StudentEducationOrganizationAssociation) -> str | None:
    """Hispanic or Latino of any race, else the one race reported, else `Two or more races`; None if neither."""
    if association.hispanic_latino_ethnicity:
        return HISPANIC
    races = {race.race_descriptor for race in association.races}
    if len(races) > 1:
        return SEVERAL_RACES
    return races.pop() if races else None


def _periods(source: GroupSource) -> list[GroupPeriod]:
    if isinstance(source, StudentEducationOrganizationAssociation):
        return _association_periods(source)
    group = PROGRAM_GROUPS.get(type(source)) or _foster_care(source)
    return [GroupPeriod(group=group, begin_date=source.begin_date, end_date=source.end_date)] if group else []


def _association_periods(association: StudentEducationOrganizationAssociation) -> list[GroupPeriod]:
    """English learners have no dates; a characteristic without periods is open."""
    periods = []
    proficiency = association.limited_english_proficiency_descriptor
    if proficiency is not None and proficiency.replace(" ", "").casefold() != ENGLISH_PROFICIENT:
        periods.append(GroupPeriod(group="english-learner"))
    for characteristic in association.student_characteristics:
        group = CHARACTERISTIC_GROUPS.get(characteristic.student_characteristic_descriptor.casefold())
        if group is not None:
            periods += [
                GroupPeriod(group=group, begin_date=period.begin_date, end_date=period.end_date)
                for period in characteristic.periods
            ] or [GroupPeriod(group=group)]
    return periods


def _foster_care(program: StudentProgramAssociation) -> GroupName | None:
    """A generic program association is foster care when its program's name or type says so."""
    names = f"{program.program_reference.program_name} {program.program_reference.program_type_descriptor}"
    return "foster-care" if "foster" in names.casefold() else None


def _resource_id(record: GroupSource) -> str:
    """The Ed-Fi key besides the student; a program's name, free text, comes last."""
    organization = record.education_organization_reference.education_organization_id
    if isinstance(record, StudentEducationOrganizationAssociation):
        return organization
    program = record.program_reference
    parts = (organization, program.education_organization_id, program.program_type_descriptor, record.begin_date)
    return "/".join(str(part) for part in (*parts, program.program_name))


def _in_order(period: GroupPeriod) -> tuple[str, date, date]:
    return period.group, period.begin_date or date.min, period.end_date or date.max
