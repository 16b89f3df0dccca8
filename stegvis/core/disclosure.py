"""Disclosure control: no figure leaves Stegvis from which a count of one to four people can
be worked out, by any reader, format or combination of filters (docs/disclosure.md).

A figure about a group is a `Cell`. It reveals several counts at once: the people in the
group (n), those of them who did what is measured (x), those who did not (n - x), and,
where the same group's larger count is published elsewhere (all its cases, or a measure
whose population holds this one's), the difference (`within`). A cell that splits n - x
further (other exits, lost to follow-up) names the parts in `split`.

A `Line` is a part of a table that adds up: its parts and their total, the unknown group
among the parts. `protect` hides cells in two steps:

1. primary: every cell that reveals a count of 1 to 4;
2. complementary: while a line's hidden parts, taken together, are small (they follow from
   the total less the parts shown), or a single hidden part could be worked out, or any
   hidden cell follows from the lines together (linear algebra over all of them, so that
   linked tables and their shared totals count too), the cheapest shown cell of such a
   line is hidden as well.

A cell with no one in it (n = 0) is never hidden: zero tells nothing about anyone.
"""

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from stegvis.core.lawdata import DataFile, load

DATA = Path(__file__).parent / "data" / "disclosure.toml"


class DisclosureRules(DataFile):
    version: str
    smallest_cell: int


@cache
def rules() -> DisclosureRules:
    return load(DATA, DisclosureRules)


def smallest() -> int:
    return rules().smallest_cell


def small(count: int | None) -> bool:
    """A count the rule hides: 1 to 4 (0 tells nothing about anyone)."""
    return count is not None and 0 < count < smallest()


@dataclass(eq=False)
class Cell:
    """One figure about a group. Cells are compared by identity: the same figure shown in
    two tables is one Cell, so that hiding it hides it in both."""

    n: int
    x: int = 0
    within: tuple[int, ...] = ()  # the same group's published counts that hold these n
    split: tuple[int, ...] = ()  # disjoint parts of n - x, the last part left implicit
    hidden: bool = False

    def counts(self) -> list[int]:
        """Every count of people this figure reveals."""
        found = [self.n, self.x, self.n - self.x]
        found += [outer - self.n for outer in self.within]
        if self.split:
            found += [*self.split, self.n - self.x - sum(self.split)]
        return found

    @property
    def small(self) -> bool:
        return self.n > 0 and any(small(count) for count in self.counts())

    @property
    def share(self) -> float | None:
        return None if self.hidden or not self.n else self.x / self.n


def total_of(cells: Iterable[Cell]) -> Cell:
    """The cell of the cells together (their figures summed)."""
    cells = list(cells)
    width = max((len(c.within) for c in cells), default=0)
    parts = max((len(c.split) for c in cells), default=0)
    return Cell(
        sum(c.n for c in cells),
        sum(c.x for c in cells),
        tuple(sum(c.within[i] for c in cells if len(c.within) > i) for i in range(width)),
        tuple(sum(c.split[i] for c in cells if len(c.split) > i) for i in range(parts)),
    )


@dataclass(eq=False)
class Line:
    """Parts that add up to a total (a row or a column of a table, with its margin)."""

    parts: list[Cell]
    total: Cell

    @property
    def cells(self) -> list[Cell]:
        return [*self.parts, self.total]


