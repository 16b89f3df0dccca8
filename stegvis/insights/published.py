"""The figures a reader is shown, computed once per version of the extract and reader
(remembered.py) and read by every page, CSV, chart and API answer alike: the same figure is
the same number, or hidden, wherever and however it is asked for."""

from datetime import date

from django.utils import timezone

from stegvis.insights import measures, survival
from stegvis.insights.models import ExtractState
from stegvis.insights.release import figure_rows, level_of, wide_ages
from stegvis.insights.remembered import remembered
from stegvis.insights.variation import INDICATORS, Funnel, variation


def as_of() -> date:
    state = ExtractState.objects.first()
    return state.as_of if state and state.as_of else timezone.localdate()


def figures(scope) -> dict:
    """Every measure's protected figures for the reader (measures.py)."""
    day = as_of()
    return remembered(
        "figures", scope, (day.isoformat(),), lambda: measures.figures_for(scope, day)
    )


def curves(scope) -> dict:
    """Every curve of time to return the reader may ask for, protected together."""

    def compute():
        wide = wide_ages(level_of(scope))
        return survival.curves_of(survival.observations_of(figure_rows(scope), wide_ages=wide))

    return remembered("curves", scope, (), compute)


def variation_of(scope, code: str, by_physician: bool) -> Funnel:
    """An indicator's funnel for the reader's units (or physicians). Its limits need SciPy,
    a second to import in every process: computed once per version, by the worker."""

    def compute():
        found = variation(figures(scope)[code], code, by_physician=by_physician)
        # Numbers and keys only: the indicator's words are the reader's language's.
        return found.mean, found.points, found.hidden, found.limits

    mean, points, hidden, limits = remembered("variation", scope, (code, by_physician), compute)
    return Funnel(INDICATORS[code], mean, points, hidden, limits)
