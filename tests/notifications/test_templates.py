"""Every default renders in both languages; district templates run sandboxed and are checked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date

import pytest
from notifications.content import (
    CHANNELS,
    KINDS,
    SUPPORTED_LANGUAGES,
    Absence,
    OutreachContent,
    Rendered,
    TemplateFailed,
    Templates,
    language_of,
    render_default,
    sample_content,
)
from notifications.content.workers import TemplateWorkers

MAX_CHARACTERS = {"letter": 40_000, "email": 20_000, "sms": 1_600}
EVERY_DEFAULT = [
    (kind, channel, language)
    for kind in KINDS
    for channel in CHANNELS
    for language in SUPPORTED_LANGUAGES
]


@pytest.fixture(scope="module")
async def templates() -> AsyncIterator[Templates]:
    # A generous time limit: these templates are ordinary ones, on a machine other tests share.
    async with TemplateWorkers(workers=2, seconds=10, memory_mb=256) as workers:
        yield Templates(workers, max_characters=MAX_CHARACTERS)


def render(kind: str, channel: str, language: str, **changes) -> Rendered:
    content = replace(sample_content(kind, language), **changes)
    return render_default(content, channel)


def one_child(content: OutreachContent) -> OutreachContent:
    return replace(content, children=content.children[:1])


@pytest.mark.parametrize(("kind", "channel", "language"), EVERY_DEFAULT)
def test_every_default_renders_and_names_each_child(kind, channel, language):
    rendered = render(kind, channel, language)

    assert "Ana" in rendered.body and "Luis" in rendered.body
    assert "{" not in rendered.body and "  " not in rendered.body
    if channel == "sms":
        assert rendered.subject is None
    else:
        assert rendered.subject and "\n" not in rendered.subject
        assert "Carmen Sample" in rendered.body


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_sms_for_two_children_is_one_short_paragraph_without_dates(kind, language):
    body = render(kind, "sms", language).body

    assert len(body) < 320
    assert "\n" not in body
    assert "2021" not in body
    assert body.startswith("Sample Unified School District: ")


def test_letter_lists_each_childs_dates_with_their_kind():
    body = render("truancy-1", "letter", "en").body

    assert "Ana Sample, Sample Elementary School:" in body
    assert "- Tuesday, September 7, 2021: absent without a valid excuse" in body
    assert (
        "- Monday, September 13, 2021: late by more than 30 minutes without a valid excuse" in body
    )


def test_spanish_letter_writes_dates_and_kinds_in_spanish():
    body = render("truancy-1", "letter", "es").body

    assert body.startswith("Estimado/a Carmen Sample:")
    assert (
        "- lunes, 13 de septiembre de 2021: llegó más de 30 minutos tarde sin justificación" in body
    )
    assert "- martes, 7 de septiembre de 2021: ausencia sin justificar" in body
    assert "Atentamente," in body


def test_email_lists_each_childs_dates_in_short():
    assert "- Luis: Sep 8, Sep 13, and Sep 16" in render("truancy-1", "email", "en").body
    assert "- Luis: 8 sept, 13 sept y 16 sept" in render("truancy-1", "email", "es").body


EC_48260_5_EN = (
    "considered truant",  # (a) the student is truant
    "obligated by law to compel the attendance",  # (b)
    "guilty of an infraction and subject to prosecution (Education Code sections 48290 to 48296)",
    "Alternative educational programs are available",  # (d)
    "right to meet with appropriate school staff to discuss solutions",  # (e)
    "prosecution under Education Code section 48264",  # (f)
    "suspension, restriction, or delay of driving privileges (Vehicle Code section 13202.7)",
    "attend classes with them for one day",  # (h)
)
EC_48260_5_ES = (
    "situación de ausentismo injustificado",
    "obligación legal de hacer que su hijo o hija asista a la escuela",
    "culpables de una infracción y ser procesados judicialmente (secciones 48290 a 48296",
    "programas educativos alternativos",
    "derecho a reunirse con el personal escolar correspondiente para buscar soluciones",
    "conforme a la sección 48264 del Código de Educación",
    "suspensión, restricción o aplazamiento de su permiso de manejar (sección 13202.7",
    "asistir a clases con él o ella durante un día",
)


def test_truancy_1_letter_carries_ec_48260_5_notice_in_english():
    body = render("truancy-1", "letter", "en").body

    assert [item for item in EC_48260_5_EN if item not in body] == []


def test_truancy_1_letter_carries_ec_48260_5_notice_in_spanish():
    body = render("truancy-1", "letter", "es").body

    assert [item for item in EC_48260_5_ES if item not in body] == []


@pytest.mark.parametrize(
    ("kind", "language", "message"),
    [
        ("truancy-2", "en", "Our school attendance team will contact you"),
        ("truancy-2", "es", "El equipo de asistencia de la escuela se comunicará con usted"),
        ("truancy-3", "en", "Education Code section 48263, we are referring your children"),
        ("truancy-3", "es", "sección 48263 del Código de Educación de California, remitiremos"),
        ("success-plan", "en", "We invite you to meet with us to make an attendance success plan"),
        ("success-plan", "es", "Le invitamos a reunirse con nosotros para preparar juntos un plan"),
        ("chronic-risk", "en", "Ana has missed 3 days and Luis has missed 2 days"),
        ("chronic-risk", "es", "Ana ha faltado 3 días y Luis ha faltado 2 días"),
        ("chronic", "en", "Ana has missed 5 days (12.5% of school days)"),
        ("chronic", "es", "Ana ha faltado 5 días (el 12.5% de los días de clase)"),
        ("correction", "en", "please disregard it.\n\nWe are sorry"),
        ("correction", "es", "le pedimos que no la tome en cuenta.\n\nLe pedimos disculpas"),
    ],
)
def test_each_kind_of_letter_says_what_the_playbook_asks(kind, language, message):
    assert message in render(kind, "letter", language).body


def test_truancy_3_letter_names_sart_and_sarb():
    body = render("truancy-3", "letter", "en").body

    assert "School Attendance Review Team (SART)" in body
    assert "School Attendance Review Board (SARB)" in body


def test_correction_names_the_withdrawn_letter():
    assert "our letter about a referral to the School Attendance Review Team for Ana and Luis" in (
        render("correction", "letter", "en", rule_id="truancy-3").body
    )
    assert (
        "nuestra invitación a una reunión para un plan de asistencia, referente a Ana y Luis"
        in (render("correction", "letter", "es", rule_id="success-plan").body)
    )


def test_one_child_is_written_in_the_singular():
    english = render_default(one_child(sample_content("truancy-1", "en")), "letter")
    spanish = render_default(one_child(sample_content("truancy-1", "es")), "letter")

    assert "Ana has missed school" in english.body and "your child get back" in english.body
    assert "Luis" not in english.body
    assert "Ana ha faltado a clases" in spanish.body and "su hijo o hija vuelva" in spanish.body


def test_spanish_joins_names_with_e_before_an_i_sound():
    content = sample_content("chronic", "es")
    isabel = replace(content.children[1], first_name="Isabel")
    content = replace(content, children=(content.children[0], isabel))

    assert render_default(content, "letter").subject.startswith("Ana e Isabel:")


def test_period_absences_are_listed_when_a_child_has_them():
    content = sample_content("truancy-1", "en")
    child = replace(content.children[0], absences=(), unexcused_period_absences=18)
    content = replace(content, children=(child,))

    body = render_default(content, "letter").body

    assert "- 18 class periods missed without a valid excuse" in body


def test_contact_line_follows_what_the_district_has_on_file():
    content = sample_content("chronic", "en")
    no_email = replace(content, letterhead=replace(content.letterhead, email=None))
    nothing = replace(content, letterhead=replace(content.letterhead, email=None, phone=None))

    assert (
        "Please call us at (555) 010-0100."
        in render_default(no_email, "email").body
    )
    assert "Please get in touch with your child's school." in (
        render_default(nothing, "email").body
    )
    assert render_default(nothing, "sms").body.endswith("we'd like to help.")


async def test_district_template_overrides_the_default_and_may_use_the_packaged_macros(templates):
    source = (
        '{% import "es/_macros.j2" as m %}'
        "{% block subject %}Asistencia {{ school_year_name }}{% endblock %}"
        "{% block body %}{{ m.greeting(recipient) }}\n\n{{ children|names }}: "
        "{{ date|long_date }}, {{ (children|first).absence_rate|percent }}{% endblock %}"
    )

    rendered = await templates.render(
        content=sample_content("chronic", "es"), channel="email", source=source
    )

    assert rendered == Rendered(
        subject="Asistencia 2021-22",
        body="Estimado/a Carmen Sample:\n\nAna y Luis: 5 de noviembre de 2021, 12.5%",
    )


async def test_default_source_is_the_packaged_template(templates):
    source = templates.default_source("truancy-1", "sms", "es")
    content = sample_content("truancy-1", "es")

    assert "{% block body %}" in source
    assert await templates.render(content=content, channel="sms", source=source) == (
        await templates.render(content=content, channel="sms")
    )


async def test_unsupported_language_kind_or_channel_is_refused(templates):
    with pytest.raises(ValueError, match="language"):
        await templates.render(
            content=replace(sample_content("chronic", "en"), language="fr"), channel="letter"
        )
    with pytest.raises(ValueError, match="kind"):
        templates.default_source("severe-chronic", "letter", "en")
    with pytest.raises(ValueError, match="channel"):
        await templates.render(content=sample_content("chronic", "en"), channel="fax")


@pytest.mark.parametrize(
    "source",
    [
        "{% block body %}{{ ''.__class__ }}{% endblock %}",
        "{% block body %}{{ ''.__class__.__mro__[1].__subclasses__() }}{% endblock %}",
        "{% block body %}{{ recipient.__init__.__globals__ }}{% endblock %}",
        "{% block body %}{{ date|attr('__class__') }}{% endblock %}",
        "{% block body %}{{ children|list|attr('append')(1) }}{% endblock %}",
    ],
)
async def test_sandbox_refuses_python_internals(templates, source):
    with pytest.raises(TemplateFailed, match="^line 1: .*unsafe"):
        await templates.render(
            content=sample_content("chronic", "en"), channel="email", source=source
        )

    errors = await templates.check(source, sample=sample_content("chronic", "en"))
    assert len(errors) == 1 and "unsafe" in errors[0] and errors[0].startswith("line 1: ")


async def test_district_template_cannot_read_files_outside_the_packaged_templates(templates):
    source = '{% block body %}{% include "../context.py" %}{% endblock %}'

    with pytest.raises(TemplateFailed, match="no packaged template '../context.py'"):
        await templates.render(
            content=sample_content("chronic", "en"), channel="email", source=source
        )


async def test_check_reports_a_syntax_error_with_its_line_number(templates):
    source = "{% block subject %}Hi{% endblock %}\n{% block body %}\nHi {{ recipient.name }\n"

    assert await templates.check(source) == ["line 3: unexpected '}'"]


async def test_check_reports_an_unknown_filter_with_its_line_number(templates):
    source = "{% block body %}\n\n{{ date|shout }}{% endblock %}"

    assert await templates.check(source) == ["line 3: No filter named 'shout'."]


async def test_check_reports_a_missing_body_or_subject(templates):
    assert await templates.check("Dear {{ recipient.name }}") == [
        "the message must be inside {% block body %}...{% endblock %}"
    ]
    assert await templates.check("{% block body %}Hi{% endblock %}", channel="email") == [
        "the email needs a subject: {% block subject %}...{% endblock %}"
    ]
    assert await templates.check("{% block body %}Hi{% endblock %}", channel="sms") == []


async def test_check_reports_an_unknown_name_when_rendering_the_sample(templates):
    source = (
        "{% block body %}\nDear {{ recipient.name }},\n{{ recipient.nickname }}\n{% endblock %}"
    )

    errors = await templates.check(source, sample=sample_content("chronic", "en"))

    assert len(errors) == 1
    assert errors[0].startswith("line 3: rendering the sample failed:")
    assert "nickname" in errors[0]


@pytest.mark.parametrize(("kind", "channel", "language"), EVERY_DEFAULT)
async def test_check_accepts_every_default(templates, kind, channel, language):
    source = templates.default_source(kind, channel, language)
    sample = sample_content(kind, language)

    assert await templates.check(source, channel=channel, sample=sample) == []


@pytest.mark.parametrize(
    ("descriptor", "language"),
    [
        ("uri://ed-fi.org/LanguageDescriptor#spa", "es"),
        ("uri://ed-fi.org/LanguageDescriptor#eng", "en"),
        ("uri://district.example/LanguageDescriptor#Spanish", "es"),
        ("spa", "es"),
        ("es", "es"),
        ("es-MX", "es"),
        ("es_US", "es"),
        ("Español", "es"),
        ("Spanish; Castilian", "es"),
        ("English", "en"),
        ("en-US", "en"),
        ("ENG", "en"),
        ("uri://ed-fi.org/LanguageDescriptor#vie", None),
        ("Tagalog", None),
        ("", None),
        (None, None),
    ],
)
def test_language_of_maps_ed_fi_language_descriptors(descriptor, language):
    assert language_of(descriptor) == language


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "October 12, 2021 | Tuesday, October 12, 2021 | Oct 12 | Ana, Luis, and Eva | 9.8%"),
        (
            "es",
            "12 de octubre de 2021 | martes, 12 de octubre de 2021 | 12 oct | Ana, Luis y Eva"
            " | 9.8%",
        ),
    ],
)
async def test_filters_write_dates_names_and_percentages_in_the_letters_language(
    templates, language, expected
):
    content = replace(sample_content("chronic", language), date=date(2021, 10, 12))
    source = (
        "{% block body %}{{ date|long_date }} | {{ date|full_date }} | {{ date|short_date }} | "
        "{{ ['Ana', 'Luis', 'Eva']|names }} | {{ 0.0976|percent }}{% endblock %}"
    )

    assert (await templates.render(content=content, channel="sms", source=source)).body == expected


def test_undefined_absence_rate_reads_as_a_dash():
    content = sample_content("chronic", "en")
    child = replace(content.children[0], absence_rate=None, enrolled_days=0)

    body = render_default(replace(content, children=(child,)), "email").body

    assert "- Ana: 5 days\n" in body


@pytest.mark.parametrize("kind", KINDS)
def test_sample_content_is_a_made_up_household_crossing_the_kinds_rule(kind):
    content = sample_content(kind, "en")

    assert content.kind == kind and content.recipient.name == "Carmen Sample"
    assert all(child.last_name == "Sample" for child in content.children)
    assert all(isinstance(a, Absence) for child in content.children for a in child.absences)


def test_spanish_texts_agree_in_number_with_the_children_they_name() -> None:
    two = sample_content("truancy-1", "es")
    one = replace(two, children=two.children[:1])

    assert " faltaron " in render_default(two, "sms").body
    assert " faltó " in render_default(one, "sms").body
    assert " ha faltado " in render_default(replace(one, kind="chronic"), "sms").body
