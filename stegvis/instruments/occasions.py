"""When questionnaires are due (data/occasions.toml), and which ones for whom."""

import calendar
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "occasions.toml"


@dataclass(frozen=True)
class OccasionRule:
    code: str
    anchor: str
    months_after: int
    window_days: int


@dataclass(frozen=True)
class OccasionSet:
    version: str
    reviewed: date
    groups: dict[str, tuple[str, ...]]
    instruments: dict[str, tuple[str, ...]]
    rules: dict[str, OccasionRule]


@cache
def occasion_set() -> OccasionSet:
    data = tomllib.loads(DATA_FILE.read_text())
    return OccasionSet(
        version=data["version"],
        reviewed=data["reviewed"],
        groups={name: tuple(prefixes) for name, prefixes in data["groups"].items()},
        instruments={name: tuple(codes) for name, codes in data["instruments"].items()},
        rules={
            entry["code"]: OccasionRule(
                entry["code"], entry["anchor"], entry["months_after"], entry["window_days"]
            )
            for entry in data["occasion"]
        },
    )


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
