"""The points of the employer's plan per country, read from data/employer_plan.toml."""

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from stegvis.core.language import in_reader_language

DATA_FILE = Path(__file__).parent / "data" / "employer_plan.toml"


@dataclass(frozen=True)
class Point:
    code: str
    text_sv: str
    text_en: str

    @property
    def text(self) -> str:
        return in_reader_language(self.text_sv, self.text_en)


@dataclass(frozen=True)
class EmployerPlanRules:
    jurisdiction: str
    milestone: str
    legal_reference: str
    about_sv: str
    about_en: str
    source: str
    valid_from: date
    title_sv: str
    title_en: str
    points: tuple[Point, ...]
    version: str
    reviewed: date

    @property
    def title(self) -> str:
        return in_reader_language(self.title_sv, self.title_en)

    @property
    def about(self) -> str:
        """What the law says, in the reader's language (the citation itself stays as cited)."""
        return in_reader_language(self.about_sv, self.about_en)


@cache
def employer_plan_rules(jurisdiction: str) -> EmployerPlanRules:
    data = tomllib.loads(DATA_FILE.read_text())
    country = data[jurisdiction]
    return EmployerPlanRules(
        jurisdiction=jurisdiction,
        milestone=country["milestone"],
        legal_reference=country["legal_reference"],
        about_sv=country["about_sv"],
        about_en=country["about_en"],
        source=country["source"],
        valid_from=country["valid_from"],
        title_sv=country["title_sv"],
        title_en=country["title_en"],
        points=tuple(Point(p["code"], p["text_sv"], p["text_en"]) for p in country["point"]),
        version=data["version"],
        reviewed=data["reviewed"],
    )
