"""The attacker (issue 32): a unit of 16 cases (one man, fifteen of unknown sex) in a region
of three units. A unit manager and the region's analyst each ask for every page, table
(CSV), chart (PNG) and API answer they may, over every split, indicator and filter; the
test reads back every figure as a reader would, sets every table against its totals, the
curves against each other, the measures against the counts of cases they leave out, the
analyst's figures against the analyst's rows, and fails if any count of 1–4 people is
shown or can be worked out (tests/attacker.py does the arithmetic, from what was shown
only)."""

import csv
import io
import random
import re
from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from stegvis.accounts.roles import OrganisationKind, Role
from stegvis.cases.models import (
    Case,
    CaseStatus,
    Certificate,
    CertificateDiagnosis,
    CertificatePeriod,
    CertificateStatus,
    ClosedReason,
)
from stegvis.insights.definitions import rules
from stegvis.insights.extract import refresh
from stegvis.plans.models import PlanVersion, RtwPlan
from tests.attacker import Published, shown_small, small_together, worked_out
from tests.factories import OrganisationFactory, UserFactory, member, patient_at

TODAY = date(2026, 6, 1)
DAYS = [30, 90, 180, 365, 550, 730]  # stegvis/insights/data/extract.toml
DIMENSIONS = ["unit", "diagnosis_group", "sex", "age_band"]
VARIATION = ["fmb_exceeded", "full_time_where_partial", "dfa_complete"]
PROCESS = ["plan_by_day_30", "coordinator_within_14", "sip_held", "employer_plan",
           "baseline_answered", "checkin_adherence"]  # fmt: skip
OF_CASES = ["fmb_exceeded", "full_time_where_partial", "plan_by_day_30",
            "coordinator_within_14", "sip_held", "employer_plan"]  # fmt: skip
# The measures whose population holds another's (stegvis/insights/measures.py's, by
# definition: an attacker reads the definitions on the page).
HOLDS = {"employer_plan": ["coordinator_within_14", "plan_by_day_30"]}
CODES = ["F32.1", "M54.4", "S83.2", "J06.9"]


@pytest.fixture
def clock():
    with time_machine.travel("2026-06-01 12:00 +02:00", tick=False) as traveller:
        yield traveller


def _sick(unit, rng, *, sex, physician, course=None, **fixed):
    """One case of the unit: its course (back at work, to a disability benefit, or still
    on leave), start, length, diagnosis and age as given in `fixed`, or drawn from `rng`;
    a plan within the month or not."""
    patient = patient_at(unit)
    patient.sex = sex
    born = [None, date(1960, 5, 1), date(1975, 2, 1), date(1990, 8, 1)]
    patient.birth_date = fixed.get("born", rng.choice(born))
    patient.save()
    case = Case.objects.get(patient=patient)
    start = fixed.get("start", TODAY - timedelta(days=rng.randint(40, 540)))
    days = fixed.get("days", rng.choice([8, 12, 20, 26, 35, 50, 70, 95, 120, 150, 200, 260, 400]))
    course = course or rng.choices(["rtw", "other", "open"], weights=[7, 1, 2])[0]
    days = min(days, (TODAY - start).days - 30)
    case.sick_from, case.responsible_physician = start, physician
    if course == "other":
        case.status, case.closed_reason = CaseStatus.CLOSED, ClosedReason.DISABILITY_BENEFIT
        case.closed_on = start + timedelta(days=days)
    case.save()
    end = TODAY + timedelta(days=60) if course == "open" else start + timedelta(days=days - 1)
    certificate = Certificate.objects.create(
        case=case, created_by=physician, fmb_typical_case=rng.choice(["", "f32_mild"])
    )
    CertificatePeriod.objects.create(
        certificate=certificate, degree=rng.choice([100, 100, 50]), starts_on=start, ends_on=end
    )
    CertificateDiagnosis.objects.create(
        certificate=certificate, code=fixed.get("code", rng.choice(CODES))
    )
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.SIGNED, signed_at=timezone.now()
    )
    if rng.random() < 0.4:
        written = start + timedelta(days=rng.randint(3, 40))
        PlanVersion.objects.create(
            plan=RtwPlan.objects.create(case=case),
            number=1,
            content={},
            created_at=timezone.now() - timedelta(days=(TODAY - written).days),
        )


