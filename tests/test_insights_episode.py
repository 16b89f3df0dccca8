"""A case's course by hand-built cases: censoring, the 28-day return, competing exits,
linked periods, partial days and corrected certificates."""

from datetime import date

import pytest

from stegvis.insights.definitions import rules
from stegvis.insights.episode import Leave, course

D = date
NEW_YEAR, JUNE = D(2026, 1, 1), D(2026, 6, 1)


def run(leaves, *, day_one=NEW_YEAR, as_of=JUNE, closed_on=None, reason=""):
    return course(
        day_one=day_one,
        leaves=leaves,
        closed_on=closed_on,
        closed_reason=reason,
        as_of=as_of,
        rules=rules(),
    )


def test_a_case_still_on_leave_is_censored_on_the_day_of_the_extract():
    seen = run([Leave(D(2026, 1, 8), D(2026, 3, 31), 100)], as_of=D(2026, 3, 15))
    assert (seen.outcome, seen.end) == ("censored", D(2026, 3, 15))
    # 1 January to 14 March: the first week on the person's own word, then certified.
    assert seen.net_days == 31 + 28 + 14
    assert seen.days == 73


def test_back_at_work_is_the_first_of_28_days_without_leave():
    seen = run([Leave(D(2026, 1, 1), D(2026, 1, 31), 100)], as_of=D(2026, 3, 15))
    assert (seen.outcome, seen.end, seen.net_days) == ("rtw", D(2026, 2, 1), 31)


def test_fewer_than_28_days_back_is_not_yet_a_return():
    seen = run([Leave(D(2026, 1, 1), D(2026, 3, 1), 100)], as_of=D(2026, 3, 20))
    assert (seen.outcome, seen.end) == ("censored", D(2026, 3, 20))
    exactly = run([Leave(D(2026, 1, 1), D(2026, 3, 1), 100)], as_of=D(2026, 3, 30))
    assert (exactly.outcome, exactly.end) == ("rtw", D(2026, 3, 2))


def test_a_short_gap_links_two_periods_and_its_days_are_not_sick_days():
    seen = run(
        [Leave(D(2026, 1, 1), D(2026, 1, 31), 100), Leave(D(2026, 2, 10), D(2026, 2, 28), 50)]
    )
    assert (seen.outcome, seen.end) == ("rtw", D(2026, 3, 1))
    assert seen.net_days == 31 + 19 * 0.5


def test_partial_days_count_by_their_degree():
    seen = run(
        [Leave(D(2026, 1, 1), D(2026, 1, 4), 25), Leave(D(2026, 1, 5), D(2026, 1, 8), 75)],
        as_of=D(2026, 3, 1),
    )
    assert seen.net_days == pytest.approx(1 + 3)


def test_disability_benefit_is_a_competing_exit_on_its_day():
    seen = run(
        [Leave(D(2026, 1, 1), D(2026, 6, 30), 100)],
        closed_on=D(2026, 4, 1),
        reason="disability_benefit",
        as_of=D(2026, 8, 1),
    )
    assert (seen.outcome, seen.end, seen.net_days) == ("other_exit", D(2026, 4, 1), 90)


def test_a_case_closed_as_back_at_work_returns_the_day_after_its_last_leave():
    seen = run(
        [Leave(D(2026, 1, 1), D(2026, 3, 10), 100)],
        closed_on=D(2026, 3, 12),
        reason="returned_to_work",
        as_of=D(2026, 3, 20),
    )
    assert (seen.outcome, seen.end) == ("rtw", D(2026, 3, 11))


def test_a_case_closed_for_another_reason_is_censored_when_it_closed():
    seen = run([Leave(D(2026, 1, 1), D(2026, 3, 10), 100)], closed_on=D(2026, 2, 1), reason="other")
    assert (seen.outcome, seen.end) == ("censored", D(2026, 2, 1))


def test_a_corrected_certificate_replaces_the_days_it_covers():
    seen = run(
        [
            Leave(D(2026, 1, 1), D(2026, 1, 31), 100, order=1),
            Leave(D(2026, 1, 15), D(2026, 1, 31), 50, order=2),
        ]
    )
    assert seen.net_days == 14 + 17 * 0.5


def test_the_first_return_counts_even_if_sick_leave_comes_back_later():
    seen = run(
        [Leave(D(2026, 1, 1), D(2026, 1, 31), 100), Leave(D(2026, 4, 1), D(2026, 4, 30), 100)]
    )
    assert (seen.outcome, seen.end, seen.net_days) == ("rtw", D(2026, 2, 1), 31)


def test_the_age_bands_and_chapters_are_the_data_files():
    definitions = rules()
    assert [definitions.age_band(a) for a in (15, 16, 29, 30, 67, 68)] == [
        "", "16-29", "16-29", "30-39", "60-67", "",
    ]  # fmt: skip
    assert definitions.chapter_of("F32.1") == "F00-F99"
    assert definitions.chapter_of("M54.4") == "M00-M99"
    assert definitions.chapter_of("S72") == "S00-T98"
    assert definitions.chapter_of("H65") == "H60-H95"


def test_a_case_closed_as_back_at_work_before_its_certificate_ran_out_returns_that_day():
    seen = run(
        [Leave(D(2026, 1, 1), D(2026, 3, 31), 100)],
        closed_on=D(2026, 3, 12),
        reason="returned_to_work",
        as_of=D(2026, 3, 20),
    )
    assert (seen.outcome, seen.end, seen.net_days) == ("rtw", D(2026, 3, 12), 70)
