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

import pytest

from stegvis.audit.models import AccessEvent
from tests.route_table import LISTS, PATIENT_DATA, PERSONAS, TABLE
from tests.support import send
from tests.world import OTHER_METHODS, PAGE_METHODS, ROUTES, filled, url_for

ALL_ROUTES = {**ROUTES, **OTHER_METHODS}


def _request(client, route: str, url: str):
    if route in OTHER_METHODS:
        method = route.split(" ", 1)[0]
        return client.post(url, {}) if method == "POST" else client.generic(method, url)
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
        answered_no = response.status_code in (403, 404) and route not in LISTS
        if answered_no and any(e.outcome == "allowed" for e in written):
            problems.append(f"{persona}: refused after allowed: {_decisions(written)}")
        refused = [e for e in written if e.outcome == "denied"]
        refusal = response.status_code in (403, 404) and PATIENT_DATA[route]
        if refusal and len(refused) != 1:
            problems.append(f"{persona}: {response.status_code} with {len(refused)} refusals")
        shows = response.status_code in (200, 201) and PATIENT_DATA[route]
        if shows and route not in LISTS and not written:
            problems.append(f"{persona}: {response.status_code} without an audit event")
        client.logout()
    return statuses, problems


def test_every_route_is_in_the_table():
    assert sorted(set(ALL_ROUTES) - set(TABLE)) == [], "decide who may open these routes"
    assert sorted(set(TABLE) - set(ALL_ROUTES)) == [], "these routes are gone"


def test_every_page_declares_the_methods_it_takes():
    """So that the table asks each page every way it answers (a page that also takes a
    POST has a row for it: its refusals are decided and recorded like its reads)."""
    assert sorted(page for page, methods in PAGE_METHODS.items() if methods is None) == []


@pytest.mark.parametrize("route", sorted(ALL_ROUTES))
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


# Their own profile in the network is the only personal data a representative reaches.
OWN_PROFILE = {
    "page representative_detail",
    "page my_participation_profile",
    "POST page my_participation_profile",
}


def test_a_patient_representative_reaches_no_patients_data():
    """Wherever patients' data is, a representative is answered exactly as someone with no
    role at all (lists answer 200, empty; everything else is not found)."""
    representative = PERSONAS.index("representative")
    outsider = PERSONAS.index("outsider")
    differs = [
        route
        for route, statuses in TABLE.items()
        if PATIENT_DATA[route]
        and route not in OWN_PROFILE
        and statuses[representative] != statuses[outsider]
    ]
    assert differs == []


def _missing(value: str) -> str:
    """An id of the same shape as `value` that names nothing."""
    if re.fullmatch(r"[0-9a-f-]{36}", value):
        return str(uuid.uuid4())
    return "999999" if value.isdigit() else "nothing-here"


def urls_with_one_object_missing(route: str, world: dict) -> list[str]:
    """The route's URL once for each path parameter, that parameter naming nothing (a case
    that exists, a version of its plan that does not; or the reverse)."""
    path = ALL_ROUTES[route]
    url = url_for(route, world)
    urls = []
    for parameter in re.finditer(r"<(?:\w+:)?\w+>|{\w+}", path):
        # The path up to the parameter, filled in as usual, tells where its value starts.
        head = filled(route, path[: parameter.start()], world)
        value = re.match(r"[^/.]+", url[len(head) :]).group(0)
        urls.append(head + _missing(value) + url[len(head) + len(value) :])
    return urls


@pytest.mark.parametrize("route", sorted(ALL_ROUTES))
def test_a_missing_object_is_refused_once_and_never_after_an_allowed_decision(
    client, personas, world, route
):
    """Whatever part of a path names nothing, the answer records one decision: not the
    case allowed and then its version refused."""
    problems = []
    for url in urls_with_one_object_missing(route, world):
        for persona in PERSONAS:
            client.force_login(personas.get(persona))
            before = AccessEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = _request(client, route, url)
            written = list(AccessEvent.objects.filter(pk__gt=before).order_by("pk"))
            refused = response.status_code in (403, 404) and route not in LISTS
            if refused and any(e.outcome == "allowed" for e in written):
                problems.append(f"{persona} {url}: refused after allowed: {_decisions(written)}")
            denials = sum(e.outcome == "denied" for e in written)
            if refused and PATIENT_DATA[route] and denials != 1:
                problems.append(f"{persona} {url}: {denials} refusals: {_decisions(written)}")
            client.logout()
    if os.environ.get("STEGVIS_ROUTE_TABLE") == "print":
        for problem in problems:
            print(f"PROBLEM {route}: {problem}")
        return
    assert problems == []
