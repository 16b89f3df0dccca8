"""Insights under /api/v1/insights: the region's pseudonymised extract as CSV (for the
region's analyst only: stegvis.access.statistics decides), and time to return to work, for
unit managers and region analysts, the same protected figures the pages show."""

from enum import StrEnum
from itertools import chain

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from stegvis.access.categories import Action
from stegvis.access.statistics import get_statistics_scope
from stegvis.accounts.models import Organisation
from stegvis.core import disclosure
from stegvis.core.csv_stream import csv_lines
from stegvis.core.errors import FieldErrors
from stegvis.core.replica import reads_from_replica
from stegvis.insights import published, release
from stegvis.insights.definitions import Generalisation, rules
from stegvis.insights.models import COLUMNS, HOLDS, ExtractState
from stegvis.insights.survival import life_table, time_to_rtw

router = Router(tags=["insights"])


class GroupBy(StrEnum):
    UNIT = "unit"
    DIAGNOSIS_GROUP = "diagnosis_group"
    SEX = "sex"
    AGE_BAND = "age_band"
    ALL = "all"


def _unit(scope, unit: int | None) -> int | None:
    if unit is not None and unit not in scope.units:
        raise FieldErrors({"unit": ["Not a unit you see statistics of."]})
    return unit


def _cell(value) -> str:
    """ISO dates, a decimal point, true/false: never localised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return f"{value:g}" if isinstance(value, float) else str(value)


def _released(record: dict, level: Generalisation) -> list[str]:
    """A row of the region's file: dates and age as the step gives them, what would split
    the groups empty."""
    found = []
    for column in COLUMNS:
        value = record[column]
        if column in release.LEFT_EMPTY:
            value = ""
        elif column in ("start_date", "end_date", *release.OTHER_DATES):
            value = release.date_label(value, level.dates)
        elif column == "age_band":
            value = release.age_label(value, level.ages)
        found.append(_cell(value))
    return found


def _generalisation(level: Generalisation) -> list[str]:
    """How the file's dates and ages were given, in the reader's words."""
    dates = {
        "month": _("Dates are given by month (YYYY-MM)."),
        "quarter": _("Dates are given by quarter (YYYY-Qn)."),
        "half_year": _("Dates are given by half-year (YYYY-H1, YYYY-H2)."),
        "year": _("Dates are given by year (YYYY)."),
    }[level.dates]
    ages = {
        "bands": _("Age is given in bands of about ten years."),
        "wide": _("Age is given in two wide bands ({bands}).").format(
            bands=", ".join(f"{low}-{high}" for low, high in rules().wide_age_bands)
        ),
        "none": _("Age is not given."),
    }[level.ages]
    finer = (
        ""
        if level == rules().generalisation[0]
        else " " + _("Anything finer would have left out too many rows.")
    )
    return [dates, ages + finer]


def _about(level: Generalisation, left_out: int) -> list[str]:
    """The file's header: what was generalised and what was left out, in the reader's words."""
    state = ExtractState.objects.first()
    smallest = disclosure.smallest()
    left = _("fewer than {n}").format(n=smallest) if disclosure.small(left_out) else str(left_out)
    lines = [
        _("Stegvis: the region's analysis extract as of {day}, one pseudonymised row per case.")
        .format(day=state.as_of.isoformat() if state and state.as_of else "–"),
        *_generalisation(level),
        _(
            "Every group of unit, sex, age band, diagnosis group and start and end period holds "
            "at least {n} rows. Rows in smaller groups are left out ({left}), here and from "
            "every figure Stegvis shows about the region."
        ).format(n=smallest, left=left),
        _("physician, fmb_diagnosis and fmb_days are left empty: they would split the groups."),
    ]  # fmt: skip
    return [f"# {line}\n" for line in lines]


@router.get(
    "/insights/cases.csv",
    summary="The region's pseudonymised extract, one row per case in groups of five or more (CSV)",
    response={200: None},
)
@reads_from_replica
def extract_csv(request, unit: int | None = None):
    scope = get_statistics_scope(
        request.user, object_type="insights_extract", action=Action.EXPORT, holds=HOLDS
    )
    region = release.units_rows(scope)
    level = release.level_of(scope)
    rows = release.kept(region, level)
    if _unit(scope, unit) is not None:
        rows = rows.filter(organisation_id=unit)
    about = _about(level, release.left_out(region, level))
    # In the order of the pseudonyms (a keyed hash): never of the dates the file hides.
    records = rows.order_by("pseudonym", "start_date").values(*COLUMNS)

    def lines():
        yield COLUMNS
        for record in records.iterator(chunk_size=5000):
            yield _released(record, level)

    response = StreamingHttpResponse(
        chain(about, csv_lines(lines())), content_type="text/csv; charset=utf-8"
    )
    state = ExtractState.objects.first()
    as_of = state.as_of.isoformat() if state and state.as_of else "empty"
    # The step, for a script that reads the file without its comment lines.
    response["X-Stegvis-Generalisation"] = level.name
    response["Content-Disposition"] = f'attachment; filename="stegvis-cases-{as_of}.csv"'
    return response


class CurvePoint(Schema):
    day: int
    survival: float | None
    ci_lower: float | None
    ci_upper: float | None
    at_risk: int
    events: int


class IncidencePoint(Schema):
    day: int
    cumulative_incidence: float | None


class CurveOut(Schema):
    key: str
    n: int | None
    suppressed: bool
    median_days: float | None = None
    median_ci: list[float | None] | None = None
    table: list[CurvePoint]
    cumulative_incidence: dict[str, list[IncidencePoint]] | None = None


class TimeToRtwOut(Schema):
    as_of: str | None
    group_by: str
    groups: list[CurveOut]


@router.get(
    "/insights/time-to-rtw",
    response=TimeToRtwOut,
    summary="Time to return to work as a life table, by group (and competing exits)",
)
@reads_from_replica
def get_time_to_rtw(
    request, group_by: GroupBy = GroupBy.ALL, unit: int | None = None, competing: bool = False
):
    scope = get_statistics_scope(request.user, object_type="insights_time_to_rtw")
    unit = _unit(scope, unit)
    curves = published.curves(scope)
    names = dict(Organisation.objects.filter(pk__in=scope.units).values_list("pk", "name"))
    if unit is None or set(scope.units) == {unit}:
        groups = time_to_rtw(curves, group_by.value, competing=competing, names=names)
    elif group_by in (GroupBy.ALL, GroupBy.UNIT):
        # One unit's cases: its row of the split by unit, the same figures.
        curve = curves.get(("unit", unit))
        groups = [] if curve is None else [life_table(curve, competing, names)]
        if group_by == GroupBy.ALL:
            groups = [{**group, "key": "all"} for group in groups]
    else:
        # A unit's cases split again would be a table of its own, beside the one of all
        # units; two tables with the same margins each protected alone let a hidden cell be
        # worked out between them.
        raise FieldErrors(
            {"unit": ["Ask for a split over all your units, or for one unit's cases as a whole."]}
        )
    state = ExtractState.objects.first()
    return {
        "as_of": state.as_of.isoformat() if state and state.as_of else None,
        "group_by": group_by.value,
        "groups": groups,
    }
