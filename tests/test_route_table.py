"""Every route, decided: one table of {route: {persona: expected status}}, over every page
(Django's URL resolver) and every API operation (the ninja routers). A route missing from
the table fails, so no route is added without deciding who may open it. For each route and
persona the request answers as the table says, and the audit trail holds exactly one event
per decision: a refusal of patient data writes one refused event, a page that shows patient
data writes at least one, and no request records the same decision twice (a list page: one
event per listed patient).

STEGVIS_ROUTE_TABLE=print prints the statuses the product answers today, in the table's
shape, for reviewing a change to the policy.
"""

import json
import os
import re
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.access.helpers import get_case_for
from stegvis.access.models import AccessEvent
from stegvis.access.services import log_review_create
from stegvis.accounts.models import PersonalAccessToken, hash_token
from stegvis.api import api
from stegvis.coaching.flag_services import flag_raise
from stegvis.coordination.meetings.services import meeting_schedule
from stegvis.coordination.messages.services import thread_start
from stegvis.coordination.tasks.services import task_create
from stegvis.instruments.models import Occasion
from stegvis.instruments.services import occasion_schedule
from stegvis.network.purposes import Purpose
from stegvis.plans.selectors import plan_of
from stegvis.plans.services import proposal_create
from tests.support import checkin_on, complete_body, send

PERSONAS = (
    "treating_physician", "coordinator", "unrelated_physician", "fk_caseworker", "employer",
    "unit_manager", "outsider", "physician_without_mfa", "patient",
)  # fmt: skip


def _pages() -> dict[str, str]:
    """Stegvis's own page routes: name -> path pattern."""
    found = {}

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                module = getattr(pattern.callback, "__module__", "")
                if module.startswith("stegvis.") and pattern.name:
                    found[pattern.name] = prefix + str(pattern.pattern)

    walk(get_resolver().url_patterns)
    return found


def _api_operations() -> dict[str, str]:
    """Every API operation: "METHOD /path" -> path under /api/v1."""
    found = {}

    def walk(router, prefix=""):
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    found[f"{method} {prefix}{path}"] = f"/api/v1{prefix}{path}"
        for sub_prefix, sub_router, *_rest in router._routers:
            walk(sub_router, prefix + sub_prefix)

    for prefix, router, *_rest in api._routers:
        walk(router, prefix)
    return found


ROUTES = {**{f"page {name}": path for name, path in _pages().items()}, **_api_operations()}


@pytest.fixture
def world(personas, case):
    """One of everything a route can name, about `personas.patient`: a signed certificate,
    a thread with a file, a meeting, a task, a proposal, a check-in, a flag, a
    questionnaire, a log review, a token. The employer and Försäkringskassan hold the
    consents the patient gave them; the coordinator is in the thread and the meeting."""
    patient, coordinator = personas.patient, personas.coordinator
    employer = personas.with_consent(
        personas.employer,
        [Category.IDENTITY, Category.CAPACITY, Category.PLAN, Category.MEETINGS],
        Purpose.EMPLOYER_DIALOGUE,
    )
    personas.with_consent(
        personas.fk_caseworker,
        [Category.IDENTITY, Category.MESSAGES, Category.MEETINGS, Category.PLAN],
        Purpose.FK_INFORMATION,
    )
    physician = Client()
    physician.force_login(personas.treating_physician)
    draft = send(physician, "post", f"/api/v1/cases/{case.pk}/certificates", complete_body())
    certificate_id = draft.json()["id"]
    send(physician, "post", f"/api/v1/certificates/{certificate_id}/sign")
    image = SimpleUploadedFile("bild.png", _png(), content_type="image/png")
    thread = thread_start(
        actor=patient,
        role="patient",
        patient=patient,
        kind="with_patient",
        subject="Fråga",
        participants=[coordinator],
        body="Hej",
        submission_id=uuid.uuid4(),
        files=[image],
    )
    as_coordinator = get_case_for(coordinator, case.pk, category=Category.MEETINGS)
    meeting = meeting_schedule(
        actor=coordinator,
        case=as_coordinator,
        kind="sip",
        starts_at=timezone.now() + timedelta(days=3),
        participants=[personas.fk_caseworker],
    )
    task = task_create(
        actor=coordinator,
        case=as_coordinator,
        assignee=coordinator,
        title="Ring arbetsgivaren",
        due_on=None,
        submission_id=uuid.uuid4(),
    )
    proposal = proposal_create(
        actor=coordinator,
        role="rehab_coordinator",
        plan=plan_of(case),
        section="goals",
        value=["Tillbaka till bageriet"],
    )
    flag, _created = flag_raise(patient_id=patient.pk, kind="worsening")
    (administration,) = occasion_schedule(
        actor=personas.treating_physician,
        case=case,
        occasion=Occasion.ON_DEMAND,
        due_on=timezone.localdate(),
        codes=["phq9"],
    )
    review = log_review_create(
        reviewer=personas.unit_manager,
        organisation=personas.unit,
        kind="random",
        start=timezone.localdate() - timedelta(days=7),
        end=timezone.localdate(),
        sample_size=5,
        criteria={},
    )
    token = PersonalAccessToken.objects.create(
        user=patient,
        name="Min app",
        token_hash=hash_token("stegvis-test-token"),
        expires_at=timezone.now() + timedelta(days=30),
    )
    return {
        "case_id": case.pk,
        "patient_id": patient.pk,
        "certificate_id": certificate_id,
        "thread_id": thread.pk,
        "attachment_id": thread.messages.get().attachments.get().pk,
        "meeting_id": meeting.pk,
        "task_id": task.pk,
        "proposal_id": proposal.pk,
        "checkin_id": checkin_on(patient, 0).pk,
        "flag_id": flag.pk,
        "administration_id": administration.pk,
        "member_id": employer.pk,
        "consent_id": employer.consents.first().pk,
        "review_id": review.pk,
        "token_id": token.pk,
        "token": "no-such-invitation",
        "code": "phq9",
        "system": "icd10",
        "section": "goals",
        "number": 1,
    }


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG")
    return out.getvalue()


