"""The insights pages: time to return to work, practice against guidance, process and
equality, for unit managers and region analysts. Every figure comes from published.py, so
a page, its CSV and its chart show the same protected figures."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from stegvis.access.categories import Action
from stegvis.access.statistics import get_statistics_scope, statistics_scope
from stegvis.accounts.models import Organisation
from stegvis.core.csv_stream import csv_response
from stegvis.core.replica import reads_from_replica
from stegvis.insights import exports, measures, published
from stegvis.insights.charts import funnel_chart, km_curves, trend_line
from stegvis.insights.definitions import rules
from stegvis.insights.equality import MEASURES, SPLITS, equality
from stegvis.insights.models import ExtractState
from stegvis.insights.process import INDICATORS as PROCESS
from stegvis.insights.process import process_table
from stegvis.insights.release import date_label
from stegvis.insights.survival import Difference, share_by, time_to_rtw
from stegvis.insights.templatetags.insights import GROUPS as GROUP_NAMES
from stegvis.insights.variation import INDICATORS, funnel

EQUALITY_DAY = 180
# The page's splits → the curves' dimension.
GROUPINGS = {
    "all": "all",
    "unit": "unit",
    "diagnosis_group": "diagnosis_group",
    "sex": "sex",
    "age_band": "age_band",
}


def _export(request) -> str:
    """ "csv" or "png" when the reader asked for the page's table or chart as a file."""
    wanted = request.GET.get("format", "")
    return wanted if wanted in ("csv", "png") else ""


def _scope(request, object_type: str, own_figures: bool = False):
    action = Action.EXPORT if _export(request) else Action.VIEW
    return get_statistics_scope(
        request.user, object_type=object_type, action=action, own_figures=own_figures
    )


def _physicians_page(request):
    """A physician's statistics are their own figures, against the region: the pages about
    units send them there instead of answering "not found"."""
    scope = statistics_scope(request.user) if request.user.is_authenticated else None
    if scope is not None and scope.own_physician:
        return redirect("practice_variation")
    return None


def _drawn(cell) -> bool:
    return not cell.hidden and cell.n > 0


def _own_cells(scope) -> dict:
    """Per indicator of practice, the cells of the reader's own groups: a physician's own
    cases, or each of a reader's units."""
    if scope.own_physician:
        return {
            code: {scope.own_physician: measures.own_figures(scope, code)[0]} for code in INDICATORS
        }
    figures = published.figures(scope)
    return {
        code: {unit: figures[code].unit(unit) for unit in sorted(scope.units)}
        for code in INDICATORS
    }


def _unit_names(scope) -> dict:
    return dict(Organisation.objects.filter(pk__in=scope.units).values_list("pk", "name"))


NO_CURVE = gettext_lazy(
    "No curve is drawn: after the first day, every step of it would rest on fewer than five "
    "cases. The table gives what can be shown."
)


@login_required
@require_safe
@reads_from_replica
def insights(request: HttpRequest) -> HttpResponse:
    if elsewhere := _physicians_page(request):
        return elsewhere
    scope = _scope(request, "insights_page")
    group_by = request.GET.get("group_by", "all")
    group_by = group_by if group_by in GROUPINGS else "all"
    curves = published.curves(scope)
    groups = time_to_rtw(curves, GROUPINGS[group_by], names=_unit_names(scope))
    everyone = time_to_rtw(curves)
    shares = {group["key"]: share_by(group, EQUALITY_DAY) for group in groups}
    women, men = shares.get("female"), shares.get("male")
    if _export(request) == "csv":
        return csv_response(f"time-to-rtw-{group_by}", exports.KM_HEADER, exports.km_rows(groups))
    drawn = km_curves(groups, str(_("days")))
    if _export(request) == "png":
        if not drawn:  # as on the page: no step of any curve rests on five or more
            raise Http404(NO_CURVE)
        figure = exports.km_png(
            groups,
            _("Share still on sick leave, by days since the start"),
            _("days"),
            {key: str(label) for key, label in GROUP_NAMES.items()},
        )
        return exports.png_response(f"time-to-rtw-{group_by}", figure)
    return render(
        request,
        "insights/insights.html",
        {
            "groups": groups,
            "curves": drawn,
            "no_curve": NO_CURVE,
            "group_by": group_by,
            "groupings": GROUPINGS,
            "state": ExtractState.objects.first(),
            "cases": everyone[0]["n"] if everyone else 0,
            "difference": Difference(women, men) if women and men else None,
            "equality_day": EQUALITY_DAY,
            "holds_rows": scope.rows,
            "curve_days": ", ".join(str(day) for day in rules().curve_days),
        },
    )


