from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "stegvis/locale"


@pytest.mark.parametrize("language", ["sv", "nb"])
def test_every_message_is_translated_and_compiled(language):
    PO_FILE = LOCALE / language / "LC_MESSAGES/django.po"
    po = polib.pofile(str(PO_FILE))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    assert untranslated == []
    assert not po.fuzzy_entries()
    compiled = polib.mofile(str(PO_FILE.with_suffix(".mo")))
    assert {e.msgid for e in compiled} >= {e.msgid for e in po if not e.obsolete}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("sv", "Vem har sett mina uppgifter"),
        ("en", "Who has seen my data"),
        ("nb", "Hvem har sett opplysningene mine"),
    ],
)
def test_pages_render_in_the_persons_language(client, personas, language, expected):
    personas.patient.preferred_language = language
    personas.patient.save()
    client.force_login(personas.patient)
    html = client.get(reverse("my_access_log")).content.decode()
    assert f"<h1>{expected}</h1>" in html
    assert f'<html lang="{language}">' in html


def test_anonymous_visitors_get_swedish_by_default_and_english_on_request(client, db):
    assert 'lang="sv"' in client.get(reverse("account_login")).content.decode()
    english = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="en"' in english.content.decode()


def test_djangos_own_untranslated_strings_are_swedish_through_our_catalogue():
    from django.db.models.fields import BLANK_CHOICE_LABEL
    from django.utils import translation

    with translation.override("sv"):
        assert str(BLANK_CHOICE_LABEL) == "- Välj ett alternativ -"


def test_bokmal_is_offered_and_followed(client, db):
    bokmal = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="nb")
    assert 'lang="nb"' in bokmal.content.decode()
    assert 'value="nb"' in client.get(reverse("account_login")).content.decode()


def test_bokmal_dates_data_and_navs_words():
    from datetime import date

    from django.utils import translation
    from django.utils.formats import date_format

    from stegvis.coordination.kinds import meeting_kind
    from stegvis.plans.employer_points import employer_plan_rules

    with translation.override("nb"):
        assert date_format(date(2026, 12, 6)) == "6. desember 2026"
        assert str(meeting_kind("dialogue_meeting_1").title) == "Dialogmøte 1"
        assert str(employer_plan_rules("NO").title) == "Oppfølgingsplan"
        assert translation.gettext("Employer manager") == "Nærmeste leder"
        # An instrument's items keep their validated wording: English, not a translation.
        from stegvis.instruments.definitions import instrument

        item = instrument("phq9").items[0]
        assert str(item.text) == item.text.en
    # Crisis words are heard in bokmål too.
    from stegvis.coaching.guidance import mentions_crisis

    assert mentions_crisis("Jeg har hatt selvmordstanker i natt")
    assert mentions_crisis("jeg orker ikke leve sånn")
    assert not mentions_crisis("Jeg orker ikke lange vakter")


def test_a_person_whose_first_case_is_norwegian_is_shown_bokmal_until_they_choose(personas):
    from django.utils import timezone

    from stegvis.accounts.models import User
    from stegvis.cases.models import Case
    from stegvis.cases.services import case_open

    def first_case(email, country):
        patient = User.objects.create_user(email=email)
        new = Case(patient=patient, jurisdiction=country, sick_from=timezone.localdate())
        case_open(actor=personas.coordinator, unit=personas.unit, form_case=new)
        patient.refresh_from_db()
        return patient

    assert first_case("ola@example.no", "NO").preferred_language == "nb"
    assert first_case("stina@example.se", "SE").preferred_language == "sv"
    chose = User.objects.create_user(email="kari@example.no", preferred_language="en")
    later = Case(patient=chose, jurisdiction="NO", sick_from=timezone.localdate())
    case_open(actor=personas.coordinator, unit=personas.unit, form_case=later)
    chose.refresh_from_db()
    assert chose.preferred_language == "en"


def test_a_bokmal_readers_calendar_and_pdf_are_in_bokmal(client, personas, world):
    import io

    from icalendar import Calendar
    from pypdf import PdfReader

    personas.patient.preferred_language = "nb"
    personas.patient.save()
    client.force_login(personas.patient)
    ics = client.get(reverse("meeting_ics", args=[world["meeting_id"]]))
    (event,) = Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Møte i Stegvis"
    pdf = client.get(reverse("plan_pdf", args=[world["case_id"]]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "plan for å komme tilbake i arbeid" in text.lower()


# A date format is a name from each language's table (stegvis/formats/<language>), never
# written out in a template: "j F Y" gave bokmål readers "6 desember" where Nav writes
# "6. desember". Machine formats (ISO, for links and <time datetime>) are the exception.
NAMED_OR_MACHINE = {
    "DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT",
    "MONTH_DAY_FORMAT", "YEAR_MONTH_FORMAT", "TIME_FORMAT", "c", "Y-m-d",
}  # fmt: skip


def test_templates_write_dates_only_by_the_languages_named_formats():
    import re

    written_out = {}
    for path in (Path(settings.BASE_DIR) / "stegvis").rglob("templates/**/*.*"):
        for found in re.findall(r"\|date:[\"']([^\"']*)[\"']", path.read_text()):
            if found not in NAMED_OR_MACHINE:
                written_out.setdefault(str(path), []).append(found)
    assert written_out == {}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("sv", "måndag 15 mars 2027 08:00"),
        ("nb", "mandag 15. mars 2027 08:00"),
        ("en", "Monday 15 March 2027 08:00"),
    ],
)
def test_a_date_with_its_weekday_follows_the_readers_table(language, expected):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.template import Context, Template
    from django.utils import translation

    moment = datetime(2027, 3, 15, 8, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    with translation.override(language):
        shown = Template('{{ moment|weekday_date:"time" }}').render(Context({"moment": moment}))
        day = Template("{{ moment|weekday_date }}").render(Context({"moment": moment}))
    assert shown == expected
    assert day == expected.removesuffix(" 08:00")


def test_swedish_says_ladda_ner_throughout():
    # One word for one thing: "Ladda ner" beside "Ladda ned" read as two actions (issue 33).
    catalogue = polib.pofile(str(LOCALE / "sv/LC_MESSAGES/django.po"))
    assert [e.msgid for e in catalogue if "ladda ned" in e.msgstr.lower()] == []
    assert any("Ladda ner" in e.msgstr for e in catalogue)
