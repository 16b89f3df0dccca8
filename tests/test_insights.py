"""The analysis extract from hand-built cases, its incremental refresh, the region's file and
its generalisation, the life table and the competing-risks incidence against hand-computed
values, suppression, and who may read any of it."""

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stegvis.accounts.models import Membership
from stegvis.accounts.roles import OrganisationKind, Role
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import (
    Case,
    CaseStatus,
    Certificate,
    CertificateDiagnosis,
    CertificatePeriod,
    CertificateStatus,
    ClosedReason,
)
from stegvis.coordination.models import Meeting, MeetingStatus
from stegvis.core.pseudonyms import pseudonym
from stegvis.insights.extract import refresh, rows_for
from stegvis.insights.models import COLUMNS, CaseExtract, ExtractState
from stegvis.insights.survival import Observation
from tests.factories import OrganisationFactory, UserFactory, member, patient_at

TODAY = date(2026, 6, 1)


@pytest.fixture
def clock():
    with time_machine.travel("2026-06-01 12:00 +02:00", tick=False) as traveller:
        yield traveller


def certify(case, start, end, degree=100, code="F32.1", typical="", corrects=None):
    """A signed certificate; `corrects` an earlier one: its next version in the same series."""
    series = {"series": corrects.series, "version": corrects.version + 1} if corrects else {}
    certificate = Certificate.objects.create(
        case=case, created_by=case.responsible_physician, fmb_typical_case=typical, **series
    )
    CertificatePeriod.objects.create(
        certificate=certificate, degree=degree, starts_on=start, ends_on=end
    )
    CertificateDiagnosis.objects.create(certificate=certificate, code=code)
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.SIGNED, signed_at=timezone.now()
    )
    return certificate


@pytest.fixture
def region(personas):
    region = OrganisationFactory(name="Region Exempelby", kind=OrganisationKind.REGION)
    personas.unit.parent = region
    personas.unit.save()
    return region


def _case(personas, *, sick_from, **fields):
    patient = personas.patient
    patient.set_national_id("19850315-4422")  # a woman (even next-to-last digit)
    patient.birth_date = date(1985, 3, 15)
    patient.save()
    case = Case.objects.get(patient=patient)
    for name, value in {"sick_from": sick_from, **fields}.items():
        setattr(case, name, value)
    case.save()
    return case


def test_a_row_holds_the_case_as_the_analyses_need_it_and_nothing_that_names_anyone(
    personas, case, clock
):
    case = _case(personas, sick_from=date(2026, 1, 1))
    certify(case, date(2026, 1, 8), date(2026, 2, 28), 100, "F32.1", typical="f32_mild")
    Meeting.objects.create(
        case=case,
        kind="sip",
        starts_at=timezone.now() - timedelta(days=40),
        status=MeetingStatus.HELD,
        held_at=timezone.now() - timedelta(days=40),
        organiser=personas.coordinator,
    )
    (row,) = rows_for([case.pk], TODAY)
    assert row.pseudonym == pseudonym("patient", personas.patient.pk)
    assert row.physician == pseudonym("physician", personas.treating_physician.pk)
    assert (row.sex, row.age_band, row.diagnosis_group, row.fmb_diagnosis) == (
        "female",
        "40-49",
        "F00-F99",
        "F32",
    )
    assert (row.start_date, row.end_date, row.outcome) == (
        date(2026, 1, 1),
        date(2026, 3, 1),
        "rtw",
    )
    assert row.net_days == 59
    # F32's most lenient typical case allows 6 months: 59 days is within it.
    assert (row.fmb_days, row.fmb_exceeded) == (180, False)
    # Mild depression suggests part-time, and this certificate was full-time.
    assert row.full_time_where_partial is True
    assert row.sip_held == date(2026, 4, 22)
    assert row.plan_by_day_30 is False and row.employer_plan_done is None


def test_a_competing_exit_and_a_case_still_open(personas, case, clock):
    case = _case(
        personas,
        sick_from=date(2025, 6, 1),
        status=CaseStatus.CLOSED,
        closed_on=date(2026, 3, 1),
        closed_reason=ClosedReason.DISABILITY_BENEFIT,
    )
    certify(case, date(2025, 6, 1), date(2026, 5, 31), 50, "M54.4")
    other = patient_at(personas.unit)
    open_case = Case.objects.get(patient=other)
    open_case.sick_from = date(2026, 5, 1)
    open_case.save()
    rows = {r.case_id: r for r in rows_for([case.pk, open_case.pk], TODAY)}
    exit_row, open_row = rows[case.pk], rows[open_case.pk]
    assert (exit_row.outcome, exit_row.end_date, exit_row.net_days) == (
        "other_exit",
        date(2026, 3, 1),
        273 * 0.5,
    )
    assert (open_row.outcome, open_row.end_date, open_row.net_days) == (
        "censored",
        TODAY,
        31,
    )
    assert open_row.plan_by_day_30 is False  # day 30 has passed
    assert (open_row.sex, open_row.age_band, open_row.diagnosis_group) == ("", "", "")


def test_a_case_marked_fully_back_at_work_is_a_return(personas, case, clock):
    # "Helt åter i arbete" while the last certificate still runs: back by the day it was
    # marked, and a return, not a case still on leave (issue 33).
    running = _case(personas, sick_from=date(2026, 3, 1), status=CaseStatus.FULL_RETURN)
    certify(running, date(2026, 3, 1), date(2026, 6, 30))
    ended = Case.objects.get(patient=patient_at(personas.unit).pk)
    ended.sick_from, ended.status = date(2026, 2, 1), CaseStatus.FULL_RETURN
    ended.responsible_physician = personas.treating_physician
    ended.save()
    certify(ended, date(2026, 2, 1), date(2026, 5, 20))
    rows = {r.case_id: r for r in rows_for([running.pk, ended.pk], TODAY)}
    assert (rows[running.pk].outcome, rows[running.pk].end_date) == ("rtw", TODAY)
    assert (rows[ended.pk].outcome, rows[ended.pk].end_date) == ("rtw", date(2026, 5, 21))


