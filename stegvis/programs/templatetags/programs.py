"""Showing the registry's figures: a count of 1–4 people as "fewer than 5", a suppressed
statistic as a dash with its reason, numbers in the reader's format."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from stegvis.programs.outcomes import small
from stegvis.programs.registry import registry

register = template.Library()


def _too_few() -> str:
    return _("fewer than %(n)s") % {"n": registry().smallest_cell}


def _number(value: float, places: int = 1) -> str:
    return number_format(round(value, places), places)


def _percent(share: float) -> str:
    return f"{number_format(round(share * 100))} %"


@register.filter
def split(value: str):
    return value.split()


@register.filter
def get(mapping, key):
    return mapping.get(key)


@register.filter
def cell(count):
    return _too_few() if small(count) else count


@register.filter
def rate(summary, point):
    share = summary.response_rate(point)
    return "–" if share is None else _percent(share)


@register.filter
def change(result):
    if result.suppressed or result.mean is None:
        return _too_few() if result.n else "–"
    if result.ci is None:
        return _number(result.mean)
    low, high = result.ci
    return f"{_number(result.mean)} ({_number(low)} – {_number(high)}), n = {result.n}"


@register.filter
def reached(result):
    if result.suppressed:
        return "–"
    if result.reached is None:
        return _("no established cut-off")
    share = result.share_reached
    return _too_few() if share is None else f"{_percent(share)} ({result.reached}/{result.n})"


@register.filter
def mean_cell(pair):
    n, mean = pair
    if mean is None:
        return _too_few() if n else "–"
    return f"{_number(mean)} (n = {n})"


@register.filter
def share_cell(pair):
    n, count = pair
    if count is None:
        return _too_few() if n else "–"
    return f"{_percent(count / n)} ({count}/{n})"


@register.filter
def pain_reached(summary):
    """The share whose pain fell by an important change from before to a year after."""
    row = next((r for r in summary.instruments if r.code == "pain_nrs"), None)
    return "–" if row is None else reached(row.to_one_year)
