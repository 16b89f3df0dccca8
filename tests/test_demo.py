"""The demo data keeps the promises the README makes about it."""

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from stegvis.accounts.models import User
from stegvis.agency import validation
from stegvis.agency.services import FORMATS, message_for
from stegvis.cases import codes
from stegvis.cases.models import CaseStatus, Certificate, CertificateDiagnosis, CertificateStatus
from stegvis.coordination.models import Meeting
from stegvis.demo.management.commands.demo import PATIENTS, next_week_on_a_working_day
from stegvis.insights.models import CaseExtract
from stegvis.notifications.outbox import outbox_dispatch

DOMAIN = "demo.stegvis.invalid"


# `make demo PORT=8300` sets this; every link the demo writes must follow it.
SERVED_AT = "http://127.0.0.1:8300"
LOADED = {}


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module's tests (each runs in a savepoint of its own)
    and rolled back after the last: loading it is the slowest step of the suite. What it
    printed and mailed is kept in LOADED."""
    printed = io.StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(STEGVIS_DEMO=True, BASE_URL=SERVED_AT),
        transaction.atomic(),
    ):
        mail.outbox = []
        call_command("demo", stdout=printed)
        outbox_dispatch()  # what the demo's worker sends as it starts
        LOADED.update(printed=printed.getvalue(), mailed=list(mail.outbox))
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db, settings):
    settings.STEGVIS_DEMO = True


def signed_in(client, login: str):
    client.force_login(User.objects.get(email=f"{login}@{DOMAIN}"))
    return client


def test_the_coach_queue_shows_both_patients_the_readme_names(client, demo):
    queue = signed_in(client, "coach").get("/coach/queue/").text
    assert "Amira Khalil" in queue and "Peter Nilsson" in queue
    # Amira, worsening, is on the queue itself; Peter, improving, among the others.
    assert queue.index("Amira Khalil") < queue.index('id="others-heading"')
    assert queue.index('id="others-heading"') < queue.index("Peter Nilsson")


def test_a_sip_for_ali_can_invite_social_services_and_the_municipality(client, demo):
    ali = User.objects.get(email=f"ali@{DOMAIN}")
    case = ali.cases.get()
    form = signed_in(client, "koordinator").get(f"/cases/{case.pk}/meetings/new/").text
    assert "Sofia Lund" in form and "Jonas Berg" in form


@pytest.mark.parametrize("day", range(7))
def test_next_week_is_a_working_day_whichever_day_the_demo_is_loaded(day):
    # 2026-11-30 is a Monday; each day of that week, Saturday and Sunday included.
    monday = datetime(2026, 11, 30, 15, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
    now = monday + timedelta(days=day)
    starts = next_week_on_a_working_day(now)
    assert starts.weekday() < 5 and 7 <= (starts.date() - now.date()).days <= 9
    assert (starts.hour, starts.minute) == (10, 0)


def test_no_demo_meeting_falls_on_a_weekend(demo):
    days = [meeting.starts_at.astimezone().weekday() for meeting in Meeting.objects.all()]
    assert days and all(day < 5 for day in days)


def test_the_mmr_team_has_a_running_cohort_and_outcomes_to_show(client, demo):
    manager = signed_in(client, "chef").get("/programs/").text
    assert "Smärtteamet Solbacken" in manager and "Saknas: Arbetsterapeut" in manager
    assert "Deltagare hittills" in manager  # the manager's view of outcomes
    from stegvis.programs.models import Team

    team = Team.objects.get()
    outcomes = signed_in(client, "chef").get(f"/programs/teams/{team.pk}/outcomes/").text
    # Every participant's sick leave before the program is shown; the finished cohort's
    # answers at T1 and T2 are not, beside the ten: they would tell that two (the running
    # cohort) have not answered yet.
    assert "(n = 10)" in outcomes and "visas ej" in outcomes
    # WAS and ÖMPSQ, which the demo's participants never answered, say why they are empty.
    for name in ("WAS", "ÖMPSQ-SF"):
        row = re.search(rf"<th scope=\"row\">{name}</th>(.*?)</tr>", outcomes, re.S)
        assert row and "ingen svarade både före och efter" in row[1], name
        assert "ingen etablerad gräns" in row[1] and "–" not in row[1], name
    program = signed_in(client, "johan").get("/my-program/").text
    assert "Smärtskolan Solbacken" in program and "Baka ett helt pass" in program
    cohort = team.cohorts.get(name="Pågående grupp")
    assert {c.stage for c in cohort.conferences.exclude(held_at=None)} == {"admission", "mid"}
    assert set(cohort.participants.values_list("patient__email", flat=True)) == {
        f"johan@{DOMAIN}",
        f"ali@{DOMAIN}",
    }


def test_the_finished_cohort_names_its_participants_and_exports_what_its_outcomes_count(
    client, demo
):
    # Issue 33: the finished cohort said "Ingen intagen än" and its registry.csv had only
    # its header, while the team's outcomes counted eight participants at T1 and T2.
    from stegvis.core.pseudonyms import pseudonym
    from stegvis.demo.programs import FINISHED
    from stegvis.programs import outcomes
    from stegvis.programs.models import Team

    team = Team.objects.get()
    finished = team.cohorts.get(name="Hösten, förra året")
    physio = signed_in(client, "fysioterapeut")
    page = physio.get(f"/programs/cohorts/{finished.pk}/").text
    assert "Ingen intagen än" not in page and "namnges inte" not in page
    assert 'name="schedule"' not in page  # a finished cohort calls no more conferences
    assert all(f"{given} {family}" in page for _login, given, family, *_rest in FINISHED)
    answer = physio.get(f"/programs/cohorts/{finished.pk}/registry.csv")
    header, *rows = csv.reader(io.StringIO(b"".join(answer.streaming_content).decode()))
    exported = [dict(zip(header, row, strict=True)) for row in rows]
    counted = [
        person
        for person in outcomes.participants(outcomes.included(team=team))
        if person.referral.cohort_id == finished.pk
    ]
    assert len(counted) == len(FINISHED)
    for point in ("t0", "t1", "t2"):
        answered = {
            pseudonym("patient", person.referral.patient_id)
            for person in counted
            if point in person.answered_on
        }
        assert len(answered) == len(FINISHED), point
        assert answered == {
            row["pseudonym"]
            for row in exported
            if row["time_point"] == point and row["answered_on"]
        }, point


def test_the_demos_dates_run_forwards(demo):
    # Issue 33: program versions were dated after the cohorts that ran them, a referral
    # after the cohort it joined, results before the proposals they came from.
    from stegvis.participation.models import Result
    from stegvis.programs.models import Cohort, Referral

    def day_of(moment):
        return timezone.localdate(moment)

    for cohort in Cohort.objects.select_related("program_version"):
        assert day_of(cohort.program_version.created_at) < cohort.starts_on, cohort
        assert day_of(cohort.created_at) < cohort.starts_on, cohort
    for referral in Referral.objects.filter(status="included").select_related("cohort"):
        assert day_of(referral.referred_at) < referral.cohort.starts_on
        assert referral.referred_at < referral.decided_at
        assert day_of(referral.decided_at) <= referral.cohort.starts_on
        for judgement in referral.judgements.all():
            assert referral.referred_at <= judgement.judged_at <= referral.decided_at
        t0 = referral.case.administrations.filter(occasion="program_start")
        assert all(a.due_on <= referral.cohort.starts_on for a in t0)
    results = Result.objects.prefetch_related("proposals")
    assert results.exists()
    for result in results:
        for proposal in result.proposals.all():
            assert proposal.created_at < result.created_at, result
            assert day_of(proposal.created_at) <= result.start_date, result


def test_the_manager_and_the_region_analyst_see_insights_over_the_demo(client, demo):
    assert "Tid till återgång i arbete" in signed_in(client, "chef").get("/insights/").text
    page = signed_in(client, "analytiker").get("/insights/?group_by=unit").text
    assert "Vårdcentralen Solbacken" in page and "<path d=" in page


def test_the_region_has_enough_cases_for_insights_that_are_not_all_hidden(client, demo):
    analyst = signed_in(client, "analytiker")
    body = analyst.get("/api/v1/insights/time-to-rtw?group_by=unit").json()
    shown = [group for group in body["groups"] if not group["suppressed"]]
    assert "Vårdcentralen Solbacken" in {group["key"] for group in shown}
    synthetic = [group for group in shown if group["key"] != "Vårdcentralen Solbacken"]
    # The analyst's figures come from the region's rows in groups of five or more, and a
    # curve stops at its first step about too few: each unit is counted (whether a curve
    # reaches its median depends on the day the synthetic histories are drawn from).
    assert len(synthetic) == 3 and all(group["n"] >= 100 for group in synthetic)
    funnel = analyst.get("/insights/variation/").text
    assert funnel.count("<circle") >= 3  # each synthetic unit a point at its volume
    # The unit manager sees her own unit's curve, and only her unit's.
    manager = signed_in(client, "chef").get("/api/v1/insights/time-to-rtw?group_by=unit").json()
    assert [(group["key"], group["suppressed"]) for group in manager["groups"]] == [
        ("Vårdcentralen Solbacken", False)
    ]


def test_a_page_without_a_curve_says_why_and_offers_no_chart_to_download(client, demo):
    # Solbacken's manager saw no curve, no word on why, and a PNG link to one point at day 0.
    without_a_curve = 0
    for login in ("chef", "analytiker"):
        reader = signed_in(client, login)
        page = reader.get("/insights/").text
        drawn = 'class="chart"' in page
        assert drawn == ("format=png" in page), login
        assert drawn != ("Ingen kurva ritas" in page), login
        assert reader.get("/insights/?format=png").status_code == (200 if drawn else 404), login
        without_a_curve += not drawn
    assert without_a_curve  # the demo's own unit: its steps rest on fewer than five


def test_solbackens_patients_have_test_identity_numbers_and_signed_diagnoses(demo):
    """Issue 33: without a sex or a diagnosis, Solbacken's own cases were all "unknown" and
    its manager's figures all hidden. Each has an identity number no real person has
    (Skatteverket's test series: Tolvan's, or birth numbers 980–999), and each past the
    week on their own word a signed certificate with an ICD-10 diagnosis."""
    for login, _given, _family, _days, _status, *_rest, diagnosis, _degree in PATIENTS:
        patient = User.objects.get(email=f"{login}@{DOMAIN}")
        number = patient.get_national_id().number
        assert number == "191212121212" or 980 <= int(number[8:11]) <= 999, login
        assert patient.sex in ("female", "male") and patient.birth_date, login
        signed = CertificateDiagnosis.objects.filter(
            certificate__case__patient=patient, certificate__status=CertificateStatus.SIGNED
        )
        if diagnosis is None:  # Sara, in her first week: the certificate journey writes hers
            assert not signed.exists()
        else:
            assert set(signed.values_list("code", flat=True)) == {diagnosis}, login
            assert codes.lookup("icd10", diagnosis) is not None


def test_a_case_marked_fully_back_at_work_is_a_return_in_solbackens_figures(demo):
    tolvan = CaseExtract.objects.get(case__patient__email=f"tolvan@{DOMAIN}")
    assert tolvan.case.status == CaseStatus.FULL_RETURN  # "Helt åter i arbete"
    assert tolvan.outcome == "rtw" and tolvan.end_date < timezone.localdate()


def test_the_unit_manager_compares_women_and_men_at_solbacken(client, demo):
    """The README: the equality page states the difference between women and men."""
    page = signed_in(client, "chef").get("/insights/equality/").text
    assert "av kvinnorna och" in page and "av männen" in page
    # Few of the unit's plans are recorded: hidden or said so, never "0 %".
    plans = page.split('id="measure-plan_by_day_30"')[1].split("</section>")[0]
    assert "0,0 %" not in plans
    assert "inga uppgifter registrerade" in plans or "visas ej" in plans
    body = signed_in(client, "chef").get("/insights/equality/?format=csv").text
    rows = {(row[0], row[1]): row[2] for row in csv.reader(io.StringIO(body))}
    # A measure with both women and men shown, each a count of five or more.
    compared = [
        code
        for code, group in rows
        if group == "female"
        and all(rows[(code, sex)].isdigit() for sex in ("female", "male"))
        and min(int(rows[(code, "female")]), int(rows[(code, "male")])) >= 5
    ]
    assert compared, rows


def test_the_synthetic_units_have_process_figures_and_solbacken_says_what_it_lacks(client, demo):
    analyst = signed_in(client, "analytiker")
    for code in ("plan_by_day_30", "coordinator_within_14", "employer_plan"):
        body = analyst.get(f"/insights/process/?indicator={code}&format=csv").text
        units = {row[0]: row[-1] for row in csv.reader(io.StringIO(body))}
        synthetic = [total for unit, total in units.items() if unit.startswith("Vårdcentral ")]
        assert len(synthetic) == 3, units
        # Each synthetic unit did it for some of its cases and not for all (x/n).
        assert all(0 < int(x) < int(n) for x, n in (t.split("/") for t in synthetic)), units
    page = analyst.get("/insights/process/?indicator=plan_by_day_30").text
    solbacken = page.split("Vårdcentralen Solbacken</th>")[1].split("</tr>")[0]
    assert "inga uppgifter registrerade" in solbacken and "0,0 %" not in solbacken


def test_the_printout_serves_where_the_demo_runs_and_counts_what_it_lists(demo):
    printed = LOADED["printed"]
    header = next(line for line in printed.splitlines() if line.startswith("Demo data ready"))
    assert f"Sign in at {SERVED_AT} " in header
    listed = [line for line in printed.splitlines() if line.startswith("  ") and "@" in line]
    assert f"as one of these {len(listed)}:" in header
    for line in listed:  # each listed person can sign in with the printed password
        assert User.objects.filter(email=line.split()[0]).exists()
    # Nav's caseworker by the role's name in bokmål, not as Försäkringskassan's.
    nav = next(line for line in listed if line.split()[0].startswith("nav.veileder@"))
    assert "Veileder i Nav" in nav and "Försäkringskassan" not in nav
    # The MMR team's members by their profession, not as "MMR clinician".
    mats = next(line for line in listed if line.split()[0].startswith("fysioterapeut@"))
    assert "Fysioterapeut" in mats and "MMR-behandlare" not in printed
    # No second count that disagrees with the list.
    assert "new this run" not in header


def test_every_link_the_demo_mails_points_where_it_is_served(demo):
    bodies = [message.body for message in LOADED["mailed"]]
    links = [link for body in bodies for link in re.findall(r"https?://[^\s>\"]+", body)]
    assert links, "the demo mails invitations with links"
    assert all(link.startswith(SERVED_AT) for link in links), links


def test_a_meetings_calendar_file_links_where_the_demo_is_served(client, demo, settings):
    settings.BASE_URL = SERVED_AT
    meeting = Meeting.objects.filter(case__patient__email__endswith=DOMAIN).first()
    client.force_login(meeting.case.patient)
    ics = client.get(f"/meetings/{meeting.pk}/calendar.ics").content.decode()
    assert f"{SERVED_AT}/meetings/{meeting.pk}/" in ics.replace("\r\n ", "")


def test_norways_people_each_see_their_own_duties_and_the_sykmelding(client, demo):
    ola = User.objects.get(email=f"ola@{DOMAIN}")
    case = ola.cases.get()
    sykmeldinger = list(case.certificates.filter(status="signed").order_by("created_at"))
    assert [c.kind for c in sykmeldinger] == ["no_sykmelding", "no_sykmelding"]
    # Nina, the nearest manager, owns the follow-up plan due in two days and reads the
    # first sykmelding's employer copy, without its diagnosis or medical reasons.
    nina = signed_in(client, "leder.bakeri").get("/").text
    assert "Oppfølgingsplan laget og sendt til sykmelder" in nina
    # Ola is on her caseload as on Nav's: he let both see who he is.
    assert "Ingen saker er delt med deg ennå." not in nina
    copy = client.get(f"/certificates/{sykmeldinger[0].pk}/employer-copy/").text
    assert "Aktivitet ikke mulig" in copy and "Ingen lette oppgaver" in copy
    assert "L86" not in copy and "Akutte korsryggsmerter" not in copy
    # Nav's veileder sees the activity requirement Nav assesses at 8 weeks.
    thomas = signed_in(client, "nav.veileder").get("/").text
    assert "Nav vurderer aktivitetskravet (uke 8)" in thomas
    assert "Ingen saker er delt med deg ennå." not in thomas
    # Dialogue meeting 1 is the employer's to call; the fastlege and Nav are invited.
    meeting = case.meetings.get(kind="dialogue_meeting_1")
    assert meeting.organiser.email == f"leder.bakeri@{DOMAIN}"


def test_every_certificate_of_the_demos_people_leaves_as_a_message_its_agency_accepts(demo):
    signed = Certificate.objects.filter(
        status=CertificateStatus.SIGNED, case__patient__email__endswith=f"@{DOMAIN}"
    ).select_related("case__organisation__parent", "case__patient", "signed_by")
    checked = 0
    for certificate in signed:
        for message_format in FORMATS[certificate.kind]:
            message = message_for(certificate, message_format)
            assert validation.problems(message_format, validation.parse(message)) == []
            checked += 1
    # Sweden's named people, the MMR cohort's and Ola's two sykmeldinger.
    assert checked > 20
    assert {c.kind for c in signed} == {"fk7804", "no_sykmelding"}
