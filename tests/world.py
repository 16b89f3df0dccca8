"""One of everything a route can name, and every route: shared by the persona route table
and the bad-input table."""

import re
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from oauth2_provider.models import Application

from stegvis.access.categories import Category
from stegvis.access.helpers import get_case_for
from stegvis.access.participation import participation_scope
from stegvis.access.services import log_review_create
from stegvis.accounts.models import PersonalAccessToken, hash_token
from stegvis.api import api
from stegvis.audit.models import AccessEvent
from stegvis.coaching.flags.services import flag_raise
from stegvis.coordination.meetings.services import meeting_schedule
from stegvis.coordination.messages.services import thread_start
from stegvis.coordination.models import Message, SickLeaveRequest
from stegvis.coordination.tasks.services import task_create
from stegvis.fhir.export import run_claimed
from stegvis.fhir.models import ExportJob
from stegvis.instruments.models import Occasion
from stegvis.instruments.services import administration_complete, occasion_schedule
from stegvis.network.purposes import Purpose
from stegvis.notifications.models import PushSubscription
from stegvis.participation import services as participation
from stegvis.plans.selectors import plan_of
from stegvis.plans.services import proposal_create
from stegvis.programs.services import conference_schedule
from stegvis.smart.models import AppKind, AppRegistration, Connection
from tests.mmr import build_team, include, refer
from tests.support import checkin_on, complete_body, send


def _page_patterns() -> dict[str, tuple[str, object]]:
    """Stegvis's own page routes: name -> (path pattern, view)."""
    found = {}

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                module = getattr(pattern.callback, "__module__", "")
                if module.startswith("stegvis.") and pattern.name:
                    found[pattern.name] = (prefix + str(pattern.pattern), pattern.callback)

    walk(get_resolver().url_patterns)
    return found


def _pages() -> dict[str, str]:
    """Stegvis's own page routes: name -> path pattern."""
    return {name: path for name, (path, _view) in _page_patterns().items()}