@login_required
@require_safe
@reads_from_replica
def practice_variation(request: HttpRequest) -> HttpResponse:
    """An indicator of practice against FMB as a funnel plot: the region's units, or a unit
    manager's physicians, each a point at its volume."""
    scope = _scope(request, "insights_variation", own_figures=True)
    if Organisation.objects.filter(pk=scope.organisation_id, jurisdiction="NO").exists():
        # Its indicators measure practice against Sweden's FMB: none applies in Norway.
        return render(request, "insights/variation_norway.html", {"own": bool(scope.own_physician)})
    own = _own_cells(scope)
    shown_for = [key for key in INDICATORS if any(_drawn(cell) for cell in own[key].values())]
    code = request.GET.get("indicator")
    # Unless asked for another, the first indicator with a point of the reader's own.
    code = code if code in INDICATORS else (shown_for or ["fmb_exceeded"])[0]
    by_physician = request.GET.get("by") == "physician" and scope.physicians
    if scope.own_physician:
        mine, region = measures.own_figures(scope, code)
        found = funnel(code, {scope.own_physician: mine}, region)
        region_hidden = region.hidden
        names = {scope.own_physician: _("You")}
        labels = names
    else:
        found = published.variation_of(scope, code, bool(by_physician))
        region_hidden = published.figures(scope)[code].region_total.hidden
        names = _unit_names(scope)
        if by_physician:
            # The reader's physicians are named by number, never by name, on this page.
            labels = {p.key: f"#{index}" for index, p in enumerate(found.points, start=1)}
        else:
            labels = {p.key: names[p.key] for p in found.points if p.key in names}
    drawn = {p.key for p in found.points}
    # The reader's own groups that are not drawn, and why: none of their cases is counted,
    # or the figure is hidden (which of the two reasons hid it is never said).
    absent = [
        (str(names[key]), "hidden" if cell.hidden else "none")
        for key, cell in own[code].items()
        if key not in drawn and key in names and not by_physician
    ]
    if _export(request) == "csv":
        mean = "" if found.mean is None else round(found.mean, 4)
        return csv_response(
            f"variation-{code}",
            ["group", "n", "x", "share", "region_mean", "signal"],
            (
                [labels.get(p.key, ""), p.n, p.x, round(p.share, 4), mean, p.signal]
                for p in found.points
            ),
        )
    if _export(request) == "png":
        figure = exports.funnel_png(found, str(found.indicator.title), _("cases"), labels)
        return exports.png_response(f"variation-{code}", figure)
    return render(
        request,
        "insights/variation.html",
        {
            "funnel": found,
            "chart": funnel_chart(found, labels, str(_("cases"))),
            "labels": labels,
            "indicators": INDICATORS,
            "code": code,
            "by_physician": by_physician or scope.own_physician,
            "may_see_physicians": scope.physicians,
            "own": bool(scope.own_physician),
            "absent": absent,
            "shown_for": [(key, INDICATORS[key].title) for key in shown_for if key != code],
            "smallest": rules().smallest_cell,
            "region_hidden": region_hidden,
        },
    )


@login_required
@require_safe
@reads_from_replica
def process_indicators(request: HttpRequest) -> HttpResponse:
    """One process indicator per unit and month of start, over the last twelve months and
    the cases that started earlier."""
    if elsewhere := _physicians_page(request):
        return elsewhere
    scope = _scope(request, "insights_process")
    code = request.GET.get("indicator")
    code = code if code in PROCESS else "plan_by_day_30"
    table = process_table(published.figures(scope)[code], _unit_names(scope))
    if _export(request) == "csv":
        months = [date_label(month, table.period) for month in table.months]
        header = ["unit", "earlier", *months, "all_months"]
        lines = [(unit, *cells, total) for unit, cells, total in table.rows]
        lines.append(("all_units", *table.totals, table.total))
        return csv_response(
            f"process-{code}",
            header,
            ([line[0], *(_cell(cell) for cell in line[1:])] for line in lines),
        )
    if _export(request) == "png":
        labels = [date_label(month, table.period) for month in table.months]
        figure = exports.trend_png(labels, table.totals[1:], str(table.indicator.title))
        return exports.png_response(f"process-{code}", figure)
    return render(
        request,
        "insights/process.html",
        {
            "table": table,
            "indicators": PROCESS,
            "code": code,
            # Nothing recorded draws no line at 0 %.
            "trend": trend_line(table.totals[1:]) if table.recorded else None,
        },
    )


def _cell(cell) -> str:
    """A process cell in the CSV: "x/n", or "suppressed" (never the hidden numbers)."""
    if cell.hidden:
        return "suppressed"
    return f"{cell.x}/{cell.n}" if cell.n else ""


@login_required
@require_safe
@reads_from_replica
def equality_view(request: HttpRequest) -> HttpResponse:
    """Every indicator split by sex or by age band, women and men compared in words."""
    if elsewhere := _physicians_page(request):
        return elsewhere
    scope = _scope(request, "insights_equality")
    field = request.GET.get("by")
    field = field if field in SPLITS else "sex"
    splits = equality(published.figures(scope), field)
    if _export(request) == "csv":
        return csv_response(
            f"equality-{field}",
            ["measure", "group", "n", "x", "share"],
            (
                [found.code, group, *_equality_cell(cell)]
                for found in splits
                for group, cell in [*found.cells, ("all", found.total)]
            ),
        )
    return render(
        request,
        "insights/equality.html",
        {
            "splits": [(MEASURES[found.code], found) for found in splits],
            "field": field,
            "splits_by": SPLITS,
        },
    )


def _equality_cell(cell) -> list:
    if cell.hidden:
        return ["suppressed"] * 3
    return [cell.n, cell.x, round(cell.x / cell.n, 4) if cell.n else None]
