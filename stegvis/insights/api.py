"""Insights under /api/v1/insights: the pseudonymised extract as CSV, and time to return to
work, for unit managers and region analysts (stegvis.access.statistics decides)."""

from enum import StrEnum

from django.http import StreamingHttpResponse
from ninja import Router, Schema

from stegvis.access.categories import Action
from stegvis.access.statistics import get_statistics_scope
from stegvis.core.csv_stream import csv_lines
from stegvis.core.errors import FieldErrors
from stegvis.insights.models import COLUMNS, CaseExtract, ExtractState
from stegvis.insights.remembered import remembered
from stegvis.insights.survival import observations_of, time_to_rtw

router = Router(tags=["insights"])


class GroupBy(StrEnum):
    UNIT = "unit"
    DIAGNOSIS_GROUP = "diagnosis_group"
    SEX = "sex"
    AGE_BAND = "age_band"
    ALL = "all"


def _rows(scope, unit: int | None):
    rows = CaseExtract.objects.filter(organisation_id__in=scope.units)
    if unit is not None:
        if unit not in scope.units:
            raise FieldErrors({"unit": ["Not a unit you see statistics of."]})
        rows = rows.filter(organisation_id=unit)
    return rows


def _cell(value) -> str:
    """ISO dates, a decimal point, true/false: never localised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return f"{value:g}" if isinstance(value, float) else str(value)


@router.get(
    "/insights/cases.csv",
    summary="The pseudonymised analysis extract, one row per case (CSV)",
    response={200: None},
)
def extract_csv(request, unit: int | None = None):
    scope = get_statistics_scope(request.user, object_type="insights_extract", action=Action.EXPORT)
    rows = _rows(scope, unit).order_by("start_date", "pseudonym").values_list(*COLUMNS)
    physician = COLUMNS.index("physician")

    def lines():
        yield COLUMNS
        for row in rows.iterator(chunk_size=5000):
            cells = [_cell(value) for value in row]
            if not scope.physicians:
                cells[physician] = ""  # a region sees units, never physicians
            yield cells

    response = StreamingHttpResponse(csv_lines(lines()), content_type="text/csv; charset=utf-8")
    state = ExtractState.objects.first()
    as_of = state.as_of.isoformat() if state and state.as_of else "empty"
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
    summary="Kaplan–Meier time to return to work, by group (and competing exits)",
)
def get_time_to_rtw(
    request, group_by: GroupBy = GroupBy.ALL, unit: int | None = None, competing: bool = False
):
    scope = get_statistics_scope(request.user, object_type="insights_time_to_rtw")
    field = None if group_by == GroupBy.ALL else group_by.value
    groups = remembered(
        "time_to_rtw_api",
        scope,
        (group_by.value, unit, competing),
        lambda: time_to_rtw(observations_of(_rows(scope, unit), field), competing=competing),
    )
    state = ExtractState.objects.first()
    return {
        "as_of": state.as_of.isoformat() if state and state.as_of else None,
        "group_by": group_by.value,
        "groups": groups,
    }
