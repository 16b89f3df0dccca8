"""Words of crisis wherever a patient writes: the crisis lines at once and alone, the urgent
flag to their care team, and what was written for others held back until a person
responsible has seen it. A professional's words about a patient raise nothing."""

import json
import re
import uuid

import pytest
import time_machine
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.accounts.roles import Role
from stegvis.coaching.flags import OPEN
from stegvis.coaching.flags.services import flag_handle
from stegvis.coaching.flags.urgent import urgent_flags_for
from stegvis.coaching.models import CheckIn, CoachFlag
from stegvis.coordination.models import Meeting, Message
from stegvis.coordination.selectors import unread_message_count
from stegvis.core.models import HeldText
from stegvis.instruments import services as instruments
from stegvis.network.purposes import Purpose
from stegvis.notifications.models import Notification
from stegvis.participation.models import Proposal, ProposalComment
from stegvis.plans.models import PlanComment
from stegvis.programs.models import Attendance
from tests.factories import UserFactory, member, patient_at
from tests.mmr import build_team, include, refer
from tests.support import join, scheduled_meeting, send, write_note

WORDS = "Ibland orkar jag inte leva längre, det känns tungt."


def _proposal(client, personas, case, words=WORDS):
    client.force_login(personas.patient)
    data = {"submission_id": uuid.uuid4(), "unit": personas.unit.pk, "title": "Väntan",
            "body": words}  # fmt: skip
    return client.post("/participation/proposals/new/", data)


def _comment(client, personas, case):
    proposal = Proposal.objects.create(
        organisation=personas.unit, author=personas.coordinator, author_kind="staff",
        title="Kortare köer", body="Telefonkön är lång.",
    )  # fmt: skip
    client.force_login(personas.patient)
    return client.post(f"/participation/proposals/{proposal.pk}/",
                       {"action": "comment", "body": WORDS})  # fmt: skip


def _thread(client, personas, case):
    personas.with_consent(personas.fk_caseworker, [Category.MESSAGES], Purpose.FK_INFORMATION)
    client.force_login(personas.patient)
    data = {"submission_id": uuid.uuid4(), "subject": "Fråga",
            "participants": [personas.fk_caseworker.pk], "body": WORDS}  # fmt: skip
    return client.post("/messages/new/", data)


def _plan_section(client, personas, case):
    client.force_login(personas.patient)
    return client.post(f"/cases/{case.pk}/plan/goals/", {"text": WORDS, "base_version": 0})


def _plan_comment(client, personas, case):
    client.force_login(personas.patient)
    return client.post(f"/cases/{case.pk}/plan/comments/", {"text": WORDS})


def _cannot_come(client, personas, case):
    now = "2026-03-02 09:00 +01:00"
    with time_machine.travel(now, tick=False):
        mmr = build_team(personas)
        referral = include(mmr, refer(personas, case, mmr))
        row = Attendance.objects.filter(referral=referral).order_by("session__starts_at").first()
        client.force_login(personas.patient)
        return client.post(
            f"/my-program/sessions/{row.pk}/cannot-come/", {"message": WORDS}, follow=True
        )


def _activities(client, personas, case):
    # Sick leave from today: the baseline questionnaires (PSFS among them) are due now.
    case.sick_from = timezone.localdate()
    case.save(update_fields=["sick_from"])
    created = instruments.administrations_plan_case(case, timezone.localdate())
    psfs = next(a for a in created if a.instrument_code == "psfs")
    client.force_login(personas.patient)
    # Three activities are asked for; the patient names the first in her own words.
    answers = {"item_1": 3, "name_1": WORDS, "item_2": 5, "name_2": "Baka bröd",
               "item_3": 6, "name_3": "Gå till jobbet"}  # fmt: skip
    return client.post(f"/questionnaires/{psfs.pk}/", answers, follow=True)


