"""Guideline decision support (FMB): typical cases per diagnosis and how a proposed sick
leave compares with them. Advice only: it warns and asks for a reason, it never blocks."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from pydantic import Field

from stegvis.cases.deadlines import DATA_DIR
from stegvis.core.lawdata import Bilingual, DataFile, Record, load


class TypicalCase(Record):
    id: str
    recommendation: str
    text: Bilingual
    # The maximum as the guidance writes it ("3 months"); `max_days` counts it in days.
    max_value: int | None = Field(None, alias="max")
    unit: str = ""
    consider_partial: bool | None = None

    @property
    def max_days(self) -> int | None:
        return None if self.max_value is None else self.max_value * _file().units[self.unit]

    @property
    def nudges_partial(self) -> bool:
        """Whether to suggest partial leave: as the file says, else for a partial case."""
        if self.consider_partial is None:
            return self.recommendation == "partial"
        return self.consider_partial


class Guidance(Record):
    codes: tuple[str, ...]
    title: Bilingual
    source: str
    updated: date
    reviewed: date
    typical_cases: tuple[TypicalCase, ...]

    def typical_case(self, case_id: str) -> TypicalCase | None:
        return next((t for t in self.typical_cases if t.id == case_id), None)

    @property
    def most_lenient(self) -> TypicalCase | None:
        with_max = [t for t in self.typical_cases if t.max_days is not None]
        return max(with_max, key=lambda t: t.max_days) if with_max else None


class FmbFile(DataFile):
    version: str
    # How a maximum converts to days (as Webcert does).
    units: dict[str, int]
    diagnoses: tuple[Guidance, ...]


@cache
def _file() -> FmbFile:
    return load(DATA_DIR / "fmb.toml", FmbFile)


def guidance_list() -> tuple[Guidance, ...]:
    return _file().diagnoses


def guidance_for(code: str) -> Guidance | None:
    """The guidance for a diagnosis code; the most specific prefix wins (F43.8A over F43)."""
    best, best_length = None, 0
    for guidance in guidance_list():
        for prefix in guidance.codes:
            if code.startswith(prefix) and len(prefix) > best_length:
                best, best_length = guidance, len(prefix)
    return best


@dataclass
class Assessment:
    """How a proposed certificate compares with the guidance, for the physician's eyes."""

    cumulative_days: int
    # The first and last day the count covers (day 1 of the sick leave onwards).
    counted: tuple[date, date] | None = None
    guidance: Guidance | None = None
    typical_case: TypicalCase | None = None
    exceeds: bool = False
    suggest_partial: bool = False
    advises_against_leave: bool = False
    dfa_gaps: list[str] = field(default_factory=list)


def assess(
    *,
    diagnosis_codes: Sequence[str],
    cumulative_days: int,
    degrees: Sequence[int],
    counted: tuple[date, date] | None = None,
    typical_case_id: str = "",
    diagnosis_texts: Sequence[str] = (),
    functional_impairment: str = "",
    activity_limitation: str = "",
) -> Assessment:
    """Compare a proposed sick leave (`cumulative_days` includes linked earlier periods)."""
    result = Assessment(cumulative_days=cumulative_days, counted=counted)
    result.dfa_gaps = dfa_gaps(diagnosis_texts, functional_impairment, activity_limitation)
    guidance = next(filter(None, (guidance_for(code) for code in diagnosis_codes)), None)
    if guidance is None:
        return result
    result.guidance = guidance
    # Without a chosen typical case, compare with the most lenient one, so a warning
    # means the leave is beyond every typical case of the diagnosis.
    chosen = guidance.typical_case(typical_case_id) or guidance.most_lenient
    result.typical_case = chosen
    if chosen is None:
        return result
    result.advises_against_leave = chosen.recommendation == "avoid"
    result.exceeds = chosen.max_days is not None and cumulative_days > chosen.max_days
    result.suggest_partial = chosen.nudges_partial and any(d == 100 for d in degrees)
    return result


def dfa_gaps(diagnosis_texts: Sequence[str], impairment: str, limitation: str) -> list[str]:
    """What the diagnosis–function–activity chain lacks, as stable codes for the page."""
    gaps = []
    diagnoses = {_plain(text) for text in diagnosis_texts if text.strip()}
    for name, text in (("impairment", impairment), ("limitation", limitation)):
        if not text.strip():
            gaps.append(f"{name}_missing")
        elif _plain(text) in diagnoses:
            gaps.append(f"{name}_repeats_diagnosis")
    if impairment.strip() and _plain(impairment) == _plain(limitation):
        gaps.append("limitation_repeats_impairment")
    return gaps


def _plain(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .")