@pytest.fixture
def region_world(personas, clock):
    """The 16-case unit (one man, fifteen of unknown sex) and two more units of a region;
    some cases alike enough to stay in the region's rows, most of them not."""
    rng = random.Random(32)
    region = OrganisationFactory(name="Region Exempelby", kind=OrganisationKind.REGION)
    small, second = personas.unit, personas.other_unit
    third = OrganisationFactory(name="Vårdcentralen Tredje", parent=region)
    for unit in (small, second):
        unit.parent = region
        unit.save()
    Case.objects.filter(patient__in=[personas.patient, personas.other_patient]).delete()
    doctor, colleague = personas.treating_physician, personas.unrelated_physician
    third_doctor = member(UserFactory(), third, Role.PHYSICIAN)
    _sick(small, rng, sex="male", physician=doctor, course="rtw")
    for index in range(15):
        course = "rtw" if index < 9 else ("other" if index == 9 else "open")
        alike = {"born": None, "code": "F32.1", "start": date(2026, 2, 2), "days": 12}
        _sick(small, rng, sex="", physician=doctor if index % 3 else personas.coordinator,
              course=course, **(alike if index < 5 else {}))  # fmt: skip
    women = {"born": date(1975, 2, 1), "code": "F32.1", "start": date(2025, 10, 6), "days": 40}
    men = {"born": date(1990, 8, 1), "code": "M54.4", "start": date(2026, 1, 12), "days": 20}
    for index in range(34):
        sex = ["female", "male", ""][index % 3] if index < 30 else "female"
        alike = {"female": women, "male": men}.get(sex, {}) if index < 18 else {}
        _sick(second, rng, sex=sex, physician=colleague, **alike)
    later = {"born": date(1960, 5, 1), "code": "S83.2", "start": date(2025, 9, 1), "days": 70}
    for index in range(12):
        alike = later if index % 2 == 0 else {}
        _sick(third, rng, sex=["female", "male"][index % 2], physician=third_doctor, **alike)
    refresh()
    analyst = member(UserFactory(), region, Role.REGION_ANALYST)
    return {"manager": personas.unit_manager, "analyst": analyst, "units": [small, second, third]}


# Reading what a reader was given.
def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(line for line in io.StringIO(text) if not line.startswith("#")))


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _fraction(cell: str):
    """A process cell: "x/n", "" for none, "suppressed"."""
    if cell == "suppressed":
        return None
    if not cell:
        return (0, 0)
    x, n = cell.split("/")
    return (int(n), int(x))


def _read_measures(client, reader_units: list[str], by_physician: bool) -> dict:
    """{measure: Published} from the equality, process and variation CSVs."""
    found = {code: Published() for code in [*VARIATION, *PROCESS]}
    for by in ("sex", "age_band"):
        for measure, group, n, x, _share in _csv(
            _body(client.get(f"/insights/equality/?by={by}&format=csv"))
        )[1:]:
            key = ("total",) if group == "all" else (by, group)
            if n == "suppressed":
                found[measure].hide(key)
            else:
                found[measure].show(key, n, x)
    for code in PROCESS:
        header, *rows = _csv(_body(client.get(f"/insights/process/?indicator={code}&format=csv")))
        columns = header[1:-1]
        for row in rows:
            unit = None if row[0] == "all_units" else row[0]
            for column, cell in zip(columns, row[1:-1], strict=True):
                _read_fraction(found[code], ("month", unit, column), cell)
            _read_fraction(found[code], ("total",) if unit is None else ("unit", unit), row[-1])
    for code in VARIATION:
        rows = _csv(_body(client.get(f"/insights/variation/?indicator={code}&format=csv")))[1:]
        shown = {row[0]: row for row in rows if row[0]}
        for unit in reader_units:
            if unit in shown:
                found[code].show(("unit", unit), shown[unit][1], shown[unit][2])
            else:  # a unit of the reader's not drawn: hidden, or with no case in it
                found[code].hide(("unit", unit), nonzero=False)
        if by_physician:
            url = f"/insights/variation/?indicator={code}&by=physician&format=csv"
            for row in _csv(_body(client.get(url)))[1:]:
                found[code].show(("physician", row[0]), row[1], row[2])
            found[code].hide(("physician", "the others"), nonzero=False)
    return found