# Path parameters whose value is not the world's object of that name.
MILESTONE = {"page milestone_done": "employer_rtw_plan"}


def _url(route: str, world: dict) -> str:
    path = ROUTES[route]

    def value(match):
        name = match.group(1)
        if route in MILESTONE and name == "code":
            return MILESTONE[route]
        return str(world[name])

    path = re.sub(r"<(?:\w+:)?(\w+)>", value, path)
    path = re.sub(r"{(\w+)}", value, path)
    return path if path.startswith("/") else "/" + path


def _request(client, route: str, url: str):
    if route.startswith("page "):
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        return response
    method = route.split(" ", 1)[0].lower()
    if method == "get":
        return client.get(url)
    return send(client, method, url, {})


def _decisions(events) -> list[tuple]:
    return [
        (e.actor_id, e.patient_id, e.category, e.action, e.object_type, e.object_id, e.basis)
        for e in events
    ]


def _answers(client, personas, world, route: str) -> tuple[dict, list[str]]:
    """What each persona is answered, in the table's order; and what broke the audit rule."""
    statuses, problems = {}, []
    for persona in PERSONAS:
        client.force_login(personas.get(persona))
        before = AccessEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = _request(client, route, _url(route, world))
        statuses[persona] = response.status_code
        written = list(AccessEvent.objects.filter(pk__gt=before).order_by("pk"))
        repeated = [d for d, n in Counter(_decisions(written)).items() if n > 1]
        if repeated:
            problems.append(f"{persona}: the same decision recorded twice: {repeated}")
        refused = [e for e in written if e.outcome == "denied"]
        refusal = response.status_code in (403, 404) and PATIENT_DATA[route]
        if refusal and len(refused) != 1:
            problems.append(f"{persona}: {response.status_code} with {len(refused)} refusals")
        shows = response.status_code in (200, 201) and PATIENT_DATA[route]
        if shows and route not in LISTS and not written:
            problems.append(f"{persona}: {response.status_code} without an audit event")
        client.logout()
    return statuses, problems


# Routes that reach no patient's data: refusing them records nothing.
NOT_PATIENT_DATA = {
    "page home", "page set_language", "page health", "page account_settings",
    "page token_revoke", "page case_new", "page code_search", "page strategies",
    "page crisis_help", "page instrument_list", "page instrument_switch",
    "page notification_preferences", "page notifications_read", "page invitation_accept",
    "page network_add", "page network_join", "page log_reviews", "page checkin_schedule",
    "GET /me", "PATCH /me", "POST /timeline", "GET /instruments", "GET /instruments/{code}",
    "POST /instruments/{code}/score",
}  # fmt: skip
PATIENT_DATA = {route: route not in NOT_PATIENT_DATA for route in ROUTES}
# Lists: one event per listed patient, so none when the reader's list is empty.
LISTS = {
    "page thread_list", "page task_inbox", "page day_view", "page my_meetings",
    "page notification_list", "page coach_queue", "GET /messages/threads", "GET /tasks",
    "GET /patients",
}  # fmt: skip