def test_the_refresh_recomputes_only_what_may_have_changed(personas, case, clock):
    closed = _case(
        personas,
        sick_from=date(2026, 1, 1),
        status=CaseStatus.CLOSED,
        closed_on=date(2026, 2, 1),
        closed_reason=ClosedReason.RETURNED_TO_WORK,
    )
    first = certify(closed, date(2026, 1, 1), date(2026, 1, 31))
    still_open = Case.objects.get(patient=personas.other_patient)
    still_open.sick_from = date(2026, 5, 1)
    still_open.save()
    clock.shift(timedelta(hours=1))
    assert refresh()["rows"] == 2
    clock.shift(timedelta(days=1))
    # A day later nothing was written: only the open case moves on (censored a day later).
    assert refresh()["rows"] == 1
    assert CaseExtract.objects.get(case=still_open).end_date == TODAY + timedelta(days=1)
    assert CaseExtract.objects.get(case=closed).as_of == TODAY  # untouched
    clock.shift(timedelta(hours=1))
    certify(closed, date(2026, 1, 1), date(2026, 1, 20), corrects=first)
    assert refresh()["rows"] == 2
    assert CaseExtract.objects.get(case=closed).net_days == 20
    assert refresh(full=True)["rows"] == CaseExtract.objects.count() == 2


def test_building_rows_takes_the_same_queries_for_two_cases_or_twenty(personas, clock):
    def queries(n):
        cases = []
        for _ in range(n):
            patient = patient_at(personas.unit)
            case = Case.objects.get(patient=patient)
            case.responsible_physician = personas.treating_physician
            case.save()
            certify(case, date(2026, 1, 1), date(2026, 1, 31))
            cases.append(case.pk)
        with CaptureQueriesContext(connection) as captured:
            rows_for(cases, TODAY)
        return len(captured)

    assert queries(2) == queries(20)


def _without_personas(personas):
    """The extract without the personas' own two patients' cases: a test's cases are all
    there is (an open case of one person beside them would be hidden, and more with it)."""
    CaseExtract.objects.filter(
        case__patient__in=[personas.patient, personas.other_patient]
    ).delete()


def _certified(unit, start, days, *, physician, sex="", reason=None, open_ended=False, born=None):
    """A case of `days` days from `start`, certified; back at work after it (or closed
    with `reason`), or still on leave when `open_ended`."""
    patient = patient_at(unit)
    patient.sex = sex
    patient.birth_date = born
    patient.save()
    case = Case.objects.get(patient=patient)
    case.sick_from, case.responsible_physician = start, physician
    if reason:
        case.status, case.closed_reason = CaseStatus.CLOSED, reason
        case.closed_on = start + timedelta(days=days)
    case.save()
    end = TODAY + timedelta(days=60) if open_ended else start + timedelta(days=days - 1)
    certify(case, start, end)
    return case


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(line for line in io.StringIO(body) if not line.startswith("#")))


def test_a_unit_manager_gets_no_row_level_extract_since_no_diagnosis_is_theirs_to_hold(
    client, personas, case, clock
):
    # Issue 32: one row per case with exact dates and the FMB diagnosis went to the unit
    # manager, whose ceiling is the access log.
    refresh()
    client.force_login(personas.unit_manager)
    assert client.get("/api/v1/insights/cases.csv").status_code == 404
    assert AccessEvent.objects.filter(
        actor=personas.unit_manager,
        object_type="insights_extract",
        outcome="denied",
        basis="rows_beyond_ceiling",
    ).exists()
    assert "cases.csv" not in client.get("/insights/").text  # no link to it either


def test_the_regions_file_has_periods_not_dates_and_only_groups_of_five_or_more(
    client, personas, region, clock
):
    doctor = personas.treating_physician
    for _index in range(6):  # one group: the unit, women, no age, F00-F99, January–February
        _certified(personas.unit, date(2026, 1, 5), 40, sex="female", physician=doctor)
    _certified(personas.unit, date(2026, 1, 7), 40, sex="male", physician=doctor)  # alone
    refresh()
    _without_personas(personas)
    analyst = member(UserFactory(), region, Role.REGION_ANALYST)
    client.force_login(analyst)
    response = client.get("/api/v1/insights/cases.csv")
    body = b"".join(response.streaming_content).decode()
    header = [line for line in body.splitlines() if line.startswith("#")]
    assert "månad (ÅÅÅÅ-MM)" in header[1]
    assert header[2].removeprefix("# ") == "Ålder anges i band om ungefär tio år."
    assert "minst 5 rader" in header[3] and "färre än 5" in header[3]
    rows = _csv(client.get("/api/v1/insights/cases.csv"))
    assert rows[0] == list(COLUMNS)
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == 6 and {r["sex"] for r in records} == {"female"}  # the man: out
    assert {(r["start_date"], r["end_date"]) for r in records} == {("2026-01", "2026-02")}
    assert {(r["physician"], r["fmb_diagnosis"], r["fmb_days"]) for r in records} == {("", "", "")}
    assert {r["diagnosis_group"] for r in records} == {"F00-F99"}
    # The region's figures are the file's: its cases are the six, never the seventh.
    assert client.get("/api/v1/insights/time-to-rtw").json()["groups"][0]["n"] == 6
    other_region_unit = OrganisationFactory(name="Annan vårdcentral")
    assert client.get(f"/api/v1/insights/cases.csv?unit={other_region_unit.pk}").status_code == 422


def test_dates_go_by_quarter_where_months_would_leave_out_too_many_rows(personas, region, clock):
    doctor = personas.treating_physician
    from stegvis.insights.definitions import rules
    from stegvis.insights.release import kept, left_out, level_for

    for month in (1, 2, 3):  # two women a month: fewer than five in any month, six a quarter
        for _index in range(2):
            _certified(personas.unit, date(2026, month, 2), 20, sex="female", physician=doctor)
    refresh()
    _without_personas(personas)
    rows = CaseExtract.objects.filter(organisation=personas.unit)
    month, quarter = rules().level("month"), rules().level("quarter")
    assert left_out(rows, month) == 6 and left_out(rows, quarter) == 0
    assert level_for(rows) == quarter and kept(rows, quarter).count() == 6


