from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

PO_FILE = Path(settings.BASE_DIR) / "stegvis/locale/sv/LC_MESSAGES/django.po"


def test_every_swedish_message_is_translated_and_compiled():
    po = polib.pofile(str(PO_FILE))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    assert untranslated == []
    assert not po.fuzzy_entries()
    compiled = polib.mofile(str(PO_FILE.with_suffix(".mo")))
    assert {e.msgid for e in compiled} >= {e.msgid for e in po if not e.obsolete}


@pytest.mark.parametrize(
    ("language", "expected"),
    [("sv", "Vem har sett mina uppgifter"), ("en", "Who has seen my data")],
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