# Status per persona, in the order of PERSONAS:
# physician, coordinator, other unit's physician, Försäkringskassan, employer,
# unit manager, outsider, physician without a second factor, the patient.
# Writes are sent empty: what is checked is who gets past the door (a 422 means in).
TABLE: dict[str, tuple[int, ...]] = {
    "DELETE /cases/{case_id}/capacity-note/share": (403, 403, 404, 404, 403, 404, 404, 404, 200),
    "DELETE /consents/{consent_id}": (404, 404, 404, 404, 404, 404, 404, 404, 200),
    "DELETE /network-members/{member_id}": (404, 404, 404, 404, 404, 404, 404, 404, 200),
    "GET /cases/{case_id}": (200, 200, 404, 404, 200, 404, 404, 404, 200),
    "GET /cases/{case_id}/capacity-note": (200, 200, 404, 404, 404, 404, 404, 404, 200),
    "GET /cases/{case_id}/certificates": (200, 200, 404, 404, 404, 404, 404, 404, 200),
    "GET /cases/{case_id}/employer-plan": (200, 200, 404, 404, 200, 404, 404, 404, 200),
    "GET /cases/{case_id}/meetings": (200, 200, 404, 200, 200, 404, 404, 404, 200),
    "GET /cases/{case_id}/plan": (200, 200, 404, 200, 200, 404, 404, 404, 200),
    "GET /cases/{case_id}/plan/proposals": (200, 200, 404, 200, 200, 404, 404, 404, 200),
    "GET /cases/{case_id}/plan/versions": (200, 200, 404, 200, 200, 404, 404, 404, 200),
    "GET /cases/{case_id}/plan/versions/{number}": (404, 404, 404, 404, 404, 404, 404, 404, 404),
    "GET /cases/{case_id}/timeline": (200, 200, 404, 404, 200, 404, 404, 404, 200),
    "GET /certificates/{certificate_id}": (200, 200, 404, 404, 404, 404, 404, 404, 200),
    "GET /certificates/{certificate_id}/employer-copy": (
        200,
        200,
        404,
        404,
        200,
        404,
        404,
        404,
        200,
    ),
    "GET /instruments": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /instruments/{code}": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /me": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /meetings/{meeting_id}": (200, 200, 404, 200, 404, 404, 404, 404, 200),
    "GET /meetings/{meeting_id}/calendar.ics": (200, 200, 404, 200, 404, 404, 404, 404, 200),
    "GET /messages/threads": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /messages/threads/{thread_id}": (404, 200, 404, 404, 404, 404, 404, 404, 200),
    "GET /patients": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /patients/{patient_id}": (200, 200, 404, 200, 200, 200, 404, 404, 200),
    "GET /patients/{patient_id}/access-events": (404, 404, 404, 404, 404, 200, 404, 404, 200),
    "GET /patients/{patient_id}/cases": (200, 200, 404, 404, 200, 404, 404, 404, 200),
    "GET /patients/{patient_id}/network": (404, 404, 404, 404, 404, 404, 404, 404, 200),
    "GET /patients/{patient_id}/questionnaires": (200, 200, 404, 404, 404, 404, 404, 404, 200),
    "GET /tasks": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "PATCH /certificates/{certificate_id}": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "PATCH /me": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /administrations/{administration_id}/answers": (
        403,
        403,
        404,
        404,
        404,
        404,
        404,
        404,
        422,
    ),
    "POST /cases/{case_id}/capacity-note/share": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /cases/{case_id}/certificates": (201, 403, 404, 404, 404, 404, 404, 404, 403),
    "POST /cases/{case_id}/employer-plan/complete": (403, 403, 404, 404, 422, 404, 404, 404, 403),
    "POST /cases/{case_id}/meetings": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /cases/{case_id}/plan/comments": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /cases/{case_id}/plan/proposals": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /cases/{case_id}/tasks": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /certificates/{certificate_id}/correct": (201, 403, 404, 404, 404, 404, 404, 404, 403),
    "POST /certificates/{certificate_id}/sign": (200, 403, 404, 404, 404, 404, 404, 404, 403),
    "POST /instruments/{code}/score": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /meetings/{meeting_id}/agenda": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /meetings/{meeting_id}/decisions": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /meetings/{meeting_id}/held": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /messages/threads/{thread_id}/messages": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /network-members/{member_id}/answer": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /network-members/{member_id}/consents": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /patients/{patient_id}/messages/threads": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /patients/{patient_id}/network": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /plan-proposals/{proposal_id}/decision": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "POST /tasks/{task_id}/done": (404, 200, 404, 404, 404, 404, 404, 404, 404),
    "POST /timeline": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "PUT /cases/{case_id}/capacity-note": (428, 403, 404, 404, 403, 404, 404, 404, 428),
    "PUT /cases/{case_id}/employer-plan": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "PUT /cases/{case_id}/plan": (403, 403, 404, 403, 403, 404, 404, 404, 200),
    "PUT /meetings/{meeting_id}/sip-plan": (422, 422, 422, 422, 422, 422, 422, 422, 422),
    "page account_settings": (200, 200, 200, 200, 200, 200, 200, 302, 200),
    "page attachment": (404, 200, 404, 404, 404, 404, 404, 302, 200),
    "page capacity_note": (200, 200, 404, 404, 404, 404, 404, 302, 200),
    "page capacity_note_pdf": (200, 200, 404, 404, 404, 404, 404, 302, 200),
    "page case_detail": (200, 200, 404, 404, 200, 404, 404, 302, 200),
    "page case_edit": (200, 200, 404, 404, 403, 404, 404, 302, 403),
    "page case_meetings": (200, 200, 404, 200, 200, 404, 404, 302, 200),
    "page case_new": (200, 200, 200, 403, 403, 403, 403, 302, 403),
    "page case_questionnaires": (200, 200, 404, 404, 404, 404, 404, 302, 200),
    "page certificate_correct": (302, 403, 404, 404, 404, 404, 404, 302, 403),
    "page certificate_detail": (200, 200, 404, 404, 404, 404, 404, 302, 200),
    "page certificate_edit": (302, 403, 404, 404, 404, 404, 404, 302, 403),
    "page certificate_employer_copy": (200, 200, 404, 404, 200, 404, 404, 302, 200),
    "page certificate_guidance": (200, 200, 404, 404, 404, 404, 404, 302, 200),
    "page certificate_list": (200, 200, 404, 404, 404, 404, 404, 302, 200),
    "page certificate_new": (200, 403, 404, 404, 404, 404, 404, 302, 403),
    "page certificate_sign": (302, 403, 404, 404, 404, 404, 404, 302, 403),
    "page checkin": (404, 404, 404, 404, 404, 404, 404, 302, 200),
    "page checkin_done": (404, 404, 404, 404, 404, 404, 404, 302, 200),
    "page checkin_schedule": (404, 404, 404, 404, 404, 404, 404, 302, 200),
    "page checkin_trend": (404, 404, 404, 404, 404, 404, 404, 302, 200),
    "page coach_patient": (200, 200, 404, 404, 404, 404, 404, 302, 302),
    "page coach_queue": (200, 200, 200, 404, 404, 404, 404, 302, 404),
    "page code_search": (200, 200, 200, 200, 200, 200, 200, 302, 200),
    "page crisis_help": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "page day_view": (200, 200, 200, 200, 200, 200, 200, 302, 200),
    "page employer_plan": (200, 200, 404, 404, 200, 404, 404, 302, 200),
    "page employer_plan_pdf": (200, 200, 404, 404, 200, 404, 404, 302, 200),
    "page flag_action": (302, 302, 404, 404, 404, 404, 404, 302, 404),
    "page health": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "page home": (200, 200, 200, 200, 200, 200, 200, 302, 200),
    "page instrument_list": (200, 200, 200, 200, 200, 200, 404, 302, 404),
    "page instrument_switch": (403, 403, 403, 403, 403, 403, 403, 302, 403),
    "page invitation_accept": (404, 404, 404, 404, 404, 404, 404, 404, 404),
    "page log_review": (404, 404, 404, 404, 404, 200, 404, 302, 404),
    "page log_reviews": (404, 404, 404, 404, 404, 200, 404, 302, 404),
    "page meeting_agenda": (422, 422, 404, 422, 404, 404, 404, 302, 422),
    "page meeting_cancel": (400, 400, 404, 403, 404, 404, 404, 302, 403),
    "page meeting_decision": (422, 422, 404, 403, 404, 404, 404, 302, 403),
    "page meeting_detail": (200, 200, 404, 200, 404, 404, 404, 302, 200),
    "page meeting_held": (400, 400, 404, 403, 404, 404, 404, 302, 403),
    "page meeting_ics": (200, 200, 404, 200, 404, 404, 404, 302, 200),
    "page meeting_minutes": (422, 422, 404, 403, 404, 404, 404, 302, 403),
    "page meeting_new": (200, 200, 404, 200, 200, 404, 404, 302, 404),
    "page meeting_sip": (422, 422, 404, 403, 404, 404, 404, 302, 403),
    "page milestone_done": (403, 302, 404, 404, 302, 404, 404, 302, 403),
    "page my_access_log": (200, 200, 200, 200, 200, 200, 200, 302, 200),
    "page my_coach": (404, 404, 404, 404, 404, 404, 404, 302, 200),
    "page my_meetings": (200, 200, 200, 200, 200, 200, 200, 302, 200),
    "page my_questionnaires": (404, 404, 404, 404, 404, 404, 404, 302, 200),
    "page network": (404, 404, 404, 404, 404, 404, 404, 302, 200),
    "page network_add": (404, 404, 404, 404, 404, 404, 404, 302, 200),
    "page network_join": (200, 200, 200, 200, 200, 200, 404, 302, 404),
    "page network_member": (404, 404, 404, 404, 404, 404, 404, 302, 200),
    "page network_remove": (404, 404, 404, 404, 404, 404, 404, 302, 302),
    "page network_respond": (404, 404, 404, 404, 404, 404, 404, 302, 302),
    "page notification_list": (200, 200, 200, 200, 200, 200, 200, 302, 200),
    "page notification_preferences": (200, 200, 200, 200, 200, 200, 200, 302, 200),
    "page notifications_read": (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "page plan_comment": (400, 400, 404, 400, 400, 404, 404, 302, 400),
    "page plan_detail": (200, 200, 404, 200, 200, 404, 404, 302, 200),
    "page plan_pdf": (200, 200, 404, 200, 200, 404, 404, 302, 200),
    "page plan_section": (200, 200, 404, 200, 200, 404, 404, 302, 200),
    "page plan_versions": (200, 200, 404, 200, 200, 404, 404, 302, 200),
    "page proposal_decide": (403, 403, 404, 403, 403, 404, 404, 302, 302),
    "page questionnaire_answer": (403, 403, 404, 404, 404, 404, 404, 302, 200),
    "page set_language": (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "page strategies": (200, 200, 200, 200, 200, 200, 200, 302, 200),
    "page task_done": (404, 302, 404, 404, 404, 404, 404, 302, 404),
    "page task_inbox": (200, 200, 200, 200, 200, 200, 200, 302, 200),
    "page task_new": (200, 200, 404, 200, 200, 404, 404, 302, 404),
    "page thread_detail": (404, 200, 404, 404, 404, 404, 404, 302, 200),
    "page thread_list": (200, 200, 200, 200, 200, 200, 200, 302, 200),
    "page thread_new": (200, 200, 404, 200, 404, 404, 404, 302, 302),
    "page thread_new_own": (404, 404, 404, 404, 404, 404, 404, 302, 200),
    "page token_revoke": (404, 404, 404, 404, 404, 404, 404, 302, 302),
    "page weekly_summary": (404, 404, 404, 404, 404, 404, 404, 302, 200),
}


def test_every_route_is_in_the_table():
    assert sorted(set(ROUTES) - set(TABLE)) == [], "decide who may open these routes"
    assert sorted(set(TABLE) - set(ROUTES)) == [], "these routes are gone"


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_route_answers_each_persona_as_decided_and_records_each_decision_once(
    client, personas, world, route
):
    statuses, problems = _answers(client, personas, world, route)
    if os.environ.get("STEGVIS_ROUTE_TABLE") == "print":
        print(f"ROW {json.dumps(route)}: ({', '.join(str(statuses[p]) for p in PERSONAS)}),")
        for problem in problems:
            print(f"PROBLEM {route}: {problem}")
        return
    assert statuses == dict(zip(PERSONAS, TABLE[route], strict=True))
    assert problems == []
