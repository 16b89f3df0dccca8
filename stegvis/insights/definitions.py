"""The extract's definitions as data (data/extract.toml)."""

from functools import cache
from pathlib import Path
from typing import Literal

from stegvis.core import disclosure
from stegvis.core.lawdata import DataFile, Record, load

DATA = Path(__file__).parent / "data" / "extract.toml"
OUTCOMES = ("rtw", "other_exit", "censored")


class Chapter(Record):
    range: str
    first: str
    last: str


class Generalisation(Record):
    """One step of the ladder the region's file is generalised down (release.py)."""

    name: str
    dates: Literal["month", "quarter", "half_year", "year"]
    ages: Literal["bands", "wide", "none"]


class ExtractRules(DataFile):
    version: str
    rtw_days: int
    curve_days: tuple[int, ...]
    most_left_out: float
    generalisation: tuple[Generalisation, ...]
    age_bands: tuple[tuple[int, int], ...]
    wide_age_bands: tuple[tuple[int, int], ...]
    closed_reasons: dict[str, str]
    chapter: tuple[Chapter, ...]

    @property
    def smallest_cell(self) -> int:
        """The small-cell rule's threshold, which is every figure's (stegvis.core.disclosure)."""
        return disclosure.smallest()

    @property
    def age_band_labels(self) -> list[str]:
        return [f"{low}-{high}" for low, high in self.age_bands]

    def wide_age_band(self, band: str) -> str:
        """The wide band a band lies in ("30-39" → "16-39"); every band lies in one."""
        low, high = (int(part) for part in band.split("-"))
        for wide_low, wide_high in self.wide_age_bands:
            if wide_low <= low and high <= wide_high:
                return f"{wide_low}-{wide_high}"
        raise ValueError(band)

    def level(self, name: str) -> Generalisation:
        return next(level for level in self.generalisation if level.name == name)

    def age_band(self, age: int | None) -> str:
        for (low, high), label in zip(self.age_bands, self.age_band_labels, strict=True):
            if age is not None and low <= age <= high:
                return label
        return ""

    def chapter_of(self, code: str) -> str:
        """The ICD-10 chapter of a code ("F32.1" → "F00-F99"), "" when none holds it."""
        key = code.replace(".", "").upper()[:3]
        for chapter in self.chapter:
            if chapter.first <= key <= chapter.last:
                return chapter.range
        return ""


@cache
def rules() -> ExtractRules:
    loaded = load(DATA, ExtractRules)
    assert set(loaded.closed_reasons.values()) <= set(OUTCOMES)  # noqa: S101
    for label in loaded.age_band_labels:  # a band split by the wide ones could not be merged
        loaded.wide_age_band(label)
    return loaded
