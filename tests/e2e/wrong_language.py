"""Finds interface text shown in another language than the one the reader chose.

The lexicon is what Stegvis itself knows to be interface text: every translated string in its
own catalogue and in Django's and allauth's (their messages reach the pages too), and every
Swedish/English/bokmål set in the data files (deadline titles, strategies, meeting kinds...).
A text on an English page that is one of the Swedish strings, or on a Swedish page one of the
English ones, is untranslated; on a bokmål page, one of the English or Swedish ones. People's
own words (a plan, a message) are not in the lexicon, so they never count, whatever language
they are written in. An instrument's items are the one English a bokmål page may show: their
validated Norwegian wording is not in Stegvis, and no one else's translation stands in for it.
"""

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polib

import stegvis

# Interface words so short or shared that they prove nothing ("OK", "PDF", "Plan").
MIN_LENGTH = 4
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
SPACES = re.compile(r"\s+")
# A date written with the other language's month names: "6 Sep 2026" on a Swedish page.
MONTHS = {
    "sv": re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{4}"),
    "en": re.compile(
        r"\b\d{1,2} (januari|februari|mars|april|maj|juni|juli|augusti|september|oktober"
        r"|november|december|jan|feb|mar|apr|jun|jul|aug|sep|okt|nov|dec)\.? \d{4}"
    ),
    # English month names, or Swedish ones that are not also Norwegian.
    "nb": re.compile(
        r"\b\d{1,2}\.? ((Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
        r"|januari|februari|maj|augusti)\.? \d{4}"
    ),
}


def _normal(text: str) -> str:
    return SPACES.sub(" ", text).strip()


@dataclass
class Lexicon:
    exact: set[str] = field(default_factory=set)
    # (the longest literal piece, the whole pattern) for strings with placeholders.
    patterns: list[tuple[str, re.Pattern]] = field(default_factory=list)

    def add(self, text: str) -> None:
        text = _normal(text)
        if not PLACEHOLDER.search(text):
            self.exact.add(text)
            return
        pieces = [piece for piece in PLACEHOLDER.split(text) if piece.strip()]
        longest = max(pieces, key=len, default="")
        if len(longest.strip()) < 12:
            return
        regex = ".+?".join(re.escape(piece) for piece in PLACEHOLDER.split(text))
        self.patterns.append((longest, re.compile(regex)))

    def matches(self, text: str) -> bool:
        if text in self.exact:
            return True
        return any(piece in text and regex.fullmatch(text) for piece, regex in self.patterns)


def _catalogues(language: str) -> list[Path]:
    import allauth
    import django

    django_root = Path(django.__file__).parent
    return [
        Path(stegvis.__file__).parent / f"locale/{language}/LC_MESSAGES/django.po",
        django_root / f"conf/locale/{language}/LC_MESSAGES/django.po",
        *django_root.glob(f"contrib/*/locale/{language}/LC_MESSAGES/django.po"),
        Path(allauth.__file__).parent / f"locale/{language}/LC_MESSAGES/django.po",
    ]


def _catalogue_pairs(language: str):
    """(English, translation) pairs; the translation is "" where a catalogue has none, since
    such a string shows in English unless Stegvis's catalogue has it."""
    for path in _catalogues(language):
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            translated = "" if entry.fuzzy else entry.msgstr
            if not entry.msgid_plural:
                yield entry.msgid, translated
            for index, text in entry.msgstr_plural.items():
                yield (entry.msgid if index == 0 else entry.msgid_plural), text


def _data_pairs(language: str, folder: str = "*/data"):
    """Every `x_<language>` beside an `x_en` (or `sv`/`nb` beside `en`) in the data files."""

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith(f"_{language}") and isinstance(value, str):
                    english = node.get(key[: -len(language)] + "en")
                    if isinstance(english, str):
                        yield english, value
                if key == language and isinstance(node.get("en"), str) and isinstance(value, str):
                    yield node["en"], value
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for path in Path(stegvis.__file__).parent.glob(f"{folder}/**/*.toml"):
        yield from walk(tomllib.loads(path.read_text(encoding="utf-8")))


def _texts(language: str) -> tuple[set[str], set[str]]:
    """(English, the language's) interface texts."""
    english, translated = set(), set()
    for msgid, msgstr in [*_catalogue_pairs(language), *_data_pairs(language)]:
        english.add(_normal(msgid))
        if msgstr:
            translated.add(_normal(msgstr))
    return english, translated


@cache
def lexicons() -> dict[str, Lexicon]:
    """For each page language, the interface strings of the other languages."""
    english, swedish = _texts("sv")
    english_too, bokmal = _texts("nb")
    english |= english_too
    # Words the same in both ("Status", "Plan") prove nothing either way.
    shared = english & swedish
    instruments = {_normal(en) for en, _sv in _data_pairs("sv", "instruments/data/instruments")}
    wrong = {
        "sv": english - shared,
        "en": swedish - shared,
        "nb": ((english - instruments) | swedish) - bokmal,
    }
    result = {}
    for language, texts in wrong.items():
        lexicon = Lexicon()
        for text in texts:
            if len(text) >= MIN_LENGTH and re.search(r"[^\W\d_]{2}", text):
                lexicon.add(text)
        result[language] = lexicon
    return result


def wrong_language(texts: list[str], language: str) -> list[str]:
    """The texts (each an element's visible text) written in the other language."""
    lexicon = lexicons()[language]
    found = []
    for text in {_normal(text) for text in texts}:
        if lexicon.matches(text) or MONTHS[language].search(text):
            found.append(text)
    return sorted(found)