def test_the_file_goes_down_the_ladder_to_wider_ages_and_longer_periods_before_leaving_rows_out(
    client, personas, region, clock
):
    # Issue 32: on the demo region, quarters left out 2 142 of 2 716 rows: the file was
    # almost empty. Six women, one in each season and age: alone in every group until
    # dates go by year and age is not given at all.
    doctor = personas.treating_physician
    starts_and_births = [
        (date(2025, 1, 8), date(1999, 5, 1)),  # 25: 16-29, wide 16-39
        (date(2025, 4, 8), date(1990, 5, 1)),  # 34: 30-39, wide 16-39
        (date(2025, 7, 8), date(1993, 5, 1)),  # 32: 30-39, wide 16-39
        (date(2025, 8, 8), date(1980, 5, 1)),  # 45: 40-49, wide 40-67
        (date(2025, 10, 8), date(1970, 5, 1)),  # 55: 50-59, wide 40-67
        (date(2025, 11, 8), date(1962, 5, 1)),  # 63: 60-67, wide 40-67
    ]
    for start, born in starts_and_births:
        _certified(personas.unit, start, 14, sex="female", physician=doctor, born=born)
    refresh()
    _without_personas(personas)
    from stegvis.insights.definitions import rules
    from stegvis.insights.release import left_out, level_for

    rows = CaseExtract.objects.filter(organisation=personas.unit)
    ladder = {level.name: left_out(rows, level) for level in rules().generalisation}
    assert ladder == {
        "month": 6, "quarter": 6, "half_year": 6, "year": 6, "year_wide_ages": 6, "year_no_age": 0
    }  # fmt: skip
    assert level_for(rows).name == "year_no_age"

    client.force_login(member(UserFactory(), region, Role.REGION_ANALYST))
    response = client.get("/api/v1/insights/cases.csv")
    assert response["X-Stegvis-Generalisation"] == "year_no_age"
    body = b"".join(response.streaming_content).decode()
    header = [line for line in body.splitlines() if line.startswith("#")]
    assert "år (ÅÅÅÅ)" in header[1] and "Ålder anges inte" in header[2]
    assert "Allt finare" in header[2]
    rows = list(csv.reader(line for line in body.splitlines() if not line.startswith("#")))
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == 6
    given = {(r["start_date"], r["end_date"], r["age_band"]) for r in records}
    assert given == {("2025", "2025", "")}


def test_the_analysts_figures_are_split_no_finer_than_the_file(client, personas, region, clock):
    # Review of issue 32: with the file at "year, wide ages", a page split by ten-year bands
    # or by month could be set against the file's own sums (16–39 less 30–39 is 16–29) to
    # work out a hidden cell. Five women of 25–38, all in 2025: together only in a wide band.
    doctor = personas.treating_physician
    for month, born in ((2, 2000), (4, 1992), (6, 1990), (8, 1989), (10, 1987)):
        _certified(personas.unit, date(2025, month, 3), 14, sex="female", physician=doctor,
                   born=date(born, 1, 1))  # fmt: skip
    refresh()
    _without_personas(personas)
    client.force_login(member(UserFactory(), region, Role.REGION_ANALYST))
    file = client.get("/api/v1/insights/cases.csv")
    assert file["X-Stegvis-Generalisation"] == "year_wide_ages"
    assert {row[4] for row in _csv(file)[1:]} == {"16-39"}  # the file's age_band column
    by_age = client.get("/insights/equality/?by=age_band&format=csv").text
    groups = {row[1] for row in csv.reader(io.StringIO(by_age)) if row[0] == "dfa_complete"}
    assert groups == {"16-39", "40-67", "unknown", "all"}
    curves = client.get("/api/v1/insights/time-to-rtw?group_by=age_band").json()["groups"]
    assert {group["key"] for group in curves} <= {"16-39", "40-67", "unknown"}
    process = client.get("/insights/process/?format=csv").text.splitlines()
    assert process[0] == "unit,earlier,2026,all_months"  # by the file's year, not by month
    page = client.get("/insights/process/").text
    assert ">2026<" in page and "period som regionens fil anger" in page


def test_dates_and_ages_are_labelled_as_each_step_gives_them():
    from stegvis.insights.release import age_label, date_label

    day = date(2026, 8, 31)
    assert [date_label(day, d) for d in ("month", "quarter", "half_year", "year")] == [
        "2026-08", "2026-Q3", "2026-H2", "2026",
    ]  # fmt: skip
    assert date_label(None, "year") == ""
    assert [age_label("30-39", a) for a in ("bands", "wide", "none")] == ["30-39", "16-39", ""]
    assert age_label("40-49", "wide") == "40-67" and age_label("", "wide") == ""


@pytest.mark.parametrize("persona", ["treating_physician", "coordinator", "patient", "employer"])
def test_nobody_else_reads_the_extract(client, personas, persona):
    client.force_login(personas.get(persona))
    assert client.get("/api/v1/insights/cases.csv").status_code == 404
    assert client.get("/api/v1/insights/time-to-rtw").status_code == 404


# The life table, by hand.
def _obs(pairs, **key):
    group = {"unit": 1, "diagnosis_group": "unknown", "sex": "unknown", "age_band": "unknown"}
    return [Observation({**group, **key}, days, outcome) for days, outcome in pairs]


def test_the_life_table_against_hand_computed_values():
    from stegvis.insights.survival import curves_of, time_to_rtw

    observations = _obs(
        [(10, "rtw")] * 10  # day 0–30: ten back,
        + [(20, "censored")] * 5  # five still on leave when last seen
        + [(60, "rtw")] * 5  # day 31–90: five back,
        + [(80, "other_exit")] * 5  # five to a disability benefit
        + [(400, "censored")] * 5  # on leave past a year
    )
    (curve,) = time_to_rtw(curves_of(observations))
    table = {row["day"]: row for row in curve["table"]}
    # At risk 30, five withdrawn: 27.5 exposed, 10 back. Then 15 at risk, 12.5 exposed, 5 back.
    first = 1 - 10 / 27.5
    second = first * (1 - 5 / 12.5)
    assert table[30]["survival"] == round(first, 4) and table[90]["survival"] == round(second, 4)
    assert [table[d]["at_risk"] for d in (30, 90, 180, 365)] == [30, 15, 5, 5]
    assert [table[d]["events"] for d in (30, 90, 180, 365)] == [10, 5, 0, 0]
    assert table[30]["ci_lower"] < first < table[30]["ci_upper"]
    # S crosses one half between day 30 (0.636) and day 90 (0.382): read in between.
    assert curve["median_days"] == pytest.approx(30 + (first - 0.5) / (first - second) * 60, 1e-3)
    assert curve["n"] == 30