def _fhir_note(client, personas, case, *, pain=6, note=WORDS):
    """The patient's check-in, imported over FHIR with `note` (none: a correction without)."""
    client.force_login(personas.patient)
    resource = {
        "resourceType": "Observation",
        "identifier": [{"system": "urn:probe:checkin", "value": "crisis-1"}],
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
        "subject": {"reference": f"Patient/{personas.patient.pk}"},
        "effectiveDateTime": timezone.now().isoformat(),
        "valueInteger": pain,
    }
    if note:
        resource["note"] = [{"text": note}]
    entry = {"resource": resource, "request": {"method": "POST", "url": "Observation"}}
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [entry]}
    return client.post("/fhir/", json.dumps(bundle), content_type="application/fhir+json")


def _agenda_item(client, personas, case):
    meeting = scheduled_meeting(personas, case)
    client.force_login(personas.patient)
    return client.post(f"/meetings/{meeting.pk}/agenda/",
                       {"submission_id": uuid.uuid4(), "text": WORDS})  # fmt: skip


def _capacity_note(client, personas, case, revision=0):
    client.force_login(personas.patient)
    data = {"work_situation": "Bagare", "limitations": WORDS, "adjustments": "Senare start",
            "revision": revision}  # fmt: skip
    return client.post(f"/cases/{case.pk}/capacity-note/", data)


PLACES = {
    "agendaitem": _agenda_item,
    "capacitynote": _capacity_note,
    "proposal": _proposal,
    "proposalcomment": _comment,
    "message": _thread,
    "planversion": _plan_section,
    "plancomment": _plan_comment,
    "attendance": _cannot_come,
    "administration_words": _activities,
    "checkin": _fhir_note,
}


def _safety_flag(personas) -> CoachFlag:
    return CoachFlag.objects.get(patient=personas.patient, kind="safety")


def _handled(personas, note: str) -> None:
    """The coordinator handles the safety flag having read all it shows her."""
    urgent = next(u for u in urgent_flags_for(personas.coordinator) if u.flag.kind == "safety")
    assert flag_handle(actor=personas.coordinator, flag=urgent.flag, note=note,
                       seen=urgent.shown_held)  # fmt: skip


