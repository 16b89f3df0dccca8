"""What leaves Stegvis as rows: the region's extract, generalised until every group of unit,
sex, age band, diagnosis group and start and end period holds at least five rows.

Dates are given by month, or by quarter where months would leave out too many rows
(data/extract.toml); rows still in a group of fewer than five are left out. The diagnosis
is given by its ICD-10 chapter only (the FMB code and its duration would split the groups
again) and no physician is named. The reader of the rows sees every other figure computed
from the same rows (`figure_rows`), so that no table can be set against the file to find
the rows left out of it: a table of the region's cases by unit and sex counts the file's
own groups, each of five or more, or of none.
"""

from datetime import date

from django.db.models import Count, F, Window
from django.db.models.functions import TruncMonth, TruncQuarter

from stegvis.core import disclosure
from stegvis.insights.models import CaseExtract
from stegvis.insights.rules import rules

TRUNCATE = {"month": TruncMonth, "quarter": TruncQuarter}
# The columns a group is made of (besides the start and end periods).
GROUPED_BY = ("organisation_id", "sex", "age_band", "diagnosis_group")
# Finer than the groups: left empty in the region's file.
LEFT_EMPTY = ("physician", "fmb_diagnosis", "fmb_days")
# Dates besides the start and the end, given by the same period.
OTHER_DATES = ("first_coordinator_contact", "employer_plan_done", "sip_held")


def _sized(rows, period: str):
    truncate = TRUNCATE[period]
    return rows.annotate(
        group_size=Window(
            Count("pk"),
            partition_by=[
                *(F(name) for name in GROUPED_BY),
                truncate("start_date"),
                truncate("end_date"),
            ],
        )
    )


def kept(rows, period: str):
    """The rows in groups of at least the smallest cell at `period`."""
    large = _sized(rows, period).filter(group_size__gte=disclosure.smallest())
    return CaseExtract.objects.filter(pk__in=large.values("pk"))


def left_out(rows, period: str) -> int:
    return _sized(rows, period).filter(group_size__lt=disclosure.smallest()).count()


def period_for(rows) -> str:
    """The finest period that leaves out no more than the allowed share of the rows; if
    none does, the one that leaves out fewest (the finer of two that leave out as many)."""
    definitions = rules()
    allowed = definitions.most_left_out * rows.count()
    left = {period: left_out(rows, period) for period in definitions.extract_periods}
    within = [period for period in definitions.extract_periods if left[period] <= allowed]
    return within[0] if within else min(definitions.extract_periods, key=left.__getitem__)


def figure_rows(scope):
    """The rows the reader's figures are computed from: their units' cases, or, for a reader
    who holds the region's rows, exactly those rows."""
    rows = CaseExtract.objects.filter(organisation_id__in=scope.units)
    return kept(rows, period_for(rows)) if scope.rows else rows


def region_rows(scope):
    """The rows of the region the reader's units are compared with."""
    rows = CaseExtract.objects.filter(organisation_id__in=scope.region_units)
    return kept(rows, period_for(rows)) if scope.rows else rows


def period_label(day: date | None, period: str) -> str:
    """A date as its month ("2026-03") or quarter ("2026-Q1"); never localised."""
    if day is None:
        return ""
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
