"""The coach's guidance as data: flag rules and targets, crisis contacts and words,
feedback rules and the strategies library (each file in data/ with source and review)."""

import re
from functools import cache
from pathlib import Path

from stegvis.core.lawdata import Bilingual, DataFile, Record, load

DATA_DIR = Path(__file__).parent / "data"


class FlagAdvice(Record):
    kind: str
    text: Bilingual


class FlagRulesFile(DataFile):
    version: str
    targets_hours: dict[str, int]
    targets_open_hours: dict[str, int]
    missed_in_a_row: int
    unanswered_after_hours: int
    questionnaire_threshold: tuple[dict, ...]
    checkin_threshold: tuple[dict, ...]
    advice: tuple[FlagAdvice, ...] = ()

    @property
    def what_to_do(self) -> dict[str, Bilingual]:
        return {item.kind: item.text for item in self.advice}

    @property
    def questionnaire_thresholds(self) -> dict[str, float]:
        return {t["instrument"]: t["at_least"] for t in self.questionnaire_threshold}

    @property
    def checkin_thresholds(self) -> tuple[dict, ...]:
        return self.checkin_threshold


@cache
def flag_rules() -> FlagRulesFile:
    return load(DATA_DIR / "flags.toml", FlagRulesFile)


class CrisisContact(Record):
    country: str
    number: str
    name: Bilingual
    source: str
    # Named first when the patient's unit is closed: open around the clock for any need.
    when_unit_closed: bool = False

    @property
    def tel(self) -> str:
        return self.number.replace(" ", "")


class CrisisFile(DataFile):
    version: str
    contact: tuple[CrisisContact, ...]
    words: dict[str, tuple[str, ...]]


@cache
def _crisis() -> CrisisFile:
    return load(DATA_DIR / "crisis.toml", CrisisFile)


def crisis_contacts(country: str | None = None) -> list[CrisisContact]:
    """The contacts of a country (SE unless NO), or of both when unknown."""
    contacts = list(_crisis().contact)
    if country:
        return [c for c in contacts if c.country == country]
    return contacts


@cache
def _crisis_pattern() -> re.Pattern:
    words = crisis_words()
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    # Words start at a word boundary but may go on: Swedish joins words ("självmordstankar").
    return re.compile(rf"(?<!\w)(?:{alternatives})", re.IGNORECASE)


def crisis_words() -> list[str]:
    """Every crisis word and phrase, of each language, for the pages to carry."""
    return [word for words in _crisis().words.values() for word in words]


def mentions_crisis(text: str) -> bool:
    """Whether free text contains a crisis word or phrase (Swedish or English)."""
    # Typographic apostrophes are common on phones.
    return bool(text) and bool(_crisis_pattern().search(text.replace("\u2019", "'")))


class FeedbackRule(Record):
    code: str
    message: Bilingual
    trend: str | None = None
    missed_at_least: int | None = None
    action_due_within_days: int | None = None
    milestone_within_days: int | None = None


class FeedbackFile(DataFile):
    version: str
    rule: tuple[FeedbackRule, ...]


@cache
def feedback_rules() -> tuple[FeedbackRule, ...]:
    return load(DATA_DIR / "feedback.toml", FeedbackFile).rule


class Strategy(Record):
    code: str
    title: Bilingual
    body: Bilingual
    fits: tuple[str, ...]


class StrategyFile(DataFile):
    version: str
    strategy: tuple[Strategy, ...]


@cache
def strategies() -> dict[str, Strategy]:
    return {s.code: s for s in load(DATA_DIR / "strategies.toml", StrategyFile).strategy}
