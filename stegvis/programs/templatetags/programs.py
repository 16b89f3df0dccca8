"""Showing the registry's figures: a hidden figure (a count of 1–4 people, or one from
which such a count would follow) as "not shown", numbers in the reader's format."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


def _not_shown() -> str:
    return pgettext("a figure hidden by the small-cell rule", "not shown")


# A negative number's sign: the minus sign (U+2212), not the hyphen a number format gives.
MINUS = "\u2212"


def _number(value: float, places: int = 1) -> str:
    shown = number_format(round(value, places), places)
    return MINUS + shown[1:] if shown.startswith("-") else shown


def _percent(share: float) -> str:
    return f"{number_format(round(share * 100))} %"


@register.filter
def split(value: str):
    return value.split()


@register.filter
def get(mapping, key):
    return mapping.get(key)


@register.filter
def cell(figure):
    """A count of people (a disclosure Cell)."""
    return _not_shown() if figure.hidden else figure.n


@register.filter
def answered_cell(figure):
    """Those who answered, of a Cell of those given (n) and answering (x)."""
    return _not_shown() if figure.hidden else figure.x


@register.filter
def rate(summary, point):
    figure = summary.answered[point]
    if figure.hidden:
        return _not_shown()
    return "–" if figure.share is None else _percent(figure.share)


def _no_pairs() -> str:
    return _("nobody answered both before and after")


@register.filter
def change(result):
    if not result.n:
        return _no_pairs()
    if result.suppressed or result.mean is None:
        return _not_shown()
    if result.ci is None:
        return _number(result.mean)
    low, high = result.ci
    return f"{_number(result.mean)} ({_number(low)} – {_number(high)}), n = {result.n}"


@register.filter
def reached(result):
    # An instrument without a cut-off has none to reach, whoever answered.
    if result.reached is None:
        return _("no established cut-off")
    if not result.n:
        return _no_pairs()
    if result.suppressed:
        return _not_shown()
    return share_cell(result.reached)


@register.filter
def mean_cell(mean):
    if not mean.cell.n:
        return "–"
    if mean.shown is None:
        return _not_shown()
    return f"{_number(mean.shown)} (n = {mean.cell.n})"


@register.filter
def share_cell(figure):
    """A share with its numerator and denominator (a Cell: x of n)."""
    if not figure.n:
        return "–"
    if figure.hidden:
        return _not_shown()
    return f"{_percent(figure.share)} ({figure.x}/{figure.n})"


@register.filter
def pain_reached(summary):
    """The share whose pain fell by an important change from before to a year after."""
    row = next((r for r in summary.instruments if r.code == "pain_nrs"), None)
    return "–" if row is None else reached(row.to_one_year)
