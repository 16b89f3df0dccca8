"""Every insights table as CSV and every chart as PNG (matplotlib, which lifelines brings):
numbers written with a decimal point and no grouping, whatever the reader's language; the
PNG draws what the page's SVG draws, readable without colour."""

import io
from itertools import chain

from django.http import HttpResponse

from stegvis.core.csv_stream import csv_lines
from stegvis.insights.survival import share_by


def _number(value) -> str:
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def csv_response(name: str, header: list[str], rows) -> HttpResponse:
    lines = csv_lines(chain([header], ([_number(value) for value in row] for row in rows)))
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def png_response(name: str, figure) -> HttpResponse:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{name}.png"'
    return response


def _figure():
    from matplotlib.figure import Figure  # no pyplot: no global state in a web process

    figure = Figure(figsize=(8, 4))
    return figure, figure.add_subplot()


DASHES = ["-", "--", ":", "-.", (0, (5, 1)), (0, (1, 3))]


def km_rows(groups: list[dict], day: int):
    """A row per group: a hidden group with its name only, a curve that stops before `day`
    without its share by then."""
    for group in groups:
        if group["suppressed"]:
            yield [group["key"], None, None, None, None, None, None]
            continue
        low, high = group.get("median_ci") or (None, None)
        share = share_by(group, day)
        if share is None:
            yield [group["key"], group["n"], group["median_days"], low, high, None, None]
            continue
        share_low, share_high = share.ci
        yield [
            group["key"], group["n"], group["median_days"], low, high,
            round(share.share, 4), f"{share_low:.4f}-{share_high:.4f}",
        ]  # fmt: skip


KM_HEADER = [
    "group", "n", "median_days", "median_ci_lower", "median_ci_upper",
    "back_by_day_180", "back_by_day_180_ci",
]  # fmt: skip


def km_png(groups: list[dict], title: str, x_label: str, labels: dict):
    figure, axes = _figure()
    shown = sorted((g for g in groups if not g["suppressed"]), key=lambda g: -g["n"])
    for index, group in enumerate(shown[: len(DASHES)]):
        days = [0] + [row["day"] for row in group["table"]]
        survival = [1.0] + [row["survival"] for row in group["table"]]
        # Straight between the days shown: when in between each return fell is not told.
        axes.plot(days, survival, color="black", linestyle=DASHES[index], marker="o",
                  fillstyle="none", label=labels.get(group["key"], group["key"]))  # fmt: skip
    axes.set_ylim(0, 1.02)
    axes.set_title(title)
    axes.set_xlabel(x_label)
    axes.legend(frameon=False)
    return figure


def funnel_png(funnel, title: str, x_label: str, labels: dict):
    figure, axes = _figure()
    limits = funnel.limits
    if limits:
        volumes = [row["n"] for row in limits]
        for key, style in (("95", "--"), ("99.8", ":")):
            for side in ("low", "high"):
                axes.plot(volumes, [row[f"{key}_{side}"] for row in limits], color="black",
                          linestyle=style, linewidth=1)  # fmt: skip
        axes.axhline(funnel.mean, color="black", linewidth=1)
    for point in funnel.points:
        label = labels.get(point.key, "")
        axes.plot([point.n], [point.share], marker="o", color="black",
                  fillstyle="full" if label else "none")  # fmt: skip
        if label:
            axes.annotate(label, (point.n, point.share), xytext=(6, 3), textcoords="offset points")
    axes.set_ylim(0, 1)
    axes.set_title(title)
    axes.set_xlabel(x_label)
    return figure


def trend_png(months: list, cells: list, title: str):
    """The monthly shares as a line; a hidden or empty month is a gap, as on the page."""
    figure, axes = _figure()
    shares = [cell.share if cell.share is not None else float("nan") for cell in cells]
    labels = [month.isoformat()[:7] for month in months]
    axes.plot(labels, shares, color="black", marker="o", fillstyle="none")
    axes.set_ylim(0, 1)
    axes.set_title(title)
    axes.tick_params(axis="x", labelrotation=45)
    return figure
