"""Streamed Ed-Fi XML interchanges: chunks in, one Ed-Fi JSON-shaped record per element out.

The parser refuses any DTD (so no entity expansion and no external entities) and keeps only
the element being read in memory.
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

Read = Callable[[Element, dict[str, str]], dict[str, Any]]
ELEMENTS: dict[str, tuple[str, Read]] = {
    "StudentSchoolAttendanceEvent": ("studentSchoolAttendanceEvents", elements.daily_attendance),
    "StudentSectionAttendanceEvent": ("studentSectionAttendanceEvents", elements.section_attendance),
    "StudentSchoolAssociation": ("studentSchoolAssociations", elements.enrollment),
    "CalendarDate": ("calendarDates", elements.calendar_date),
    "Student": ("students", elements.student),
    "Contact": ("contacts", elements.contact),
    "StudentContactAssociation": ("studentContactAssociations", elements.student_contact),
}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class _TopLevelElements:
    """Parser target that builds one child of the root at a time and hands it over when it ends."""

    def __init__(self) -> None:
        self.depth = 0
        self.builder: TreeBuilder | None = None
        self.finished: list[Element] = []
        self.ignored: Counter[str] = Counter()

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            namespace = tag[1:].partition("}")[0] if tag.startswith("{") else ""
            if not (namespace.startswith(EDFI_NAMESPACE) and _local(tag).startswith("Interchange")):
                raise Unreadable(f"not an Ed-Fi interchange: the root element is {_local(tag)}")
        elif self.depth == 2:
            if _local(tag) in ELEMENTS:
                self.builder = TreeBuilder()
            else:
                self.ignored[_local(tag)] += 1
        if self.builder is not None:
            self.builder.start(_local(tag), attrib)

    def end(self, tag: str) -> None:
        if self.builder is not None:
            self.builder.end(_local(tag))
            if self.depth == 2:
                self.finished.append(self.builder.close())
                self.builder = None
        self.depth -= 1

    def data(self, text: str) -> None:
        if self.builder is not None:
            self.builder.data(text)

    def close(self) -> None:
        return None


class InterchangeReader:
    """Feed the body chunk by chunk; each call returns the `(resource, record)` pairs completed."""

    def __init__(self) -> None:
        self._elements = _TopLevelElements()
        self._parser = DefusedXMLParser(target=self._elements, forbid_dtd=True)
        self._references: dict[str, str] = {}
        self._started = False

    @property
    def ignored(self) -> dict[str, int]:
        """Elements of the file that ingest does not keep (e.g. Session), counted by name."""
        return dict(self._elements.ignored)

    def feed(self, chunk: bytes) -> list[tuple[str, dict[str, Any]]]:
        self._started = self._started or bool(chunk.strip())
        with _unreadable():
            self._parser.feed(chunk)
        return self._drain()

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
    except DefusedXmlException as error:
        raise Unreadable("DTDs and entity declarations are not accepted") from error
    except ParseError as error:
        raise Unreadable(f"not well-formed XML ({error})") from error
