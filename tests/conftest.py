"""Shared fixtures. `personas` is the cast every permission table runs over."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from stegvis.accounts.models import Organisation, User
from stegvis.accounts.roles import OrganisationKind as Kind
from stegvis.accounts.roles import Role
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case
from stegvis.cases.services import case_refresh_deadline
from stegvis.network import services as network
from stegvis.network.purposes import Purpose
from tests.factories import OrganisationFactory, UserFactory, member, patient_at, representative_at
from tests.world import world  # noqa: F401 - a fixture shared by the route tables


@dataclass
class Personas:
    unit: Organisation
    other_unit: Organisation
    patient: User
    other_patient: User
    treating_physician: User
    coordinator: User
    unrelated_physician: User
    fk_caseworker: User
    employer: User
    unit_manager: User
    outsider: User
    physician_without_mfa: User
    facilitator: User
    representative: User

    def get(self, name: str) -> User:
        return getattr(self, name)

    def with_consent(self, user: User, categories, purpose=Purpose.COORDINATION, patient=None):
        """`user` joins the patient's network in their role, holding a consent for each
        of `categories` given for `purpose`."""
        patient = patient or self.patient
        membership = user.memberships_cached()[0]
        member = network.member_add(
            actor=patient, user=user, organisation=membership.organisation, role=membership.role
        )
        for category in categories:
            network.consent_grant(actor=patient, member=member, category=category, purpose=purpose)
        return member


PERSONA_NAMES = [
    "patient", "treating_physician", "coordinator", "unrelated_physician", "fk_caseworker",
    "employer", "unit_manager", "outsider", "physician_without_mfa", "facilitator",
    "representative",
]  # fmt: skip


@pytest.fixture(autouse=True)
def audit_checkpoints(settings, tmp_path):
    """Each test's database starts empty, so its audit checkpoints start empty too."""
    settings.STEGVIS_AUDIT_CHECKPOINTS = str(tmp_path / "audit-checkpoints.jsonl")
    return tmp_path / "audit-checkpoints.jsonl"


@pytest.fixture
def personas(db) -> Personas:
    unit = OrganisationFactory(name="Vårdcentralen Solbacken")
    other_unit = OrganisationFactory(name="Vårdcentralen Norrgården")
    fk = OrganisationFactory(name="Försäkringskassan", kind=Kind.FK_OFFICE)
    employer_org = OrganisationFactory(name="Bageriet Korn AB", kind=Kind.EMPLOYER)
    personas = Personas(
        unit=unit,
        other_unit=other_unit,
        patient=patient_at(unit, email="patient@example.org", given_name="Pia"),
        other_patient=patient_at(other_unit, email="other.patient@example.org"),
        treating_physician=member(UserFactory(email="physician@example.org"), unit, Role.PHYSICIAN),
        coordinator=member(UserFactory(), unit, Role.REHAB_COORDINATOR),
        unrelated_physician=member(UserFactory(), other_unit, Role.PHYSICIAN),
        fk_caseworker=member(UserFactory(), fk, Role.INSURANCE_CASEWORKER),
        employer=member(UserFactory(), employer_org, Role.EMPLOYER_MANAGER),
        unit_manager=member(UserFactory(), unit, Role.UNIT_MANAGER),
        outsider=UserFactory(email="outsider@example.org"),
        physician_without_mfa=member(UserFactory(), unit, Role.PHYSICIAN, mfa=False),
        facilitator=member(UserFactory(), unit, Role.PARTICIPATION_FACILITATOR),
        representative=representative_at(unit),
    )
    # The patient's named care team: the care relationship through which they reach her.
    Case.objects.filter(patient=personas.patient).update(
        responsible_physician=personas.treating_physician,
        responsible_coordinator=personas.coordinator,
    )
    return personas


@pytest.fixture
def case(personas) -> Case:
    """The patient's case: on sick leave for 20 days of 90 expected, with a responsible
    physician and coordinator, its next deadline stored."""
    case = Case.objects.get(patient=personas.patient)
    case.sick_from = timezone.localdate() - timedelta(days=20)
    case.expected_days = 90
    case.responsible_physician = personas.treating_physician
    case.responsible_coordinator = personas.coordinator
    case.save()
    case_refresh_deadline(case)
    return case


@pytest.fixture
def events_about():
    def count(patient: User | None, **filters) -> int:
        return AccessEvent.objects.filter(patient=patient, **filters).count()

    return count


def pytest_collection_modifyitems(config, items):
    # Playwright's sync API keeps an event loop running in the main thread once started,
    # and Django then refuses database calls; so browser tests run after all the others.
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))
