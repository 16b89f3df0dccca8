import uuid
from datetime import date, datetime
from functools import partial

from ninja import Field, Query, Router, Schema

from stegvis.access.categories import Category
from stegvis.access.helpers import get_patient_for, record_patients_listed
from stegvis.access.policy import patient_with_cases, patients_visible_to
from stegvis.access.selectors import access_events_of

router = Router(tags=["patients"])


class PageQuery(Schema):
    # Bounded in the schema, so an offset past the database's integers is a 422, not a 500.
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000_000)

    def bounded(self) -> tuple[int, int]:
        return self.offset, self.limit


class CaseSummaryOut(Schema):
    id: uuid.UUID
    organisation: str
    status: str
    opened_on: date
    closed_on: date | None


class PatientSummaryOut(Schema):
    id: uuid.UUID
    given_name: str
    family_name: str


class PatientOut(PatientSummaryOut):
    email: str
    birth_date: date | None
    cases: list[CaseSummaryOut]


class PatientPage(Schema):
    count: int
    items: list[PatientSummaryOut]


class AccessEventOut(Schema):
    occurred_at: datetime
    organisation: str | None
    role: str
    category: str
    action: str
    outcome: str


class AccessEventPage(Schema):
    count: int
    items: list[AccessEventOut]


@router.get("/patients", response=PatientPage, summary="Patients the caller may see")
def list_patients(request, page: Query[PageQuery]):
    offset, limit = page.bounded()
    visible = patients_visible_to(request.user).order_by("family_name", "given_name", "pk")
    patients = list(visible[offset : offset + limit])
    record_patients_listed(request.user, patients, object_type="api_patient_list")
    return {"count": visible.count(), "items": patients}


@router.get("/patients/{patient_id}", response=PatientOut, summary="One patient")
def get_patient(request, patient_id: str):
    # The patient and their cases in one query, once the policy allowed (by id alone).
    with_cases = partial(patient_with_cases, request.user, Category.IDENTITY)
    patient = get_patient_for(request.user, patient_id, category=Category.IDENTITY, load=with_cases)
    cases = patient.visible_cases
    return {
        "id": patient.pk,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "email": patient.email,
        "birth_date": patient.birth_date,
        "cases": [
            {
                "id": c.pk,
                "organisation": c.organisation.name,
                "status": c.status,
                "opened_on": c.opened_on,
                "closed_on": c.closed_on,
            }
            for c in cases
        ],
    }


@router.get(
    "/patients/{patient_id}/access-events",
    response=AccessEventPage,
    summary="Who has accessed the patient's data (the patient, or a unit manager)",
)
def list_access_events(request, patient_id: str, page: Query[PageQuery]):
    patient = get_patient_for(
        request.user, patient_id, category=Category.ACCESS_LOG, object_type="access_log"
    )
    offset, limit = page.bounded()
    events = access_events_of(patient)
    items = [
        {
            "occurred_at": e.occurred_at,
            "organisation": e.actor_organisation.name if e.actor_organisation else None,
            "role": e.actor_role,
            "category": e.category,
            "action": e.action,
            "outcome": e.outcome,
        }
        for e in events[offset : offset + limit]
    ]
    return {"count": events.count(), "items": items}
