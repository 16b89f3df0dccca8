"""MMR in the registry's shape, as data (data/registry.toml): inclusion criteria, the
professions a team needs, program length, time points and minimal important changes."""

from functools import cache, cached_property
from pathlib import Path

from stegvis.core.lawdata import Bilingual, DataFile, Record, load
from stegvis.programs.models import Profession

DATA = Path(__file__).parent / "data" / "registry.toml"


class Criterion(Record):
    code: str
    text: Bilingual
    # What the patient reads when it did not hold.
    plain: Bilingual
    # The profession that judges it, when it is one profession's to judge.
    judged_by: str = ""

    @property
    def judge_label(self) -> str:
        return str(Profession(self.judged_by).label).lower() if self.judged_by else ""


class Assessment(Record):
    """How many professions of the team judge the criteria before an inclusion."""

    professions: int
    source: str


class ExpectedProfession(Record):
    code: str
    expected: bool


class TimePoint(Record):
    code: str
    occasion: str


class ImportantChange(Record):
    instrument: str
    better: str  # "lower" or "higher"
    points: float | None = None
    source: str = ""


class Registry(DataFile):
    version: str
    patients_per_year: int
    min_weeks: int
    max_weeks: int
    follow_up_months: int
    assessment_days: int
    assessment: Assessment
    criterion: tuple[Criterion, ...]
    profession: tuple[ExpectedProfession, ...]
    time_point: tuple[TimePoint, ...]
    instruments: tuple[str, ...]
    important_change: tuple[ImportantChange, ...]

    @cached_property
    def criteria(self) -> dict[str, Criterion]:
        return {c.code: c for c in self.criterion}

    @cached_property
    def expected_professions(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.profession if p.expected)

    @cached_property
    def occasions(self) -> dict[str, str]:
        """Time point code → questionnaire occasion."""
        return {t.code: t.occasion for t in self.time_point}

    @cached_property
    def changes(self) -> dict[str, ImportantChange]:
        return {c.instrument: c for c in self.important_change}


@cache
def registry() -> Registry:
    return load(DATA, Registry)
