"""When a care unit is open: its own hours, or its country's default (data/opening_hours.toml),
closed on the country's public holidays.

The coach's flags count their response targets from here: a safety flag raised at 23:31 is
due an hour after the unit opens, not at 00:31 when no one is there, and the patient is told
when the team will see it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from django.db import transaction

from stegvis.accounts.models import OpeningHours, Organisation
from stegvis.core.lawdata import DataFile, Record, load

# A unit closed for longer than this (no hours at all) is treated as never closed: the
# target runs on the calendar rather than never coming due.
LOOK_AHEAD_DAYS = 21


class CountryHours(Record):
    code: str
    time_zone: str
    weekdays: tuple[int, ...]
    opens: time
    closes: time
    # The `holidays` package's categories of days on which the country's units are closed.
    holiday_categories: tuple[str, ...]


class OpeningHoursFile(DataFile):
    version: str
    country: tuple[CountryHours, ...]


@cache
def _defaults() -> dict[str, CountryHours]:
    data = load(Path(__file__).parent / "data" / "opening_hours.toml", OpeningHoursFile)
    return {country.code: country for country in data.country}


@cache
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    categories = _defaults()[country].holiday_categories
    return holidays.country_holidays(country, years=year, categories=categories)


@dataclass(frozen=True)
class Schedule:
    """A unit's weekly periods (ISO weekday to (opens, closes) pairs) in its time zone."""

    country: str
    zone: ZoneInfo
    periods: dict[int, tuple[tuple[time, time], ...]]

    def _periods_on(self, day: date) -> tuple[tuple[time, time], ...]:
        if day in _holidays(self.country, day.year):
            return ()
        return self.periods.get(day.isoweekday(), ())

    def _open_periods(self, start: datetime):
        """The open periods from `start` on, as (from, to) moments in UTC, `start` clipped:
        durations are then real hours, also across a change to or from summer time."""
        moment = start.astimezone(UTC)
        for offset in range(LOOK_AHEAD_DAYS):
            day = start.astimezone(self.zone).date() + timedelta(days=offset)
            for opens, closes in self._periods_on(day):
                begin = datetime.combine(day, opens, self.zone).astimezone(UTC)
                end = datetime.combine(day, closes, self.zone).astimezone(UTC)
                if end > moment:
                    yield max(begin, moment), end

    def next_opening(self, at: datetime) -> datetime:
        """`at` if the unit is open then, else when it next opens."""
        for begin, _end in self._open_periods(at):
            return begin if begin > at else at
        return at

    def add_open_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of the unit's open time after `start` have passed."""
        left = timedelta(hours=hours)
        for begin, end in self._open_periods(start):
            if end - begin >= left:
                return begin + left
            left -= end - begin
        return start + timedelta(hours=hours)


def schedule_for(organisation: Organisation) -> Schedule:
    default = _defaults().get(organisation.jurisdiction) or _defaults()["SE"]
    periods: dict[int, list[tuple[time, time]]] = {}
    for row in OpeningHours.objects.filter(organisation=organisation):
        periods.setdefault(row.weekday, []).append((row.opens, row.closes))
    if not periods:
        periods = {weekday: [(default.opens, default.closes)] for weekday in default.weekdays}
    return Schedule(
        country=default.code,
        zone=ZoneInfo(default.time_zone),
        periods={day: tuple(sorted(pairs)) for day, pairs in periods.items()},
    )


def version_of(organisation: Organisation) -> str:
    """The unit's own hours as one string: a form sent after someone else changed them is
    refused instead of overwriting theirs."""
    rows = OpeningHours.objects.filter(organisation=organisation).order_by("weekday", "opens")
    return ";".join(f"{r.weekday}:{r.opens:%H:%M}-{r.closes:%H:%M}" for r in rows) or "default"


def initial(organisation: Organisation, shown: str) -> dict:
    """The form's values: the unit's week as it is now (its own hours, or the default)."""
    values: dict = {"shown": shown}
    for weekday, periods in schedule_for(organisation).periods.items():
        opens, closes = periods[0][0], periods[-1][1]
        values |= {f"open_{weekday}": True, f"opens_{weekday}": opens, f"closes_{weekday}": closes}
    return values


def hours_set(organisation: Organisation, periods: dict[int, tuple[time, time]]) -> None:
    """Replace the unit's own hours with one period on each open weekday."""
    with transaction.atomic():
        OpeningHours.objects.filter(organisation=organisation).delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(organisation=organisation, weekday=weekday, opens=opens, closes=closes)
            for weekday, (opens, closes) in sorted(periods.items())
        )
