"""The points of the employer's plan per country, read from data/employer_plan.toml."""

from datetime import date
from functools import cache
from pathlib import Path

from pydantic import Field

from stegvis.core.lawdata import Bilingual, DataFile, Record, load

DATA_FILE = Path(__file__).parent / "data" / "employer_plan.toml"


class Point(Record):
    code: str
    text: Bilingual


class CountryRules(Record):
    milestone: str
    legal_reference: str
    # What the law says, in the reader's language (the citation itself stays as cited).
    about: Bilingual
    source: str
    valid_from: date
    title: Bilingual
    points: tuple[Point, ...] = Field(alias="point")
    # The roles a completed plan is sent to, of those the patient lets see it.
    sent_to: tuple[str, ...] = ()


class EmployerPlanFile(DataFile):
    version: str
    SE: CountryRules
    NO: CountryRules


@cache
def _file() -> EmployerPlanFile:
    return load(DATA_FILE, EmployerPlanFile)


def employer_plan_rules(jurisdiction: str) -> CountryRules:
    return getattr(_file(), jurisdiction)