@pytest.mark.parametrize("place", sorted(PLACES))
def test_a_patients_words_of_crisis_raise_the_urgent_flag_wherever_they_are_written(
    client, personas, case, place, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = PLACES[place](client, personas, case)
    flag = _safety_flag(personas)
    assert flag.urgent and flag.source_type == place
    told = set(Notification.objects.filter(kind="urgent_flag").values_list("recipient", flat=True))
    assert told == {personas.treating_physician.pk, personas.coordinator.pk}
    # The responsible physician reads what was written on the flag.
    shown = [t for u in urgent_flags_for(personas.treating_physician) for t in u.triggers]
    assert any("inte leva längre" in text for text in shown), shown
    if place != "checkin":  # a page: the crisis lines at once, and nothing else
        if response.status_code == 302:  # sent to them, so that a form sent again is too
            assert response.url == "/help/?after=1"
            response = client.get(response.url)
        assert response.status_code == 200
        assert 'href="tel:112"' in response.text and 'href="tel:90101"' in response.text
        for success in ("Tack", "Sparat", "skickat"):
            assert success not in response.text.split('role="alert"')[1]


def test_an_imported_check_in_with_words_of_crisis_answers_with_the_lines_each_time(
    client, personas, case, django_capture_on_commit_callbacks
):
    # The app that sent the patient's words shows the lines, as a page would; a resend of
    # the same bundle gets the same answer (and tells no one twice).
    with django_capture_on_commit_callbacks(execute=True):
        first = _fhir_note(client, personas, case)
        again = _fhir_note(client, personas, case)
    for response in (first, again):
        assert response.status_code == 200, response.content
        outcome = response.json()["entry"][0]["response"]["outcome"]
        issue = outcome["issue"][0]
        assert (issue["severity"], issue["details"]["coding"][0]["code"]) == (
            "warning", "crisis-lines"
        )  # fmt: skip
        assert "112" in issue["details"]["text"] and "90101" in issue["details"]["text"]
    assert Notification.objects.filter(kind="urgent_flag").count() == 2  # physician, coordinator
    from tests.fhir_validation import problems

    assert problems([first.json()]) == []


def test_a_corrected_import_without_a_note_keeps_the_note_and_its_crisis(
    client, personas, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _fhir_note(client, personas, case)
    checkin = CheckIn.objects.get(patient=personas.patient)
    corrected = _fhir_note(client, personas, case, pain=4, note="")
    assert corrected.status_code == 200, corrected.content
    checkin.refresh_from_db()
    assert checkin.pain == 4 and "inte leva längre" in checkin.note and checkin.crisis
    assert "outcome" in corrected.json()["entry"][0]["response"]


def test_a_proposal_with_words_of_crisis_is_held_from_others_until_someone_responsible_has_seen_it(
    client, personas, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _proposal(client, personas, case)
    proposal = Proposal.objects.get(title="Väntan")
    neighbour = patient_at(personas.unit)
    detail = f"/participation/proposals/{proposal.pk}/"
    for reader in (neighbour, personas.representative, personas.facilitator):
        client.force_login(reader)
        assert "Väntan" not in client.get("/participation/").text
        assert client.get(detail).status_code == 404
        listed = client.get("/api/v1/participation/proposals").json()
        assert str(proposal.pk) not in {row["id"] for row in listed}
    client.force_login(personas.patient)
    assert client.get(detail).status_code == 200, "its author still reads it"
    _handled(personas, "Ringde henne.")
    client.force_login(neighbour)
    assert client.get(detail).status_code == 200
    assert "Sara" not in client.get(detail).text


def test_a_facilitator_cannot_name_a_held_proposal_before_it_is_seen(
    client, personas, case, django_capture_on_commit_callbacks
):
    """Held back from the facilitator, the proposal cannot be named by its id either: not
    as the one another repeats, nor among those a result comes from."""
    with django_capture_on_commit_callbacks(execute=True):
        _proposal(client, personas, case)
    held = Proposal.objects.get(title="Väntan")
    other = Proposal.objects.create(
        organisation=personas.unit, author=personas.coordinator, author_kind="staff",
        title="Kortare köer", body="Telefonkön är lång.",
    )  # fmt: skip
    client.force_login(personas.facilitator)
    answer = client.post(f"/participation/proposals/{other.pk}/",
                         {"action": "duplicate", "duplicate_of": held.pk})  # fmt: skip
    assert answer.status_code == 404
    other.refresh_from_db()
    assert other.duplicate_of_id is None


def test_a_comment_with_words_of_crisis_is_held_from_others(client, personas, case):
    _comment(client, personas, case)
    comment = ProposalComment.objects.get()
    client.force_login(personas.facilitator)
    assert (
        "inte leva längre"
        not in client.get(f"/participation/proposals/{comment.proposal_id}/").text
    )
    _handled(personas, "Samtal bokat.")
    assert "inte leva längre" in client.get(f"/participation/proposals/{comment.proposal_id}/").text


def test_a_message_with_words_of_crisis_reaches_no_one_else_until_seen(
    client, personas, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _thread(client, personas, case)
    message = Message.objects.get()
    fk = personas.fk_caseworker
    assert not Notification.objects.filter(recipient=fk, kind="message_received").exists()
    client.force_login(fk)
    thread = f"/messages/{message.thread_id}/"
    assert "inte leva längre" not in client.get(thread).text
    # Begun with those words, the thread itself waits (its subject came with them).
    assert client.get(f"/api/v1/messages/threads/{message.thread_id}").status_code == 404
    _handled(personas, "Ringde.")
    assert "inte leva längre" in client.get(thread).text
    assert [m["body"] for m in client.get(f"/api/v1/messages/threads/{message.thread_id}").json()[
        "messages"]] == [WORDS]  # fmt: skip


def test_a_plan_comment_with_words_of_crisis_is_held_from_the_network(client, personas, case):
    personas.with_consent(personas.employer, [Category.PLAN], Purpose.EMPLOYER_DIALOGUE)
    _plan_comment(client, personas, case)
    assert PlanComment.objects.get().text == WORDS
    client.force_login(personas.employer)
    assert "inte leva längre" not in client.get(f"/cases/{case.pk}/plan/").text
    client.force_login(personas.patient)
    assert "inte leva längre" in client.get(f"/cases/{case.pk}/plan/").text


def test_the_api_gives_the_lines_with_the_proposal_that_held_words_of_crisis(client, personas):
    client.force_login(personas.patient)
    body = {"unit_id": personas.unit.pk, "title": "Väntan", "body": WORDS}
    made = send(client, "post", "/api/v1/participation/proposals", body)
    assert made.status_code == 201
    assert {"112", "1177"} <= {line["number"] for line in made.json()["crisis_lines"]}
    calm = send(client, "post", "/api/v1/participation/proposals", {**body, "body": "Kortare köer"})
    assert calm.json()["crisis_lines"] == []


def test_a_professionals_words_about_a_patient_raise_nothing(client, personas, case):
    client.force_login(personas.coordinator)
    client.post(f"/cases/{case.pk}/plan/comments/", {"text": "Risk för självmord bedömd: låg."})
    assert not CoachFlag.objects.filter(kind="safety").exists()
    assert PlanComment.objects.get().text.startswith("Risk för självmord")


def test_calm_words_are_published_at_once(client, personas, case):
    response = _proposal(client, personas, case, words="Kortare telefonköer, tack.")
    assert response.status_code == 302
    assert not CoachFlag.objects.exists()
    client.force_login(patient_at(personas.unit))
    assert "Väntan" in client.get("/participation/").text


def test_a_plan_with_words_of_crisis_shows_others_the_version_before_until_seen(
    client, personas, case
):
    personas.with_consent(personas.employer, [Category.PLAN], Purpose.EMPLOYER_DIALOGUE)
    client.force_login(personas.patient)
    client.post(
        f"/cases/{case.pk}/plan/goals/", {"text": "Tillbaka på bageriet", "base_version": 0}
    )
    client.post(f"/cases/{case.pk}/plan/goals/", {"text": WORDS, "base_version": 1})
    assert "inte leva längre" in client.get(f"/cases/{case.pk}/plan/").text

    client.force_login(personas.employer)
    page = client.get(f"/cases/{case.pk}/plan/").text
    assert "inte leva längre" not in page and "Tillbaka på bageriet" in page
    api = client.get(f"/api/v1/cases/{case.pk}/plan").json()
    assert api["content"]["goals"] == ["Tillbaka på bageriet"]
    versions = client.get(f"/api/v1/cases/{case.pk}/plan/versions").json()
    assert [v["number"] for v in versions] == [1]
    assert client.get(f"/api/v1/cases/{case.pk}/plan/versions/2").status_code == 404
    assert "inte leva längre" not in client.get(f"/cases/{case.pk}/plan/versions/").text
    fhir = client.get("/fhir/CarePlan")
    assert fhir.status_code == 200 and "inte leva längre" not in fhir.text

    _handled(personas, "Ringde.")
    assert "inte leva längre" in client.get(f"/cases/{case.pk}/plan/").text
    assert client.get(f"/api/v1/cases/{case.pk}/plan/versions/2").status_code == 200


def test_a_proposal_with_words_of_crisis_sent_twice_is_one_proposal_and_one_signal(
    client, personas, django_capture_on_commit_callbacks
):
    client.force_login(personas.patient)
    data = {"submission_id": uuid.uuid4(), "unit": personas.unit.pk, "title": "Väntan",
            "body": WORDS}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/participation/proposals/new/", data)
        again = client.post("/participation/proposals/new/", data)
    assert first.url == again.url == "/help/?after=1"
    assert Proposal.objects.filter(title="Väntan").count() == 1
    assert Notification.objects.filter(kind="urgent_flag").count() == 2  # physician, coordinator


def test_a_thread_begun_with_words_of_crisis_waits_with_its_subject(client, personas, case):
    personas.with_consent(personas.fk_caseworker, [Category.MESSAGES], Purpose.FK_INFORMATION)
    client.force_login(personas.patient)
    data = {"submission_id": uuid.uuid4(), "subject": "Jag vill inte leva längre",
            "participants": [personas.fk_caseworker.pk], "body": "Hej."}  # fmt: skip
    client.post("/messages/new/", data)
    thread = Message.objects.get().thread
    client.force_login(personas.fk_caseworker)
    assert "inte leva längre" not in client.get("/messages/").text
    assert client.get(f"/messages/{thread.pk}/").status_code == 404
    assert client.get("/api/v1/messages/threads").json() == []
    assert unread_message_count(personas.fk_caseworker) == 0
    _handled(personas, "Ringde.")
    assert unread_message_count(personas.fk_caseworker) == 1
    assert "inte leva längre" in client.get("/messages/").text
    assert client.get(f"/messages/{thread.pk}/").status_code == 200


def test_a_reply_with_words_of_crisis_is_held_in_a_thread_others_still_read(client, personas, case):
    personas.with_consent(personas.fk_caseworker, [Category.MESSAGES], Purpose.FK_INFORMATION)
    client.force_login(personas.patient)
    first = {"submission_id": uuid.uuid4(), "subject": "Fråga",
             "participants": [personas.fk_caseworker.pk], "body": "Hej."}  # fmt: skip
    client.post("/messages/new/", first)
    thread = Message.objects.get().thread
    reply = client.post(f"/messages/{thread.pk}/", {"submission_id": uuid.uuid4(), "body": WORDS})
    assert reply.url == "/help/?after=1"
    client.force_login(personas.fk_caseworker)
    assert unread_message_count(personas.fk_caseworker) == 1, "only the first message"
    assert "inte leva längre" not in client.get(f"/messages/{thread.pk}/").text
    api = client.get(f"/api/v1/messages/threads/{thread.pk}").json()
    assert [m["body"] for m in api["messages"]] == ["Hej."]
    _handled(personas, "Ringde.")
    assert "inte leva längre" in client.get(f"/messages/{thread.pk}/").text


def _second_proposal(client, personas, title="Kvällar"):
    client.force_login(personas.patient)
    data = {"submission_id": uuid.uuid4(), "unit": personas.unit.pk, "title": title,
            "body": "Jag vill inte leva längre om det fortsätter så här."}  # fmt: skip
    return client.post("/participation/proposals/new/", data)


def _card_seen(client, reader) -> list[str]:
    """The held texts the reader's urgent card sends back when she marks it handled."""
    client.force_login(reader)
    page = client.get("/").text
    return re.findall(r'name="seen" value="(\d+)"', page)


def test_every_text_under_an_open_flag_is_on_its_card_and_released_when_handled(
    client, personas, case
):
    _proposal(client, personas, case)
    _second_proposal(client, personas)
    assert CoachFlag.objects.filter(kind="safety").count() == 1, "one flag, renewed"
    client.force_login(personas.coordinator)
    home = client.get("/").text
    assert "Väntan" in home and "Kvällar" in home, "both texts on the urgent card"
    flag = _safety_flag(personas)
    seen = _card_seen(client, personas.coordinator)
    assert len(seen) == 2
    client.post(f"/coach/flags/{flag.pk}/", {"note": "Ringde.", "next": "/", "seen": seen})
    assert not CoachFlag.objects.filter(kind="safety", status__in=OPEN).exists()
    client.force_login(patient_at(personas.unit))
    listed = client.get("/participation/").text
    assert "Väntan" in listed and "Kvällar" in listed


def test_a_text_written_after_the_card_was_read_stays_held_under_a_new_flag(
    client, personas, case, django_capture_on_commit_callbacks
):
    _proposal(client, personas, case)
    seen = _card_seen(client, personas.coordinator)
    flag = _safety_flag(personas)
    with django_capture_on_commit_callbacks(execute=True):
        _second_proposal(client, personas)  # while she is on the phone with Sara
    told_before = Notification.objects.filter(kind="urgent_flag").count()
    client.force_login(personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/coach/flags/{flag.pk}/", {"note": "Ringde.", "next": "/", "seen": seen})
    neighbour = patient_at(personas.unit)
    client.force_login(neighbour)
    listed = client.get("/participation/").text
    assert "Väntan" in listed, "what she read is released"
    assert "Kvällar" not in listed, "what she never saw is not"
    renewed = CoachFlag.objects.get(kind="safety", status__in=OPEN)
    assert renewed.pk != flag.pk and renewed.source_type == "proposal"
    assert Notification.objects.filter(kind="urgent_flag").count() > told_before
    client.force_login(personas.coordinator)
    home = client.get("/").text
    assert "Kvällar" in home and "Väntan" not in home


def test_a_handling_form_cannot_release_what_its_reader_was_not_shown(client, personas, case):
    _proposal(client, personas, case)
    flag = _safety_flag(personas)
    other = patient_at(personas.unit)
    elsewhere = Proposal.objects.create(
        organisation=personas.unit, author=other, author_kind="patient", title="Annat",
        body="Orkar inte leva.",
    )  # fmt: skip
    forged = HeldText.objects.create(source_type="proposal", source_id=str(elsewhere.pk),
                                     flag_id="0")  # fmt: skip
    seen = [*_card_seen(client, personas.coordinator), str(forged.pk)]
    client.post(f"/coach/flags/{flag.pk}/", {"note": "Ringde.", "next": "/", "seen": seen})
    forged.refresh_from_db()
    assert forged.released_at is None


def test_an_agenda_item_with_words_of_crisis_waits_for_the_care_team(client, personas, case):
    _agenda_item(client, personas, case)
    meeting = Meeting.objects.get()
    client.force_login(personas.coordinator)  # calls the meeting; not the one to handle it
    assert "inte leva längre" not in client.get(f"/meetings/{meeting.pk}/").text
    api = client.get(f"/api/v1/meetings/{meeting.pk}").json()
    assert api["agenda"] == []
    client.force_login(personas.patient)
    assert "inte leva längre" in client.get(f"/meetings/{meeting.pk}/").text
    _handled(personas, "Ringde.")
    client.force_login(personas.coordinator)
    assert [item["text"] for item in client.get(f"/api/v1/meetings/{meeting.pk}").json()[
        "agenda"]] == [WORDS]  # fmt: skip


def test_a_shared_capacity_note_with_words_of_crisis_waits_for_the_care_team(
    client, personas, case
):
    member = join(personas, "employer", Purpose.EMPLOYER_DIALOGUE, [Category.CAPACITY])
    client.force_login(personas.patient)
    write_note(client, case)
    client.post(f"/cases/{case.pk}/capacity-note/", {"share": "1", "member": member.pk})
    client.force_login(personas.employer)
    assert client.get(f"/cases/{case.pk}/capacity-note/").status_code == 200
    assert _capacity_note(client, personas, case, revision=1).url == "/help/?after=1"
    client.force_login(personas.employer)
    for url in (f"/cases/{case.pk}/capacity-note/", f"/api/v1/cases/{case.pk}/capacity-note"):
        assert client.get(url).status_code == 404, url
    assert "inte leva längre" not in client.get(f"/cases/{case.pk}/employer-plan/").text
    # The card shows the note once, as it stands.
    shown = [t for u in urgent_flags_for(personas.coordinator) for t in u.triggers]
    assert len([t for t in shown if "inte leva längre" in t]) == 1
    _handled(personas, "Ringde.")
    client.force_login(personas.employer)
    assert "inte leva längre" in client.get(f"/cases/{case.pk}/capacity-note/").text
    # A later revision with the same words is a new text: held again.
    client.force_login(personas.patient)
    later = {"work_situation": "Bagare", "limitations": WORDS + " Igen.", "adjustments": "",
             "revision": 2}  # fmt: skip
    assert client.post(f"/cases/{case.pk}/capacity-note/", later).url == "/help/?after=1"
    client.force_login(personas.employer)
    assert client.get(f"/cases/{case.pk}/capacity-note/").status_code == 404


def test_the_api_gives_the_lines_with_an_agenda_item_and_a_note(client, personas, case):
    meeting = scheduled_meeting(personas, case)
    client.force_login(personas.patient)
    added = send(client, "post", f"/api/v1/meetings/{meeting.pk}/agenda", {"text": WORDS})
    assert added.status_code == 201
    assert {"112", "1177"} <= {line["number"] for line in added.json()["crisis_lines"]}
    calm = send(client, "post", f"/api/v1/meetings/{meeting.pk}/agenda", {"text": "Halvtid?"})
    assert calm.json()["crisis_lines"] == []
    note = client.get(f"/api/v1/cases/{case.pk}/capacity-note")
    body = {"work_situation": "", "limitations": WORDS, "adjustments": ""}
    saved = send(client, "put", f"/api/v1/cases/{case.pk}/capacity-note", body,
                 HTTP_IF_MATCH=note["ETag"])  # fmt: skip
    assert saved.status_code == 200, saved.content
    assert {"112", "1177"} <= {line["number"] for line in saved.json()["crisis_lines"]}


PROGRAM_DAY = "2026-03-02 09:00 +01:00"


def _a_team_member_with_her_referral(client, personas, case):
    """The patient included in an MMR program; its physiotherapist signed in."""
    mmr = build_team(personas)
    referral = include(mmr, refer(personas, case, mmr))
    client.force_login(mmr.physio)
    return referral


def test_a_goal_the_team_writes_in_the_patients_words_of_crisis_alerts_her_care_team(
    client, personas, case, django_capture_on_commit_callbacks
):
    # An MMR goal is the patient's own words, typed by a team member: the same rules, though
    # the one typing is a professional. The care team is told and reads the words; the team
    # member gets the lines to give the patient now; a goal without such words raises nothing.
    with time_machine.travel(PROGRAM_DAY, tick=False):
        referral = _a_team_member_with_her_referral(client, personas, case)
        url = f"/programs/referrals/{referral.pk}/"
        goal = {"goal": "1", "text": "Gå till bageriet", "measure": "", "baseline": "",
                "target": ""}  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            calm = client.post(url, {**goal, "submission_id": uuid.uuid4()}, follow=True)
        assert "självskada" not in calm.text and not CoachFlag.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            page = client.post(
                url, {**goal, "text": WORDS, "submission_id": uuid.uuid4()}, follow=True
            )
    assert page.status_code == 200
    told = re.search(r"Patientens läkare och koordinator har fått en varning[^<]*", page.text)
    assert told and "112" in told[0] and "90101" in told[0], page.text
    flag = _safety_flag(personas)
    assert flag.urgent and flag.source_type == "goal"
    alerted = set(
        Notification.objects.filter(kind="urgent_flag").values_list("recipient", flat=True)
    )
    assert alerted == {personas.treating_physician.pk, personas.coordinator.pk}
    shown = [t for u in urgent_flags_for(personas.treating_physician) for t in u.triggers]
    assert any("inte leva längre" in text for text in shown), shown
    # A coach on her network, whose ceiling holds no MMR goal, sees the flag, not the words.
    coach = member(UserFactory(), personas.unit, Role.COACH)
    personas.with_consent(coach, [Category.IDENTITY, Category.PLAN, Category.CHECKINS])
    flags = [u for u in urgent_flags_for(coach) if u.flag.source_type == "goal"]
    assert flags and not [t for u in flags for t in u.triggers if "inte leva" in t]
    # The patient still reads her goal in her plan: nothing of hers is held from her.
    client.force_login(personas.patient)
    assert "inte leva längre" in client.get(f"/cases/{case.pk}/plan/").text


def test_the_api_gives_the_lines_with_a_goal_in_the_patients_words_of_crisis(
    client, personas, case, django_capture_on_commit_callbacks
):
    with time_machine.travel(PROGRAM_DAY, tick=False):
        referral = _a_team_member_with_her_referral(client, personas, case)
        url = f"/api/v1/programs/referrals/{referral.pk}/goals"
        with django_capture_on_commit_callbacks(execute=True):
            calm = send(client, "post", url, {"text": "Lyfta matkassen"})
            worried = send(client, "post", url, {"text": WORDS})
    assert calm.status_code == worried.status_code == 201
    assert calm.json()["crisis_lines"] == []
    assert {"112", "90101"} <= {line["number"] for line in worried.json()["crisis_lines"]}
    assert _safety_flag(personas).source_type == "goal"
