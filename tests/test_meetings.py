"""Meetings: participants let in by the patient, agenda from the patient, the SIP's
mandatory content, decisions that become plan actions or tasks, calendar files without
health data, and a held meeting marking its milestone done."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from icalendar import Calendar
from pydantic import ValidationError

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for
from stegvis.accounts.roles import Role
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case, MilestoneCompletion
from stegvis.coordination.ics import meeting_calendar
from stegvis.coordination.meetings.services import (
    decision_add,
    meeting_cancel,
    meeting_mark_held,
    meeting_reschedule,
    meeting_schedule,
    minutes_save,
    sip_plan_save,
)
from stegvis.coordination.models import Decision, MeetingStatus, Task, TaskSource
from stegvis.core.errors import Incomplete, NotAllowed, StaleEdit
from stegvis.network.purposes import Purpose
from stegvis.notifications.outbox import outbox_dispatch
from stegvis.plans.selectors import plan_of
from tests.factories import OrganisationFactory, UserFactory, member, patient_at
from tests.html_checks import broken_links
from tests.support import SIP_PLAN

STARTS = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def fk(personas):
    personas.with_consent(personas.fk_caseworker, [Category.MEETINGS], Purpose.FK_INFORMATION)
    return personas.fk_caseworker


def call(case, actor, kind="sip", people=(), **more):
    # The organiser resolves the case first, as the page does; their decision rides on it.
    resolved = get_case_for(actor, case.pk, category=Category.MEETINGS, action=Action.CREATE)
    return meeting_schedule(
        actor=actor,
        case=resolved,
        kind=kind,
        starts_at=STARTS,
        place="Storgatan 1, Solna",
        participants=list(people),
        **more,
    )


# --- SIP validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"measures": []}, "measures"),
        ({"overall_responsibility": None}, "overall_responsibility"),
        ({"overall_responsibility": "employer"}, "overall_responsibility"),
        ({"responsible_authority": " "}, "responsible_authority"),
        ({"measures": SIP_PLAN["measures"][1:]}, "municipality"),
        ({"measures": SIP_PLAN["measures"][:1]}, "region"),
        ({"measures": [*SIP_PLAN["measures"][:2], {"text": "X", "provider": "other"}]}, "who else"),
    ],
)
def test_a_sip_plan_without_its_mandatory_content_is_not_saved(case, personas, change, missing):
    meeting = call(case, personas.coordinator)
    with pytest.raises(ValidationError) as error:
        sip_plan_save(
            actor=personas.coordinator, meeting=meeting, plan={**SIP_PLAN, **change}, revision=1
        )
    assert missing in str(error.value)
    meeting.refresh_from_db()
    assert meeting.sip_plan is None


def test_a_complete_sip_plan_is_saved_and_the_meeting_can_then_be_held(case, personas):
    meeting = call(case, personas.coordinator)
    with pytest.raises(Incomplete):
        meeting_mark_held(actor=personas.coordinator, meeting=meeting, revision=1)
    sip_plan_save(actor=personas.coordinator, meeting=meeting, plan=SIP_PLAN, revision=1)
    assert meeting.sip_plan["responsible_authority"] == "Socialtjänsten i Solna"
    meeting_mark_held(actor=personas.coordinator, meeting=meeting, revision=2)
    assert meeting.status == MeetingStatus.HELD


def test_the_sip_form_names_what_is_missing_and_keeps_what_was_written(client, case, personas):
    meeting = call(case, personas.coordinator)
    client.force_login(personas.coordinator)
    data = {
        "revision": 1,
        "measures-TOTAL_FORMS": 3,
        "measures-INITIAL_FORMS": 0,
        "measures-0-text": "Samtalsbehandling",
        "measures-0-provider": "region",
        "overall_responsibility": "",
        "responsible_authority": "",
    }
    page = client.post(f"/meetings/{meeting.pk}/sip/", data)
    assert page.status_code == 422
    assert "Ange minst en insats som kommunen ger." in page.text
    assert "Välj vem som har det övergripande ansvaret för planen." in page.text
    assert 'value="Samtalsbehandling"' in page.text


def test_a_stale_sip_edit_is_refused(case, personas):
    meeting = call(case, personas.coordinator)
    sip_plan_save(actor=personas.coordinator, meeting=meeting, plan=SIP_PLAN, revision=1)
    changed = {
        **SIP_PLAN,
        "responsible_authority": "Region Stockholm",
        "overall_responsibility": "region",
    }
    with pytest.raises(StaleEdit):
        sip_plan_save(actor=personas.coordinator, meeting=meeting, plan=changed, revision=1)


# --- participants ---------------------------------------------------------------------------


def test_every_participant_needs_the_patients_consent(case, personas, fk):
    with pytest.raises(NotAllowed) as refused:
        call(case, personas.coordinator, people=[fk, personas.employer])
    assert refused.value.names == [str(personas.employer)]
    meeting = call(case, personas.coordinator, people=[fk])
    seats = {p.user_id: p.basis for p in meeting.participants.all()}
    assert seats == {
        personas.coordinator.pk: "care:named",
        personas.patient.pk: "self",
        fk.pk: "consent:fk_information",
    }


def test_invitations_carry_a_calendar_file_with_no_health_data(case, personas, fk):
    Case.objects.filter(pk=case.pk).update(jurisdiction="SE")
    meeting = call(case, personas.coordinator, people=[fk])
    assert outbox_dispatch() == 2
    invited = {m.to[0] for m in mail.outbox}
    assert invited == {personas.patient.email, fk.email}
    for email in mail.outbox:
        (name, content, mimetype) = email.attachments[0]
        assert name.endswith(".ics") and mimetype == "text/calendar"
        content = content if isinstance(content, str) else content.decode()
        calendar = Calendar.from_ical(content)
        (event,) = calendar.walk("VEVENT")
        assert str(event["UID"]) == f"{meeting.pk}@stegvis"
        assert event.decoded("DTSTART") == STARTS
        assert "SIP" not in content and str(personas.patient) not in content
        assert str(event["LOCATION"]) == "Storgatan 1, Solna"


def test_the_calendar_file_parses_and_a_cancellation_raises_its_sequence(case, personas):
    meeting = call(case, personas.coordinator)
    first = Calendar.from_ical(meeting_calendar(meeting))
    meeting_cancel(actor=personas.coordinator, meeting=meeting, revision=1)
    second = Calendar.from_ical(meeting_calendar(meeting))
    assert first["METHOD"] == "PUBLISH" and second["METHOD"] == "CANCEL"
    (event,) = second.walk("VEVENT")
    assert event["STATUS"] == "CANCELLED" and int(event["SEQUENCE"]) == 2


# --- agenda, decisions, held ----------------------------------------------------------------


def test_the_patient_adds_an_agenda_item_once_however_often_it_is_sent(client, case, personas):
    meeting = call(case, personas.coordinator)
    client.force_login(personas.patient)
    data = {"submission_id": uuid.uuid4(), "text": "Kan jag börja på halvtid?"}
    assert client.post(f"/meetings/{meeting.pk}/agenda/", data).status_code == 302
    assert client.post(f"/meetings/{meeting.pk}/agenda/", data).status_code == 302
    assert list(meeting.agenda.values_list("text", flat=True)) == ["Kan jag börja på halvtid?"]
    page = client.get(f"/meetings/{meeting.pk}/")
    assert "Kan jag börja på halvtid?" in page.text and "från patienten" in page.text
    assert "Spara beslutet" not in page.text, "the patient does not record decisions"
    # The patient sees the meeting but does not run it: refused, and recorded as such.
    assert client.post(f"/meetings/{meeting.pk}/minutes/", {"revision": 1}).status_code == 403
    refusal = AccessEvent.objects.latest("pk")
    assert (refusal.outcome, refusal.basis) == ("denied", "not_running_meeting")


def test_a_decision_becomes_an_action_in_the_patients_plan(case, personas):
    meeting = call(case, personas.coordinator)
    before = plan_of(case).version
    decision = decision_add(
        actor=personas.coordinator,
        meeting=meeting,
        kind="plan_action",
        text="Prova två timmar om dagen",
        owner=personas.patient,
        due_on=date(2026, 12, 20),
        submission_id=uuid.uuid4(),
    )
    plan = plan_of(case)
    assert plan.version == before + 1
    (action,) = plan.content["actions"]
    assert action == {
        "id": decision.plan_action_id,
        "text": "Prova två timmar om dagen",
        "owner": "patient",
        "due_on": "2026-12-20",
        "status": "open",
    }
    assert (
        "Beslutat på mötet" in plan.versions.first().note or "Decided" in plan.versions.first().note
    )
    assert not Task.objects.exists(), "the patient's own action is not a professional's task"


def test_a_decision_owned_by_a_professional_lands_in_their_inbox(case, personas, fk):
    meeting = call(case, personas.coordinator, people=[fk])
    sid = uuid.uuid4()
    for _ in range(2):
        decision_add(
            actor=personas.coordinator,
            meeting=meeting,
            kind="task",
            text="Begär läkarutlåtande",
            owner=fk,
            due_on=date(2026, 12, 10),
            submission_id=sid,
        )
    assert Decision.objects.count() == 1
    task = Task.objects.get()
    assert task.assignee == fk and task.source == TaskSource.DECISION and task.meeting == meeting
    assert fk.notifications.filter(kind="task_assigned").exists()


def test_a_plan_action_cannot_belong_to_someone_outside_the_network(case, personas):
    meeting = call(case, personas.coordinator)
    with pytest.raises(ValueError):
        decision_add(
            actor=personas.coordinator,
            meeting=meeting,
            kind="plan_action",
            text="X",
            owner=personas.coordinator,
            due_on=date(2026, 12, 20),
            submission_id=uuid.uuid4(),
        )
    assert plan_of(case).content["actions"] == []


def test_a_held_dialogue_meeting_marks_its_milestone_done_and_sets_a_follow_up_task(personas):
    unit = OrganisationFactory(jurisdiction="NO")
    patient = patient_at(unit)
    case = Case.objects.get(patient=patient)
    Case.objects.filter(pk=case.pk).update(jurisdiction="NO")
    case.refresh_from_db()
    coordinator = member(UserFactory(), unit, Role.REHAB_COORDINATOR)
    Case.objects.filter(pk=case.pk).update(responsible_coordinator=coordinator)
    with pytest.raises(ValueError):
        call(case, coordinator, kind="sip")
    meeting = call(case, coordinator, kind="dialogue_meeting_1")
    minutes_save(
        actor=coordinator,
        meeting=meeting,
        minutes="Vi gick igenom planen.",
        follow_up_on=date(2027, 1, 15),
        revision=1,
    )
    meeting_mark_held(actor=coordinator, meeting=meeting, revision=2)
    done = MilestoneCompletion.objects.get(case=case)
    assert done.code == "dialogue_meeting_1" and done.completed_on == STARTS.date()
    follow_up = Task.objects.get(source=TaskSource.FOLLOW_UP)
    assert follow_up.assignee == coordinator and follow_up.due_on == date(2027, 1, 15)


def test_a_questionnaire_before_the_meeting_is_given_to_the_patient(case, personas):
    call(case, personas.coordinator, questionnaire_code="phq9")
    administration = personas.patient.administrations.get()
    assert administration.instrument_code == "phq9" and administration.occasion == "on_demand"


@pytest.mark.parametrize("who", ["outsider", "unrelated_physician", "employer", "other_patient"])
def test_people_outside_the_meeting_see_nothing_of_it(client, case, personas, who):
    meeting = call(case, personas.coordinator)
    client.force_login(personas.get(who))
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/meetings/{meeting.pk}/calendar.ics").status_code == 404


def test_the_coordinator_calls_a_meeting_through_the_form(client, case, personas, fk):
    client.force_login(personas.coordinator)
    page = client.get(f"/cases/{case.pk}/meetings/new/")
    assert str(fk.pk) in page.text and str(personas.employer.pk) not in page.text
    day = (STARTS + timedelta(days=1)).date()
    data = {
        "kind": "sip",
        "day": day,
        "start": "10:00",
        "duration_minutes": 60,
        "place": "",
        "participants": [fk.pk],
        "questionnaire_code": "",
    }
    response = client.post(f"/cases/{case.pk}/meetings/new/", data)
    assert response.status_code == 302
    bad = client.post(f"/cases/{case.pk}/meetings/new/", {**data, "day": "", "place": "Rum 3"})
    assert bad.status_code == 422 and 'value="Rum 3"' in bad.text


def test_moving_a_meeting_tells_the_others_with_a_new_calendar_sequence(case, personas, fk):
    meeting = call(case, personas.coordinator, people=[fk])
    outbox_dispatch()
    mail.outbox.clear()
    meeting_reschedule(
        actor=personas.coordinator,
        meeting=meeting,
        revision=1,
        starts_at=STARTS + timedelta(days=1),
        duration_minutes=90,
        place="Rum 2",
    )
    with pytest.raises(StaleEdit):
        meeting_reschedule(
            actor=personas.coordinator,
            meeting=meeting,
            revision=1,
            starts_at=STARTS,
            duration_minutes=60,
            place="",
        )
    assert outbox_dispatch() == 2
    assert {m.to[0] for m in mail.outbox} == {personas.patient.email, fk.email}
    (event,) = Calendar.from_ical(meeting_calendar(meeting)).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 2 and event.decoded("DTSTART") == STARTS + timedelta(days=1)


def test_the_meetings_page_links_the_case_only_for_those_who_may_open_it(client, personas, case):
    personas.with_consent(personas.fk_caseworker, [Category.MEETINGS], Purpose.FK_INFORMATION)
    client.force_login(personas.fk_caseworker)
    page = client.get(f"/cases/{case.pk}/meetings/")
    assert page.status_code == 200
    assert f'href="/cases/{case.pk}/"' not in page.text
    assert broken_links(client, page.text) == []
    client.force_login(personas.coordinator)
    assert f'href="/cases/{case.pk}/"' in client.get(f"/cases/{case.pk}/meetings/").text


def test_running_a_meeting_from_its_page_minutes_then_held_or_cancelled(client, case, personas):
    """Each change to a running meeting goes the same way: saved against the revision the
    page was read at, a stale one shows what is saved now, and the page says what happened."""
    meeting = call(case, personas.coordinator, kind="fk_reconciliation")
    client.force_login(personas.coordinator)
    url = f"/meetings/{meeting.pk}"
    saved = client.post(f"{url}/minutes/", {"revision": 1, "minutes": "Halvtid från mars."})
    assert saved.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.revision) == ("Halvtid från mars.", 2)
    stale = client.post(f"{url}/held/", {"revision": 1}, follow=True)
    assert "Someone else changed the meeting" in stale.text or "Någon annan" in stale.text
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    held = client.post(f"{url}/held/", {"revision": 2}, follow=True)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert held.redirect_chain[-1][0] == f"{url}/"
    other = call(case, personas.coordinator, kind="fk_reconciliation")
    assert "calendar.ics" in client.get(f"/meetings/{other.pk}/").text  # planned: offered
    assert client.post(f"/meetings/{other.pk}/cancel/", {"revision": 1}).status_code == 302
    other.refresh_from_db()
    assert other.status == MeetingStatus.CANCELLED
    # A meeting called off is "Inställd", not "Avbruten" (broken off once begun; issue 33).
    called_off = client.get(f"/meetings/{other.pk}/").text
    assert "<dd>Inställd</dd>" in called_off
    assert "calendar.ics" not in called_off  # nothing to add to a calendar any more
    assert client.post(f"/meetings/{other.pk}/cancel/", {}).status_code == 400


def test_a_meeting_with_a_questionnaire_not_in_use_is_refused_not_an_error(client, personas, case):
    from tests.support import send

    client.force_login(personas.coordinator)
    body = {"kind": "mmr_team_conference", "starts_at": "2026-12-01T10:00:00Z"}
    for code in ("nope", "\ud99b\udde5\u001d", "x" * 21):
        answer = send(
            client,
            "post",
            f"/api/v1/cases/{case.pk}/meetings",
            {**body, "questionnaire_code": code},
        )
        assert answer.status_code == 422, code
    assert not case.meetings.exists()
