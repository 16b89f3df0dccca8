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
from collections import Counter

import pytest

from stegvis.access.models import AccessEvent
from tests.support import send
from tests.world import ROUTES, url_for

PERSONAS = (
    "treating_physician", "coordinator", "unrelated_physician", "fk_caseworker", "employer",
    "unit_manager", "outsider", "physician_without_mfa", "patient",
)  # fmt: skip


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
        response = _request(client, route, url_for(route, world))
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
