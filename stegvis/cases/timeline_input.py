"""The calculator's input, validated at the edge (API body and `stegvis timeline`).

Each error names the field it is about, so a person or an integrator can fix it.
"""

from datetime import date, timedelta
from itertools import pairwise
from typing import Literal

from django.utils import timezone
from ninja import Schema
from pydantic import Field, ValidationInfo, field_validator, model_validator

from stegvis.cases.deadlines import Period, TimelineInput, rule_set

# How far ahead a date may lie: further is almost always a typing mistake.
MAX_DAYS_AHEAD = 731


def latest_allowed_date() -> date:
    return timezone.localdate() + timedelta(days=MAX_DAYS_AHEAD)


def is_far_ahead(value: date | None) -> bool:
    return value is not None and value > latest_allowed_date()


def check_not_far_ahead(value: date | None) -> date | None:
    if is_far_ahead(value):
        raise ValueError("is more than two years ahead")
    return value


class PeriodIn(Schema):
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    degree: int

    _not_far_ahead = field_validator("start", "end")(check_not_far_ahead)

    @model_validator(mode="after")
    def ends_after_start(self) -> "PeriodIn":
        if self.end < self.start:
            raise ValueError("'to' is before 'from'")
        return self


class TimelineIn(Schema):
    jurisdiction: Literal["SE", "NO"]
    employment: Literal["employed", "unemployed", "self_employed", "student", "parental_leave"]
    periods: list[PeriodIn] = Field(min_length=1, max_length=200)
    expected_days: int | None = Field(default=None, ge=0, le=36500)
    expectation_known: date | None = None
    birth_date: date | None = None

    _not_far_ahead = field_validator("expectation_known")(check_not_far_ahead)

    @field_validator("birth_date")
    @classmethod
    def born_in_the_past(cls, value: date | None) -> date | None:
        if value is not None and value > timezone.localdate():
            raise ValueError("is in the future")
        return value

    @field_validator("periods")
    @classmethod
    def periods_fit_the_rules(cls, periods: list[PeriodIn], info: ValidationInfo):
        jurisdiction = info.data.get("jurisdiction")
        if jurisdiction is None:
            return periods
        rules = rule_set(jurisdiction)
        for number, period in enumerate(periods, start=1):
            if not rules.degree_allowed(period.degree):
                raise ValueError(
                    f"period {number}: degree {period.degree} is not allowed in "
                    f"{jurisdiction} ({rules.degrees_text.en})"
                )
        ordered = sorted(enumerate(periods, start=1), key=lambda item: item[1].start)
        for (first_no, first), (second_no, second) in pairwise(ordered):
            if second.start <= first.end:
                raise ValueError(f"period {second_no} overlaps period {first_no}")
        return periods

    def to_input(self) -> TimelineInput:
        return TimelineInput(
            jurisdiction=self.jurisdiction,
            employment=self.employment,
            periods=[Period(p.start, p.end, p.degree) for p in self.periods],
            expected_days=self.expected_days,
            expectation_known=self.expectation_known,
            birth_date=self.birth_date,
        )


def error_lines(errors: list[dict]) -> list[str]:
    """Pydantic errors as 'field: message' lines, e.g. 'periods.2.to: ...'."""
    lines = []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ()))
        message = error.get("msg", "").removeprefix("Value error, ")
        lines.append(f"{location}: {message}" if location else message)
    return lines
