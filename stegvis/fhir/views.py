"""The FHIR R4 read API at /fhir/ (JSON, application/fhir+json), through the same door as
everything else: each read is the policy's decision, recorded; what the reader may not see
answers 404 as an OperationOutcome, whether it exists or not. Sessions and personal access
tokens (Authorization: Bearer) both work, as for /api/v1/."""

import json
import uuid
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from stegvis.access.categories import Category
from stegvis.access.helpers import (
    get_case_for,
    get_patient_for,
    record_cases_listed,
    record_patients_listed,
    refuse,
)
from stegvis.access.policy import cases_visible_to, patients_visible_to
from stegvis.accounts.api_auth import TokenAuth
from stegvis.cases.models import Case, CertificateDiagnosis, CertificateStatus
from stegvis.coordination.models import Meeting
from stegvis.fhir import resources
from stegvis.fhir.capability import capability_statement
from stegvis.network.models import Consent, MemberStatus, NetworkMember
from stegvis.plans.models import RtwPlan

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
MAX_COUNT = 100


def _answer(body: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )


def _problem(status: int, code: str, text: str, expression=()) -> HttpResponse:
    return _answer(resources.outcome("error", code, text, expression), status)


def fhir_view(view):
    """Authenticate by session or bearer token; answer a refusal or a bad parameter as an
    OperationOutcome."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            user = TokenAuth().authenticate(request, header.split(" ", 1)[1].strip())
            if user is None:
                return _problem(401, "login", "The token is not valid.")
        if not request.user.is_authenticated:
            return _problem(401, "login", "Sign in, or send a personal access token.")
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _problem(404, "not-found", "No such resource, or not one you may read.")
        except BadParameter as error:
            return _problem(400, "invalid", str(error), [error.parameter])

    return require_GET(wrapper)


class BadParameter(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


def _count(request) -> tuple[int, int]:
    try:
        count = int(request.GET.get("_count", 20))
        offset = int(request.GET.get("_offset", 0))
    except ValueError as error:
        raise BadParameter("_count", "_count and _offset are whole numbers.") from error
    if not 0 <= count <= MAX_COUNT or not 0 <= offset <= 10**9:
        raise BadParameter("_count", f"_count is 0 to {MAX_COUNT}; _offset 0 or more.")
    return count, offset


def _base(request) -> str:
    return request.build_absolute_uri(reverse("fhir_metadata")).rsplit("metadata", 1)[0]


def _searchset(request, queryset, render, count: int, offset: int) -> dict:
    total = queryset.count()
    page = list(queryset[offset : offset + count])
    query = request.GET.copy()
    links = [("self", request.build_absolute_uri())]
    if offset + count < total:
        query["_offset"] = offset + count
        links.append(("next", request.build_absolute_uri(f"?{query.urlencode()}")))
    return page, resources.bundle(
        "searchset", [render(item) for item in page], _base(request), total, links
    )


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: open to anyone, as FHIR expects."""
    return _answer(capability_statement(_base(request)))


@fhir_view
def patient_read(request: HttpRequest, patient_id) -> HttpResponse:
    found = get_patient_for(request.user, patient_id, category=Category.IDENTITY,
                            object_type="fhir_patient")  # fmt: skip
    return _answer(resources.patient(found))


@fhir_view
def patient_search(request: HttpRequest) -> HttpResponse:
    count, offset = _count(request)
    visible = patients_visible_to(request.user).order_by("family_name", "given_name", "pk")
    page, found = _searchset(request, visible, resources.patient, count, offset)
    record_patients_listed(request.user, page, object_type="fhir_patient_search")
    return _answer(found)


