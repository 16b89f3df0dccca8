"""The coach's guidance as data: flag rules and targets, crisis contacts and words,
feedback rules and the strategies library (each file in data/ with source and review)."""

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from stegvis.core.language import in_reader_language

DATA_DIR = Path(__file__).parent / "data"


def _read(name: str) -> dict:
    return tomllib.loads((DATA_DIR / name).read_text())


@dataclass(frozen=True)
class FlagRules:
    reviewed: date
    source: str
    targets_hours: dict[str, int]
    missed_in_a_row: int
    unanswered_after_hours: int
    questionnaire_thresholds: dict[str, float]
    checkin_thresholds: tuple[dict, ...]


@cache
def flag_rules() -> FlagRules:
    data = _read("flags.toml")
    return FlagRules(
        reviewed=data["reviewed"],
        source=data["source"],
        targets_hours=data["targets_hours"],
        missed_in_a_row=data["missed_in_a_row"],
        unanswered_after_hours=data["unanswered_after_hours"],
        questionnaire_thresholds={
            t["instrument"]: t["at_least"] for t in data["questionnaire_threshold"]
        },
        checkin_thresholds=tuple(data["checkin_threshold"]),
    )


@dataclass(frozen=True)
class CrisisContact:
    country: str
    number: str
    name_sv: str
    name_en: str
    source: str

    @property
    def name(self) -> str:
        return in_reader_language(self.name_sv, self.name_en)

    @property
    def tel(self) -> str:
        return self.number.replace(" ", "")


@cache
def _crisis() -> dict:
    return _read("crisis.toml")


def crisis_contacts(country: str | None = None) -> list[CrisisContact]:
    """The contacts of a country (SE unless NO), or of both when unknown."""
    contacts = [CrisisContact(**c) for c in _crisis()["contact"]]
    if country:
        return [c for c in contacts if c.country == country]
    return contacts


@cache
def _crisis_pattern() -> re.Pattern:
    words = [w for words in _crisis()["words"].values() for w in words]
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    # Words start at a word boundary but may go on: Swedish joins words ("självmordstankar").
    return re.compile(rf"(?<!\w)(?:{alternatives})", re.IGNORECASE)


def mentions_crisis(text: str) -> bool:
    """Whether free text contains a crisis word or phrase (Swedish or English)."""
    # Typographic apostrophes are common on phones.
    return bool(text) and bool(_crisis_pattern().search(text.replace("\u2019", "'")))


@dataclass(frozen=True)
class FeedbackRule:
    code: str
    message_sv: str
    message_en: str
    trend: str | None = None
    missed_at_least: int | None = None
    action_due_within_days: int | None = None
    milestone_within_days: int | None = None

    @property
    def message(self) -> str:
        return in_reader_language(self.message_sv, self.message_en)


@cache
def feedback_rules() -> tuple[FeedbackRule, ...]:
    return tuple(FeedbackRule(**rule) for rule in _read("feedback.toml")["rule"])


@dataclass(frozen=True)
class Strategy:
    code: str
    title_sv: str
    title_en: str
    body_sv: str
    body_en: str
    fits: tuple[str, ...]

    @property
    def title(self) -> str:
        return in_reader_language(self.title_sv, self.title_en)

    @property
    def body(self) -> str:
        return in_reader_language(self.body_sv, self.body_en)


@cache
def strategies() -> dict[str, Strategy]:
    entries = _read("strategies.toml")["strategy"]
    return {s["code"]: Strategy(**{**s, "fits": tuple(s["fits"])}) for s in entries}