def test_the_cumulative_incidence_with_other_exits_competing():
    from stegvis.insights.survival import curves_of, time_to_rtw

    observations = _obs(
        [(10, "rtw")] * 10 + [(20, "censored")] * 5 + [(60, "rtw")] * 5
        + [(80, "other_exit")] * 5 + [(400, "censored")] * 5
    )  # fmt: skip
    (curve,) = time_to_rtw(curves_of(observations), competing=True)
    # Day 0–30: 27.5 exposed, 10 back. Day 31–90: 15 at risk, none withdrawn, 5 back and 5
    # other exits, after an any-exit survival of 1 - 10/27.5.
    back = 10 / 27.5
    survived = 1 - 10 / 27.5
    incidence = curve["cumulative_incidence"]
    assert [p["cumulative_incidence"] for p in incidence["rtw"][:2]] == [
        round(back, 4),
        round(back + survived * 5 / 15, 4),
    ]
    assert incidence["other_exit"][1]["cumulative_incidence"] == round(survived * 5 / 15, 4)


def test_a_group_of_fewer_than_five_is_named_but_not_shown_and_neither_is_one_more():
    from stegvis.insights.survival import curves_of, time_to_rtw

    observations = (
        _obs([(10, "rtw")] * 4, sex="male")
        + _obs([(10, "rtw")] * 10 + [(60, "rtw")] * 5, sex="female")
        + _obs([(10, "rtw")] * 6 + [(60, "rtw")] * 5, sex="unknown")
    )
    curves = curves_of(observations)
    groups = {group["key"]: group for group in time_to_rtw(curves, "sex")}
    assert groups["male"] == {
        "key": "male",
        "n": None,
        "suppressed": True,
        "table": [],
        "shares": {},
    }
    # Women and unknown differ by the four men from the curve of all: one of them goes too.
    assert groups["unknown"]["suppressed"] and not groups["female"]["suppressed"]
    (everyone,) = time_to_rtw(curves)
    assert everyone["n"] == 30


def test_a_curve_stops_at_its_first_step_about_too_few():
    from stegvis.insights.survival import curves_of, time_to_rtw

    observations = _obs([(10, "rtw")] * 9 + [(60, "rtw")] * 3 + [(120, "rtw")] * 8)
    (curve,) = time_to_rtw(curves_of(observations))
    # Three back between day 31 and 90: that step is not shown, nor any after it.
    assert [row["day"] for row in curve["table"]] == [30]
    assert curve["n"] == 20 and curve["median_days"] is None


def test_the_share_back_at_work_by_a_day_and_its_greenwood_error_by_hand():
    from stegvis.insights.survival import Difference, curves_of, share_by, time_to_rtw

    (curve,) = time_to_rtw(
        curves_of(_obs([(10, "rtw")] * 10 + [(60, "rtw")] * 5 + [(400, "censored")] * 5))
    )
    share = share_by(curve, 90)
    # S(30) = 1 - 10/20; S(90) = S(30) x (1 - 5/10); Greenwood: 10/(20*10) + 5/(10*5).
    assert share.share == pytest.approx(0.75)
    assert share.se == pytest.approx(0.25 * (10 / 200 + 5 / 50) ** 0.5)
    same = Difference(share, share)
    assert same.points == 0 and same.could_be_chance
    assert share_by(curve, 45) is None  # not a day the curve is shown at


def test_the_api_gives_the_curves_by_group(client, personas, clock):
    doctor = personas.treating_physician
    for index in range(10):
        _certified(personas.unit, date(2026, 1, 1), 10 + index, physician=doctor)
    for _index in range(5):
        _certified(personas.unit, date(2026, 1, 1), 70, physician=doctor)
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)
    body = client.get("/api/v1/insights/time-to-rtw?group_by=unit&competing=true").json()
    (unit,) = body["groups"]
    assert unit["key"] == personas.unit.name and unit["n"] == 15
    assert [row["events"] for row in unit["table"]][:2] == [10, 5]
    assert unit["cumulative_incidence"]["rtw"][0]["cumulative_incidence"] == round(10 / 15, 4)
    assert body["as_of"] == "2026-06-01"
    one = client.get(f"/api/v1/insights/time-to-rtw?unit={personas.unit.pk}").json()
    assert one["groups"][0]["key"] == "all" and one["groups"][0]["n"] == 15


def test_a_unit_is_not_split_again_beside_the_split_of_all_units(client, personas, clock):
    second = OrganisationFactory(name="Vårdcentralen Ekbacken")
    manager = member(UserFactory(), second, Role.UNIT_MANAGER)
    Membership.objects.create(user=manager, organisation=personas.unit, role=Role.UNIT_MANAGER)
    client.force_login(manager)
    response = client.get(f"/api/v1/insights/time-to-rtw?unit={personas.unit.pk}&group_by=sex")
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["unit"]
    assert client.get(f"/api/v1/insights/time-to-rtw?unit={second.pk}").status_code == 200


