"""The insights pages: time to return to work for unit managers and region analysts."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from stegvis.access.statistics import get_statistics_scope
from stegvis.accounts.models import Organisation
from stegvis.insights.charts import funnel_chart, km_curves, trend_line
from stegvis.insights.models import CaseExtract, ExtractState
from stegvis.insights.process import INDICATORS as PROCESS
from stegvis.insights.process import process_table
from stegvis.insights.survival import Difference, Observation, back_by, time_to_rtw
from stegvis.insights.variation import INDICATORS, variation

EQUALITY_DAY = 180
# The page's splits → the extract's column.
GROUPINGS = {
    "all": None,
    "unit": "unit",
    "diagnosis_group": "diagnosis_group",
    "sex": "sex",
    "age_band": "age_band",
}


@login_required
def insights(request: HttpRequest) -> HttpResponse:
    scope = get_statistics_scope(request.user, object_type="insights_page")
    group_by = request.GET.get("group_by", "all")
    field = GROUPINGS.get(group_by)
    rows = CaseExtract.objects.filter(organisation_id__in=scope.units)
    values = rows.values_list("start_date", "end_date", "outcome", *((field,) if field else ()))
    observations = [
        Observation((row[3] or "unknown") if field else "all", (row[1] - row[0]).days, row[2])
        for row in values.iterator(chunk_size=5000)
    ]
    groups = time_to_rtw(observations, competing=True)
    members: dict[str, list[Observation]] = {}
    for observation in observations:
        members.setdefault(observation.key, []).append(observation)
    # Equality: the share back by day 180 in each group, with its interval; men and women
    # compared in words.
    shares = {key: back_by(group, EQUALITY_DAY) for key, group in members.items()}
    for group in groups:
        group["by_180"] = shares.get(group["key"])
    women, men = shares.get("female"), shares.get("male")
    return render(
        request,
        "insights/insights.html",
        {
            "groups": groups,
            "curves": km_curves(groups),
            "group_by": group_by if field or group_by == "all" else "all",
            "groupings": GROUPINGS,
            "state": ExtractState.objects.first(),
            "units": Organisation.objects.filter(pk__in=scope.units).order_by("name"),
            "cases": len(observations),
            "difference": Difference(women, men) if women and men else None,
            "equality_day": EQUALITY_DAY,
        },
    )


@login_required
def practice_variation(request: HttpRequest) -> HttpResponse:
    """An indicator of practice against FMB as a funnel plot: the region's units, or a unit
    manager's physicians, each a point at its volume."""
    scope = get_statistics_scope(request.user, object_type="insights_variation")
    code = request.GET.get("indicator")
    code = code if code in INDICATORS else "fmb_exceeded"
    by_physician = request.GET.get("by") == "physician" and scope.physicians
    found = variation(scope, code, by_physician=by_physician)
    if by_physician:
        # The reader's physicians are named by number, never by name, on this page.
        labels = {p.key: f"#{index}" for index, p in enumerate(found.points, start=1)}
    else:
        names = dict(Organisation.objects.filter(pk__in=scope.units).values_list("pk", "name"))
        labels = {p.key: names[p.key] for p in found.points if p.key in names}
    return render(
        request,
        "insights/variation.html",
        {
            "funnel": found,
            "chart": funnel_chart(found, labels),
            "labels": labels,
            "indicators": INDICATORS,
            "code": code,
            "by_physician": by_physician,
            "may_see_physicians": scope.physicians,
        },
    )


@login_required
def process_indicators(request: HttpRequest) -> HttpResponse:
    """One process indicator per unit and month of start, over the last twelve months."""
    scope = get_statistics_scope(request.user, object_type="insights_process")
    code = request.GET.get("indicator")
    code = code if code in PROCESS else "plan_by_day_30"
    names = dict(Organisation.objects.filter(pk__in=scope.units).values_list("pk", "name"))
    state = ExtractState.objects.first()
    as_of = state.as_of if state and state.as_of else timezone.localdate()
    rows = CaseExtract.objects.filter(organisation_id__in=scope.units)
    table = process_table(code, rows, as_of, names)
    return render(
        request,
        "insights/process.html",
        {"table": table, "indicators": PROCESS, "code": code, "trend": trend_line(table.totals)},
    )
