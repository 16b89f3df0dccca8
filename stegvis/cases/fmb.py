"""Guideline decision support (FMB): typical cases per diagnosis and how a proposed sick
leave compares with them. Advice only: it warns and asks for a reason, it never blocks."""

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from stegvis.cases.deadlines import DATA_DIR


@dataclass(frozen=True)
class TypicalCase:
    id: str
    recommendation: str
    text_sv: str
    text_en: str
    max_days: int | None
    max_value: int | None
    unit: str
    consider_partial: bool

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_sv


@dataclass(frozen=True)
class Guidance:
    codes: tuple[str, ...]
    title_sv: str
    title_en: str
    source: str
    updated: str
    reviewed: str
    typical_cases: tuple[TypicalCase, ...]

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_sv

    def typical_case(self, case_id: str) -> TypicalCase | None:
        return next((t for t in self.typical_cases if t.id == case_id), None)

    @property
    def most_lenient(self) -> TypicalCase | None:
        with_max = [t for t in self.typical_cases if t.max_days is not None]
        return max(with_max, key=lambda t: t.max_days) if with_max else None


@cache
def guidance_list() -> tuple[Guidance, ...]:
    data = tomllib.loads((DATA_DIR / "fmb.toml").read_text(encoding="utf-8"))
    units = data["units"]
    return tuple(
        Guidance(
            codes=tuple(entry["codes"]),
            title_sv=entry["title_sv"],
            title_en=entry["title_en"],
            source=entry["source"],
            updated=entry["updated"],
            reviewed=entry["reviewed"],
            typical_cases=tuple(
                TypicalCase(
                    id=t["id"],
                    recommendation=t["recommendation"],
                    text_sv=t["sv"],
                    text_en=t["en"],
                    max_days=t["max"] * units[t["unit"]] if "max" in t else None,
                    max_value=t.get("max"),
                    unit=t.get("unit", ""),
                    consider_partial=t.get("consider_partial", t["recommendation"] == "partial"),
                )
                for t in entry["typical_cases"]
            ),
        )
        for entry in data["diagnoses"]
    )


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
    typical_case_id: str = "",
    diagnosis_texts: Sequence[str] = (),
    functional_impairment: str = "",
    activity_limitation: str = "",
) -> Assessment:
    """Compare a proposed sick leave (`cumulative_days` includes linked earlier periods)."""
    result = Assessment(cumulative_days=cumulative_days)
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
    result.suggest_partial = chosen.consider_partial and any(d == 100 for d in degrees)
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