def test_the_page_draws_the_curves_with_points_not_commas_and_the_same_numbers_in_a_table(
    client, personas, clock
):
    doctor = personas.treating_physician
    import re

    for index in range(10):
        _certified(personas.unit, date(2026, 1, 1), 10 + index, physician=doctor)
    for _index in range(5):
        _certified(personas.unit, date(2026, 1, 1), 70, physician=doctor)
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)  # Swedish, with its decimal comma
    page = client.get("/insights/").text
    (path,) = re.findall(r'<path d="([^"]+)"', page)
    assert "," in path and re.fullmatch(r"[ML0-9., ]+", path)
    assert not re.search(r"\d,\d\s", path.replace(",", " ", 1))  # no decimal comma
    assert path.count("L") == 6  # the six days of data/extract.toml, and no other
    assert "Mediantid i dagar till återgång i arbete" in page
    # Issue 33: the chart is drawn for a phone's column, its groups named in a legend, and
    # the table's caption stays in view outside the region that scrolls sideways.
    assert '<svg class="chart" viewBox="0 0 340 230"' in page and 'font-size="14"' in page
    assert '<ul class="chart-legend"' in page
    assert (
        '<p class="table-caption" id="km-table">Mediantid i dagar till återgång i arbete</p>\n'
        '<div class="table-scroll" tabindex="0" role="region" aria-labelledby="km-table">'
    ) in page
    assert "<caption>" not in page
    assert "Alla fall" in page and ">15<" in page  # the row of all cases, n = 15
    # Day 90 and day 180 alike, each with its interval, as in the CSV.
    assert "Tillbaka i arbete dag 90 (95 % KI)" in page and "dag 180 (95 % KI)" in page
    by_sex = client.get("/insights/?group_by=sex").text
    assert "Inte känt" in by_sex  # none of them has a recorded sex
    client.force_login(personas.treating_physician)
    assert client.get("/insights/")["Location"] == "/insights/variation/"


def test_sixteen_cases_one_man_and_the_rest_of_unknown_sex_tell_nothing_by_subtraction(
    client, personas, clock
):
    doctor = personas.treating_physician
    # Issue 32: "Män: färre än 5" beside 16 cases and "Inte känt: 15" told it was one man.
    _certified(personas.unit, date(2026, 1, 1), 20, sex="male", physician=doctor)
    for index in range(15):
        _certified(personas.unit, date(2026, 1, 1), 10 + index, physician=doctor)
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)
    page = client.get("/insights/?group_by=sex").text
    assert "16 sjukskrivningsfall" in page
    assert ">15<" not in page and ">1<" not in page
    body = client.get("/api/v1/insights/time-to-rtw?group_by=sex").json()
    assert {g["key"]: g["n"] for g in body["groups"]} == {"male": None, "unknown": None}
    rows = list(csv.reader(io.StringIO(client.get("/insights/?group_by=sex&format=csv").text)))
    assert [row[:2] for row in rows[1:]] == [["male", ""], ["unknown", ""]]


# Practice variation as a funnel plot.
def test_the_funnels_limits_are_the_exact_binomial_ones():
    from stegvis.insights.variation import limits_at

    # Binomial(20, 0.3): 2.5 % and 97.5 % quantiles 2 and 10; 0.1 % and 99.9 %: 1 and 13.
    assert limits_at(20, 0.3) == {
        "n": 20, "95_low": 0.1, "95_high": 0.5, "99.8_low": 0.05, "99.8_high": 0.65,
    }  # fmt: skip
    wide, narrow = limits_at(20, 0.3), limits_at(100, 0.3)
    assert narrow["95_low"] == 0.21 and narrow["95_high"] == 0.39
    assert wide["95_high"] - wide["95_low"] > narrow["95_high"] - narrow["95_low"]


def _ended(unit, physician, n, exceeded, as_of=TODAY):
    """`n` ended cases of a unit (F32: 180 days), `exceeded` of them longer than FMB."""
    for index in range(n):
        patient = patient_at(unit)
        case = Case.objects.get(patient=patient)
        case.responsible_physician = physician
        case.sick_from = date(2025, 1, 1)
        case.status, case.closed_reason = CaseStatus.CLOSED, ClosedReason.RETURNED_TO_WORK
        case.closed_on = date(2025, 12, 31)
        case.save()
        length = 250 if index < exceeded else 60
        certify(case, date(2025, 1, 1), date(2025, 1, 1) + timedelta(days=length - 1))


def test_units_are_points_at_their_volume_and_an_outlier_is_a_signal_not_a_rank(
    client, personas, region, clock
):
    personas.other_unit.parent = region
    personas.other_unit.save()
    third = OrganisationFactory(name="Vårdcentralen Tredje", parent=region)
    fourth = OrganisationFactory(name="Vårdcentralen Fjärde", parent=region)
    doctor = personas.treating_physician
    _ended(personas.unit, doctor, 40, 6)  # 15 %
    _ended(personas.other_unit, doctor, 40, 34)  # 85 %: far above
    _ended(third, doctor, 4, 4)  # too few to show
    _ended(fourth, doctor, 10, 5)  # hidden with it: else the region's total gives it away
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)
    from stegvis.access.statistics import statistics_scope
    from stegvis.insights import published
    from stegvis.insights.variation import variation

    figures = published.figures(statistics_scope(personas.unit_manager))["fmb_exceeded"]
    found = variation(figures, "fmb_exceeded")
    assert found.mean == pytest.approx(49 / 94)
    assert [(p.n, p.x) for p in found.points] == [(40, 6), (40, 34)] and found.hidden == 2
    signals = {p.key: p.signal for p in found.points}
    assert signals == {personas.unit.pk: "low_998", personas.other_unit.pk: "high_998"}
    page = client.get("/insights/variation/").text
    assert personas.unit.name in page and personas.other_unit.name not in page
    assert "Annan enhet i regionen" in page


def test_physicians_are_shown_to_their_unit_manager_and_never_above(
    client, personas, region, clock
):
    _ended(personas.unit, personas.treating_physician, 10, 5)
    _ended(personas.unit, personas.coordinator, 10, 0)  # named as physician, for the test
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)
    page = client.get("/insights/variation/?by=physician").text
    assert "#1" in page and "#2" in page
    analyst = member(UserFactory(), region, Role.REGION_ANALYST)
    client.force_login(analyst)
    page = client.get("/insights/variation/?by=physician").text
    assert "#1" not in page and personas.unit.name in page