@fhir_view
def episode_read(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_for(request.user, case_id, category=Category.CAPACITY)
    return _answer(resources.episode_of_care(case))


def _patient_filter(request, cases):
    wanted = request.GET.get("patient", "")
    if wanted:
        wanted = wanted.removeprefix("Patient/")
        get_patient_for(
            request.user, wanted, category=Category.IDENTITY, object_type="fhir_patient"
        )
        cases = cases.filter(patient_id=wanted)
    return cases


@fhir_view
def episode_search(request: HttpRequest) -> HttpResponse:
    count, offset = _count(request)
    cases = _patient_filter(
        request, cases_visible_to(request.user, Category.CAPACITY).select_related("organisation")
    ).order_by("-opened_on", "pk")
    page, found = _searchset(request, cases, resources.episode_of_care, count, offset)
    record_cases_listed(
        request.user, page, category=Category.CAPACITY, object_type="fhir_episode_search"
    )
    return _answer(found)


CODE_SYSTEMS = {"icd10": {"SE": resources.ICD10_SE, "NO": resources.ICD10_NO},
                "icpc2": {"SE": resources.ICPC2_NO, "NO": resources.ICPC2_NO}}  # fmt: skip


def _conditions(cases: list[Case]) -> list[dict]:
    """The diagnoses of the cases' signed certificates, each once per case (the newest
    wording), in one query whatever the number of cases."""
    by_pk = {case.pk: case for case in cases}
    found: dict = {case.pk: {} for case in cases}  # case -> code -> Condition, in case order
    rows = (
        CertificateDiagnosis.objects.filter(
            certificate__case__in=by_pk, certificate__status=CertificateStatus.SIGNED
        )
        .select_related("certificate")
        .order_by("certificate__signed_at", "position")
    )
    for row in rows:
        case = by_pk[row.certificate.case_id]
        system = CODE_SYSTEMS.get(row.system, {}).get(case.jurisdiction, resources.ICD10_SE)
        found[case.pk][row.code] = resources.condition(
            case, row.code, system, row.text, row.certificate.signed_at
        )
    return [condition for per_case in found.values() for condition in per_case.values()]


@fhir_view
def condition_search(request: HttpRequest) -> HttpResponse:
    """Diagnoses: sick-leave data, so never an employer's (their search finds nothing)."""
    count, offset = _count(request)
    cases = _patient_filter(
        request, cases_visible_to(request.user, Category.SICK_LEAVE).select_related("organisation")
    ).order_by("-opened_on", "pk")
    cases = list(cases[:MAX_COUNT])
    record_cases_listed(
        request.user, cases, category=Category.SICK_LEAVE, object_type="fhir_condition_search"
    )
    entries = _conditions(cases)
    page = entries[offset : offset + count]
    return _answer(resources.bundle("searchset", page, _base(request), len(entries),
                                    [("self", request.build_absolute_uri())]))  # fmt: skip


@fhir_view
def care_plan_search(request: HttpRequest) -> HttpResponse:
    """Return-to-work plans the reader may see (a case whose plan is not yet written has
    none)."""
    count, offset = _count(request)
    cases = (
        _patient_filter(
            request, cases_visible_to(request.user, Category.PLAN).select_related("organisation")
        )
        .filter(rtw_plan__isnull=False)
        .select_related("rtw_plan")
        .order_by("-opened_on", "pk")
    )
    page, found = _searchset(
        request, cases, lambda case: resources.care_plan(case, case.rtw_plan), count, offset
    )
    record_cases_listed(
        request.user, page, category=Category.PLAN, object_type="fhir_care_plan_search"
    )
    return _answer(found)


@fhir_view
def care_plan_read(request: HttpRequest, plan_id) -> HttpResponse:
    """A plan by its id, through its case's door."""
    try:
        plan = RtwPlan.objects.filter(pk=uuid.UUID(str(plan_id))).first()
    except ValueError:
        plan = None
    if plan is None:
        refuse(request.user, category=Category.PLAN, object_type="fhir_care_plan",
               object_id=plan_id)  # fmt: skip
    case = get_case_for(request.user, plan.case_id, category=Category.PLAN)
    return _answer(resources.care_plan(case, plan))


@fhir_view
def patient_everything(request: HttpRequest, patient_id) -> HttpResponse:
    """Patient/$everything: what the reader may see of the patient, each kind decided and
    recorded on its own (an employer's Bundle holds no Condition)."""
    patient = get_patient_for(request.user, patient_id, category=Category.IDENTITY,
                              object_type="fhir_everything")  # fmt: skip
    entries = [resources.patient(patient)]
    for category, render in (
        (Category.CAPACITY, lambda cases: [resources.episode_of_care(c) for c in cases]),
        (Category.SICK_LEAVE, _conditions),
        (Category.PLAN, lambda cases: [resources.care_plan(c, c.rtw_plan) for c in cases]),
    ):
        cases = cases_visible_to(request.user, category).filter(patient=patient)
        if category == Category.PLAN:
            cases = cases.filter(rtw_plan__isnull=False).select_related("rtw_plan")
        cases = list(cases.select_related("organisation").order_by("opened_on", "pk"))
        record_cases_listed(request.user, cases, category=category, object_type="fhir_everything")
        entries += render(cases)
    return _answer(resources.bundle("searchset", entries, _base(request), len(entries)))


def _own_network_patient(request):
    """The patient a network search is about: `patient`, or the reader themself. Their
    network and consents are theirs to read (the policy's NETWORK category)."""
    wanted = request.GET.get("patient", "").removeprefix("Patient/") or request.user.pk
    return get_patient_for(request.user, wanted, category=Category.NETWORK,
                           object_type="fhir_network")  # fmt: skip


@fhir_view
def care_team_search(request: HttpRequest) -> HttpResponse:
    patient = _own_network_patient(request)
    members = (
        NetworkMember.objects.filter(patient=patient, status=MemberStatus.ACTIVE)
        .select_related("user", "organisation")
        .order_by("created_at")
    )
    team = resources.care_team(patient, members)
    return _answer(resources.bundle("searchset", [team], _base(request), 1))


@fhir_view
def consent_search(request: HttpRequest) -> HttpResponse:
    patient = _own_network_patient(request)
    count, offset = _count(request)
    consents = (
        Consent.objects.filter(patient=patient)
        .select_related("member__user")
        .order_by("-granted_at", "pk")
    )
    _page, found = _searchset(request, consents, resources.consent, count, offset)
    return _answer(found)


@fhir_view
def appointment_search(request: HttpRequest) -> HttpResponse:
    """Meetings about the cases whose meetings the reader may see."""
    count, offset = _count(request)
    cases = _patient_filter(request, cases_visible_to(request.user, Category.MEETINGS))
    meetings = (
        Meeting.objects.filter(case__in=cases)
        .select_related("case")
        .prefetch_related("participants__user")
        .order_by("-starts_at", "pk")
    )
    page, found = _searchset(
        request,
        meetings,
        lambda meeting: resources.appointment(meeting, meeting.participants.all()),
        count,
        offset,
    )
    record_cases_listed(
        request.user,
        list({meeting.case_id: meeting.case for meeting in page}.values()),
        category=Category.MEETINGS,
        object_type="fhir_appointment_search",
    )
    return _answer(found)
