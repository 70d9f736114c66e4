"""Template filters that write dates, names and numbers in the message's language."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.numbers import format_percent
from jinja2 import pass_context
from jinja2.runtime import Context

LOCALES = {"en": "en_US", "es": "es_US"}


def locale_of(language: str) -> str:
    return LOCALES.get(language, language)


def long_date(value: date, language: str) -> str:
    """Long: "October 12, 2021" / "12 de octubre de 2021"."""
    return format_date(value, format="long", locale=locale_of(language))


def full_date(value: date, language: str) -> str:
    """With the weekday: "Tuesday, October 12, 2021" / "martes, 12 de octubre de 2021"."""
    return format_date(value, format="full", locale=locale_of(language))


def short_date(value: date, language: str) -> str:
    """Day and month: "Oct 12" / "12 oct"."""
    return format_skeleton("MMMd", value, locale=locale_of(language))


def names(children: Iterable[object], language: str) -> str:
    """First names joined as the language does: "Ana, Luis, and Eva" / "Ana, Luis y Eva"."""
    first_names = [str(getattr(child, "first_name", child)) for child in children]
    if language == "es" and len(first_names) > 1 and _sounds_like_i(first_names[-1]):
        # Spanish writes "e" for "y" before an "i" sound: "Ana e Isabel".
        return f"{format_list(first_names[:-1], locale=locale_of(language))} e {first_names[-1]}"
    return format_list(first_names, locale=locale_of(language))


def _sounds_like_i(word: str) -> bool:
    word = word.casefold()
    return word[:1] in ("i", "í") or (word[:2] == "hi" and word[2:3] not in ("a", "e", "o", "u"))


def percent(value: float | None, language: str) -> str:
    """0.0976 -> "9.8%" (US English and US Spanish alike); an undefined rate reads as a dash."""
    if value is None:
        return "-"
    return format_percent(value, format="#,##0.#%", locale=locale_of(language))


def _in_language(function):
    """A filter that takes the message's language from the template's `language` variable."""

    @pass_context
    def apply(context: Context, value):
        return function(value, context.get("language", "en"))

    apply.__doc__ = function.__doc__
    return apply


FILTERS = {
    "long_date": _in_language(long_date),
    "full_date": _in_language(full_date),
    "short_date": _in_language(short_date),
    "names": _in_language(names),
    "percent": _in_language(percent),
}