def test_a_physician_sees_their_own_figures_against_the_region_and_nobody_elses(
    client, personas, region, clock
):
    other = member(UserFactory(), personas.unit, Role.PHYSICIAN)
    _ended(personas.unit, personas.treating_physician, 10, 5)
    _ended(personas.unit, other, 8, 0)
    refresh()
    _without_personas(personas)
    client.force_login(personas.treating_physician)
    page = client.get("/insights/variation/").text
    assert "Din praktik jämfört med riktlinjerna" in page
    assert page.count("<circle") == 1 and ">Du<" in page  # one point: theirs
    assert "#1" not in page and personas.unit.name not in page
    rows = list(csv.reader(io.StringIO(client.get("/insights/variation/?format=csv").text)))
    assert [row[:3] for row in rows[1:]] == [["Du", "10", "5"]]
    # The region's share, from all 18 cases, is the line they are measured against.
    assert rows[1][4] == str(round(5 / 18, 4))
    # Asking for the unit's physicians or units changes nothing; the units' pages send them
    # to their own, and the API's figures stay closed.
    assert client.get("/insights/variation/?by=physician&format=csv").text == (
        client.get("/insights/variation/?format=csv").text
    )
    for elsewhere in ("/insights/", "/insights/process/", "/insights/equality/?by=sex",
                      "/insights/?format=csv"):  # fmt: skip
        response = client.get(elsewhere)
        assert response.status_code == 302, elsewhere
        assert response["Location"] == "/insights/variation/"
    for closed in ("/api/v1/insights/time-to-rtw", "/api/v1/insights/cases.csv"):
        assert client.get(closed).status_code == 404, closed


def test_a_physicians_own_share_is_hidden_when_it_would_tell_a_few(client, personas, clock):
    _ended(personas.unit, personas.treating_physician, 10, 2)  # 20 %: two exceeded
    refresh()
    _without_personas(personas)
    client.force_login(personas.treating_physician)
    page = "/insights/variation/?indicator=fmb_exceeded"
    assert client.get(page).text.count("<circle") == 0
    rows = list(csv.reader(io.StringIO(client.get(f"{page}&format=csv").text)))
    assert rows[1:] == []


def test_a_physicians_own_page_opens_where_they_have_a_point_and_says_why_not_elsewhere(
    client, personas, region, clock
):
    # Issue 33: the demo physician's page said only "too few cases". Six cases, all still
    # on leave: none has ended, so the cases that ended longer than FMB's duration count
    # none of them, while their six certificates are counted for the chain of diagnosis,
    # function and activity.
    doctor = personas.treating_physician
    for _index in range(6):
        _certified(personas.unit, date(2026, 3, 2), 40, physician=doctor, open_ended=True)
    _ended(personas.other_unit, personas.unrelated_physician, 10, 5)
    personas.other_unit.parent = region
    personas.other_unit.save()
    refresh()
    _without_personas(personas)
    client.force_login(doctor)
    page = client.get("/insights/variation/").text
    assert 'value="dfa_complete" selected' in page  # the indicator with their point
    assert page.count("<circle") == 1 and ">Du<" in page
    assert "Den fyllda punkten är din." in page and "öppna punkter" not in page
    page = client.get("/insights/variation/?indicator=fmb_exceeded").text
    assert page.count("<circle") == 0
    assert "Inget av dina fall räknas ännu i den här indikatorn" in page
    assert 'Din egen punkt visas för: <a href="?indicator=dfa_complete">' in page
    assert "För få fall att visa" not in page


def test_a_physicians_hidden_point_is_explained_without_its_numbers(
    client, personas, region, clock
):
    _ended(personas.unit, personas.treating_physician, 10, 2)  # two exceeded: hidden
    refresh()
    _without_personas(personas)
    client.force_login(personas.treating_physician)
    page = client.get("/insights/variation/?indicator=fmb_exceeded").text
    assert page.count("<circle") == 0 and "Din punkt visas inte" in page
    assert "minst 5 av dina fall" in page
    assert "20,0" not in page and "80,0" not in page and ">10<" not in page


def test_a_unit_managers_own_unit_is_drawn_or_the_page_says_why_not(
    client, personas, region, clock
):
    # Issue 33: the legend said filled points were hers, and her unit was not there.
    personas.other_unit.parent = region
    personas.other_unit.save()
    third = OrganisationFactory(name="Vårdcentralen Tredje", parent=region)
    _ended(personas.other_unit, personas.unrelated_physician, 20, 5)
    _ended(third, personas.unrelated_physician, 20, 10)
    for _index in range(6):  # still on leave: none of them has ended
        _certified(personas.unit, date(2026, 3, 2), 40, physician=personas.treating_physician,
                   open_ended=True)  # fmt: skip
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)
    page = client.get("/insights/variation/?indicator=fmb_exceeded").text
    assert f"{personas.unit.name} har ingen punkt: inget av dess fall räknas" in page
    assert 'Dina enheter har punkter för: <a href="?indicator=dfa_complete">' in page
    default = client.get("/insights/variation/").text
    assert 'value="dfa_complete" selected' in default
    assert f'<th scope="row">{personas.unit.name}</th>' in default
    assert default.count('fill="currentColor" stroke="currentColor"') == 1  # hers, filled


def test_a_unit_managers_hidden_unit_is_named_as_not_shown(client, personas, region, clock):
    personas.other_unit.parent = region
    personas.other_unit.save()
    _ended(personas.other_unit, personas.unrelated_physician, 20, 5)
    _ended(personas.unit, personas.treating_physician, 4, 4)
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)
    page = client.get("/insights/variation/?indicator=fmb_exceeded").text
    assert f"{personas.unit.name} visas inte: ett antal under 5 fall" in page


def test_women_and_men_are_compared_in_plain_words(client, personas, clock):
    for index in range(12):
        # Women back after a month, men after a year.
        _certified(
            personas.unit,
            date(2025, 6, 1),
            30 if index % 2 else 365,
            sex="female" if index % 2 else "male",
            physician=personas.treating_physician,
        )
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)
    page = client.get("/insights/?group_by=sex").text
    assert "100,0 % av kvinnorna och 0,0 % av männen" in page
    assert "större än vad slumpen förklarar" in page


