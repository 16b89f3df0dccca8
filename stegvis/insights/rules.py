"""The extract's definitions as data (data/extract.toml)."""

from functools import cache
from pathlib import Path

from stegvis.core import disclosure
from stegvis.core.lawdata import DataFile, Record, load

DATA = Path(__file__).parent / "data" / "extract.toml"
OUTCOMES = ("rtw", "other_exit", "censored")


class Chapter(Record):
    range: str
    first: str
    last: str


class ExtractRules(DataFile):
    version: str
    rtw_days: int
    curve_days: tuple[int, ...]
    extract_periods: tuple[str, ...]
    most_left_out: float
    age_bands: tuple[tuple[int, int], ...]
    closed_reasons: dict[str, str]
    chapter: tuple[Chapter, ...]

    @property
    def smallest_cell(self) -> int:
        """The small-cell rule's threshold, which is every figure's (stegvis.core.disclosure)."""
        return disclosure.smallest()

    @property
    def age_band_labels(self) -> list[str]:
        return [f"{low}-{high}" for low, high in self.age_bands]

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
    assert set(loaded.extract_periods) <= {"month", "quarter"}  # noqa: S101
    return loaded
