"""Messages, meetings, decisions and tasks through /api/v1/, under the same policy."""

import uuid

import pytest
from icalendar import Calendar

from stegvis.access.categories import Category
from stegvis.audit.models import AccessEvent
from stegvis.network.purposes import Purpose
from stegvis.plans.selectors import plan_of
from tests.support import SIP_PLAN, send


@pytest.fixture
def fk(personas):
    categories = [Category.MESSAGES, Category.MEETINGS, Category.PLAN]
    personas.with_consent(personas.fk_caseworker, categories, Purpose.FK_INFORMATION)
    return personas.fk_caseworker


def new_meeting(client, case, people=()):
    body = {
        "kind": "sip",
        "starts_at": "2026-12-03T10:00:00+01:00",
        "participant_ids": [str(p.pk) for p in people],
    }
    return send(client, "post", f"/api/v1/cases/{case.pk}/meetings", body)


def test_a_thread_is_started_read_and_answered(client, personas, fk):
    client.force_login(personas.patient)
    body = {
        "subject": "Fråga",
        "participant_ids": [str(fk.pk)],
        "body": "Hej",
    }
    url = f"/api/v1/patients/{personas.patient.pk}/messages/threads"
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    created = send(client, "post", url, body, **key)
    assert created.status_code == 201, created.content
    assert send(client, "post", url, body, **key).json()["id"] == created.json()["id"]
    thread_id = created.json()["id"]
    client.force_login(fk)
    assert client.get("/api/v1/messages/threads").json()[0]["unread"] == 1
    thread = client.get(f"/api/v1/messages/threads/{thread_id}").json()
    assert [m["body"] for m in thread["messages"]] == ["Hej"]
    answer = {"body": "Svar"}
    posted = send(client, "post", f"/api/v1/messages/threads/{thread_id}/messages", answer)
    assert posted.status_code == 201
    client.force_login(personas.outsider)
    assert client.get(f"/api/v1/messages/threads/{thread_id}").status_code == 404
    assert AccessEvent.objects.filter(object_type="message_thread", outcome="denied").exists()


def test_someone_without_consent_is_refused_with_a_field_error(client, personas, fk):
    client.force_login(personas.patient)
    body = {
        "subject": "S",
        "participant_ids": [str(personas.employer.pk)],
        "body": "B",
    }
    refused = send(client, "post", f"/api/v1/patients/{personas.patient.pk}/messages/threads", body)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["participant_ids"]


def test_a_meeting_through_the_api_from_call_to_held(client, personas, case, fk):
    client.force_login(personas.coordinator)
    created = new_meeting(client, case, [fk])
    assert created.status_code == 201, created.content
    meeting = created.json()
    assert {p["basis"] for p in meeting["participants"]} == {
        "care:named",
        "self",
        "consent:fk_information",
    }
    url = f"/api/v1/meetings/{meeting['id']}"
    client.force_login(personas.patient)
    agenda = {"text": "Halvtid?"}
    assert send(client, "post", f"{url}/agenda", agenda).status_code == 201
    assert send(client, "post", f"{url}/held", {"revision": 1}).status_code == 403
    client.force_login(personas.coordinator)
    bad = send(
        client, "put", f"{url}/sip-plan", {"revision": 1, "plan": {**SIP_PLAN, "measures": []}}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][:2] == ["plan", "measures"]
    saved = send(client, "put", f"{url}/sip-plan", {"revision": 1, "plan": SIP_PLAN})
    assert saved.status_code == 200 and saved.json()["revision"] == 2
    stale = send(
        client,
        "put",
        f"{url}/sip-plan",
        {"revision": 1, "plan": {**SIP_PLAN, "responsible_authority": "X"}},
    )
    assert stale.status_code == 412
    decision = {
        "kind": "plan_action",
        "text": "Prova halvtid",
        "owner_id": str(personas.patient.pk),
        "due_on": "2026-12-20",
    }
    assert send(client, "post", f"{url}/decisions", decision).status_code == 201
    assert [a["text"] for a in plan_of(case).content["actions"]] == ["Prova halvtid"]
    held = send(client, "post", f"{url}/held", {"revision": 2})
    assert held.status_code == 200 and held.json()["status"] == "held"
    ics = client.get(f"{url}/calendar.ics")
    (event,) = Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(event["SUMMARY"]) in ("Möte i Stegvis", "Meeting in Stegvis")


def test_tasks_through_the_api(client, personas, case, fk):
    client.force_login(personas.coordinator)
    body = {"title": "Ring", "assignee_id": str(fk.pk)}
    created = send(client, "post", f"/api/v1/cases/{case.pk}/tasks", body)
    assert created.status_code == 201, created.content
    refused = send(
        client,
        "post",
        f"/api/v1/cases/{case.pk}/tasks",
        {**body, "assignee_id": str(personas.employer.pk)},
    )
    assert refused.status_code == 422
    client.force_login(fk)
    (task,) = client.get("/api/v1/tasks").json()
    done = send(client, "post", f"/api/v1/tasks/{task['id']}/done", {"done": True})
    assert done.json()["status"] == "done"
    assert client.get("/api/v1/tasks").json() == []
    assert len(client.get("/api/v1/tasks?status=done").json()) == 1
    client.force_login(personas.coordinator)
    assert (
        send(client, "post", f"/api/v1/tasks/{task['id']}/done", {"done": False}).status_code == 404
    )
