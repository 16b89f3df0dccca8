"""Writing the insights' figures: group names in the reader's words, medians with their
interval, a hidden figure as "not shown" (whichever the reason, so the mark tells nothing).
(SVG coordinates use floatformat's "u": never localised.)"""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stegvis.insights.measures import nothing_recorded
from stegvis.insights.release import date_label
from stegvis.insights.survival import share_by

register = template.Library()
MINUS = "\u2212"  # a real minus sign reads better than a hyphen before a number

GROUPINGS = {
    "all": _("Nothing (all cases)"),
    "unit": _("Unit"),
    "diagnosis_group": _("Diagnosis group (ICD-10 chapter)"),
    "sex": _("Sex"),
    "age_band": _("Age band"),
}
GROUPS = {"all": _("All cases"), "female": _("Women"), "male": _("Men"), "unknown": _("Not known")}
NOT_SHOWN = pgettext_lazy("a figure hidden by the small-cell rule", "not shown")
NOTHING_RECORDED = pgettext_lazy(
    "a figure where none of the cases has the fact counted recorded", "no data recorded"
)


@register.filter
def grouping_label(value: str) -> str:
    return str(GROUPINGS.get(value, value))


@register.filter
def group_label(value: str) -> str:
    return str(GROUPS.get(value, value))


def _days(value) -> str:
    return "–" if value is None else number_format(round(value))


@register.filter
def median_cell(group: dict) -> str:
    low, high = group.get("median_ci") or (None, None)
    median = _days(group.get("median_days"))
    if median == "–":
        return str(_("not reached"))
    return f"{median} ({_days(low)}–{_days(high)})"


@register.filter
def back_by(group: dict, day: int) -> str:
    """The share back at work by `day`, where the curve reaches it."""
    share = share_by(group, day)
    return str(NOT_SHOWN) if share is None else f"{number_format(round(share.share * 100))} %"


@register.filter
def percent(share: float) -> str:
    return f"{number_format(round(share * 100, 1), 1)} %"


@register.filter
def get_label(labels: dict, key) -> str:
    return labels.get(key) or str(_("Another unit of the region"))


SIGNALS = {
    "within": _("within what chance explains"),
    "high_95": _("higher than the region (outside the 95 percent limit)"),
    "high_998": _("clearly higher than the region (outside the 99.8 percent limit)"),
    "low_95": _("lower than the region (outside the 95 percent limit)"),
    "low_998": _("clearly lower than the region (outside the 99.8 percent limit)"),
}
BETTER, WORTH_A_LOOK = _("better"), _("worth a look")


@register.filter
def signal_words(signal: str, better: str) -> str:
    words = str(SIGNALS[signal])
    if signal == "within":
        return words
    good = signal.startswith("low") == (better == "lower")
    return f"{words}: {BETTER if good else WORTH_A_LOOK}"


@register.filter
def share_ci(group: dict, day: int) -> str:
    """The share back at work by `day` with its interval, where the curve reaches it."""
    share = share_by(group, day)
    if share is None:
        return str(NOT_SHOWN)
    low, high = share.ci
    return f"{percent(share.share)} ({percent(low)}–{percent(high)})"


@register.filter
def points(value: float) -> str:
    """A difference of shares in percentage points, with its sign."""
    return number_format(round(value * 100, 1), 1).replace("-", MINUS)


@register.filter
def cell_text(cell, code: str = "") -> str:
    """A share with its cases; "not shown" for a hidden cell, "–" for a group of none, and
    "no data recorded" where none of the cases has what the measure `code` counts recorded,
    never "0 %"."""
    if cell.hidden:
        return str(NOT_SHOWN)
    if not cell.n:
        return "–"
    if code and nothing_recorded(code, cell):
        return str(NOTHING_RECORDED)
    return f"{percent(cell.share)} ({cell.n})"


@register.filter
def period_label(day, period: str) -> str:
    """A quarter, half-year or year of start as the region's file writes it ("2026-Q1")."""
    return date_label(day, period)