# Process indicators.
def test_the_process_table_per_unit_and_month(client, personas, clock):
    doctor = personas.treating_physician
    for index in range(7):
        start = date(2026, 3, 2) if index < 5 else date(2026, 4, 1)
        _certified(personas.unit, start, 41, physician=doctor)
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)
    page = client.get("/insights/process/?indicator=plan_by_day_30").text
    # March: 5 cases, none with a plan by day 30; April: 2, hidden, and March with it, else
    # the total of 7 would tell the 2.
    assert "visas ej" in page and "Tidigare" in page
    # None of the seven has a plan recorded at all: no data, never "0 %" (issue 33).
    assert "0,0 %" not in page and "inga uppgifter registrerade" in page
    body = client.get("/insights/process/?indicator=plan_by_day_30&format=csv").text
    header, unit, _everyone = list(csv.reader(io.StringIO(body)))
    assert header[:3] == ["unit", "earlier", "2025-07"] and header[-1] == "all_months"
    assert header[10:12] == ["2026-03", "2026-04"]
    assert unit[10:12] == ["suppressed", "suppressed"] and unit[-1] == "0/7"
    for code in ("coordinator_within_14", "sip_held", "employer_plan", "baseline_answered",
                 "checkin_adherence"):  # fmt: skip
        assert client.get(f"/insights/process/?indicator={code}").status_code == 200


def test_a_share_is_hidden_when_those_who_did_it_are_fewer_than_five(client, personas, clock):
    doctor = personas.treating_physician
    from stegvis.plans.models import PlanVersion, RtwPlan

    for index in range(10):
        case = _certified(personas.unit, date(2026, 3, 2), 41, physician=doctor)
        if index < 3:  # three of ten with a plan by day 30: "30 % (10)" tells the three
            PlanVersion.objects.create(
                plan=RtwPlan.objects.create(case=case),
                number=1,
                content={},
                created_at=timezone.now() - timedelta(days=80),
            )
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)
    page = client.get("/insights/process/?indicator=plan_by_day_30").text
    assert "30,0 %" not in page and "70,0 %" not in page
    equality = client.get("/insights/equality/?format=csv").text
    assert "plan_by_day_30,all,suppressed" in equality


def test_where_nothing_is_recorded_a_table_says_so_and_never_0_percent(client, personas, clock):
    from stegvis.plans.models import PlanVersion, RtwPlan

    doctor = personas.treating_physician
    for index in range(10):
        case = _certified(
            personas.unit, date(2026, 3, 2), 41, physician=doctor,
            sex="female" if index % 2 else "male",
        )  # fmt: skip
        if index < 5:  # five of ten with a plan by day 30; no coordinator has met anyone
            PlanVersion.objects.create(
                plan=RtwPlan.objects.create(case=case),
                number=1,
                content={},
                created_at=timezone.now() - timedelta(days=80),
            )
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)
    plans = client.get("/insights/process/?indicator=plan_by_day_30").text
    assert "50,0 % (10)" in plans and "inga uppgifter registrerade" not in plans
    contact = client.get("/insights/process/?indicator=coordinator_within_14").text
    assert "inga uppgifter registrerade" in contact and "0,0 %" not in contact
    assert "<polyline" not in contact  # no trend drawn along 0 %
    # Women and men are not compared at 0 % each where nothing is recorded.
    equality = client.get("/insights/equality/").text
    contact_section = equality.split('id="measure-coordinator_within_14"')[1].split("</section>")[0]
    assert "inga uppgifter registrerade" in contact_section
    assert "0,0 %" not in contact_section and "av kvinnorna" not in contact_section
    # The CSV keeps the counts, for the analysts' scripts.
    body = client.get("/insights/process/?indicator=coordinator_within_14&format=csv").text
    assert list(csv.reader(io.StringIO(body)))[1][-1] == "0/10"


def test_a_process_table_without_any_case_is_empty_not_an_error(client, personas, clock):
    client.force_login(personas.unit_manager)
    for code in ("plan_by_day_30", "coordinator_within_14", "sip_held", "employer_plan",
                 "baseline_answered", "checkin_adherence"):  # fmt: skip
        assert client.get(f"/insights/process/?indicator={code}").status_code == 200


def test_every_table_is_a_csv_with_points_and_every_chart_a_png(client, personas, region, clock):
    _ended(personas.unit, personas.treating_physician, 10, 5)
    refresh()
    _without_personas(personas)
    client.force_login(personas.unit_manager)
    table = client.get("/insights/?group_by=all&format=csv")
    assert table["Content-Type"].startswith("text/csv")
    header, row = list(csv.reader(io.StringIO(table.content.decode())))[:2]
    # Issue 33: each interval's bounds in two columns, and day 90 as day 180.
    assert header == [
        "group", "n", "median_days", "median_ci_lower", "median_ci_upper",
        "back_by_day_90", "back_by_day_90_ci_lower", "back_by_day_90_ci_upper",
        "back_by_day_180", "back_by_day_180_ci_lower", "back_by_day_180_ci_upper",
    ]  # fmt: skip
    assert row[:2] == ["all", "10"]  # five back after 60 days, five after 250
    by_180 = dict(zip(header, row, strict=True))["back_by_day_180"]
    assert by_180 == "0.5"  # back by day 180: 0.5, never 0,5
    low, high = (
        float(row[header.index(f"back_by_day_180_ci_{side}")]) for side in ("lower", "upper")
    )
    assert 0 < low < 0.5 < high < 1
    assert client.get("/insights/?format=png").content[:8] == b"\x89PNG\r\n\x1a\n"
    funnel = client.get("/insights/variation/?format=csv").content.decode()
    assert funnel.startswith("group,n,x,share,region_mean,signal")
    assert client.get("/insights/variation/?format=png")["Content-Type"] == "image/png"
    process = client.get("/insights/process/?format=csv").content.decode()
    assert process.splitlines()[0].startswith("unit,earlier,")
    trend = client.get("/insights/process/?format=png")
    assert trend["Content-Type"] == "image/png" and trend.content[:4] == b"\x89PNG"
    assert AccessEvent.objects.filter(
        actor=personas.unit_manager, action="export", object_type="insights_variation"
    ).exists()


