"""Finds interface text shown in the other language than the one the reader chose.

The lexicon is what Stegvis itself knows to be interface text: every translated string in its
own catalogue and in Django's and allauth's (their messages reach the pages too), and every
Swedish/English pair in the data files (deadline titles, strategies, meeting kinds, ...).
A text on an English page that is one of the Swedish strings, or on a Swedish page one of the
English ones, is untranslated. People's own words (a plan, a message) are not in the lexicon,
so they never count, whatever language they are written in.
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


def _catalogues() -> list[Path]:
    import allauth
    import django

    django_root = Path(django.__file__).parent
    return [
        Path(stegvis.__file__).parent / "locale/sv/LC_MESSAGES/django.po",
        django_root / "conf/locale/sv/LC_MESSAGES/django.po",
        *django_root.glob("contrib/*/locale/sv/LC_MESSAGES/django.po"),
        Path(allauth.__file__).parent / "locale/sv/LC_MESSAGES/django.po",
    ]


def _catalogue_pairs():
    """(English, Swedish) pairs; Swedish is "" where a catalogue has no translation, since
    such a string shows in English on a Swedish page unless Stegvis's catalogue has it."""
    for path in _catalogues():
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            swedish = "" if entry.fuzzy else entry.msgstr
            if not entry.msgid_plural:
                yield entry.msgid, swedish
            for index, text in entry.msgstr_plural.items():
                yield (entry.msgid if index == 0 else entry.msgid_plural), text


def _data_pairs():
    """Every `x_sv` beside an `x_en` (or `sv` beside `en`) anywhere in the data files."""

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("_sv") and isinstance(value, str):
                    english = node.get(key[:-3] + "_en")
                    if isinstance(english, str):
                        yield english, value
                if key == "sv" and isinstance(node.get("en"), str) and isinstance(value, str):
                    yield node["en"], value
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for path in Path(stegvis.__file__).parent.glob("*/data/**/*.toml"):
        yield from walk(tomllib.loads(path.read_text(encoding="utf-8")))


@cache
def lexicons() -> dict[str, Lexicon]:
    """For each page language, the interface strings of the other language."""
    english, swedish = set(), set()
    for msgid, msgstr in [*_catalogue_pairs(), *_data_pairs()]:
        english.add(_normal(msgid))
        if msgstr:
            swedish.add(_normal(msgstr))
    # Words the same in both ("Status", "Plan") prove nothing either way.
    shared = english & swedish
    wrong = {"sv": english - shared, "en": swedish - shared}
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
