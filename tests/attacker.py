"""The attacker's arithmetic, for the disclosure tests: given what a reader was shown (each
figure's counts, or a mark that it is hidden) and which figures add up to which, the
smallest and largest value each hidden count can take (integer programming, scipy's milp).
A hidden count whose smallest and largest values are one number from 1 to 4 has been
worked out; so has any count from 1 to 4 that was shown outright.

This knows nothing of how Stegvis hides figures: it only reads what was published."""

from dataclasses import dataclass, field

SMALLEST = 5
KINDS = ("n", "x", "n-x")


@dataclass
class Published:
    # key -> (n, x) as shown (either may be None: not shown), or None where it was hidden
    figures: dict = field(default_factory=dict)
    # (parts, total): the keys of figures that add up to another's, for n and for x
    lines: list = field(default_factory=list)
    # hidden keys known to hold someone (the page marks them; zeros are shown as zeros)
    nonzero: set = field(default_factory=set)

    def show(self, key, n, x=0):
        """A figure as read from a response (n or x None where that part was not shown);
        the same figure read twice must agree."""
        found = (None if n is None else int(n), None if x is None else int(x))
        before = self.figures.get(key, found)
        if before is None or any(a is not None and b is not None and a != b
                                 for a, b in zip(before, found, strict=True)):  # fmt: skip
            raise AssertionError(f"{key} shown as {before} and as {found}")
        self.figures[key] = tuple(a if a is not None else b
                                  for a, b in zip(before, found, strict=True))  # fmt: skip

    def hide(self, key, *, nonzero=True):
        if self.figures.get(key) not in (None, (None, None)):
            raise AssertionError(f"{key} is shown in one place and hidden in another")
        self.figures[key] = None
        if nonzero:
            self.nonzero.add(key)

    def value(self, key, offset):
        figure = self.figures.get(key)
        return None if figure is None else figure[offset]

    def add_line(self, parts, total):
        self.lines.append((list(parts), total))


def shown_small(published: Published) -> list[tuple]:
    """Every figure shown with a count of 1–4 in it (n, x or n - x)."""
    found = []
    for key, value in published.figures.items():
        if value is None or value[0] == 0:
            continue
        n, x = value
        counts = (n, x, None if n is None or x is None else n - x)
        for kind, count in zip(KINDS, counts, strict=True):
            if count is not None and 0 < count < SMALLEST:
                found.append((key, kind, count))
    return found


def small_together(published: Published) -> list[tuple]:
    """Every line whose figures not shown, taken together, hold a count of 1–4: the total
    less the parts shown (those who left a curve after its last step shown, say)."""
    found = []
    for parts, total in published.lines:
        unknown = [p for p in parts if published.value(p, 0) is None]
        if not unknown:
            continue
        for offset, kind in ((0, "n"), (1, "x")):
            known = [published.value(p, offset) for p in parts if p not in unknown]
            whole = published.value(total, offset)
            if whole is None or None in known:
                continue
            together = whole - sum(known)
            if 0 < together < SMALLEST:
                found.append((tuple(unknown), kind, together))
    return found


def worked_out(published: Published) -> list[tuple]:
    """Every hidden count (n, x or n - x) that the lines pin to one value from 1 to 4."""
    import numpy
    from scipy.optimize import Bounds, LinearConstraint, milp

    lines = [
        (parts, total)
        for parts, total in published.lines
        if all(key in published.figures for key in [*parts, total])
    ]
    keys = [
        key
        for key in published.figures
        if published.value(key, 0) is None or published.value(key, 1) is None
    ]
    if not keys:
        return []
    index = {key: i for i, key in enumerate(keys)}
    size = 2 * len(keys)  # n then x of each figure with an unknown part
    ceiling = 10**6  # nothing bounds a hidden figure but the lines
    rows, low, high = [], [], []

    def equation(terms, constant):
        row = numpy.zeros(size)
        for position, sign in terms:
            row[position] += sign
        if row.any():
            rows.append(row)
            low.append(-constant)
            high.append(-constant)

    for key, i in index.items():  # a part that was shown is known
        for offset in (0, 1):
            known = published.value(key, offset)
            if known is not None:
                equation([(2 * i + offset, 1)], -known)
    for parts, total in lines:
        for offset in (0, 1):  # n, x
            terms, constant = [], 0
            for key, sign in [*((p, 1) for p in parts), (total, -1)]:
                known = published.value(key, offset)
                if key in index:
                    terms.append((2 * index[key] + offset, sign))
                else:
                    constant += sign * known
            equation(terms, constant)
    for i in index.values():  # x <= n
        row = numpy.zeros(size)
        row[2 * i], row[2 * i + 1] = 1, -1
        rows.append(row)
        low.append(0)
        high.append(numpy.inf)
    constraints = LinearConstraint(numpy.array(rows), low, high)
    lower = numpy.zeros(size)
    for key in published.nonzero & set(index):
        lower[2 * index[key]] = 1
    bounds = Bounds(lower, numpy.full(size, ceiling))

    def extreme(objective) -> float:
        result = milp(objective, constraints=constraints, integrality=numpy.ones(size),
                      bounds=bounds)  # fmt: skip
        assert result.success, result.message
        return result.fun

    found = []
    for key, i in index.items():
        for kind in KINDS:
            objective = numpy.zeros(size)
            if kind == "n":
                objective[2 * i] = 1
            elif kind == "x":
                objective[2 * i + 1] = 1
            else:
                objective[2 * i], objective[2 * i + 1] = 1, -1
            smallest, largest = round(extreme(objective)), round(-extreme(-objective))
            if smallest == largest and 0 < smallest < SMALLEST:
                found.append((key, kind, smallest))
    return found