def test_figures_are_remembered_until_the_next_refresh_and_per_reader(client, personas, clock):
    doctor = personas.treating_physician

    def closed_case(unit):
        _certified(unit, date(2026, 1, 1), 20, physician=doctor)

    def cases_seen() -> int:
        body = client.get("/api/v1/insights/time-to-rtw").json()
        return body["groups"][0]["n"]

    Case.objects.filter(patient__in=[personas.patient, personas.other_patient]).delete()
    for _index in range(6):
        closed_case(personas.unit)
    refresh()
    client.force_login(personas.unit_manager)
    assert cases_seen() == 6
    closed_case(personas.unit)
    refresh()  # the same moment (the clock stands still), yet a new version of the extract
    assert cases_seen() == 7
    # Another unit's manager asks the same question and gets their own unit's answer.
    other_unit = OrganisationFactory(kind=OrganisationKind.CARE_UNIT)
    for _index in range(5):
        closed_case(other_unit)
    refresh()
    assert cases_seen() == 7
    client.force_login(member(UserFactory(), other_unit, Role.UNIT_MANAGER))
    assert cases_seen() == 5
    # Between versions the answer is remembered, not recomputed from the rows.
    CaseExtract.objects.filter(organisation=other_unit).first().delete()
    assert cases_seen() == 5
    ExtractState.objects.update(version=F("version") + 1)
    assert cases_seen() is None  # recomputed: four cases, too few to show


# Equality: every indicator by sex and by age band.
def _extract_rows(personas, sexes_and_exceeded):
    """Closed cases in the extract with the given (sex, exceeded FMB) each, and no other."""
    for _each in sexes_and_exceeded:
        Case.objects.get(patient=patient_at(personas.unit))
    refresh()
    _without_personas(personas)
    rows = list(CaseExtract.objects.filter(organisation=personas.unit).order_by("pk"))
    for row, (sex, exceeded) in zip(rows, sexes_and_exceeded, strict=True):
        row.sex, row.outcome, row.fmb_exceeded = sex, "rtw", exceeded
        row.save()
    return CaseExtract.objects.filter(organisation=personas.unit)


def _equality(personas, field):
    from stegvis.access.statistics import statistics_scope
    from stegvis.insights import published
    from stegvis.insights.equality import split

    figures = published.figures(statistics_scope(personas.unit_manager))["fmb_exceeded"]
    return split(figures, field)


def test_an_indicator_for_women_and_men_with_the_difference_by_hand(personas, clock):
    _extract_rows(
        personas, [("female", i < 7) for i in range(12)] + [("male", i < 5) for i in range(10)]
    )
    found = _equality(personas, "sex")
    cells = {group: (cell.n, cell.x, cell.hidden) for group, cell in found.cells}
    assert cells == {"female": (12, 7, False), "male": (10, 5, False), "unknown": (0, 0, False)}
    assert (found.total.n, found.total.x) == (22, 12)
    assert found.difference.points == pytest.approx(7 / 12 - 0.5)
    half = 1.96 * (7 / 12 * 5 / 12 / 12 + 0.5 * 0.5 / 10) ** 0.5
    assert found.difference.ci == pytest.approx((7 / 12 - 0.5 - half, 7 / 12 - 0.5 + half))
    assert found.difference.could_be_chance


def test_a_small_group_is_hidden_with_enough_others_and_no_difference_is_stated(personas, clock):
    _extract_rows(personas, [("female", True)] * 9 + [("male", False)] * 7 + [("", True)] * 3)
    found = _equality(personas, "sex")
    hidden = {group for group, cell in found.cells if cell.hidden}
    # The three of unknown sex are hidden, and one group more: not the men, since the two
    # together would still show that 3 exceeded FMB (12 of 19, less the women's 9), but
    # the women, with whom they are 12 who all exceeded it.
    assert hidden == {"unknown", "female"} and not found.total.hidden
    assert found.difference is None
    by_age = _equality(personas, "age_band")
    assert [group for group, _cell in by_age.cells] == [
        "16-29", "30-39", "40-49", "50-59", "60-67", "unknown"
    ]  # fmt: skip


def test_the_equality_page_in_words_and_as_csv(client, personas, clock):
    _extract_rows(
        personas, [("female", i < 15) for i in range(20)] + [("male", i < 5) for i in range(20)]
    )
    client.force_login(personas.unit_manager)
    page = client.get("/insights/equality/").text
    assert "75,0 % av kvinnorna och 25,0 % av männen" in page
    assert "större än vad slumpen förklarar" in page
    # Each of the nine indicators has its section.
    assert "Avslutade fall längre än FMB:s tid" in page and page.count("<section") == 9
    body = client.get("/insights/equality/?by=age_band&format=csv").content.decode()
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0] == ["measure", "group", "n", "x", "share"]
    assert ["fmb_exceeded", "all", "40", "20", "0.5"] in lines
    assert AccessEvent.objects.filter(object_type="insights_equality", action="export").exists()


def test_the_pages_take_the_same_queries_for_few_cases_or_many(client, personas, clock):
    client.force_login(personas.unit_manager)
    pages = ["/insights/?group_by=sex", "/insights/variation/", "/insights/process/",
             "/insights/equality/"]  # fmt: skip

    def queries() -> list[int]:
        refresh()  # a new version: every page computes again
        counts = []
        for page in pages:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(page).status_code == 200
            counts.append(len(captured))
        return counts

    def add(ended: int, open_this_year: int) -> None:
        _ended(personas.unit, personas.treating_physician, ended, ended // 3)
        for _index in range(open_this_year):  # in the process table's twelve months
            case = Case.objects.get(patient=patient_at(personas.unit))
            case.sick_from = date(2026, 3, 1)
            case.responsible_physician = personas.treating_physician
            case.save()
            certify(case, date(2026, 3, 1), date(2026, 6, 30))

    add(6, 6)
    few = queries()
    add(30, 20)
    assert queries() == few


def test_after_a_refresh_the_worker_has_computed_what_each_reader_will_ask(client, personas, clock):
    """The refresh job computes the new version's figures for every unit manager and
    analyst, so the first reader's page reads no row of the extract; a refresh without
    the warming leaves that work to the first reader."""
    from stegvis.insights.tasks import refresh_extract_task

    def extract_reads(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return sum("insights_caseextract" in q["sql"] for q in captured.captured_queries)

    for _index in range(6):
        _certified(personas.unit, date(2026, 1, 1), 20, physician=personas.treating_physician)
    client.force_login(personas.unit_manager)
    refresh()
    assert extract_reads("/insights/") > 0
    result = refresh_extract_task.call()
    assert result["warmed_scopes"] >= 1
    for url in ("/insights/", "/insights/?group_by=unit", "/insights/variation/",
                "/api/v1/insights/time-to-rtw"):  # fmt: skip
        assert extract_reads(url) == 0, url
