"""MMR programs: teams and their competence, the assessment per criterion, the team's care
relationship from referral to the end of follow-up, schedules, goals, conferences and the
registry-shaped outcomes."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone, translation
from icalendar import Calendar

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for
from stegvis.access.models import CareRelationship
from stegvis.access.policy import decide
from stegvis.accounts.roles import Role
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import (
    Case,
    CaseStatus,
    Certificate,
    CertificatePeriod,
    CertificateStatus,
    ClosedReason,
)
from stegvis.core.errors import Incomplete, NotAllowed, StaleEdit
from stegvis.core.pseudonyms import pseudonym
from stegvis.instruments.models import Administration, AdministrationStatus
from stegvis.programs import outcomes, plan, services
from stegvis.programs.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    ConferenceNote,
    Judgement,
    ReferralStatus,
    Team,
)
from stegvis.programs.registry import registry
from stegvis.programs.selectors import overview
from tests.factories import UserFactory, member, patient_at
from tests.mmr import build_team, include, judge, refer

NOW = "2026-03-02 09:00 +01:00"


@pytest.fixture
def mmr(personas, case):
    with time_machine.travel(NOW, tick=False):
        return build_team(personas)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def swedish():
    """The messages as a Swedish reader has them, for this test only."""
    with translation.override("sv"):
        yield


def test_only_the_unit_manager_sets_up_a_team_and_members_work_in_care_at_the_unit(personas, mmr):
    with pytest.raises(NotAllowed):
        services.team_create(
            actor=personas.coordinator,
            organisation=personas.unit,
            name="Eget team",
            lead=personas.coordinator,
            lead_profession="rehab_coordinator",
        )
    elsewhere = member(UserFactory(), personas.other_unit, Role.MMR_CLINICIAN)
    with pytest.raises(NotAllowed):
        services.team_member_add(
            actor=mmr.physio, team=mmr.team, user=elsewhere, profession="psychologist"
        )
    with pytest.raises(NotAllowed):  # not the lead, not the manager
        services.team_member_add(
            actor=mmr.psychologist,
            team=mmr.team,
            user=personas.coordinator,
            profession="rehab_coordinator",
        )


def test_the_team_page_shows_the_missing_professions_and_the_managers_commitment(
    client, personas, mmr, clock
):
    seen = overview(mmr.team)
    assert seen.missing == ["occupational_therapist", "social_worker"]
    assert seen.commitment_due and not seen.volume_ok
    services.commitment_record(
        actor=personas.unit_manager,
        team=mmr.team,
        hours_per_week=Decimal("12.5"),
        review_on=date(2026, 9, 1),
    )
    with pytest.raises(NotAllowed):
        services.commitment_record(
            actor=mmr.physio, team=mmr.team, hours_per_week=Decimal(40), review_on=date(2026, 9, 1)
        )
    services.team_member_add(
        actor=mmr.physio, team=mmr.team, user=personas.treating_physician, profession="physician"
    )
    personas.unit_manager.preferred_language = "en"
    personas.unit_manager.save()
    client.force_login(personas.unit_manager)
    page = client.get(f"/programs/teams/{mmr.team.pk}/").content.decode()
    assert "Occupational therapist, Social worker (kurator)" in page
    assert "12.5 hours a week" in page
    assert "below the recommended 20 a year" in page


def test_the_assessment_records_each_criterion_with_its_judge_and_needs_all_to_include(
    personas, case, mmr, clock
):
    referral = refer(personas, case, mmr)
    services.judgement_record(
        actor=mmr.psychologist,
        referral=referral,
        criterion="active_change",
        met=False,
        note="Orkar inte nu",
    )
    with pytest.raises(Incomplete):  # not every criterion judged
        services.referral_decide(
            actor=mmr.physio,
            referral=referral,
            revision=referral.revision,
            include=True,
            cohort=mmr.cohort,
            reason_to_patient="Välkommen",
        )
    for code in ("pain_over_3_months", "strong_impact"):
        services.judgement_record(actor=mmr.physio, referral=referral, criterion=code, met=True)
    services.judgement_record(
        actor=mmr.physician, referral=referral, criterion="nothing_prevents", met=True
    )
    judges = dict(Judgement.objects.filter(referral=referral).values_list("criterion", "judged_by"))
    assert judges["active_change"] == mmr.psychologist.pk
    assert judges["strong_impact"] == mmr.physio.pk
    with pytest.raises(NotAllowed):
        services.referral_decide(
            actor=mmr.physio,
            referral=referral,
            revision=referral.revision,
            include=True,
            cohort=mmr.cohort,
            reason_to_patient="Välkommen",
        )
    with pytest.raises(NotAllowed):  # the referring physician is not in the team
        services.judgement_record(
            actor=personas.treating_physician,
            referral=referral,
            criterion="active_change",
            met=True,
        )
    decided = services.referral_decide(
        actor=mmr.physio,
        referral=referral,
        revision=referral.revision,
        include=False,
        reason_to_patient="Just nu behöver du vila först. Vi kan ses igen i höst.",
    )
    assert decided.status == ReferralStatus.NOT_INCLUDED
    with pytest.raises(NotAllowed):  # decided once
        services.judgement_record(
            actor=mmr.physio, referral=referral, criterion="active_change", met=True
        )


def test_the_medical_criterion_is_the_physicians_and_at_least_two_professions_assess(
    client, personas, case, mmr, clock, swedish
):
    # Issue 33: one physiotherapist judged all four criteria, the medical one included,
    # and included the patient alone.
    referral = refer(personas, case, mmr)
    with pytest.raises(NotAllowed, match="teamets läkare"):
        services.judgement_record(
            actor=mmr.physio, referral=referral, criterion="nothing_prevents", met=True
        )
    for code in ("pain_over_3_months", "strong_impact", "active_change"):
        services.judgement_record(actor=mmr.physio, referral=referral, criterion=code, met=True)

    def decide():
        return services.referral_decide(
            actor=mmr.physio,
            referral=referral,
            revision=referral.revision,
            include=True,
            cohort=mmr.cohort,
            reason_to_patient="Välkommen",
        )

    with pytest.raises(Incomplete) as refused:
        decide()
    assert "Inte bedömt än av teamets läkare: ”Inget annat tillstånd hindrar deltagande”" in str(
        refused.value
    )
    # The physician judges every criterion: the assessment is then one profession's.
    for criterion in registry().criterion:
        services.judgement_record(
            actor=mmr.physician, referral=referral, criterion=criterion.code, met=True
        )
    with pytest.raises(Incomplete) as refused:
        decide()
    assert "minst 2 professioner" in str(refused.value) and "Läkare." in str(refused.value)
    services.judgement_record(
        actor=mmr.psychologist, referral=referral, criterion="active_change", met=True
    )
    assert decide().status == ReferralStatus.INCLUDED
    professions = dict(referral.judgements.values_list("criterion", "profession"))
    assert professions == {
        "pain_over_3_months": "physician",
        "strong_impact": "physician",
        "active_change": "psychologist",
        "nothing_prevents": "physician",
    }


def test_the_judgement_form_offers_the_medical_criterion_to_the_physician_only(
    client, personas, case, mmr, clock
):
    referral = refer(personas, case, mmr)
    url = f"/programs/referrals/{referral.pk}/"
    client.force_login(mmr.physio)
    page = client.get(url).text
    assert 'name="nothing_prevents"' not in page and 'name="active_change"' in page
    assert "bedöms av teamets läkare" in page and "Innan patienten kan tas in" in page
    answers = {"judge": "1", "pain_over_3_months": "yes", "strong_impact": "yes"}
    client.post(url, {**answers, "active_change": "yes"})
    client.force_login(mmr.physician)
    page = client.get(url).text
    assert 'name="nothing_prevents"' in page
    # The physician's form shows the colleague's judgements; saving it again with her own
    # leaves theirs as theirs.
    client.post(url, {**answers, "active_change": "yes", "nothing_prevents": "yes"})
    judges = dict(referral.judgements.values_list("criterion", "judged_by"))
    assert judges == {
        "pain_over_3_months": mmr.physio.pk,
        "strong_impact": mmr.physio.pk,
        "active_change": mmr.physio.pk,
        "nothing_prevents": mmr.physician.pk,
    }
    assert "Innan patienten kan tas in" not in client.get(url).text


def test_the_heading_rehabiliteringsprogram_fits_a_phone_without_breaking_inside_the_word():
    # Issue 33: at 390 px "Mitt rehabiliteringsprogram" broke as "rehabiliterings-program"
    # (hyphens: auto on a heading wider than the screen). Measured with the bold face of
    # DejaVu Sans, the sans-serif Chromium falls back to on Linux.
    from matplotlib import font_manager
    from PIL import ImageFont

    import stegvis

    css = (Path(stegvis.__file__).parent / "core/static/core/css/site.css").read_text()
    assert "h1, h2, h3 { hyphens: manual; }" in css and "hyphens: auto" not in css
    low, vw, high = re.search(
        r"h1 \{ font-size: clamp\(([\d.]+)rem, ([\d.]+)vw, ([\d.]+)rem\)", css
    ).groups()
    root, phone = 18, 390  # 112.5 % of 16 px; the phone's width
    size = min(max(float(low) * root, float(vw) * phone / 100), float(high) * root)
    bold = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold"))
    width = ImageFont.truetype(bold, size).getlength("rehabiliteringsprogram")
    assert width <= phone - 2 * root  # the page's padding either side


def test_the_patient_reads_each_team_members_profession_not_mmr_clinician(
    client, personas, case, mmr, clock
):
    refer(personas, case, mmr)
    client.force_login(personas.patient)
    network = client.get("/network/").text
    assert "Mats" in network and "Fysioterapeut" in network and "Psykolog" in network
    assert "MMR-behandlare" not in network


def test_add_a_member_offers_only_the_units_care_staff_not_yet_in_the_team(
    client, personas, mmr, clock
):
    client.force_login(mmr.physio)
    page = client.get(f"/programs/teams/{mmr.team.pk}/").text
    offered = page[page.index('name="user"') : page.index("</select>", page.index('name="user"'))]
    for seated in (mmr.physio, mmr.psychologist, mmr.physician):
        assert f'value="{seated.pk}"' not in offered
    assert f'value="{personas.coordinator.pk}"' in offered


def test_the_session_pages_title_is_its_topic_only(client, personas, mmr, clock):
    session = mmr.cohort.sessions.filter(referral__isnull=True).first()
    client.force_login(mmr.physio)
    page = client.get(f"/programs/sessions/{session.pk}/").text
    title = page[page.index("<title>") : page.index("</title>")]
    assert "Smärta och rörelse" in title
    assert "csrfmiddlewaretoken" not in title and "<form" not in title


def test_the_session_plan_counts_minutes_not_minutes_of_a_meeting(client, personas, mmr, clock):
    client.force_login(mmr.physio)
    page = client.get(f"/programs/{mmr.program.pk}/").text
    assert '<th scope="col">Minuter</th>' in page and "Minnesanteckningar" not in page
    mmr.physio.preferred_language = "nb"
    mmr.physio.save()
    page = client.get(f"/programs/{mmr.program.pk}/").text
    assert '<th scope="col">Minutter</th>' in page and "Referat" not in page


def test_a_stale_decision_is_refused(personas, case, mmr, clock):
    referral = refer(personas, case, mmr)
    include(mmr, referral)
    with pytest.raises(NotAllowed):
        services.referral_decide(
            actor=mmr.physio,
            referral=referral,
            revision=1,
            include=False,
            reason_to_patient="Nej",
        )


def test_the_team_takes_part_in_the_patients_care_from_referral_to_the_end_of_follow_up(
    client, personas, case, mmr, clock
):
    patient = personas.patient
    assert decide(mmr.physio, patient, Category.SICK_LEAVE).basis == "no_relation"
    referral = refer(personas, case, mmr)
    assert decide(mmr.psychologist, patient, Category.SICK_LEAVE).basis == "care:program"
    # The patient sees who, and each was recorded on their log as shared with them.
    client.force_login(patient)
    network = client.get("/network/").content.decode()
    assert "Ditt rehabiliteringsteam" in network and "Mats" in network and "Lena" in network
    shared = AccessEvent.objects.filter(
        patient=patient, basis="care:program", object_type="care_relationship"
    )
    assert set(shared.values_list("actor_id", flat=True)) == {
        mmr.physio.pk,
        mmr.psychologist.pk,
        mmr.physician.pk,
    }

    include(mmr, referral)
    ends = CareRelationship.objects.filter(reference=f"referral:{referral.pk}").values_list(
        "ends_at", flat=True
    )
    # To the end of the one-year questionnaires' window: end + 12 months + 30 days.
    last_day = mmr.cohort.planned_end_on.replace(year=mmr.cohort.planned_end_on.year + 1)
    expected = timezone.make_aware(
        timezone.datetime.combine(last_day + timedelta(days=31), timezone.datetime.min.time())
    )
    assert set(ends) == {expected}
    clock.move_to(expected - timedelta(hours=1))
    assert decide(mmr.physio, patient, Category.SICK_LEAVE).allowed
    clock.move_to(expected + timedelta(hours=1))
    assert decide(mmr.physio, patient, Category.SICK_LEAVE).basis == "no_relation"


def test_not_included_ends_the_teams_part_and_a_leaving_member_loses_it(personas, case, mmr, clock):
    referral = refer(personas, case, mmr)
    services.team_member_leave(actor=mmr.physio, member=mmr.team.members.get(user=mmr.psychologist))
    assert decide(mmr.psychologist, personas.patient, Category.PLAN).basis == "no_relation"
    assert decide(mmr.physio, personas.patient, Category.PLAN).allowed
    judge(mmr, referral, met=False)
    services.referral_decide(
        actor=mmr.physio,
        referral=referral,
        revision=referral.revision,
        include=False,
        reason_to_patient="Inte nu.",
    )
    assert decide(mmr.physio, personas.patient, Category.PLAN).basis == "no_relation"


def test_the_participant_sees_their_schedule_downloads_it_and_says_they_cannot_come(
    client, personas, case, mmr, clock
):
    referral = include(mmr, refer(personas, case, mmr))
    client.force_login(personas.patient)
    page = client.get("/my-program/").content.decode()
    assert "Smärta och rörelse" in page and "Samtal om mål" in page
    assert "Programmet passar dig nu" in page  # the reason in plain words

    ics = client.get("/my-program/calendar.ics")
    events = Calendar.from_ical(ics.content).walk("VEVENT")
    assert len(events) == 4  # three group sessions and the individual one
    assert b"Sm\xc3\xa4rta" not in ics.content  # no topic (health data) in a calendar
    assert events[0]["location"] == "Solbacken, rum 4"

    row = Attendance.objects.filter(referral=referral).order_by("session__starts_at").first()
    response = client.post(f"/my-program/sessions/{row.pk}/cannot-come/", {"message": "Feber"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.message) == (AttendanceStatus.CANNOT_COME, "Feber")
    assert AccessEvent.objects.filter(
        actor=personas.patient, object_type="attendance", object_id=str(row.pk), basis="self"
    ).exists()
    # Someone else's row is not found.
    other = member(UserFactory(), personas.unit, Role.PATIENT)
    client.force_login(other)
    assert client.post(f"/my-program/sessions/{row.pk}/cannot-come/").status_code == 404


def _join_late(personas, case, mmr, clock):
    """Karin's case in the issue: included into a cohort that has begun. The cohort began
    on Monday 9 March; on Thursday 19 March two of its three group sessions are held and
    the individual session of week 1 (Wednesday 11 March) has passed."""
    clock.move_to("2026-03-19 12:00 +01:00")
    referral = refer(personas, case, mmr)
    judge(mmr, referral)
    return referral


def test_including_into_a_cohort_that_has_begun_warns_the_team_first(
    client, personas, case, mmr, clock, swedish
):
    referral = _join_late(personas, case, mmr, clock)
    with pytest.raises(Incomplete) as warned:
        include(mmr, referral)
    assert "2 av dess 3 gruppträffar har hållits" in str(warned.value)
    assert "1 av patientens egna träffar flyttas till en senare vecka." in str(warned.value)
    assert "ryms inte" not in str(warned.value)  # nothing said of what does not happen
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ASSESSING
    # On the page: the warning beside the choice, then the team's confirmation.
    client.force_login(mmr.physio)
    url = f"/programs/referrals/{referral.pk}/"
    assert "Våren började" in client.get(url).text
    form = {
        "decide": "1",
        "revision": referral.revision,
        "include": "yes",
        "cohort": str(mmr.cohort.pk),
        "reason_to_patient": "Välkommen",
    }
    page = client.post(url, form)
    assert page.status_code == 200 and "2 av dess 3 gruppträffar har hållits" in page.text
    # The whole warning once above the form; at the box, what to do.
    assert page.text.count("Patienten kommer med från i dag") == 1
    assert "Kryssa i det här för att ta in patienten från i dag" in page.text
    assert client.post(url, {**form, "late_confirmed": "on"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.INCLUDED


def test_a_late_participants_schedule_and_calendar_hold_only_what_is_ahead(
    client, personas, case, mmr, clock
):
    referral = include(mmr, _join_late(personas, case, mmr, clock), late_confirmed=True)
    now = timezone.now()
    rows = Attendance.objects.filter(referral=referral).select_related("session")
    assert rows.count() == 2 and all(row.session.starts_at > now for row in rows)
    # The individual session of week 1 moves to the first week ahead: Wednesday 25 March.
    (own,) = referral.own_sessions.all()
    assert timezone.localtime(own.starts_at).isoformat().startswith("2026-03-25T13:00")
    assert own.week == 3

    client.force_login(personas.patient)
    events = Calendar.from_ical(client.get("/my-program/calendar.ics").content).walk("VEVENT")
    assert len(events) == 2 and all(event["dtstart"].dt > now for event in events)
    page = client.get("/my-program/").text
    assert "Innan du kom med: 2 gruppträffar" in page
    # She takes part from the day she joined, not from the cohort's first day.
    assert "från 19 mars, när du kom med i gruppen, till" in page
    assert "Kom inte" not in page and "missat" not in page.replace("inte missat", "")
    # The team's attendance list of a session held before she joined does not hold her.
    held = mmr.cohort.sessions.filter(referral__isnull=True).order_by("starts_at").first()
    assert not held.attendance.filter(referral=referral).exists()


def test_own_sessions_that_no_longer_fit_before_the_program_ends_are_named_not_scheduled(
    client, personas, case, mmr, clock, swedish
):
    # Joining in the last of the program's four weeks: the individual session of week 1
    # would move to week 5, after the program. The team is told; nothing is scheduled then.
    clock.move_to("2026-04-02 12:00 +02:00")
    referral = refer(personas, case, mmr)
    judge(mmr, referral)
    with pytest.raises(Incomplete) as warned:
        include(mmr, referral)
    assert "1 av dem ryms inte innan programmet slutar" in str(warned.value)
    assert "flyttas" not in str(warned.value)
    client.force_login(mmr.physio)
    assert (
        "1 av dem ryms inte innan programmet slutar"
        in client.get(f"/programs/referrals/{referral.pk}/").text
    )
    referral.refresh_from_db()
    include(mmr, referral, late_confirmed=True)
    assert not referral.own_sessions.exists()
    program_ends = mmr.cohort.starts_on + timedelta(weeks=mmr.cohort.program_version.weeks)
    rows = Attendance.objects.filter(referral=referral).select_related("session")
    assert all(timezone.localdate(row.session.starts_at) < program_ends for row in rows)


def test_inclusion_gives_the_questionnaires_before_the_program_at_once_and_home_says_so(
    client, personas, case, mmr, clock
):
    # Issue 33: included after the cohort began, Karin's T0 was due on its first day and
    # its window had closed: "Inget att besvara".
    include(mmr, _join_late(personas, case, mmr, clock), late_confirmed=True)
    t0 = Administration.objects.filter(case=case, occasion="program_start")
    assert t0.exists() and set(t0.values_list("due_on", flat=True)) == {date(2026, 3, 19)}
    client.force_login(personas.patient)
    assert "Smärtintensitet (NRS 0–10)" in client.get("/questionnaires/").text
    home = client.get("/").text
    assert f"Före programmet: {t0.count()} frågeformulär väntar på dig" in home
    assert 'href="/my-program/"' in home


def test_the_team_marks_attendance(client, personas, case, mmr, clock):
    referral = include(mmr, refer(personas, case, mmr))
    session = mmr.cohort.sessions.filter(referral__isnull=True).first()
    client.force_login(mmr.psychologist)
    assert client.get(f"/programs/sessions/{session.pk}/").status_code == 200
    response = client.post(f"/programs/sessions/{session.pk}/", {str(referral.pk): "attended"})
    assert response.status_code == 302
    assert Attendance.objects.get(session=session, referral=referral).status == "attended"


def test_goals_appear_in_the_patients_plan_but_never_to_the_employer(
    client, personas, case, mmr, clock
):
    referral = include(mmr, refer(personas, case, mmr))
    services.goal_set(
        actor=mmr.physio,
        referral=referral,
        text="Gå till bageriet utan att stanna",
        measure="PSFS: gå 2 km",
        baseline=Decimal(3),
        target=Decimal(7),
    )
    client.force_login(personas.patient)
    assert (
        "Gå till bageriet utan att stanna" in client.get(f"/cases/{case.pk}/plan/").content.decode()
    )
    from stegvis.network.purposes import Purpose

    personas.with_consent(personas.employer, [Category.PLAN], Purpose.EMPLOYER_DIALOGUE)
    client.force_login(personas.employer)
    page = client.get(f"/cases/{case.pk}/plan/")
    assert page.status_code == 200
    assert "Gå till bageriet utan att stanna" not in page.content.decode()


def test_the_closing_conference_sets_the_end_date_which_gives_t1_and_t2(personas, case, mmr, clock):
    referral = include(mmr, refer(personas, case, mmr))
    t0 = Administration.objects.filter(case=case, occasion="program_start")
    assert set(t0.values_list("instrument_code", flat=True)) >= {"pain_nrs", "phq9", "gad7", "psfs"}
    cases = [get_case_for(mmr.physio, case.pk, category=Category.MEETINGS, action=Action.CREATE)]
    conference = services.conference_schedule(
        actor=mmr.physio,
        cohort=mmr.cohort,
        stage="closing",
        starts_at=timezone.now() + timedelta(days=27),
        cases=cases,
    )
    note = ConferenceNote.objects.get(conference=conference, referral=referral)
    assert note.meeting.kind == "mmr_team_conference"
    assert set(note.meeting.participants.values_list("user_id", flat=True)) >= {
        mmr.physio.pk,
        mmr.psychologist.pk,
        personas.patient.pk,
    }
    saved = services.conference_note_save(
        actor=mmr.psychologist,
        note=note,
        revision=note.revision,
        progress="Går längre varje vecka.",
        goal_reviews={},
        workplace_contact="Möte med chefen v. 14",
        follow_up="Återbesök fysioterapeut om 3 månader",
    )
    with pytest.raises(StaleEdit):
        services.conference_note_save(
            actor=mmr.physio, note=note, revision=1, progress="Gammal", goal_reviews={}
        )
    assert saved.workplace_contact == "Möte med chefen v. 14"
    with pytest.raises(Incomplete):
        services.conference_hold(actor=mmr.physio, conference=conference)
    ended = mmr.cohort.starts_on + timedelta(days=26)
    services.conference_hold(actor=mmr.physio, conference=conference, ended_on=ended)
    mmr.cohort.refresh_from_db()
    assert mmr.cohort.ended_on == ended
    t1 = Administration.objects.filter(case=case, occasion="end_of_program")
    t2 = Administration.objects.filter(case=case, occasion="program_1_year")
    assert set(t1.values_list("due_on", flat=True)) == {ended}
    assert set(t2.values_list("due_on", flat=True)) == {ended.replace(year=ended.year + 1)}
    note.meeting.refresh_from_db()
    assert note.meeting.status == "held"


def test_a_program_is_refined_in_versions_and_a_stale_version_is_refused(mmr, clock):
    program = mmr.program
    services.program_revise(
        actor=mmr.psychologist,
        program=program,
        based_on=1,
        weeks=6,
        sessions_text=plan.as_text(program.versions.get().sessions),
        note="Två veckor till för arbetsinriktningen",
    )
    with pytest.raises(StaleEdit):
        services.program_revise(
            actor=mmr.physio, program=program, based_on=1, weeks=5, sessions_text="", note="x"
        )
    assert list(program.versions.values_list("number", "weeks")) == [(2, 6), (1, 4)]
    assert mmr.cohort.program_version.number == 1  # the cohort keeps the version it ran


def test_a_wrong_session_plan_names_each_wrong_line(swedish):
    with pytest.raises(ValueError) as error:
        plan.parse("1, 1, 09:00, group, physiotherapist, 90, Start\n9, 1, 9, lunch, x, 5, y", 4)
    assert "Rad 2" in str(error.value) and "Rad 1" not in str(error.value)
    (session,) = plan.parse("2, 3, 13:30, Enskild träff, psykolog, 60, Samtal, mål", 4)
    assert (session.kind, session.profession, session.topic) == (
        "individual",
        "psychologist",
        "Samtal, mål",
    )
    # Week 2, Wednesday, of a cohort that starts on a Thursday.
    assert (
        timezone.localtime(session.starts_at(date(2026, 3, 5)))
        .isoformat()
        .startswith("2026-03-11T13:30")
    )


# The outcome statistics, against values computed by hand.
def test_mean_change_and_its_95_ci_from_the_t_distribution():
    mean, (low, high) = outcomes.mean_with_ci([1, 2, 3, 4, 5])
    # sd = sqrt(2.5) = 1.5811, se = 0.7071, t(0.975, 4) = 2.7764: half-width 1.9632.
    assert mean == 3
    assert low == pytest.approx(1.0368, abs=1e-4)
    assert high == pytest.approx(4.9632, abs=1e-4)


def test_the_share_reaching_an_important_change_and_the_small_cell_rule():
    before = {i: 8 for i in range(10)}
    after = {0: 3, 1: 4, 2: 5, 3: 6, 4: 6, 5: 7, 6: 8, 7: 8, 8: 7, 9: 9}
    result = outcomes.change("pain_nrs", before, after)  # changes -5 -4 -3 -2 -2, then less
    assert result.n == 10 and result.mean == pytest.approx(-1.7)
    assert result.reached.x == 5 and result.share_reached == pytest.approx(0.5)
    # Four pairs: nothing is shown.
    four = outcomes.change("pain_nrs", dict(list(before.items())[:4]), after)
    assert four.suppressed and four.mean is None and four.share_reached is None
    # PSFS improves upwards: +2 is an important change, +1 is not.
    psfs = outcomes.change("psfs", dict.fromkeys(range(5), 3), {0: 5, 1: 5, 2: 4, 3: 4, 4: 4})
    assert psfs.reached.x == 2 and psfs.share_reached is None  # 2 people: too few to show
    # An instrument without a published cut-off has a mean change only.
    assert (
        outcomes.change("was", dict.fromkeys(range(5), 3), dict.fromkeys(range(5), 5)).reached
        is None
    )


def test_a_share_is_hidden_when_those_who_did_not_are_fewer_than_five():
    before = {i: 8 for i in range(6)}
    after = {0: 3, 1: 4, 2: 5, 3: 6, 4: 6, 5: 7}  # five reach the change, one does not
    result = outcomes.change("pain_nrs", before, after)
    assert result.mean == pytest.approx(-17 / 6)  # a mean of six tells no one's count
    assert result.share_reached is None  # "83 % (5/6)" would tell that one did not
    # Those who answered both times, beside the seven who answered before: one did not.
    beside = outcomes.change("pain_nrs", {**before, 6: 8}, after)
    assert beside.suppressed and beside.mean is None


def test_a_negative_change_has_a_minus_sign_and_an_empty_row_says_why(swedish):
    from stegvis.programs.templatetags import programs as shown

    result = outcomes.change(
        "pain_nrs", dict.fromkeys(range(6), 8), {0: 5, 1: 6, 2: 7, 3: 6, 4: 7, 5: 8}
    )
    text = shown.change(result)
    assert text.startswith("\u22121,") and "-" not in text.split("n =")[0]
    assert "(\u2212" in text
    nobody = outcomes.change("was", {}, {})
    assert shown.change(nobody) == "ingen svarade både före och efter"
    assert shown.reached(nobody) == "ingen etablerad gräns"
    assert shown.reached(outcomes.change("pain_nrs", {}, {})) == "ingen svarade både före och efter"


def test_net_sick_leave_days_count_part_time_leave_by_its_degree():
    periods = [
        CertificatePeriod(degree=100, starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 10)),
        CertificatePeriod(degree=50, starts_on=date(2026, 1, 11), ends_on=date(2026, 1, 14)),
        CertificatePeriod(degree=25, starts_on=date(2025, 12, 1), ends_on=date(2025, 12, 31)),
    ]
    assert outcomes.net_sick_leave_days(periods, date(2026, 1, 1), date(2026, 1, 31)) == 12
    assert outcomes.net_sick_leave_days(periods, date(2025, 12, 28), date(2026, 1, 2)) == 3


def _answer(case, occasion, code, total, when):
    Administration.objects.filter(case=case, occasion=occasion, instrument_code=code).update(
        status=AdministrationStatus.COMPLETED, total=total, completed_at=when
    )


def test_the_registry_export_is_pseudonymised_and_shaped_per_participant_and_time_point(
    client, personas, case, mmr, clock
):
    include(mmr, refer(personas, case, mmr))
    _answer(case, "program_start", "pain_nrs", 7.5, timezone.now())
    certificate = Certificate.objects.create(case=case, created_by=personas.treating_physician)
    CertificatePeriod.objects.create(
        certificate=certificate, degree=50, starts_on=date(2026, 2, 1), ends_on=date(2026, 2, 10)
    )
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.SIGNED, signed_at=timezone.now()
    )
    client.force_login(mmr.physio)
    response = client.get(f"/programs/cohorts/{mmr.cohort.pk}/registry.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:8] == [
        "pseudonym", "team", "cohort", "program_version", "cohort_start", "cohort_end",
        "time_point", "answered_on",
    ]  # fmt: skip
    (t0,) = rows[1:]
    record = dict(zip(rows[0], t0, strict=True))
    assert record["time_point"] == "t0" and record["pain_nrs"] == "7.5"
    assert record["sick_leave_net_days_12m"] == "5"
    body = str(rows)
    assert str(personas.patient.pk) not in body and personas.patient.email not in body
    assert record["pseudonym"] == pseudonym("patient", personas.patient.pk)
    assert AccessEvent.objects.filter(
        actor=mmr.physio, patient=personas.patient, action="export", category="questionnaires"
    ).exists()


def test_the_outcome_page_hides_every_figure_about_fewer_than_five(
    client, personas, case, mmr, clock
):
    include(mmr, refer(personas, case, mmr))
    _answer(case, "program_start", "pain_nrs", 7, timezone.now())
    client.force_login(personas.unit_manager)
    page = client.get(f"/programs/teams/{mmr.team.pk}/outcomes/").content.decode()
    assert "visas ej" in page and "<td>1</td>" not in page
    assert AccessEvent.objects.filter(
        actor=personas.unit_manager, object_type="mmr_outcomes", patient=None
    ).exists()


def test_every_staff_page_opens_for_a_team_member(client, personas, case, mmr, clock):
    referral = include(mmr, refer(personas, case, mmr))
    cases = [get_case_for(mmr.physio, case.pk, category=Category.MEETINGS, action=Action.CREATE)]
    conference = services.conference_schedule(
        actor=mmr.physio,
        cohort=mmr.cohort,
        stage="admission",
        starts_at=timezone.now() + timedelta(days=7),
        cases=cases,
    )
    note = conference.notes.get()
    client.force_login(mmr.physio)
    for url in (
        "/programs/",
        f"/programs/teams/{mmr.team.pk}/",
        f"/programs/teams/{mmr.team.pk}/outcomes/",
        f"/programs/{mmr.program.pk}/",
        f"/programs/cohorts/{mmr.cohort.pk}/",
        f"/programs/referrals/{referral.pk}/",
        f"/programs/notes/{note.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(personas.treating_physician)
    assert client.get(f"/programs/refer/{case.pk}/").status_code == 200


LOCAL_HADS = """code = "hads"
version = "local"
name = "HADS"
title_sv = "HADS"
title_en = "HADS"
intro_sv = ""
intro_en = ""
source = "the installation's licence agreement"
valid_from = 1983-01-01
reviewed = 2026-11-29
licence = "permission"
licence_note_sv = "Licensierad"
licence_note_en = "Licensed"
scoring = "sum"

