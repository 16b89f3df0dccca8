"""The deadline engine, table-driven for Sweden and Norway, plus a property test."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stegvis.cases.deadlines import Period, TimelineInput, milestones, rule_set
from stegvis.cases.timelines import entries

D = date.fromisoformat
JAN_1 = D("2025-01-01")


def plus(days: int, start: date = JAN_1) -> date:
    return start + timedelta(days=days)


def timeline(jurisdiction="SE", employment="employed", periods=None, **extra) -> dict[str, date]:
    periods = periods or [Period(JAN_1, plus(399))]
    result = milestones(TimelineInput(jurisdiction, employment, periods, **extra))
    return {m.code: m.date for m in result}


SE_SINGLE_LONG_PERIOD = {
    "certificate_required": plus(7),
    "fk_sickness_benefit": plus(14),
    "employer_rtw_plan": plus(29),
    "chain_day_91": plus(90),
    "chain_day_181": plus(180),
    "chain_day_366": plus(365),
    "chain_day_550": plus(549),
}

# First period: January 2025, 31 days. The second starts after a gap of 89 or 90 days.
FIRST = Period(JAN_1, D("2025-01-31"))
LINKED_START = plus(89 + 1, FIRST.end)  # 89 days without reduced capacity in between
UNLINKED_START = plus(90 + 1, FIRST.end)


@pytest.mark.parametrize(
    ("label", "periods", "expected"),
    [
        ("single long period", [Period(JAN_1, plus(599))], SE_SINGLE_LONG_PERIOD),
        (
            "linked, 89 days apart: the chain continues at day 32",
            [FIRST, Period(LINKED_START, plus(400, LINKED_START))],
            {
                "certificate_required": plus(7, LINKED_START),
                "fk_sickness_benefit": plus(14, LINKED_START),
                "employer_rtw_plan": plus(29, LINKED_START),
                "chain_day_91": plus(91 - 31 - 1, LINKED_START),
                "chain_day_181": plus(181 - 31 - 1, LINKED_START),
                "chain_day_366": plus(366 - 31 - 1, LINKED_START),
                "chain_day_550": plus(550 - 31 - 1, LINKED_START),
            },
        ),
        (
            "not linked, 90 days apart: a new chain from day 1",
            [FIRST, Period(UNLINKED_START, plus(600, UNLINKED_START))],
            {c: plus((d - JAN_1).days, UNLINKED_START) for c, d in SE_SINGLE_LONG_PERIOD.items()},
        ),
        (
            "graded periods count every calendar day, whatever the degree",
            [
                Period(JAN_1, D("2025-01-20"), 100),
                Period(D("2025-01-21"), D("2025-03-31"), 50),
                Period(D("2025-04-01"), D("2025-12-31"), 25),
            ],
            {
                "certificate_required": plus(7),
                "employer_rtw_plan": plus(29),
                "chain_day_91": plus(90),
                "chain_day_181": plus(180),
            },
        ),
        (
            "a short gap of graded leave: only days of reduced capacity count",
            [Period(JAN_1, D("2025-01-10"), 50), Period(D("2025-01-21"), D("2025-12-31"), 75)],
            {
                # The spell restarts on 21 January; the chain counts 10 + n days.
                "certificate_required": D("2025-01-28"),
                "chain_day_91": plus(91 - 10 - 1, D("2025-01-21")),
            },
        ),
    ],
)
def test_sweden_milestones(label, periods, expected):
    found = timeline("SE", "employed", periods, expected_days=400)
    for code, due in expected.items():
        assert found[code] == due, f"{label}: {code}"


def test_milestones_come_in_date_order_with_their_sources():
    result = milestones(TimelineInput("SE", "employed", [Period(JAN_1, plus(599))], 400))
    assert [m.date for m in result] == sorted(m.date for m in result)
    assert all(m.legal_reference and m.title.sv and m.title.en for m in result)
    assert {m.code: m.responsible for m in result}["employer_rtw_plan"] == "employer"


@pytest.mark.parametrize(
    ("expected_days", "known", "plan_due"),
    [
        (59, None, None),
        (60, None, plus(29)),
        (60, plus(10), plus(29)),
        (90, plus(44), plus(44)),  # became known on day 45: due at once
    ],
)
def test_employer_plan_follows_the_60_day_expectation(expected_days, known, plan_due):
    found = timeline(expected_days=expected_days, expectation_known=known)
    assert found.get("employer_rtw_plan") == plan_due


def test_unemployed_have_no_employer_plan_and_no_chain_milestones():
    employed = timeline(employment="employed", expected_days=400)
    unemployed = timeline(employment="unemployed", expected_days=400)
    assert "employer_rtw_plan" in employed
    assert "chain_day_181" in employed
    assert "employer_rtw_plan" not in unemployed
    assert not [code for code in unemployed if code.startswith("chain_day")]
    assert unemployed["certificate_required"] == employed["certificate_required"]


def test_who_is_responsible_for_reporting_to_fk_depends_on_employment():
    def duties(employment):
        result = milestones(TimelineInput("SE", employment, [Period(JAN_1, plus(99))], 100))
        return {m.code: (m.responsible, m.date) for m in result if m.kind == "duty"}

    assert duties("employed")["fk_sickness_benefit"] == ("employer", plus(14))
    assert "fk_sick_report" not in duties("employed")
    # Without an employer there is no sick-pay period: the patient reports on day 1.
    for employment in ("unemployed", "self_employed"):
        assert duties(employment)["fk_sick_report"] == ("patient", JAN_1)
        assert "fk_sickness_benefit" not in duties(employment)


def test_the_employers_report_after_the_sick_pay_period_cites_its_own_paragraph():
    # Issue 33: the day-15 duty cited sjuklönelagen 7 § (the sick-pay period) only; the
    # employer's report within seven days after that period is 12 §.
    rule = next(r for r in rule_set("SE").milestones if r.code == "fk_sickness_benefit")
    assert "om sjuklön 7 §" in rule.legal_reference and "12 § (arbetsgivarens anmälan" in (
        rule.legal_reference
    )
    assert rule.act_within_days == 7


def test_a_duty_nobody_can_still_act_on_is_past_not_late():
    found = milestones(TimelineInput("SE", "employed", [Period(JAN_1, plus(99))], 100))
    day_15 = plus(14)

    def status(today):
        (entry,) = [
            e for e in entries(found, set(), today, True) if e.code == "fk_sickness_benefit"
        ]
        return entry.status

    assert status(day_15 - timedelta(days=1)) == "due_soon"
    assert status(day_15 + timedelta(days=7)) == "overdue", "the employer can still report"
    assert status(day_15 + timedelta(days=8)) == "past"
    # The employer's plan can still be made late, so it stays late until it is done.
    (plan,) = [e for e in entries(found, set(), plus(200), True) if e.code == "employer_rtw_plan"]
    assert plan.status == "overdue"


@pytest.mark.parametrize(
    ("birth_date", "has_note"),
    [
        (D("1962-06-30"), True),  # 63 on day 181 (30 June 2025)
        (D("1962-07-01"), False),  # turns 63 the day after
        (D("1950-01-01"), True),
        (None, False),
    ],
)
def test_age_63_at_day_181_is_an_exception_note(birth_date, has_note):
    result = milestones(
        TimelineInput("SE", "employed", [Period(JAN_1, plus(399))], 400, birth_date=birth_date)
    )
    day_181 = next(m for m in result if m.code == "chain_day_181")
    assert day_181.date == D("2025-06-30")
    assert bool(day_181.note.en) is has_note
    assert ("63" in day_181.note.sv) is has_note


NO_WEEKS = {
    "followup_plan": 4,
    "dialogue_meeting_1": 7,
    "activity_requirement": 8,
    "activity_requirement_assessment": 8,
    "dialogue_meeting_2_invitation": 23,
    "followup_plan_to_nav": 25,
    "dialogue_meeting_2": 26,
    "max_sickness_benefit": 52,
}


@pytest.mark.parametrize("degree", [100, 20, 60])
def test_norway_counts_weeks_from_day_one(degree):
    found = timeline("NO", "employed", [Period(JAN_1, plus(400), degree)])
    assert found == {code: plus(7 * weeks) for code, weeks in NO_WEEKS.items()}


def test_norway_without_employer_keeps_only_nav_duties():
    found = timeline("NO", "unemployed", [Period(JAN_1, plus(400))])
    assert set(found) == {
        "activity_requirement", "activity_requirement_assessment", "max_sickness_benefit",
    }  # fmt: skip


def test_norway_links_a_new_leave_within_16_days():
    first = Period(JAN_1, D("2025-01-10"))
    linked = timeline("NO", periods=[first, Period(D("2025-01-26"), D("2025-06-30"))])
    unlinked = timeline("NO", periods=[first, Period(D("2025-01-27"), D("2025-06-30"))])
    assert linked["followup_plan"] == plus(28)
    assert unlinked["followup_plan"] == plus(28, D("2025-01-27"))


def test_rule_sets_carry_version_and_review_dates():
    for jurisdiction in ("SE", "NO"):
        rules = rule_set(jurisdiction)
        assert rules.version and rules.reviewed
        for rule in rules.milestones:
            assert rule.legal_reference and rule.source
            assert isinstance(rule.valid_from, date) and isinstance(rule.reviewed, date)


@st.composite
def sick_periods(draw):
    start = draw(st.dates(min_value=D("2020-01-01"), max_value=D("2026-01-01")))
    periods = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        length = draw(st.integers(min_value=1, max_value=200))
        degree = draw(st.sampled_from([25, 50, 75, 100]))
        periods.append(Period(start, start + timedelta(days=length - 1), degree))
        start = periods[-1].end + timedelta(days=draw(st.integers(min_value=1, max_value=150)))
    return periods


@given(
    periods=sick_periods(),
    extra_days=st.integers(min_value=1, max_value=400),
    jurisdiction=st.sampled_from(["SE", "NO"]),
    employment=st.sampled_from(["employed", "unemployed", "self_employed"]),
    expected_days=st.one_of(st.none(), st.integers(min_value=0, max_value=700)),
)
def test_extending_a_period_never_moves_a_milestone_earlier(
    periods, extra_days, jurisdiction, employment, expected_days
):
    def dates(ps):
        result = milestones(TimelineInput(jurisdiction, employment, ps, expected_days))
        return {m.code: m.date for m in result}

    last = periods[-1]
    extended = [*periods[:-1], Period(last.start, last.end + timedelta(days=extra_days))]
    before, after = dates(periods), dates(extended)
    assert before.keys() == after.keys()
    for code, due in before.items():
        assert after[code] >= due, code
