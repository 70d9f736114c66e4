"""Streamed Ed-Fi XML interchanges: chunks in, one Ed-Fi JSON-shaped record per element out.

The parser refuses any DTD (so no entity expansion and no external entities) and keeps only
the element being read in memory; a file whose elements nest too deep, grow too large or that
holds one endless tag is refused before it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from ingest.edfi import elements
from ingest.edfi.errors import Unreadable

EDFI_NAMESPACE = "http://ed-fi.org/"
MAX_DEPTH = 32
"""Elements deep; Ed-Fi's deepest path (a section's session's school) is about twelve."""
MAX_ELEMENT_CHARACTERS = 1024 * 1024
"""Text, attributes and children of one record's element; a Student with every field is a few KiB."""
CHILD_CHARACTERS = 100
"""What each element inside a record counts for besides its text: it costs memory of its own."""
MAX_SILENT_BYTES = 1024 * 1024
"""Bytes the parser may take without anything happening: one tag, comment or name that never ends."""
MAX_IGNORED_KINDS = 1000
"""Names of elements ingest does not keep; an interchange has a few dozen."""
SLICE_BYTES = 64 * 1024

Read = Callable[[Element, dict[str, str]], dict[str, Any]]
ELEMENTS: dict[str, tuple[str, Read]] = {
    "StudentSchoolAttendanceEvent": ("studentSchoolAttendanceEvents", elements.daily_attendance),
    "StudentSectionAttendanceEvent": ("studentSectionAttendanceEvents", elements.section_attendance),
    "StudentSchoolAssociation": ("studentSchoolAssociations", elements.enrollment),
    "CalendarDate": ("calendarDates", elements.calendar_date),
    "Student": ("students", elements.student),
    "Contact": ("contacts", elements.contact),
    "StudentContactAssociation": ("studentContactAssociations", elements.student_contact),
    "StudentEducationOrganizationAssociation": (
        "studentEducationOrganizationAssociations", elements.education_organization_association
    ),
    "StudentProgramAssociation": ("studentProgramAssociations", elements.program_association),
    "StudentSpecialEducationProgramAssociation": (
        "studentSpecialEducationProgramAssociations", elements.program_association
    ),
    "StudentSchoolFoodServiceProgramAssociation": (
        "studentSchoolFoodServiceProgramAssociations", elements.program_association
    ),
    "StudentHomelessProgramAssociation": ("studentHomelessProgramAssociations", elements.program_association),
}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class _TopLevelElements:
    """Parser target that builds one child of the root at a time and hands it over when it ends."""

    def __init__(self) -> None:
        self.depth = 0
        self.builder: TreeBuilder | None = None
        self.size = 0
        """Characters of the element being built."""
        self.finished: list[Element] = []
        self.ignored: Counter[str] = Counter()
        self.events = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        self.events += 1
        if self.depth > MAX_DEPTH:
            raise Unreadable(f"elements nest deeper than {MAX_DEPTH} levels")
        if self.depth == 1:
            namespace = tag[1:].partition("}")[0] if tag.startswith("{") else ""
            if not (namespace.startswith(EDFI_NAMESPACE) and _local(tag).startswith("Interchange")):
                raise Unreadable(f"not an Ed-Fi interchange: the root element is {_local(tag)}")
        elif self.depth == 2:
            if _local(tag) in ELEMENTS:
                self.builder, self.size = TreeBuilder(), 0
            elif _local(tag) in self.ignored or len(self.ignored) < MAX_IGNORED_KINDS:
                self.ignored[_local(tag)] += 1
            else:
                raise Unreadable(f"not an Ed-Fi interchange: more than {MAX_IGNORED_KINDS} kinds of elements")
        if self.builder is not None:
            self._grow(CHILD_CHARACTERS + sum(len(name) + len(value) for name, value in attrib.items()))
            self.builder.start(_local(tag), attrib)

    def end(self, tag: str) -> None:
        self.events += 1
        if self.builder is not None:
            self.builder.end(_local(tag))
            if self.depth == 2:
                self.finished.append(self.builder.close())
                self.builder = None
        self.depth -= 1

    def data(self, text: str) -> None:
        self.events += 1
        if self.builder is not None:
            self._grow(len(text))
            self.builder.data(text)

    def _grow(self, characters: int) -> None:
        self.size += characters
        if self.size > MAX_ELEMENT_CHARACTERS:
            raise Unreadable(f"an element is larger than {MAX_ELEMENT_CHARACTERS:,} characters")

    def close(self) -> None:
        return None


class InterchangeReader:
    """Feed the body chunk by chunk; each call returns the `(resource, record)` pairs completed."""

    def __init__(self) -> None:
        self._elements = _TopLevelElements()
        self._parser = DefusedXMLParser(target=self._elements, forbid_dtd=True)
        self._references: dict[str, str] = {}
        self._started = False
        self._silent = 0

    @property
    def ignored(self) -> dict[str, int]:
        """Elements of the file that ingest does not keep (e.g. Session), counted by name."""
        return dict(self._elements.ignored)

    def feed(self, chunk: bytes) -> list[tuple[str, dict[str, Any]]]:
        self._started = self._started or bool(chunk.strip())
        records = []
        for start in range(0, len(chunk), SLICE_BYTES):
            events, piece = self._elements.events, chunk[start : start + SLICE_BYTES]
            with _unreadable():
                self._parser.feed(piece)
            self._silent = 0 if self._elements.events != events else self._silent + len(piece)
            if self._silent > MAX_SILENT_BYTES:
                raise Unreadable(f"a tag, comment or name runs on for more than {MAX_SILENT_BYTES:,} bytes")
            records += self._drain()
        return records

    def close(self) -> list[tuple[str, dict[str, Any]]]:
        if not self._started:
            raise Unreadable("the body is empty")
        with _unreadable():
            self._parser.close()
        return self._drain()

    def _drain(self) -> list[tuple[str, dict[str, Any]]]:
        records = []
        for element in self._elements.finished:
            resource, read = ELEMENTS[element.tag]
            records.append((resource, read(element, self._references)))
        self._elements.finished.clear()
        return records


@contextmanager
def _unreadable() -> Iterator[None]:
    """Turns the parser's refusals into `Unreadable`."""
    try:
        yield
    except Unreadable:
        raise
    except DefusedXmlException as error:
        raise Unreadable("DTDs and entity declarations are not accepted") from error
    except ParseError as error:
        raise Unreadable(f"not well-formed XML ({error})") from error
    except (LookupError, ValueError) as error:  # the XML declaration names an encoding expat cannot read
        raise Unreadable(f"the XML's declared encoding cannot be read ({error}); send it as UTF-8") from error
