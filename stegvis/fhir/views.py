"""The FHIR R4 read API at /fhir/ (JSON, application/fhir+json), through the same door as
everything else: each read is the policy's decision, recorded; what the reader may not see
answers 404 as an OperationOutcome, whether it exists or not. Sessions and personal access
tokens (Authorization: Bearer) both work, as for /api/v1/."""

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from stegvis.access.categories import Category
from stegvis.access.helpers import get_patient_for, record_patients_listed, refuse
from stegvis.access.policy import patients_visible_to
from stegvis.accounts.models import User
from stegvis.fhir import records, resources
from stegvis.fhir.capability import capability_statement
from stegvis.fhir.http import (
    BadParameter,
    answer,
    base_url,
    fhir_view,
    paging,
    searchset,
    site_url,
)
from stegvis.fhir.kinds import KINDS, Kind, kinds_of, record_read, rows_for, with_countries
from stegvis.instruments.definitions import instruments


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: open to anyone, as FHIR expects."""
    return answer(capability_statement(base_url(request)))


@fhir_view
def patient_read(request: HttpRequest, patient_id) -> HttpResponse:
    found = get_patient_for(request.user, patient_id, category=Category.IDENTITY,
                            object_type="fhir_patient")  # fmt: skip
    return answer(resources.patient(_with_country(found)))


def _with_country(patient):
    return with_countries(User.objects.filter(pk=patient.pk)).get()


@fhir_view
def patient_search(request: HttpRequest) -> HttpResponse:
    count, offset = paging(request)
    if "_lastUpdated" in request.GET:
        raise BadParameter("_lastUpdated", "Patient has no last-updated time.")
    visible = with_countries(patients_visible_to(request.user)).order_by(
        "family_name", "given_name", "pk"
    )
    page, found = searchset(request, visible, resources.patient, count, offset)
    record_patients_listed(request.user, page, object_type="fhir_patient_search")
    return answer(found)


def _wanted_patient(request):
    """The patient a search is limited to (`patient=`), decided and recorded; or None."""
    wanted = request.GET.get("patient", "").removeprefix("Patient/")
    if not wanted:
        return None
    return get_patient_for(request.user, wanted, category=Category.IDENTITY,
                           object_type="fhir_patient")  # fmt: skip


def _last_updated(request, kinds) -> dict[Kind, Q]:
    """`_lastUpdated` (repeatable: ge2026-01-01&_lastUpdated=lt2026-02-01) as a condition
    on each kind's changed field (a date is the whole local day)."""
    values = request.GET.getlist("_lastUpdated")
    if not values:
        return {kind: Q() for kind in kinds}
    if any(kind.updated is None for kind in kinds):
        raise BadParameter("_lastUpdated", f"{kinds[0].resource} has no last-updated time.")
    bounds = [_bounds(value) for value in values]
    return {
        kind: Q(*[Q(**{f"{kind.updated}__{op}": moment}) for ops in bounds for op, moment in ops])
        for kind in kinds
    }


def _bounds(value: str) -> list[tuple[str, datetime]]:
    prefix, text = (value[:2], value[2:]) if value[:2] in DATE_PREFIXES else ("eq", value)
    moment = parse_datetime(text) if "T" in text else None
    if moment is not None:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return [(DATE_PREFIXES[prefix], moment)]
    try:
        start = timezone.make_aware(datetime.combine(date.fromisoformat(text), time.min))
    except ValueError as error:
        raise BadParameter("_lastUpdated", "_lastUpdated is a date or a time, "
                           "with ge, gt, le, lt or eq before it.") from error  # fmt: skip
    end = start + timedelta(days=1)
    return {"eq": [("gte", start), ("lt", end)], "ge": [("gte", start)], "gt": [("gte", end)],
            "le": [("lt", end)], "lt": [("lt", start)]}[prefix]  # fmt: skip


