"""Law and guidance as data: every file names its source and review date, loads through
its model, and is checked against its source at least every two years."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone
from pydantic import ValidationError

import stegvis
from stegvis.core import lawdata
from stegvis.core.lawdata import AnyDataFile, Bilingual, DataFile, Record

ROOT = Path(stegvis.__file__).parent


def test_every_data_file_names_its_source_and_a_review_date():
    files = lawdata.data_files(ROOT)
    assert len(files) >= 17
    for path in files:
        header = lawdata.load(path, AnyDataFile)
        assert header.source.strip(), path
        assert isinstance(header.reviewed, date), path


def test_no_data_file_goes_unreviewed_for_more_than_two_years():
    assert lawdata.due_for_review(ROOT, timezone.localdate()) == []


def test_a_file_reviewed_long_ago_is_named(tmp_path):
    data = tmp_path / "app" / "data"
    data.mkdir(parents=True)
    (data / "old.toml").write_text('source = "SFB 27 kap."\nreviewed = 2020-01-31\n')
    (data / "new.toml").write_text('source = "SFB 27 kap."\nreviewed = 2026-01-31\n')
    assert lawdata.due_for_review(tmp_path, date(2026, 11, 29)) == [
        "app/data/old.toml (reviewed 2020-01-31)"
    ]


class Point(Record):
    code: str
    text: Bilingual


def test_a_language_pair_becomes_one_text_and_a_typo_is_refused(settings):
    point = Point.model_validate({"code": "a", "text_sv": "Hej", "text_en": "Hello"})
    assert (point.text.in_language("sv"), point.text.in_language("en")) == ("Hej", "Hello")
    with pytest.raises(ValidationError):
        Point.model_validate({"code": "a", "text_sv": "Hej", "text_en": "Hi", "txet": "x"})
    with pytest.raises(ValidationError):
        DataFile.model_validate({"source": "x", "reviewed": "last year"})


# A reviewer's note left in a text a person reads: "TODO", "FIXME", or a bracketed or
# appended "kontrollera …" as the SIP purpose once said ("…; kontrollera ny paragraf").
REVIEWER_NOTE = re.compile(
    r"\b(TODO|FIXME|XXX|TBD)\b|[(;,]\s*kontrollera\b|kontrollera nya? paragraf", re.IGNORECASE
)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_no_reviewers_note_is_left_in_any_data_or_message_a_person_reads():
    import tomllib

    import polib

    found = [
        f"{path.relative_to(ROOT)}: {text}"
        for path in lawdata.data_files(ROOT)
        for text in _strings(tomllib.loads(path.read_text(encoding="utf-8")))
        if REVIEWER_NOTE.search(text)
    ]
    for catalogue in ROOT.glob("locale/*/LC_MESSAGES/django.po"):
        found += [
            f"{catalogue.relative_to(ROOT)}: {entry.msgstr}"
            for entry in polib.pofile(str(catalogue))
            if REVIEWER_NOTE.search(entry.msgstr)
        ]
    assert found == []
    assert REVIEWER_NOTE.search("2 kap. 7 § SoL (2001:453; kontrollera ny paragraf)")
    assert not REVIEWER_NOTE.search("Kontrollera dina och spara igen.")
