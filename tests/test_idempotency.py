"""An idempotency key belongs to its author and the target it was used on: a retry returns
the first record, the same key from someone else is theirs and makes their own record (never
another person's), and a key its author sends again for something else answers 422 in the
API and 400 on a page."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.access.helpers import get_case_for
from stegvis.cases.models import Case
from stegvis.cases.services import CertificateContent, certificate_create
from stegvis.coaching.services import checkin_submit, coach_message_post
from stegvis.coordination.meetings.services import agenda_add, decision_add
from stegvis.coordination.messages.services import message_post, thread_start
from stegvis.coordination.models import Message, Thread
from stegvis.coordination.tasks.services import task_create
from tests.support import CHECKIN_VALUES, scheduled_meeting, send

SECRET = "Min diagnos och hur jag mår"


def _first_thread(personas, sid):
    return thread_start(
        actor=personas.patient,
        role="patient",
        patient=personas.patient,
        kind="with_patient",
        subject="Privat",
        participants=[],
        body=SECRET,
        submission_id=sid,
    )


def test_another_patients_submission_id_makes_their_own_message_and_shows_nothing_of_theirs(
    client, personas
):
    sid = uuid.uuid4()
    _first_thread(personas, sid)
    other = personas.other_patient
    client.force_login(other)
    own = thread_start(
        actor=other, role="patient", patient=other, kind="with_patient", subject="Min",
        participants=[], body="Hej", submission_id=uuid.uuid4(),
    )  # fmt: skip
    page = client.post(f"/messages/{own.pk}/", {"body": "Hej igen", "submission_id": sid})
    assert page.status_code == 302 and page["Location"] == f"/messages/{own.pk}/"
    assert SECRET not in client.get(page["Location"]).text
    assert Message.objects.get(submission_id=sid, author=other).thread == own
    assert Message.objects.filter(submission_id=sid).count() == 2
    assert Thread.objects.filter(patient=other).count() == 1


def test_an_api_key_belongs_to_its_author(client, personas):
    """Two patients who happen to send the same Idempotency-Key each get their own thread."""
    key = {"HTTP_IDEMPOTENCY_KEY": "same-key"}
    ids = []
    for patient in (personas.patient, personas.other_patient):
        client.force_login(patient)
        body = {"subject": "Fråga", "participant_ids": [], "body": f"{SECRET} {patient.pk}"}
        url = f"/api/v1/patients/{patient.pk}/messages/threads"
        answer = send(client, "post", url, body, **key)
        assert answer.status_code == 201 and answer.json()["patient_id"] == str(patient.pk)
        ids.append(answer.json()["id"])
    assert len(set(ids)) == 2


def test_a_retry_by_its_author_returns_the_first_record_and_a_changed_body_is_refused(
    client, personas
):
    sid = uuid.uuid4()
    thread = _first_thread(personas, sid)
    assert _first_thread(personas, sid) == thread
    client.force_login(personas.patient)
    key = {"HTTP_IDEMPOTENCY_KEY": str(sid)}
    url = f"/api/v1/messages/threads/{thread.pk}/messages"
    first = send(client, "post", url, {"body": "Hej"}, **key)
    again = send(client, "post", url, {"body": "Hej"}, **key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    changed = send(client, "post", url, {"body": "Något annat"}, **key)
    assert (changed.status_code, changed.json()["code"]) == (422, "idempotency_key_reused")
    threads = f"/api/v1/patients/{personas.patient.pk}/messages/threads"
    elsewhere = send(client, "post", threads, {"subject": "S", "body": "Hej"}, **key)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (422, "idempotency_key_reused")
    assert Message.objects.filter(thread=thread).count() == 2


def _own_thread(person):
    return thread_start(
        actor=person, role="patient", patient=person, kind="with_patient", subject="Egen",
        participants=[], body="Hej", submission_id=uuid.uuid4(),
    )  # fmt: skip


def _task(person, case, sid):
    mine = get_case_for(person, case.pk, category=Category.PLAN)
    return task_create(
        actor=person, case=mine, assignee=person, title="Ring", due_on=None, submission_id=sid
    )


# Each record a form's submission id (or a certificate's client token) makes: the two people
# who send the same key, and how one of them makes the record with it.
SUBMISSIONS = {
    "check-in": (
        ("patient", "other_patient"),
        lambda p, person, sid: (
            checkin_submit(actor=person, values=CHECKIN_VALUES, submission_id=sid).checkin
        ),
    ),
    "coach message": (
        ("patient", "other_patient"),
        lambda p, person, sid: coach_message_post(
            actor=person, patient=person, body="Hej", submission_id=sid
        ),
    ),
    "thread": (
        ("patient", "other_patient"),
        lambda p, person, sid: thread_start(
            actor=person,
            role="patient",
            patient=person,
            kind="with_patient",
            subject="Fråga",
            participants=[],
            body="Hej",
            submission_id=sid,
        ),
    ),
    "message": (
        ("patient", "other_patient"),
        lambda p, person, sid: message_post(
            actor=person,
            role="patient",
            thread=p["threads"][person.pk],
            body="Hej",
            submission_id=sid,
        ),
    ),
    "task": (
        ("coordinator", "treating_physician"),
        lambda p, person, sid: _task(person, p["case"], sid),
    ),
    "agenda item": (
        ("patient", "coordinator"),
        lambda p, person, sid: agenda_add(
            actor=person, meeting=p["meeting"], text="Halvtid?", submission_id=sid
        ),
    ),
    "decision": (
        ("coordinator", "treating_physician"),
        lambda p, person, sid: decision_add(
            actor=person,
            meeting=p["meeting"],
            kind="plan_action",
            text="Två timmar om dagen",
            owner=p["case"].patient,
            due_on=timezone.localdate() + timedelta(days=14),
            submission_id=sid,
        ),
    ),
    "certificate": (
        ("treating_physician", "unrelated_physician"),
        lambda p, person, sid: certificate_create(
            actor=person,
            case=p["cases"][person.pk],
            client_token=sid,
            content=CertificateContent(fields={"occupation_text": "Bagare"}),
        ),
    ),
}


def _author(record):
    return next(
        getattr(record, name)
        for name in ("author", "created_by", "patient")
        if hasattr(record, name)
    )


@pytest.mark.parametrize("kind", SUBMISSIONS)
def test_two_people_sending_the_same_submission_id_each_get_their_own_record(personas, case, kind):
    """A form's key belongs to its author, as an API key does: nobody is refused for a key
    someone else happened to send, and a retry by the author still finds their first."""
    people, make = SUBMISSIONS[kind]
    first_person, second_person = (personas.get(name) for name in people)
    setting = {
        "case": case,
        # Each physician drafts on their own unit's case.
        "cases": {
            personas.treating_physician.pk: case,
            personas.unrelated_physician.pk: Case.objects.get(patient=personas.other_patient),
        },
        "meeting": scheduled_meeting(personas, case)
        if kind in ("agenda item", "decision") else None,
        "threads": {p.pk: _own_thread(p) for p in (first_person, second_person)}
        if kind == "message" else {},
    }  # fmt: skip
    sid = uuid.uuid4()
    first = make(setting, first_person, sid)
    second = make(setting, second_person, sid)
    assert first.pk != second.pk
    assert (_author(first), _author(second)) == (first_person, second_person)
    assert make(setting, first_person, sid).pk == first.pk


# --- Bad input answers 4xx with the JSON error shape, never 500 -----------------------------


def test_deeply_nested_json_is_refused_without_a_login(client, db):
    nested = "[" * 100_000
    for url in ("/api/v1/instruments/phq9/score",):
        answer = client.post(url, nested, content_type="application/json")
        assert answer.status_code == 422 and answer.json()["code"] == "validation_error"


def test_deeply_nested_answers_are_refused(client, personas):
    client.force_login(personas.patient)
    url = f"/api/v1/administrations/{uuid.uuid4()}/answers"
    answer = client.post(url, "[" * 100_000, content_type="application/json")
    assert 400 <= answer.status_code < 500


def test_an_over_large_body_answers_413_in_the_json_shape(client, personas, case, settings):
    client.force_login(personas.patient)
    big = '{"goals": ["' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"]}'
    for method, url in (
        ("put", f"/api/v1/cases/{case.pk}/plan"),
        ("post", "/api/v1/timeline"),
    ):
        answer = getattr(client, method)(url, big, content_type="application/json")
        assert (answer.status_code, answer.json()["code"]) == (413, "request_too_large"), url


def test_a_meeting_of_negative_length_is_refused_by_the_api(client, personas, case):
    client.force_login(personas.coordinator)
    body = {"kind": "sip", "starts_at": "2026-12-03T10:00:00+01:00", "duration_minutes": -5}
    answer = send(client, "post", f"/api/v1/cases/{case.pk}/meetings", body)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"][-1] == "duration_minutes"


def test_nul_bytes_and_over_long_texts_are_refused_with_422(client, personas, case):
    client.force_login(personas.patient)
    threads = f"/api/v1/patients/{personas.patient.pk}/messages/threads"
    for subject, body in (("Hej", "a\x00b"), ("x" * 121, "Hej"), ("Hej", "x" * 4001)):
        new = {"subject": subject, "body": body, "submission_id": str(uuid.uuid4())}
        answer = send(client, "post", threads, new)
        assert answer.status_code == 422, (subject[:5], body[:5])
    comment = send(client, "post", f"/api/v1/cases/{case.pk}/plan/comments", {"text": "\x00"})
    assert comment.status_code == 422
    assert client.get("/api/v1/cases/%00").status_code == 404
    assert not Thread.objects.exists()


# --- One Idempotency-Key mechanism for every creating API write ------------------------------


def _creating_writes(personas, case):
    """(who, url, body, the model that must gain exactly one row) for each creating write."""
    from stegvis.cases.models import Certificate
    from stegvis.coordination.models import Meeting
    from stegvis.network.models import Consent, NetworkMember
    from stegvis.plans.models import PlanComment, PlanProposal
    from tests.support import complete_body

    patient = personas.patient
    coordinator_member = personas.with_consent(personas.coordinator, [])
    return [
        (personas.coordinator, f"/api/v1/cases/{case.pk}/meetings",
         {"kind": "sip", "starts_at": "2026-12-03T10:00:00+01:00"}, Meeting),
        (personas.coordinator, f"/api/v1/cases/{case.pk}/plan/comments", {"text": "Bra!"},
         PlanComment),
        (personas.coordinator, f"/api/v1/cases/{case.pk}/plan/proposals",
         {"section": "goals", "value": ["Gå till jobbet"]}, PlanProposal),
        (patient, f"/api/v1/patients/{patient.pk}/network",
         {"organisation_id": personas.other_unit.pk, "role": "physician",
          "user_id": str(personas.unrelated_physician.pk)}, NetworkMember),
        (patient, f"/api/v1/network-members/{coordinator_member.pk}/consents",
         {"category": "plan", "purpose": "coordination"}, Consent),
        (personas.treating_physician, f"/api/v1/cases/{case.pk}/certificates", complete_body(),
         Certificate),
    ]  # fmt: skip


def test_retries_with_a_key_never_duplicate_a_creating_write(client, personas, case):
    for who, url, body, model in _creating_writes(personas, case):
        client.force_login(who)
        before = model.objects.count()
        key = {"HTTP_IDEMPOTENCY_KEY": f"retry-{model.__name__}"}
        answers = [send(client, "post", url, body, **key) for _ in range(3)]
        assert answers[0].status_code in (200, 201), (url, answers[0].content)
        assert {a.status_code for a in answers} == {answers[0].status_code}, url
        assert all(a.content == answers[0].content for a in answers), url
        assert model.objects.count() == before + 1, url


def test_a_failed_write_releases_its_key(client, personas, case):
    from stegvis.core.models import IdempotentRequest

    client.force_login(personas.coordinator)
    url = f"/api/v1/cases/{case.pk}/plan/comments"
    key = {"HTTP_IDEMPOTENCY_KEY": "fix-and-retry"}
    assert send(client, "post", url, {"text": ""}, **key).status_code == 422
    assert not IdempotentRequest.objects.exists()
    assert send(client, "post", url, {"text": "Rättat"}, **key).status_code == 201
    assert IdempotentRequest.objects.get().status == 201


def test_a_key_must_be_printable_and_short(client, personas, case):
    client.force_login(personas.coordinator)
    url = f"/api/v1/cases/{case.pk}/plan/comments"
    answer = send(client, "post", url, {"text": "Hej"}, HTTP_IDEMPOTENCY_KEY="x" * 256)
    assert (answer.status_code, answer.json()["code"]) == (422, "idempotency_key_invalid")


def test_keys_are_forgotten_after_a_day(personas):
    from datetime import timedelta

    from django.utils import timezone

    from stegvis.core.idempotency import RETENTION, purge
    from stegvis.core.models import IdempotentRequest

    old = IdempotentRequest.objects.create(author=personas.patient, key="a", fingerprint="f")
    IdempotentRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - RETENTION - timedelta(minutes=1)
    )
    IdempotentRequest.objects.create(author=personas.patient, key="b", fingerprint="f")
    assert purge() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["b"]


def test_a_form_sent_twice_redirects_twice_and_saves_once(client, personas, case):
    client.force_login(personas.patient)
    thread = _first_thread(personas, uuid.uuid4())
    sid = str(uuid.uuid4())
    answers = [client.post(f"/messages/{thread.pk}/", {"body": "Dubbelklick", "submission_id": sid})
               for _ in range(2)]  # fmt: skip
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert answers[1]["Idempotent-Replayed"] == "true"
    assert Message.objects.filter(thread=thread, body="Dubbelklick").count() == 1
