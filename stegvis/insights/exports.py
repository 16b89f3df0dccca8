"""Every insights table as CSV and every chart as PNG (matplotlib, which lifelines brings).
The CSV's numbers are written with a decimal point and no grouping, whatever the reader's
language; the PNG is for reading, with the reader's decimal sign and shares as percentages,
and draws what the page's SVG draws, readable without colour, no label over another."""

import io

from django.http import HttpResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from stegvis.insights.charts import SHORT
from stegvis.insights.survival import share_by


def png_response(name: str, figure) -> HttpResponse:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{name}.png"'
    return response


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # no pyplot: no global state in a web process

    figure = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(figure)  # a renderer to measure the labels with before saving
    return figure, figure.add_subplot()


def percent(value: float, _position=None) -> str:
    """A share as a percentage with the reader's decimal sign: "12,5 %" in Swedish."""
    share = round(value * 100, 1)
    decimals = 0 if share == int(share) else 1
    return f"{number_format(share, decimals)} %"


def _percent_axis(axes) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter

    axes.yaxis.set_major_locator(FixedLocator([0, 0.25, 0.5, 0.75, 1]))
    axes.yaxis.set_major_formatter(FuncFormatter(percent))


DASHES = ["-", "--", ":", "-.", (0, (5, 1)), (0, (1, 3))]
DAYS = (90, 180)


def km_rows(groups: list[dict]):
    """A row per group: a hidden group with its name only, a curve that stops before a day
    without its share by then. Each interval's bounds in columns of their own."""
    for group in groups:
        if group["suppressed"]:
            yield [group["key"], *[None] * (len(KM_HEADER) - 1)]
            continue
        low, high = group.get("median_ci") or (None, None)
        row = [group["key"], group["n"], group["median_days"], low, high]
        for day in DAYS:
            share = share_by(group, day)
            if share is None:
                row += [None, None, None]
            else:
                row += [round(share.share, 4), round(share.ci[0], 4), round(share.ci[1], 4)]
        yield row


KM_HEADER = [
    "group", "n", "median_days", "median_ci_lower", "median_ci_upper",
    *(f"back_by_day_{day}{part}" for day in DAYS for part in ("", "_ci_lower", "_ci_upper")),
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
    _percent_axis(axes)
    axes.set_title(title)
    axes.set_xlabel(x_label)
    if shown:
        # Below the chart, where no curve or tick is.
        axes.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                    ncols=min(len(shown), 3))  # fmt: skip
    return figure


OFFSETS = ((6, 3, "left", "bottom"), (-6, 3, "right", "bottom"), (0, 8, "center", "bottom"),
           (0, -8, "center", "top"))  # fmt: skip


def _label_points(figure, axes, points: list[tuple]) -> list[str]:
    """Each (x, y, text) written beside its point where it overlaps no text written before
    it and stays inside the chart; returns the texts that found no such place."""
    renderer = figure.canvas.get_renderer()
    frame = axes.get_window_extent(renderer)
    taken = [label.get_window_extent(renderer) for label in axes.get_yticklabels()]
    left_out = []
    for x, y, text in points:
        for dx, dy, across, up in OFFSETS:
            note = axes.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                                 ha=across, va=up)  # fmt: skip
            box = note.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0
            if inside and box.y1 <= frame.y1 and not any(box.overlaps(t) for t in taken):
                taken.append(box)
                break
            note.remove()
        else:
            left_out.append(text)
    return left_out


def funnel_png(funnel, title: str, x_label: str, labels: dict):
    """The funnel as on the page: a short label beside its point, a longer one by number,
    named in the legend below with the lines."""
    from matplotlib.lines import Line2D

    figure, axes = _figure()
    limits = funnel.limits
    handles = []
    if limits:
        volumes = [row["n"] for row in limits]
        for key, style in (("95", "--"), ("99.8", ":")):
            for side in ("low", "high"):
                axes.plot(volumes, [row[f"{key}_{side}"] for row in limits], color="black",
                          linestyle=style, linewidth=1)  # fmt: skip
            name = f"{number_format(float(key), 1 if '.' in key else 0)} %"
            handles.append(Line2D([], [], color="black", linestyle=style, label=name))
        axes.axhline(funnel.mean, color="black", linewidth=1)
        region = _("the region: %(share)s") % {"share": percent(funnel.mean)}
        handles.insert(0, Line2D([], [], color="black", label=region))
    axes.set_ylim(0, 1)
    _percent_axis(axes)
    axes.set_title(title)
    axes.set_xlabel(x_label)
    named, number = [], 0
    for point in funnel.points:
        label = str(labels.get(point.key, ""))
        axes.plot([point.n], [point.share], marker="o", color="black",
                  fillstyle="full" if label else "none")  # fmt: skip
        if label:
            key = label
            if len(label) > SHORT:
                number += 1
                key = str(number)
            named.append((point.n, point.share, key, label))
    figure.canvas.draw()  # the ticks where they will be
    left_out = set(_label_points(figure, axes, [(n, share, key) for n, share, key, _ in named]))
    for _n, _share, key, label in named:
        if key != label or key in left_out:
            text = label if key in left_out else f"{key}  {label}"
            handles.append(Line2D([], [], marker="o", color="black", linestyle="", label=text))
    if handles:
        axes.legend(handles=handles, frameon=False, loc="upper center",
                    bbox_to_anchor=(0.5, -0.16), ncols=2)  # fmt: skip
    return figure


def trend_png(labels: list[str], cells: list, title: str):
    """The shares per period as a line; a hidden or empty one is a gap, as on the page."""
    figure, axes = _figure()
    shares = [cell.share if cell.share is not None else float("nan") for cell in cells]
    axes.plot(labels, shares, color="black", marker="o", fillstyle="none")
    axes.set_ylim(0, 1)
    _percent_axis(axes)
    axes.set_title(title)
    axes.tick_params(axis="x", labelrotation=90)
    return figure