def _read_fraction(published: Published, key, cell: str) -> None:
    value = _fraction(cell)
    if value is None:
        published.hide(key)
    else:
        published.show(key, *value)


def _measure_lines(published: Published, units: list[str]) -> None:
    """What adds up, as the pages say: groups to the total, units to the total, months to a
    unit's total and over the units, physicians (and the others) to the total."""
    keys = list(published.figures)
    for by in ("sex", "age_band"):
        published.add_line([k for k in keys if k[0] == by], ("total",))
    published.add_line([("unit", unit) for unit in units], ("total",))
    columns = sorted({k[2] for k in keys if k[0] == "month"})
    if columns:
        for unit in units:
            published.add_line([("month", unit, c) for c in columns], ("unit", unit))
        for column in columns:
            published.add_line([("month", unit, column) for unit in units], ("month", None, column))
        published.add_line([("month", None, c) for c in columns], ("total",))
    physicians = [k for k in keys if k[0] == "physician"]
    if physicians:
        published.add_line(physicians, ("total",))


def _left(rows: list[dict], index: int) -> int | None:
    """Those who left a curve in an interval: from the next row's number at risk, or from
    the survival's fall (the actuarial estimate counts them half)."""
    row = rows[index]
    if index + 1 < len(rows):
        return row["at_risk"] - rows[index + 1]["at_risk"]
    before = rows[index - 1]["survival"] if index else 1.0
    if not row["events"] or not before or row["survival"] is None:
        return None
    exposed = row["events"] / (1 - row["survival"] / before)
    away = round(2 * (row["at_risk"] - exposed))
    return row["events"] + away


def _apart(rows: list[dict], incidence: dict, index: int, left: int | None):
    """Other exits and those still on leave within an interval, from the competing
    incidence: every split that fits the published figures; None where more than one does."""
    row = rows[index]
    rtw, other = incidence["rtw"], incidence["other_exit"]
    if index >= len(rtw):
        return None
    if not row["at_risk"]:
        return (0, 0)  # no one left to follow
    before = 1 - (rtw[index - 1]["cumulative_incidence"] + other[index - 1]["cumulative_incidence"]
                  if index else 0)  # fmt: skip
    back_step = rtw[index]["cumulative_incidence"] - (
        rtw[index - 1]["cumulative_incidence"] if index else 0
    )
    other_step = other[index]["cumulative_incidence"] - (
        other[index - 1]["cumulative_incidence"] if index else 0
    )
    away_most = row["at_risk"] - row["events"]
    fits = set()
    for exits in range(away_most + 1):
        for still in range(away_most - exits + 1):
            if left is not None and exits + still + row["events"] != left:
                continue
            exposed = row["at_risk"] - still / 2
            if exposed <= 0:
                continue
            if abs(before * row["events"] / exposed - back_step) < 2e-4 and (
                abs(before * exits / exposed - other_step) < 2e-4
            ):
                fits.add((exits, still))
    assert fits, ("the competing incidence fits no split", rows, incidence, index, left)
    exits = {e for e, _s in fits}
    still = {s for _e, s in fits}
    return (next(iter(exits)) if len(exits) == 1 else None,
            next(iter(still)) if len(still) == 1 else None)  # fmt: skip


def _read_curve(steps: Published, apart: Published, dimension, key, curve) -> None:
    if curve["suppressed"]:
        steps.hide(("n", dimension, key))
        apart.hide(("n", dimension, key))
        for index in range(len(DAYS) + 1):
            steps.hide(("step", dimension, key, index), nonzero=False)
            apart.hide(("step", dimension, key, index), nonzero=False)
        return
    steps.show(("n", dimension, key), curve["n"], None)
    apart.show(("n", dimension, key), curve["n"], None)
    rows = curve["table"]
    assert [row["day"] for row in rows] == DAYS[: len(rows)]
    for index in range(len(DAYS) + 1):
        if index >= len(rows):
            steps.hide(("step", dimension, key, index), nonzero=False)
            apart.hide(("step", dimension, key, index), nonzero=False)
            continue
        left = _left(rows, index)
        steps.show(("step", dimension, key, index), left, rows[index]["events"])
        if curve.get("cumulative_incidence"):  # asked for with competing exits
            split = _apart(rows, curve["cumulative_incidence"], index, left)
            exits, still = split or (None, None)
            away = None if exits is None or still is None else exits + still
            apart.show(("step", dimension, key, index), away, exits)


