"""The FHIR R4 read API at /fhir/ (JSON, application/fhir+json), through the same door as
everything else: each read is the policy's decision, recorded; what the reader may not see
answers 404 as an OperationOutcome, whether it exists or not. Sessions and personal access
tokens (Authorization: Bearer) both work, as for /api/v1/."""

import uuid
from datetime import date, datetime, time, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from stegvis.access.categories import Category, national_id_shown
from stegvis.access.helpers import get_patient_for, record_patients_listed, refuse
from stegvis.access.policy import patients_visible_to
from stegvis.accounts import national_id
from stegvis.fhir import records, resources
from stegvis.fhir.capability import capability_statement, search_params
from stegvis.fhir.http import (
    EACH,
    BadParameter,
    answer,
    app_opens,
    base_url,
    fhir_view,
    instant,
    paging,
    search_links,
    search_query,
    searchset,
    site_url,
)
from stegvis.fhir.kinds import (
    Kind,
    everything_of,
    kinds_of,
    patient_with_country,
    record_everything,
    record_read,
    rows_for,
    with_countries,
)
from stegvis.instruments.definitions import instruments
from stegvis.smart.discovery import capability_security


@fhir_view(public=True)
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: open to anyone, as FHIR expects."""
    return answer(capability_statement(base_url(request), capability_security(request)))


@fhir_view(app_scope=("Patient", "r"))
def patient_read(request: HttpRequest, patient_id) -> HttpResponse:
    found = get_patient_for(request.user, patient_id, category=Category.IDENTITY,
                            object_type="fhir_patient", load=patient_with_country)  # fmt: skip
    return answer(_patient(request.user, found))


def _patient(reader, patient) -> dict:
    """`patient` as read by `patient_with_country`."""
    return resources.patient(patient, with_number=national_id_shown(reader, patient.pk))


def _patient_search(request: HttpRequest) -> HttpResponse:
    """The patients the reader may see, narrowed by `identifier` and `name`; those on the
    page recorded as listed."""
    query = search_query(request, search_params("Patient"))
    count, offset = paging(query)
    visible = with_countries(patients_visible_to(request.user)).filter(_matching(request, query))
    visible = visible.order_by("family_name", "given_name", "pk")
    shown = national_id_shown(request.user, None)  # a role's: not the reader's own number
    page, found = searchset(
        request, query, visible, partial(_listed, request.user, shown), count, offset
    )
    record_patients_listed(request.user, page, object_type="fhir_patient_search")
    return answer(found)


patient_search = fhir_view(_patient_search, app_scope=("Patient", "s"))
# POST Patient/_search: the same search, its parameters in a form.
patient_search_form = fhir_view(_patient_search, methods=("POST",), app_scope=("Patient", "s"))


def _listed(reader, shown: bool, patient) -> dict:
    return resources.patient(patient, with_number=shown or str(reader.pk) == str(patient.pk))


def _matching(request, query) -> Q:
    """Each parameter narrows (AND); a parameter's comma-separated values widen (OR)."""
    found = Q()
    if query.getlist("identifier") and not national_id_shown(request.user, None):
        # A search that finds someone would confirm a number the reader may not see.
        raise BadParameter("identifier", "Searching by identity number is for care staff and "
                           "the sickness-insurance agency.")  # fmt: skip
    for value in query.getlist("identifier"):
        found &= _any_of(value, _identifier)
    for value in query.getlist("name"):
        found &= _any_of(value, _name)
    return found


def _any_of(value: str, condition) -> Q:
    either = Q(pk__in=[])
    for part in value.split(","):
        either |= condition(part.strip())
    return either