[scale]
min = 0
max = 3

[[item]]
sv = "Fråga 1 ur licensen"
en = "Item 1 from the licence"
"""


def test_licence_bound_instruments_are_described_without_their_items(settings, tmp_path):
    import tomllib

    from stegvis.instruments import definitions

    described = definitions.metadata_only()
    assert {"hads", "eq5d5l"} <= set(described)
    assert not set(described) & set(definitions.instruments())
    raw = tomllib.loads(definitions.METADATA_ONLY.read_text(encoding="utf-8"))
    assert all(set(entry) & {"item", "items_text", "scale"} == set() for entry in raw["instrument"])
    for path in definitions.DATA_DIR.glob("*.toml"):
        assert tomllib.loads(path.read_text(encoding="utf-8"))["code"] not in described
    # A licensed installation keeps the full definition outside the repository.
    (tmp_path / "hads.toml").write_text(LOCAL_HADS, encoding="utf-8")
    (tmp_path / "other.toml").write_text(LOCAL_HADS.replace('"hads"', '"other"'), encoding="utf-8")
    settings.STEGVIS_LICENSED_INSTRUMENTS_DIR = str(tmp_path)
    definitions.instruments.cache_clear()
    definitions.metadata_only.cache_clear()
    try:
        assert definitions.instrument("hads").items[0].text.en == "Item 1 from the licence"
        assert definitions.instrument("other") is None  # only what the metadata file names
        assert "hads" not in definitions.metadata_only()
    finally:
        settings.STEGVIS_LICENSED_INSTRUMENTS_DIR = ""
        definitions.instruments.cache_clear()
        definitions.metadata_only.cache_clear()


def test_the_api_marks_attendance_sets_goals_and_gives_the_participant_their_schedule(
    client, personas, case, mmr, clock
):
    from tests.support import send

    referral = include(mmr, refer(personas, case, mmr))
    session = mmr.cohort.sessions.filter(referral__isnull=True).first()
    client.force_login(mmr.psychologist)
    url = f"/api/v1/programs/sessions/{session.pk}/attendance"
    answer = send(client, "put", url, {"statuses": {str(referral.pk): "attended"}})
    assert answer.status_code == 200
    assert answer.json() == [{"referral_id": str(referral.pk), "status": "attended", "message": ""}]
    stranger = send(client, "put", url, {"statuses": {str(mmr.team.pk): "attended"}})
    assert stranger.status_code == 422

    goal = {"text": "Lyfta matkassen", "measure": "PSFS", "baseline": 2, "target": 6}
    made = send(client, "post", f"/api/v1/programs/referrals/{referral.pk}/goals", goal)
    assert made.status_code == 201 and made.json()["text"] == "Lyfta matkassen"
    client.force_login(personas.treating_physician)  # in her care, but not in the team
    refused = send(client, "post", f"/api/v1/programs/referrals/{referral.pk}/goals", goal)
    assert refused.status_code == 422

    client.force_login(personas.patient)
    (mine,) = client.get("/api/v1/programs/me").json()
    assert mine["status"] == "included" and len(mine["sessions"]) == 4
    assert mine["goals"][0]["text"] == "Lyfta matkassen"


def _participants_followed_a_year(personas, case, mmr, clock, *, working, not_working):
    """`working` + `not_working` included participants, the cohort ended, a year gone by;
    those not working left for a disability benefit."""
    cases = [case]
    for _index in range(working + not_working - 1):
        other = Case.objects.get(patient=patient_at(personas.unit))
        other.responsible_physician = personas.treating_physician
        other.save()
        cases.append(other)
    for each in cases:
        include(mmr, refer(personas, each, mmr))
    Cohort.objects.filter(pk=mmr.cohort.pk).update(ended_on=mmr.cohort.starts_on + timedelta(28))
    Case.objects.filter(pk__in=[c.pk for c in cases[:not_working]]).update(
        status=CaseStatus.CLOSED,
        closed_on=mmr.cohort.starts_on + timedelta(60),
        closed_reason=ClosedReason.DISABILITY_BENEFIT,
    )
    clock.shift(timedelta(days=420))


def test_the_registry_export_says_how_many_it_leaves_out_once_the_teams_care_has_ended(
    client, personas, case, mmr, clock
):
    # Issue 33: the team's outcomes count a participant for good, while its export reads
    # only those still in its care (to the end of the one-year follow-up). The export says
    # how many it left out, to the team only, so the two can be set side by side.
    include(mmr, refer(personas, case, mmr))
    _answer(case, "program_start", "pain_nrs", 7.5, timezone.now())
    Cohort.objects.filter(pk=mmr.cohort.pk).update(ended_on=mmr.cohort.starts_on + timedelta(28))
    client.force_login(mmr.physio)
    url = f"/programs/cohorts/{mmr.cohort.pk}/registry.csv"

    def exported():
        response = client.get(url)
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        return len(rows) - 1, response["X-Stegvis-Left-Out"]

    assert exported() == (1, "0")
    clock.shift(timedelta(days=2 * 365))
    client.force_login(mmr.physio)  # a session of two years ago has long expired
    assert exported() == (0, "1")
    from stegvis.programs import outcomes

    assert len(outcomes.participants(outcomes.included(team=mmr.team))) == 1  # still counted
    # Someone outside the team who may open the cohort is told no count.
    client.force_login(personas.unit_manager)
    answer = client.get(url)
    assert answer.status_code == 200 and "X-Stegvis-Left-Out" not in answer


def test_a_manager_cannot_work_out_how_many_are_not_working_from_the_share_that_is(
    client, personas, case, mmr, clock
):
    # Issue 32: "I arbete 75 % (6/8)" told the unit manager that two did not work.
    _participants_followed_a_year(personas, case, mmr, clock, working=6, not_working=2)
    client.force_login(personas.unit_manager)
    page = client.get(f"/programs/teams/{mmr.team.pk}/outcomes/").text
    assert "(6/8)" not in page and "75 %" not in page
    assert "I arbete ett år efter programmet</th><td>visas ej" in page
    assert "(6/8)" not in client.get("/programs/").text
    body = client.get(f"/api/v1/programs/teams/{mmr.team.pk}/outcomes").json()
    assert body["working_at_one_year"] is None and body["participants"] == 8


def test_a_share_with_five_on_either_side_is_shown(client, personas, case, mmr, clock):
    _participants_followed_a_year(personas, case, mmr, clock, working=5, not_working=5)
    client.force_login(personas.unit_manager)
    page = client.get(f"/programs/teams/{mmr.team.pk}/outcomes/").text
    assert "50 % (5/10)" in page


def test_the_outcomes_api_gives_numbers_not_words_and_null_for_a_small_cell(
    client, personas, case, mmr, clock
):
    include(mmr, refer(personas, case, mmr))
    client.force_login(mmr.physio)
    body = client.get(f"/api/v1/programs/teams/{mmr.team.pk}/outcomes").json()
    assert body["participants"] is None and body["smallest_cell"] == 5  # one person
    assert body["given"] == {"t0": None, "t1": 0, "t2": 0}  # one person: not given
    pain = next(row for row in body["instruments"] if row["instrument"] == "pain_nrs")
    assert pain["important_change_points"] == 2.0
    assert pain["to_end"]["n"] == 0 and pain["to_end"]["mean"] is None


def test_only_the_manager_sees_each_teams_outcomes_beside_its_volume(client, personas, mmr):
    client.force_login(mmr.physio)
    assert "Deltagare hittills" not in client.get("/programs/").text
    assert not AccessEvent.objects.filter(actor=mmr.physio, object_type="mmr_outcomes").exists()
    client.force_login(personas.unit_manager)
    page = client.get("/programs/").text
    assert "Deltagare hittills" in page and "under rekommenderade 20 per år" in page
    assert AccessEvent.objects.filter(
        actor=personas.unit_manager, object_type="mmr_outcomes", object_id=str(mmr.team.pk)
    ).exists()


def test_the_participant_may_stop_at_any_time_and_the_teams_part_ends(
    client, personas, case, mmr, clock
):
    referral = include(mmr, refer(personas, case, mmr))
    client.force_login(personas.patient)
    assert client.post(f"/my-program/{referral.pk}/leave/").status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    assert decide(mmr.physio, personas.patient, Category.PLAN).basis == "no_relation"
    coming = Attendance.objects.filter(referral=referral).values_list("status", flat=True)
    assert set(coming) == {AttendanceStatus.CANNOT_COME}
    assert "Du deltar inte längre." in client.get("/my-program/").text
    client.force_login(mmr.physio)  # nobody else can say it for her
    assert client.post(f"/my-program/{referral.pk}/leave/").status_code == 404


def test_a_moved_session_tells_the_participants_and_a_stale_change_is_refused(
    client, personas, case, mmr, clock
):
    from stegvis.notifications.models import Notification

    include(mmr, refer(personas, case, mmr))
    session = mmr.cohort.sessions.filter(referral__isnull=True).first()
    client.force_login(mmr.psychologist)
    moved = timezone.localtime(session.starts_at + timedelta(days=1))
    form = {
        "change": "1",
        "revision": session.revision,
        "starts_at": moved.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 60,
        "place": "Rum 7",
    }
    assert client.post(f"/programs/sessions/{session.pk}/", form).status_code == 302
    session.refresh_from_db()
    assert (session.starts_at, session.place, session.revision) == (moved, "Rum 7", 2)
    assert Notification.objects.filter(recipient=personas.patient, kind="program_news").exists()
    stale = client.post(f"/programs/sessions/{session.pk}/", {**form, "place": "Rum 9"})
    assert stale.status_code == 200 and "Rum 9" in stale.text  # kept, not saved
    session.refresh_from_db()
    assert session.place == "Rum 7"
    client.force_login(personas.patient)
    ics = client.get("/my-program/calendar.ics").content
    assert b"SEQUENCE:2" in ics and b"Rum 7" in ics


def test_the_manager_sets_up_a_team_whose_lead_is_its_first_member(client, personas):
    lead = member(UserFactory(given_name="Tove"), personas.unit, Role.MMR_CLINICIAN)
    client.force_login(personas.unit_manager)
    form = {
        "organisation": personas.unit.pk,
        "name": "Ryggteamet",
        "lead": str(lead.pk),
        "lead_profession": "occupational_therapist",
    }
    answer = client.post("/programs/", form)
    assert answer.status_code == 302
    team = Team.objects.get(name="Ryggteamet")
    assert list(team.members.values_list("user_id", "profession")) == [
        (lead.pk, "occupational_therapist")
    ]
    # A coordinator at the unit is no manager: the form is not offered, a post does nothing.
    client.force_login(personas.coordinator)
    assert "lead_profession" not in client.get("/programs/").text
    client.post("/programs/", {**form, "name": "Eget"})
    assert not Team.objects.filter(name="Eget").exists()


def test_unit_staff_outside_the_team_learn_no_count_of_a_cohorts_participants(
    client, personas, case, mmr, clock
):
    # Review finding: "3 deltagare namnges inte här" to any physician of the unit: a few
    # patients in a pain program is a small number about the unit's patients.
    include(mmr, refer(personas, case, mmr))
    client.force_login(personas.unit_manager)  # of the unit, not in the team
    page = client.get(f"/programs/cohorts/{mmr.cohort.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "namnges inte" not in text and "Ingen intagen än" not in text
    assert "Deltagarna namnges bara för dem som deltar i deras vård." in text
    assert personas.patient.full_name not in text
    client.force_login(mmr.physio)  # the team names them
    assert personas.patient.full_name in client.get(f"/programs/cohorts/{mmr.cohort.pk}/").text
