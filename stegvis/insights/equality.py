"""Equality: every indicator of practice and of process split by legal sex or by age band,
over all the reader's cases, with women and men compared in plain words.

Each split is a row of cells with its total: the measure's figures (measures.py), protected
with every other table that shows them, the unknown group included, so that a hidden group
cannot be worked out from the others and the total. The difference between women and men
is a difference of two proportions with its 95 % interval (normal approximation), stated
only when both groups are shown.
"""

import math
from dataclasses import dataclass

from stegvis.core.disclosure import Cell
from stegvis.insights import measures, process, variation
from stegvis.insights.survival import Difference, Share

SPLITS = ("sex", "age_band")
SEXES = measures.SEXES


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
    recorded: bool = True  # something recorded in every group shown (measures.py)


def counts(code: str, rows, field: str) -> dict:
    """{group: (n, x)} of one measure, in one aggregate query."""
    return measures.counts(code, rows, field)


def _share(cell: Cell) -> Share:
    p = cell.x / cell.n
    return Share(cell.n, p, math.sqrt(p * (1 - p) / cell.n))


def split(figures, field: str) -> Split:
    """One measure split by `field`; cases whose group is not known are a group of their own
    ("unknown"), so the groups add up to the total."""
    groups = figures.by_sex if field == "sex" else figures.by_age
    cells = list(groups.items())
    difference = None
    # Where nothing is recorded, women and men are not compared at 0 %.
    recorded = not any(measures.nothing_recorded(figures.code, cell) for _g, cell in cells)
    if field == "sex" and recorded:
        women, men = groups["female"], groups["male"]
        if women.n and men.n and not (women.hidden or men.hidden):
            difference = Difference(_share(women), _share(men))
    return Split(figures.code, cells, figures.total, difference, recorded)


def equality(figures: dict, field: str) -> list[Split]:
    return [split(figures[code], field) for code in MEASURES]