def _identifier(token: str) -> Q:
    """`system|value`, or a value of any system: a personnummer, samordningsnummer,
    fødselsnummer or D-nummer (found by its keyed hash: numbers are not stored in clear),
    or Stegvis's own patient id."""
    system, bar, value = token.rpartition("|")
    if not bar:
        system = None
    if system == f"{resources.STEGVIS}/patient":
        return Q(pk=value) if _is_uuid(value) else Q(pk__in=[])
    countries = resources.NATIONAL_ID_COUNTRIES.get(system) if system else ("SE", "NO")
    if not countries or not value:
        return Q(pk__in=[])
    hashes, errors = [], []
    for country in countries:
        try:
            parsed = national_id.parse(value, country)
        except ValidationError as error:
            errors += error.messages
            continue
        if system is None or resources.national_identifier(parsed)["system"] == system:
            hashes.append(national_id.lookup_hash(parsed))
    if not hashes and errors and len(errors) == len(countries):
        raise BadParameter("identifier", " ".join(str(error) for error in errors))
    return Q(national_id_hash__in=hashes)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _name(text: str) -> Q:
    """FHIR's string search: each word starts a given or a family name (any of them). The
    word is matched without regard to case, and also tried lower, upper and capitalised:
    SQLite's LIKE folds the case of ASCII letters only, and names begin with Å, Ä, Ö, Ø
    and Æ."""
    found = Q()
    for word in text.split():
        either = Q(pk__in=[])
        for form in {word, word.lower(), word.upper(), word.capitalize()}:
            for field in ("given_name", "family_name"):
                either |= Q(**{f"{field}__istartswith": form})
                either |= Q(**{f"{field}__icontains": f" {form}"})
                either |= Q(**{f"{field}__icontains": f"-{form}"})
        found &= either
    return found


def _wanted_patient(request, query):
    """The patient a search is limited to (`patient=`), decided and recorded; or None."""
    wanted = query.get("patient", "").removeprefix("Patient/")
    if not wanted:
        return None
    return get_patient_for(request.user, wanted, category=Category.IDENTITY,
                           object_type="fhir_patient")  # fmt: skip


def _last_updated(query, kinds) -> dict[Kind, Q]:
    """`_lastUpdated` (repeatable: ge2026-01-01&_lastUpdated=lt2026-02-01) as a condition
    on each kind's changed field (a date is the whole local day). Offered only where every
    kind has one: elsewhere the search leaves it out (or refuses it, under strict handling)
    before it comes here."""
    values = query.getlist("_lastUpdated")
    if not values:
        return {kind: Q() for kind in kinds}
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


@fhir_view(app_scope=(EACH, "s"))
def search(request: HttpRequest, resource: str) -> HttpResponse:
    """A search over the resource type's kinds, one after the other, paged as one list."""
    query = search_query(request, search_params(resource))
    count, offset = paging(query)
    kinds = kinds_of(resource)
    conditions = _last_updated(query, kinds)
    patient = _wanted_patient(request, query)
    found = [
        (kind, rows_for(request.user, kind, patient, conditions[kind]).order_by(*kind.order))
        for kind in kinds
    ]
    object_type = f"fhir_{resource.lower()}_search"
    entries, total = _page(
        request, found, count, offset, partial(record_read, request.user, object_type=object_type)
    )
    links = search_links(request, query, total, count, offset)
    if not all(kind.one_per_row for kind in kinds):
        # Counted in rows, not resources: known only when the first page holds them all.
        total = len(entries) if offset == 0 and len(links) == 1 else None
    return answer(resources.bundle("searchset", entries, base_url(request), total, links))


def _page(request, found, count: int, offset: int, record) -> tuple[list, int]:
    """`count` rows from `offset` of the kinds' ordered rows taken one kind after the
    other, recorded (`record(kind, rows)`) and written as resources; and how many rows
    there are in all."""
    totals = [rows.count() for _kind, rows in found]
    entries, skip, room = [], offset, count
    for (kind, rows), total in zip(found, totals, strict=True):
        if room == 0:
            break
        if skip >= total:
            skip -= total
            continue
        page = list(rows[skip : skip + room])
        skip, room = 0, room - len(page)
        record(kind, page)
        entries += kind.render(page, site_url(request))
    return entries, sum(totals)


