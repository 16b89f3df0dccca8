"""An idempotency key belongs to its author and the target it was used on: a retry returns
the first record, a key sent again by someone else (or for something else) answers 422 in
the API and 400 on a page, and never another person's record."""

import uuid

from stegvis.access.categories import Category
from stegvis.access.helpers import get_case_for
from stegvis.cases.models import Case
from stegvis.coaching.services import checkin_submit
from stegvis.coordination.messages.services import thread_start
from stegvis.coordination.models import Message, Thread
from stegvis.coordination.tasks.services import task_create
from stegvis.core.errors import KeyReused
from tests.support import CHECKIN_VALUES, send

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


def test_another_patients_submission_id_returns_nothing_of_theirs(client, personas):
    sid = uuid.uuid4()
    first = _first_thread(personas, sid)
    other = personas.other_patient
    client.force_login(other)
    own = thread_start(
        actor=other, role="patient", patient=other, kind="with_patient", subject="Min",
        participants=[], body="Hej", submission_id=uuid.uuid4(),
    )  # fmt: skip
    body = {"body": "Hej igen", "submission_id": str(sid)}
    posted = send(client, "post", f"/api/v1/messages/threads/{own.pk}/messages", body)
    assert (posted.status_code, posted.json()["code"]) == (422, "idempotency_key_reused")
    assert SECRET not in posted.text
    new_thread = {"subject": "S", "participant_ids": [], "body": "B", "submission_id": str(sid)}
    started = send(client, "post", f"/api/v1/patients/{other.pk}/messages/threads", new_thread)
    assert started.status_code == 422 and str(first.pk) not in started.text
    page = client.post(f"/messages/{own.pk}/", {"body": "Hej igen", "submission_id": sid})
    assert page.status_code == 400 and SECRET not in page.text
    assert Message.objects.filter(submission_id=sid).count() == 1
    assert Thread.objects.filter(patient=other).count() == 1


def test_a_retry_by_its_author_returns_the_first_record_and_a_changed_body_is_refused(
    client, personas
):
    sid = uuid.uuid4()
    thread = _first_thread(personas, sid)
    assert _first_thread(personas, sid) == thread
    client.force_login(personas.patient)
    changed = {"body": "Något annat", "submission_id": str(sid)}
    answer = send(client, "post", f"/api/v1/messages/threads/{thread.pk}/messages", changed)
    assert answer.status_code == 422


def test_tasks_and_check_ins_scope_their_keys_to_their_author(personas, case):
    sid = uuid.uuid4()
    as_coordinator = get_case_for(personas.coordinator, case.pk, category=Category.PLAN)
    task_create(
        actor=personas.coordinator, case=as_coordinator, assignee=personas.coordinator,
        title="Ring", due_on=None, submission_id=sid,
    )  # fmt: skip
    other_case = Case.objects.get(patient=personas.other_patient)
    try:
        task_create(
            actor=personas.unrelated_physician, case=other_case,
            assignee=personas.unrelated_physician, title="Ring", due_on=None, submission_id=sid,
        )  # fmt: skip
    except KeyReused:
        pass
    else:
        raise AssertionError("a task key reused by someone else must be refused")
    checkin_submit(actor=personas.patient, values=CHECKIN_VALUES, submission_id=sid)
    try:
        checkin_submit(actor=personas.other_patient, values=CHECKIN_VALUES, submission_id=sid)
    except KeyReused:
        pass
    else:
        raise AssertionError("a check-in key reused by another patient must be refused")


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