def _read_curves(client, units: dict) -> tuple[Published, Published, dict]:
    """Every curve of every split, with and without competing exits, and each unit alone;
    the page's own CSV too. Returns the curves' steps, their other exits apart, and the
    groups' counts of cases."""
    steps, apart, counts = Published(), Published(), {}
    for dimension in ["all", *DIMENSIONS]:
        for competing in ("false", "true"):
            url = f"/api/v1/insights/time-to-rtw?group_by={dimension}&competing={competing}"
            for curve in client.get(url).json()["groups"]:
                _read_curve(steps, apart, dimension, curve["key"], curve)
                counts[(dimension, curve["key"])] = curve["n"]
        page_rows = _csv(_body(client.get(f"/insights/?group_by={dimension}&format=csv")))[1:]
        for row in page_rows:
            if row[1]:
                steps.show(("n", dimension, row[0]), row[1], None)
            else:
                steps.hide(("n", dimension, row[0]))
    for name, pk in units.items():
        for curve in client.get(f"/api/v1/insights/time-to-rtw?unit={pk}").json()["groups"]:
            _read_curve(steps, apart, "unit", name, curve)  # the unit's row, the same figures
    for published in (steps, apart):
        keys = list(published.figures)
        for key in {k[1:3] for k in keys if k[0] == "n"}:
            published.add_line(
                [("step", *key, index) for index in range(len(DAYS) + 1)], ("n", *key)
            )
        for dimension in DIMENSIONS:
            groups = [k[2] for k in keys if k[0] == "n" and k[1] == dimension]
            published.add_line([("n", dimension, g) for g in groups], ("n", "all", "all"))
            for index in range(len(DAYS) + 1):
                published.add_line(
                    [("step", dimension, g, index) for g in groups], ("step", "all", "all", index)
                )
    return steps, apart, counts


def _differences(measures: dict, counts: dict) -> list[tuple]:
    """Counts set against the larger counts that hold them: all a group's cases (the time
    to return page) less a measure's, and one measure's less another's it lies within."""
    found = []
    groups = {("total",): ("all", "all")}
    for key in counts:
        if key[0] in ("unit", "sex", "age_band"):
            groups[(key[0], key[1])] = key
    for code in OF_CASES:
        for key, curve_key in groups.items():
            outer, inner = counts.get(curve_key), measures[code].value(key, 0)
            if outer is not None and inner is not None and 0 < outer - inner < 5:
                found.append((code, key, outer - inner))
    for code, outers in HOLDS.items():
        for key, value in measures[code].figures.items():
            for outer in outers:
                bigger = measures[outer].value(key, 0)
                inner = value[0] if value else None
                if inner is not None and bigger is not None and 0 < bigger - inner < 5:
                    found.append((code, outer, key, bigger - inner))
    return found


def _pages_show_nothing_small(client) -> None:
    """The HTML pages: every count in a table cell, and every share with its cases."""
    urls = [f"/insights/?group_by={g}" for g in ["all", *DIMENSIONS]]
    urls += [f"/insights/variation/?indicator={c}" for c in VARIATION]
    urls += [f"/insights/variation/?indicator={c}&by=physician" for c in VARIATION]
    urls += [f"/insights/process/?indicator={c}" for c in PROCESS]
    urls += [f"/insights/equality/?by={by}" for by in ("sex", "age_band")]
    for url in urls:
        page = client.get(url).text
        for cell in re.findall(r"<td>([^<]*)</td>", page):
            plain = re.fullmatch(r"(\d+)", cell.strip())
            assert not (plain and 0 < int(plain[1]) < 5), (url, cell)
            share = re.search(r"([\d,]+) % \((\d+)\)", cell)
            if share:
                n = int(share[2])
                x = round(float(share[1].replace(",", ".")) * n / 100)
                assert not any(0 < c < 5 for c in (n, x, n - x)), (url, cell)
    for png in ("/insights/variation/?format=png", "/insights/process/?format=png"):
        assert client.get(png).content[:4] == b"\x89PNG"
    # The curves' chart, where the page draws one; none to download where it does not.
    curve = client.get("/insights/?format=png")
    if 'class="chart"' in client.get("/insights/").text:
        assert curve.content[:4] == b"\x89PNG"
    else:
        assert curve.status_code == 404