@fhir_view(app_scope=(EACH, "r"))
def read(request: HttpRequest, resource: str, resource_id: str) -> HttpResponse:
    """One resource by its id: the kind its id names, if the reader may see that row (and,
    where a row makes several resources, the one of them the id names)."""
    kinds = kinds_of(resource)
    for kind in kinds:
        pk = kind.row_pk(resource_id)
        if pk is None:
            continue
        row = rows_for(request.user, kind).filter(pk=pk).first()
        if row is None:
            break
        made = kind.render([row], site_url(request))
        if not kind.one_per_row:
            made = [found for found in made if found["id"] == resource_id]
            if not made:
                break
        record_read(request.user, kind, [row], object_type=f"fhir_{resource.lower()}")
        return answer(made[0])
    return refuse(request.user, category=kind.category, object_type=f"fhir_{resource.lower()}",
                  object_id=resource_id)  # fmt: skip


# Where the pages of a paged $everything take their rows from (set by the first page).
SNAPSHOT = "_snapshot"


@fhir_view(app_scope=("Patient", "r"))
def patient_everything(request: HttpRequest, patient_id) -> HttpResponse:
    """Patient/$everything: what the reader may see of the patient, each category decided
    once and each kind recorded on its own (an employer's Bundle holds no Condition).
    `_since` leaves out what has not changed since; `_count` pages the Bundle (the Patient
    first, then each kind's rows), with a `next` link while more follow."""
    query = request.GET.copy()
    changed_since = instant(query, "_since")
    if "_count" not in query:
        count, offset, until = None, 0, None
    else:
        count, offset = paging(query)
        # Its pages show the record as it was at the first; its links carry the moment.
        until = instant(query, SNAPSHOT) or timezone.now()
        query[SNAPSHOT] = until.isoformat()
    patient = get_patient_for(request.user, patient_id, category=Category.IDENTITY,
                              object_type="fhir_everything", load=patient_with_country)  # fmt: skip
    found = everything_of(request.user, patient, changed_since, until)
    found = [(kind, rows) for kind, rows in found
             if app_opens(request, kind.resource, "r", patient.pk)]  # fmt: skip
    first = [_patient(request.user, patient)] if offset == 0 and count != 0 else []
    if count is None:  # the whole record, as one Bundle
        entries = first
        for kind, rows in found:
            rows = list(rows)
            record_everything(request.user, patient, kind, rows)
            entries += kind.render(rows, site_url(request))
        return answer(resources.bundle("searchset", entries, base_url(request), len(entries)))
    # The Patient is the first row of the Bundle, the kinds' rows follow it.
    record = partial(record_everything, request.user, patient)
    rest, total = _page(request, found, count - len(first), max(offset - 1, 0), record)
    entries, total = first + rest, total + 1
    links = search_links(request, query, total, count, offset)
    if not all(kind.one_per_row for kind, _rows in found):
        total = len(entries) if offset == 0 and len(links) == 1 else None
    return answer(resources.bundle("searchset", entries, base_url(request), total, links))


@fhir_view(app_scope=("Questionnaire", "s"))
def questionnaire_search(request: HttpRequest) -> HttpResponse:
    """The instruments Stegvis holds in full (not patient data), in the reader's language;
    `url` finds the one a QuestionnaireResponse names (with or without |version)."""
    query = search_query(request, search_params("Questionnaire"))
    count, offset = paging(query)
    url, _bar, version = query.get("url", "").partition("|")
    found = [
        records.questionnaire(definition)
        for definition in instruments().values()
        if (not url or url == f"{resources.STEGVIS}/Questionnaire/{definition.code}")
        and (not version or version == definition.version)
    ]
    page = found[offset : offset + count]
    links = search_links(request, query, len(found), count, offset)
    return answer(resources.bundle("searchset", page, base_url(request), len(found), links))


@fhir_view(app_scope=("Questionnaire", "r"))
def questionnaire_read(request: HttpRequest, questionnaire_id: str) -> HttpResponse:
    for definition in instruments().values():
        if records.questionnaire_id(definition) == questionnaire_id:
            return answer(records.questionnaire(definition))
    raise Http404