@dataclass
class _Protection:
    lines: Sequence[Line]
    follows: Mapping[Cell, Sequence[Cell]]
    lines_of: dict = field(default_factory=dict)

    def __post_init__(self):
        for line in self.lines:
            for cell in line.cells:
                self.lines_of.setdefault(cell, []).append(line)

    def closure(self, cell: Cell) -> list[Cell]:
        """The cells not yet hidden that hiding `cell` hides: itself and what follows it."""
        found, stack, seen = [], [cell], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if not current.hidden:
                found.append(current)
            stack.extend(self.follows.get(current, ()))
        return found

    def hide(self, cell: Cell) -> None:
        for each in self.closure(cell):
            each.hidden = True

    def cost(self, cell: Cell) -> int:
        return sum(each.n for each in self.closure(cell))

    def safe(self, line: Line) -> bool:
        """Whether nothing small follows from this line alone."""
        hidden = [part for part in line.parts if part.hidden]
        if line.total.hidden:
            # With the total hidden, the line tells only how the hidden parts differ from
            # it; the total alone hidden would follow from the parts.
            return bool(hidden)
        if not hidden:
            return True
        together = total_of(hidden)
        return together.n == 0 or (len(hidden) > 1 and not together.small)

    def candidates(self, line: Line) -> list[Cell]:
        return [cell for cell in line.cells if not cell.hidden and cell.n]

    def fix(self, line: Line) -> bool:
        """Hide the cheapest shown cell of an unsafe line, preferring one that makes it safe.
        False when there is none left to hide."""
        found = self.candidates(line)
        if not found:
            return False

        def rank(cell: Cell):
            trial = self.closure(cell)
            for each in trial:
                each.hidden = True
            made_safe = self.safe(line)
            for each in trial:
                each.hidden = False
            return (not made_safe, sum(each.n for each in trial), cell.n)

        self.hide(min(found, key=rank))
        return True

    def determined(self) -> list[Cell]:
        """The hidden cells with a small count that follows from all the lines together.

        Each kind of count (n, x, n - x, ...) is looked at on its own. A line whose hidden
        cells hold none of a kind between them shows each of them holds none (no count is
        negative); the rest is linear algebra: a hidden count is determined when every way
        of changing the hidden counts that keeps every line's sum leaves it unchanged (its
        coordinate is zero in the null space)."""
        hidden = [cell for cell in self.lines_of if cell.hidden]
        if not hidden:
            return []
        kinds = min(len(cell.counts()) for cell in self.lines_of)
        found: dict = {}
        for kind in range(kinds):
            value = {cell: cell.counts()[kind] for cell in hidden}
            unknown = [cell for cell in hidden if cell not in self._none_of(value)]
            for cell in self._fixed(unknown):
                if small(value[cell]):
                    found[cell] = True
        return list(found)

    def _none_of(self, value: dict) -> set:
        """The hidden cells a line shows to hold none of this kind of count."""
        known: set = set()
        changed = True
        while changed:
            changed = False
            for line in self.lines:
                if line.total.hidden and line.total not in known:
                    continue
                rest = [p for p in line.parts if p.hidden and p not in known]
                if rest and sum(value[p] for p in rest) == 0:
                    known.update(rest)
                    changed = True
        return known

    def _fixed(self, unknown: list[Cell]) -> list[Cell]:
        import numpy
        from scipy.linalg import null_space  # here, not at the top: heavy to import

        if not unknown:
            return []
        index = {cell: i for i, cell in enumerate(unknown)}
        rows = []
        for line in self.lines:
            row = numpy.zeros(len(unknown))
            for cell, sign in [*((part, 1) for part in line.parts), (line.total, -1)]:
                if cell in index:
                    row[index[cell]] += sign
            if row.any():
                rows.append(row)
        if not rows:
            return []
        free = null_space(numpy.array(rows))
        if free.shape[1] == 0:
            return unknown
        fixed = numpy.abs(free).max(axis=1) < 1e-9
        return [cell for cell, is_fixed in zip(unknown, fixed, strict=True) if is_fixed]

    def fix_determined(self, cell: Cell) -> bool:
        """Hide the cheapest shown cell of a line the determined cell is in (or, failing
        that, of a line next to those)."""
        seen_lines: set = set()
        frontier = list(self.lines_of.get(cell, []))
        while frontier:
            found = [c for line in frontier for c in self.candidates(line)]
            if found:
                self.hide(min(found, key=lambda c: (self.cost(c), c.n)))
                return True
            seen_lines.update(map(id, frontier))
            frontier = [
                other
                for line in frontier
                for each in line.cells
                for other in self.lines_of.get(each, [])
                if id(other) not in seen_lines
            ]
        return False


def protect(
    lines: Sequence[Line],
    *,
    cells: Iterable[Cell] = (),
    follows: Mapping[Cell, Sequence[Cell]] | None = None,
) -> None:
    """Hide every small cell of `lines` (and of `cells`, figures in no table), then enough
    others that none can be worked out. `follows` names the cells that cannot be shown
    once a cell is hidden (a curve goes no further than its first hidden step). Cells
    already hidden stay hidden."""
    work = _Protection(lines, follows or {})
    for cell in itertools.chain(list(work.lines_of), cells):
        if cell.small or cell.hidden:
            work.hide(cell)
    given_up: set = set()
    while True:
        unsafe = next(
            (line for line in lines if id(line) not in given_up and not work.safe(line)), None
        )
        if unsafe is not None:
            if not work.fix(unsafe):
                given_up.add(id(unsafe))
            continue
        stuck = [cell for cell in work.determined() if id(cell) not in given_up]
        if not stuck:
            return
        if not work.fix_determined(stuck[0]):
            given_up.add(id(stuck[0]))