def _attack(client, units: dict, reader_units: list[str], by_physician: bool) -> dict:
    measures = _read_measures(client, reader_units, by_physician)
    leaks = {}
    for code, published in measures.items():
        _measure_lines(published, reader_units)
        leaks[code] = shown_small(published) + small_together(published) + worked_out(published)
    steps, apart, counts = _read_curves(client, units)
    for name, published in (("curves", steps), ("other exits", apart)):
        leaks[name] = shown_small(published) + small_together(published) + worked_out(published)
    leaks["differences"] = _differences(measures, counts)
    _pages_show_nothing_small(client)
    return {name: found for name, found in leaks.items() if found}, counts


def test_a_unit_manager_can_work_out_no_count_under_five_from_anything_they_may_ask_for(
    client, region_world
):
    small = region_world["units"][0]
    client.force_login(region_world["manager"])
    leaks, counts = _attack(client, {small.name: small.pk}, [small.name], by_physician=True)
    assert leaks == {}
    assert counts[("all", "all")] == 16  # the unit's cases, all of them
    assert counts[("sex", "male")] is None and counts[("sex", "unknown")] is None
    assert client.get("/api/v1/insights/cases.csv").status_code == 404


def test_the_region_analyst_can_work_out_no_count_under_five_from_anything_they_may_ask_for(
    client, region_world
):
    units = {unit.name: unit.pk for unit in region_world["units"]}
    client.force_login(region_world["analyst"])
    leaks, counts = _attack(client, units, list(units), by_physician=False)
    assert leaks == {}
    # The rows: every group of unit, sex, age band, diagnosis group, start and end period
    # holds five or more, and every count the pages give is the rows' own.
    response = client.get("/api/v1/insights/cases.csv")
    rows = _csv(_body(response))
    header, records = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    groups = Counter(
        (r["unit"], r["sex"], r["age_band"], r["diagnosis_group"], r["start_date"], r["end_date"])
        for r in records
    )
    assert groups and min(groups.values()) >= 5
    assert {r["physician"] for r in records} == {""} and {r["fmb_diagnosis"] for r in records} == {
        ""
    }
    by = {
        "all": Counter("all" for _r in records),
        "unit": Counter(r["unit"] for r in records),
        "sex": Counter(r["sex"] if r["sex"] in ("female", "male") else "unknown" for r in records),
        "age_band": Counter(r["age_band"] or "unknown" for r in records),
        "diagnosis_group": Counter(r["diagnosis_group"] or "unknown" for r in records),
    }
    # The pages split ages as the file gives them (ten-year or wide bands); a file that gives
    # no age adds no sum over ages, and is held to the pages by unit, sex and diagnosis.
    bands_given = rules().level(response["X-Stegvis-Generalisation"]).ages != "none"
    for (dimension, key), n in counts.items():
        if n is not None and (bands_given or dimension != "age_band"):
            assert by[dimension][key] == n, (dimension, key)
    for name, pk in units.items():
        one = _csv(_body(client.get(f"/api/v1/insights/cases.csv?unit={pk}")))[1:]
        assert len(one) == by["unit"][name]
    assert "start_date" in header


def test_a_physician_can_work_out_no_count_under_five_from_their_own_figures(
    client, region_world, personas
):
    # A physician reads their own cases against the region's (measures.own_figures): their
    # own figure is protected as any other, and the region's is a share with no count, so
    # the region's other cases cannot be worked out as the region less their own.
    client.force_login(personas.treating_physician)
    shown = 0
    for code in VARIATION:
        header, *rows = _csv(_body(client.get(f"/insights/variation/?indicator={code}&format=csv")))
        # No count of the region's: its mean is a share alone.
        assert header == ["group", "n", "x", "share", "region_mean", "signal"]
        for group, n, x, _share, _mean, _signal in rows:
            assert group == "Du"  # their own point only, never another physician or unit
            if n:
                counts = (int(n), int(x), int(n) - int(x))
                assert not any(0 < c < 5 for c in counts), (code, counts)
                shown += 1
    assert shown  # the test reads figures, not empty pages