def declared_methods(view) -> tuple[str, ...] | None:
    """The methods a page's view declares it takes (require_http_methods or one of its
    shorthands, or the FHIR endpoints' own, anywhere among its decorators); None when it
    declares none."""
    while view is not None:
        if hasattr(view, "http_methods"):  # the FHIR endpoints' own (stegvis/fhir/http.py)
            return view.http_methods
        code = getattr(view, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = view.__closure__[code.co_freevars.index("request_method_list")]
            return tuple(cell.cell_contents)
        view = getattr(view, "__wrapped__", None)
    return None


PAGE_METHODS = {
    f"page {name}": declared_methods(view) for name, (_p, view) in _page_patterns().items()
}


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
# A page that shows something and takes a write at the same address is asked every way: its
# GET as "page <name>", each other method as "<METHOD> page <name>" (a page that takes only
# POST is asked with its POST as "page <name>").
OTHER_METHODS = {
    f"{method} {page}": ROUTES[page]
    for page, methods in PAGE_METHODS.items()
    if methods and ("GET" in methods or "HEAD" in methods)
    for method in methods
    if method not in ("GET", "HEAD")
}


def page_of(route: str) -> str:
    """The page a route of OTHER_METHODS asks ("POST page x" asks "page x")."""
    method, _space, rest = route.partition(" ")
    return rest if rest.startswith("page ") and method.isupper() else route


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
    # What the certificate's message to Försäkringskassan names them by.
    case.organisation.hsa_id = "SE2321000016-W0R1"
    case.organisation.save()
    personas.treating_physician.hsa_id = "SE2321000016-W0R2"
    personas.treating_physician.save()
    patient.set_national_id("19880314-9825", "SE")
    patient.save()
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
    (answered,) = occasion_schedule(
        actor=personas.treating_physician,
        case=case,
        occasion=Occasion.ON_DEMAND,
        due_on=timezone.localdate(),
        codes=["gad7"],
    )
    administration_complete(
        actor=patient, administration=answered, answers={str(n): 1 for n in range(1, 8)}
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
    mmr = build_team(personas)
    referral = include(mmr, refer(personas, case, mmr))
    conference = conference_schedule(
        actor=mmr.physio,
        cohort=mmr.cohort,
        stage="admission",
        starts_at=timezone.now() + timedelta(days=7),
        cases=[get_case_for(mmr.physio, case.pk, category=Category.MEETINGS)],
    )
    attendance = referral.attendance.order_by("session__starts_at").first()
    idea = participation.proposal_create(
        actor=patient,
        scope=participation_scope(patient),
        organisation_id=personas.unit.pk,
        title="Påminnelser på kvällen",
        body="Jag orkar läsa på kvällen, inte på morgonen.",
    )
    facilitating = participation_scope(personas.facilitator)
    workshop = participation.activity_create(
        actor=personas.facilitator,
        scope=facilitating,
        organisation_id=personas.unit.pk,
        kind="workshop",
        title="Påminnelserna",
        purpose="Hur ska påminnelserna låta?",
        role_description="Ni berättar hur det känns att få dem; vi bestämmer tider.",
        preparation="Läs de tre påminnelserna.",
        starts_at=timezone.now() + timedelta(days=10),
        minutes_planned=90,
        place="Solbacken",
    )
    participation.activity_invite(
        actor=personas.facilitator,
        scope=facilitating,
        activity=workshop,
        representatives=[personas.representative.representative],
    )
    token = PersonalAccessToken.objects.create(
        user=patient,
        name="Min app",
        token_hash=hash_token("stegvis-test-token"),
        expires_at=timezone.now() + timedelta(days=30),
    )
    app = Application.objects.create(
        name="Peters app", client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example.org/callback",
    )  # fmt: skip
    AppRegistration.objects.create(application=app, kind=AppKind.PATIENT)
    connection = Connection.objects.create(
        user=patient, application=app, patient=patient, scope="patient/Observation.rs"
    )
    staff_app = AppRegistration.objects.create(
        application=Application.objects.create(
            name="Rehab planner", client_type=Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris="https://planner.example.org/cb",
        ),
        kind=AppKind.STAFF, organisation=personas.unit,
        launch_url="https://planner.example.org/launch",
    )  # fmt: skip
    export = ExportJob.objects.create(
        requested_by=personas.treating_physician,
        level="system",
        types=["Patient"],
        request_url="http://testserver/fhir/$export",
        site="http://testserver",
    )
    run_claimed(export.pk)
    asked = SickLeaveRequest.objects.create(
        case=case, patient=patient, kind="extend", starts_on=case.sick_from,
        ends_on=case.sick_from + timedelta(days=14), words="Fortfarande trött",
        submission_id=uuid.uuid4(),
    )  # fmt: skip
    device = PushSubscription.objects.create(
        user=patient, endpoint="https://fcm.googleapis.com/fcm/send/world", p256dh="k", auth="a"
    )
    return {
        "device_id": device.pk,
        "request_id": asked.pk,
        "export_id": export.pk,
        "group_id": personas.unit.pk,
        "unit_id": personas.unit.pk,
        "case_id": case.pk,
        "patient_id": patient.pk,
        "certificate_id": certificate_id,
        "thread_id": thread.pk,
        "attachment_id": thread.messages.get().attachments.get().pk,
        "meeting_id": meeting.pk,
        "task_id": task.pk,
        "proposal_id": proposal.pk,
        "plan_id": proposal.plan_id,
        "checkin_id": checkin_on(patient, 0).pk,
        "flag_id": flag.pk,
        "administration_id": administration.pk,
        "answered_id": answered.pk,
        "member_id": employer.pk,
        "consent_id": employer.consents.first().pk,
        "review_id": review.pk,
        "token_id": token.pk,
        "connection_id": connection.pk,
        "registration_id": staff_app.pk,
        "team_id": mmr.team.pk,
        "program_id": mmr.program.pk,
        "cohort_id": mmr.cohort.pk,
        "session_id": attendance.session_id,
        "attendance_id": attendance.pk,
        "referral_id": referral.pk,
        "note_id": conference.notes.get().pk,
        "service_proposal_id": idea.pk,
        "activity_id": workshop.pk,
        "representative_id": personas.representative.representative.pk,
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


# A FHIR resource's id, from the world's object it is made of.
FHIR_IDS = {
    "page fhir_episode": lambda w: w["case_id"],
    "page fhir_care_plan": lambda w: w["plan_id"],
    "page fhir_task": lambda w: w["task_id"],
    "page fhir_appointment": lambda w: w["meeting_id"],
    "page fhir_observation": lambda w: f"checkin-{w['checkin_id']}",
    "page fhir_questionnaire_response": lambda w: w["answered_id"],
    "page fhir_communication": lambda w: Message.objects.filter(thread=w["thread_id"]).first().pk,
    "page fhir_document": lambda w: f"plan-{w['plan_id']}",
    "page fhir_audit_event": lambda w: (
        "access-"
        + str(AccessEvent.objects.filter(patient=w["patient_id"]).order_by("pk").first().pk)
    ),
    "page fhir_questionnaire": lambda w: "phq9-1",
    "page fhir_care_team": lambda w: f"network-{w['patient_id']}",
    "page fhir_consent": lambda w: w["consent_id"],
    # The diagnosis of the world's signed certificate (complete_body's F43.8A).
    "page fhir_condition": lambda w: f"{w['case_id']}-F43-8A",
}


# Path parameters that are a fixed value rather than an object of the world.
FIXED = {
    "job_id": lambda w: w["export_id"],
    "resource_type": lambda w: "Patient",
    # What the catch-alls under /fhir/ and /api/v1/ are asked for: nothing they offer.
    "path": lambda w: "Spaceship/1",
    # An e-ID provider this installation is not registered with (none is, in the tests).
    "provider": lambda w: "helseid",
}


def url_for(route: str, world: dict) -> str:
    return filled(route, ROUTES[page_of(route)], world)


def filled(route: str, path: str, world: dict) -> str:
    """`path` (the route's, or a part of it) with its parameters filled in from the world."""
    route = page_of(route)

    def value(match):
        name = match.group(1)
        if route in MILESTONE and name == "code":
            return MILESTONE[route]
        if route in FHIR_IDS and name in ("resource_id", "questionnaire_id"):
            return str(FHIR_IDS[route](world))
        if name in FIXED:
            return str(FIXED[name](world))
        return str(world[name])

    path = re.sub(r"<(?:\w+:)?(\w+)>", value, path)
    path = re.sub(r"{(\w+)}", value, path)
    return path if path.startswith("/") else "/" + path