DATE_PREFIXES = {"eq": "exact", "ge": "gte", "gt": "gt", "le": "lte", "lt": "lt"}


@fhir_view
def search(request: HttpRequest, resource: str) -> HttpResponse:
    """A search over the resource type's kinds, one after the other, paged as one list."""
    count, offset = paging(request)
    kinds = kinds_of(resource)
    conditions = _last_updated(request, kinds)
    patient = _wanted_patient(request)
    found = [(kind, rows_for(request.user, kind, patient, conditions[kind])) for kind in kinds]
    totals = [rows.count() for _kind, rows in found]
    entries, skip, room = [], offset, count
    for (kind, rows), total in zip(found, totals, strict=True):
        if room == 0:
            break
        if skip >= total:
            skip -= total
            continue
        page = list(rows.order_by(*kind.order)[skip : skip + room])
        skip, room = 0, room - len(page)
        record_read(request.user, kind, page, object_type=f"fhir_{resource.lower()}_search")
        entries += kind.render(page, site_url(request))
    total = sum(totals)
    links = [("self", request.build_absolute_uri())]
    if offset + count < total:
        query = request.GET.copy()
        query["_offset"] = offset + count
        links.append(("next", request.build_absolute_uri(f"?{query.urlencode()}")))
    if not all(kind.one_per_row for kind in kinds):
        # Counted in rows, not resources: known only when the first page holds them all.
        total = len(entries) if offset == 0 and len(links) == 1 else None
    return answer(resources.bundle("searchset", entries, base_url(request), total, links))


@fhir_view
def read(request: HttpRequest, resource: str, resource_id: str) -> HttpResponse:
    """One resource by its id: the kind its id names, if the reader may see that row."""
    kinds = kinds_of(resource)
    for kind in kinds:
        pk = kind.row_pk(resource_id)
        if pk is None:
            continue
        row = rows_for(request.user, kind).filter(pk=pk).first()
        if row is None:
            break
        record_read(request.user, kind, [row], object_type=f"fhir_{resource.lower()}")
        return answer(kind.render([row], site_url(request))[0])
    return refuse(request.user, category=kind.category, object_type=f"fhir_{resource.lower()}",
                  object_id=resource_id)  # fmt: skip


@fhir_view
def patient_everything(request: HttpRequest, patient_id) -> HttpResponse:
    """Patient/$everything: what the reader may see of the patient, each kind decided and
    recorded on its own (an employer's Bundle holds no Condition)."""
    patient = get_patient_for(request.user, patient_id, category=Category.IDENTITY,
                              object_type="fhir_everything")  # fmt: skip
    entries = [resources.patient(_with_country(patient))]
    for kind in KINDS:
        rows = list(rows_for(request.user, kind, patient).order_by(*kind.order))
        record_read(request.user, kind, rows, object_type="fhir_everything")
        entries += kind.render(rows, site_url(request))
    return answer(resources.bundle("searchset", entries, base_url(request), len(entries)))


@fhir_view
def questionnaire_search(request: HttpRequest) -> HttpResponse:
    """The instruments Stegvis holds in full (not patient data), in the reader's language;
    `url` finds the one a QuestionnaireResponse names (with or without |version)."""
    count, offset = paging(request)
    url, _bar, version = request.GET.get("url", "").partition("|")
    found = [
        records.questionnaire(definition)
        for definition in instruments().values()
        if (not url or url == f"{resources.STEGVIS}/Questionnaire/{definition.code}")
        and (not version or version == definition.version)
    ]
    page = found[offset : offset + count]
    links = [("self", request.build_absolute_uri())]
    return answer(resources.bundle("searchset", page, base_url(request), len(found), links))


@fhir_view
def questionnaire_read(request: HttpRequest, questionnaire_id: str) -> HttpResponse:
    for definition in instruments().values():
        if records.questionnaire_id(definition) == questionnaire_id:
            return answer(records.questionnaire(definition))
    raise Http404
