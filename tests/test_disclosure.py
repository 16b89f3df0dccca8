"""The suppression module (stegvis.core.disclosure): primary suppression of counts of 1–4,
shares whose numerator or complement is small, complementary suppression within a line and
across linked tables, checked by the attacker's own arithmetic (tests/attacker.py)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from stegvis.core.disclosure import Cell, Line, protect, small
from tests.attacker import Published, shown_small, small_together, worked_out


def published(lines: list[Line]) -> Published:
    """What a reader sees of these lines once protected."""
    seen = Published()
    for line in lines:
        for cell in line.cells:
            if cell.hidden:
                seen.hide(id(cell), nonzero=cell.n > 0)
            else:
                seen.show(id(cell), cell.n, cell.x)
        seen.add_line([id(part) for part in line.parts], id(line.total))
    return seen


def line_of(*counts) -> Line:
    parts = [Cell(*count) if isinstance(count, tuple) else Cell(count) for count in counts]
    return Line(parts, Cell(sum(p.n for p in parts), sum(p.x for p in parts)))


def test_a_count_of_one_to_four_is_small_and_zero_is_not():
    assert [small(n) for n in (0, 1, 4, 5, None)] == [False, True, True, False, False]


def test_a_share_whose_numerator_or_complement_is_under_five_is_hidden():
    # In work 75 % (6/8): the 2 not working follow from it.
    assert Cell(8, 6).small and Cell(20, 2).small and Cell(20, 0).small is False
    assert not Cell(10, 5).small and Cell(0, 0).small is False
    # Beside the group's published count of all its cases, 3 left out of the measure.
    assert Cell(17, 8, within=(20,)).small and not Cell(15, 8, within=(20,)).small
    # A split of n - x: 1 other exit among the 6 who did not return.
    assert Cell(12, 6, split=(1,)).small


def test_sixteen_cases_one_man_and_fifteen_unknown_leave_nothing_to_subtract():
    women, men, unknown = Cell(0), Cell(1), Cell(15)
    line = Line([women, men, unknown], Cell(16))
    protect([line])
    assert men.hidden and unknown.hidden and not women.hidden and not line.total.hidden
    assert worked_out(published([line])) == []


def test_two_small_parts_do_not_hide_each_other():
    # 1 + 1 hidden beside a total of 12 and 10 shown: both would be pinned to 1.
    line = line_of(1, 1, 10)
    protect([line])
    assert [cell.hidden for cell in line.parts] == [True, True, True]
    assert worked_out(published([line])) == []


def test_a_table_and_its_margins_linked_to_another_table_by_their_shared_totals():
    first = [[Cell(1), Cell(10), Cell(12)], [Cell(8), Cell(9), Cell(20)]]
    rows = [Line(row, Cell(sum(c.n for c in row))) for row in first]
    columns = [Line([first[0][j], first[1][j]], Cell(first[0][j].n + first[1][j].n))
               for j in range(3)]  # fmt: skip
    grand = Cell(sum(row.total.n for row in rows))
    # A second table splits the same rows' totals another way (by sex, say).
    second = [[Cell(20), Cell(3)], [Cell(30), Cell(7)]]
    second_rows = [Line(cells, row.total) for cells, row in zip(second, rows, strict=True)]
    second_columns = [Line([second[0][j], second[1][j]], Cell(second[0][j].n + second[1][j].n))
                      for j in range(2)]  # fmt: skip
    lines = [
        *rows, *columns, *second_rows, *second_columns,
        Line([row.total for row in rows], grand),
        Line([column.total for column in columns], grand),
        Line([column.total for column in second_columns], grand),
    ]  # fmt: skip
    protect(lines)
    seen = published(lines)
    assert shown_small(seen) == [] and small_together(seen) == [] and worked_out(seen) == []
    assert first[0][0].hidden and second[0][1].hidden


def test_what_follows_a_hidden_cell_is_hidden_with_it():
    steps = [Cell(9), Cell(2), Cell(7), Cell(6)]
    line = Line(steps, Cell(24))
    protect([line], follows={steps[i]: [steps[i + 1]] for i in range(3)})
    assert [step.hidden for step in steps] == [False, True, True, True]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), min_size=3, max_size=3),
        min_size=2,
        max_size=4,
    )
)
def test_no_hidden_cell_of_any_table_can_be_worked_out(table):
    cells = [[Cell(n + x, x) for n, x in row] for row in table]
    rows = [Line(row, Cell(sum(c.n for c in row), sum(c.x for c in row))) for row in cells]
    columns = [
        Line(list(column), Cell(sum(c.n for c in column), sum(c.x for c in column)))
        for column in zip(*cells, strict=True)
    ]
    grand = Cell(sum(row.total.n for row in rows), sum(row.total.x for row in rows))
    lines = [*rows, *columns, Line([r.total for r in rows], grand),
             Line([c.total for c in columns], grand)]  # fmt: skip
    protect(lines)
    seen = published(lines)
    assert shown_small(seen) == [] and small_together(seen) == []
    assert worked_out(seen) == []
