"""Equality: every indicator of practice and of process split by legal sex or by age band,
over all the reader's cases, with women and men compared in plain words.

Each split is a row of cells with its total; the small-cell rule and secondary suppression of
the process tables apply, so a hidden group cannot be worked out from the others and the
total. The difference between women and men is a difference of two proportions with its
95 % interval (normal approximation), stated only when both groups are shown.
"""

import math
from dataclasses import dataclass

from stegvis.insights import process, variation
from stegvis.insights.process import Cell, suppress
from stegvis.insights.rules import rules
from stegvis.insights.survival import Difference, Share

SPLITS = ("sex", "age_band")
SEXES = ["female", "male"]


@dataclass(frozen=True)
class Measure:
    code: str
    title: object
    about: object


MEASURES = {
    i.code: Measure(i.code, i.title, i.about)
    for i in (*variation.INDICATORS.values(), *process.INDICATORS.values())
}


@dataclass
class Split:
    code: str  # the measure's (remembered answers hold no words)
    cells: list[tuple[str, Cell]]  # (group, cell), in the order of the groups
    total: Cell
    difference: Difference | None  # women minus men, when both are shown


def counts(code: str, rows, field: str) -> dict:
    """{group: (n, x)} of one measure, in one aggregate query."""
    if code in variation.INDICATORS:
        return variation.counts_by(code, rows, field)
    rows, aggregates = process.counted(code, rows)
    return {
        row[field]: (row["n"] or 0, row["x"] or 0)
        for row in rows.values(field).annotate(**aggregates)
    }


def _groups(field: str) -> list[str]:
    if field == "sex":
        return SEXES
    return rules().age_band_labels


def _share(cell: Cell) -> Share:
    p = cell.x / cell.n
    return Share(cell.n, p, math.sqrt(p * (1 - p) / cell.n))


def split(code: str, rows, field: str) -> Split:
    """One measure split by `field`; cases whose group is not known are a group of their own
    ("unknown"), so the groups add up to the total."""
    found = counts(code, rows, field)
    groups = _groups(field)
    keys = [*groups, "unknown"]
    unknown = [found[key] for key in found if key not in groups]
    known = {key: found.get(key, (0, 0)) for key in groups}
    known["unknown"] = (sum(n for n, _x in unknown), sum(x for _n, x in unknown))
    row = [Cell(*known[key]) for key in keys]
    line = [*row, Cell(sum(c.n for c in row), sum(c.x for c in row))]
    suppress([line])
    cells = list(zip(keys, line[:-1], strict=True))
    difference = None
    if field == "sex":
        women, men = line[0], line[1]
        if women.n and men.n and not (women.hidden or men.hidden):
            difference = Difference(_share(women), _share(men))
    return Split(code, cells, line[-1], difference)


def equality(rows, field: str) -> list[Split]:
    return [split(code, rows, field) for code in MEASURES]
