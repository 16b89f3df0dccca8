"""When questionnaires are due (data/occasions.toml), and which ones for whom."""

import calendar
from datetime import date, timedelta
from functools import cache, cached_property
from pathlib import Path

from stegvis.core.lawdata import DataFile, Record, load

DATA_FILE = Path(__file__).parent / "data" / "occasions.toml"


class OccasionRule(Record):
    code: str
    anchor: str
    months_after: int
    window_days: int


class OccasionFile(DataFile):
    version: str
    groups: dict[str, tuple[str, ...]]
    instruments: dict[str, tuple[str, ...]]
    occasion: tuple[OccasionRule, ...]

    @cached_property
    def rules(self) -> dict[str, OccasionRule]:
        return {rule.code: rule for rule in self.occasion}


@cache
def occasion_set() -> OccasionFile:
    return load(DATA_FILE, OccasionFile)


def group_for(diagnosis_code: str | None) -> str:
    code = (diagnosis_code or "").upper()
    for name, prefixes in occasion_set().groups.items():
        if code and code.startswith(prefixes):
            return name
    return "other"


def instruments_for(diagnosis_code: str | None) -> tuple[str, ...]:
    return occasion_set().instruments[group_for(diagnosis_code)]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_and_expiry(rule: OccasionRule, anchor_day: date) -> tuple[date, date]:
    due = add_months(anchor_day, rule.months_after)
    return due, due + timedelta(days=rule.window_days)
