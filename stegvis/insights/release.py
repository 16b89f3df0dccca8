"""What leaves Stegvis as rows: the region's extract, generalised until every group of unit,
sex, age band, diagnosis group and start and end period holds at least five rows.

The file goes down a ladder of steps (data/extract.toml: dates by month, quarter, half-year,
year, then wider age bands, then no age) and is given at the first step that leaves out few
enough rows; rows still in a group of fewer than five are left out. The diagnosis is given
by its ICD-10 chapter only (the FMB code and its duration would split the groups again) and
no physician is named. The reader of the rows sees every other figure computed from the same
rows (`figure_rows`), so that no table can be set against the file to find the rows left
out of it: a table of the region's cases by unit and sex counts the file's own groups, each
of five or more, or of none.
"""

from datetime import date

from django.db.models import Case, Count, F, Value, When, Window
from django.db.models.functions import ExtractYear, TruncMonth, TruncQuarter

from stegvis.core import disclosure
from stegvis.insights.definitions import Generalisation, rules
from stegvis.insights.models import CaseExtract
from stegvis.insights.remembered import remembered

# The columns a group is made of besides the age band and the start and end periods.
GROUPED_BY = ("organisation_id", "sex", "diagnosis_group")
# Finer than the groups: left empty in the region's file.
LEFT_EMPTY = ("physician", "fmb_diagnosis", "fmb_days")
# Dates besides the start and the end, given by the same period.
OTHER_DATES = ("first_coordinator_contact", "employer_plan_done", "sip_held")


def _period(column: str, dates: str):
    """The period a date column falls in, as one value per period."""
    if dates == "month":
        return TruncMonth(column)
    if dates == "quarter":
        return TruncQuarter(column)
    year = ExtractYear(column)
    if dates == "year":
        return year
    return year * 2 + Case(When(**{f"{column}__month__gt": 6}, then=1), default=0)


def wide_age_band():
    """The wide band (data/extract.toml) of a row's age band, in SQL."""
    definitions = rules()
    return Case(
        *(
            When(age_band=band, then=Value(definitions.wide_age_band(band)))
            for band in definitions.age_band_labels
        ),
        default=Value(""),
    )


def _ages(ages: str) -> list:
    """The age band as the step gives it (nothing to group by when age is not given)."""
    if ages == "bands":
        return [F("age_band")]
    if ages == "wide":
        return [wide_age_band()]
    return []


def _sized(rows, level: Generalisation):
    return rows.annotate(
        group_size=Window(
            Count("pk"),
            partition_by=[
                *(F(name) for name in GROUPED_BY),
                *_ages(level.ages),
                _period("start_date", level.dates),
                _period("end_date", level.dates),
            ],
        )
    )


def kept(rows, level: Generalisation):
    """The rows in groups of at least the smallest cell at this step."""
    large = _sized(rows, level).filter(group_size__gte=disclosure.smallest())
    return CaseExtract.objects.filter(pk__in=large.values("pk"))


def left_out(rows, level: Generalisation) -> int:
    return _sized(rows, level).filter(group_size__lt=disclosure.smallest()).count()


def level_for(rows) -> Generalisation:
    """The first step that leaves out no more than the allowed share of the rows; if none
    does, the one that leaves out fewest (the earlier of two that leave out as many)."""
    definitions = rules()
    allowed = definitions.most_left_out * rows.count()
    ladder = definitions.generalisation
    left = {}
    for level in ladder:
        left[level.name] = left_out(rows, level)
        if left[level.name] <= allowed:
            return level
    return min(ladder, key=lambda level: left[level.name])


def level_of(scope) -> Generalisation | None:
    """The step of the region's file, for a reader who holds its rows; None for others.

    Their figures are split no finer than the file where the file's own groups would add
    sums the tables' protection never saw: by the file's wide age bands, and by its periods
    of start. (Where the file gives no age at all, it adds no sum over ages, and the ten-year
    bands stay.)"""
    if not scope.rows:
        return None
    # Up to six window queries over the region's rows: once per version of the extract.
    name = remembered(
        "file_level",
        scope,
        (),
        lambda: level_for(units_rows(scope)).name,
    )
    return rules().level(name)


def wide_ages(level: Generalisation | None) -> bool:
    return level is not None and level.ages == "wide"


def age_labels(level: Generalisation | None) -> list[str]:
    """The age groups a reader's figures are split into."""
    if wide_ages(level):
        return [f"{low}-{high}" for low, high in rules().wide_age_bands]
    return rules().age_band_labels


def period_start(day: date, dates: str) -> date:
    """The first day of the month, quarter, half-year or year `day` is in."""
    first_month = {
        "month": day.month,
        "quarter": 3 * ((day.month - 1) // 3) + 1,
        "half_year": 1 if day.month <= 6 else 7,
        "year": 1,
    }[dates]
    return date(day.year, first_month, 1)


def units_rows(scope):
    """Every row of the reader's units, before any is kept back."""
    return CaseExtract.objects.filter(organisation_id__in=scope.units)


def figure_rows(scope):
    """The rows the reader's figures are computed from: their units' cases, or, for a reader
    who holds the region's rows, exactly those rows."""
    rows = units_rows(scope)
    return kept(rows, level_of(scope)) if scope.rows else rows


def region_rows(scope):
    """The rows of the region the reader's units are compared with."""
    rows = CaseExtract.objects.filter(organisation_id__in=scope.region_units)
    return kept(rows, level_for(rows)) if scope.rows else rows


def date_label(day: date | None, dates: str) -> str:
    """A date as its month ("2026-03"), quarter ("2026-Q1"), half-year ("2026-H1") or year
    ("2026"); never localised."""
    if day is None:
        return ""
    return {
        "month": f"{day.year}-{day.month:02d}",
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        "half_year": f"{day.year}-H{1 if day.month <= 6 else 2}",
        "year": str(day.year),
    }[dates]


def age_label(band: str, ages: str) -> str:
    """An age band as the step gives it: itself, the wide band it lies in, or nothing."""
    if not band or ages == "none":
        return ""
    return band if ages == "bands" else rules().wide_age_band(band)
