"""Consents decide what a network member sees: tables over the personas, withdrawal that
takes effect on the next request, end dates, and the employer's hard limit."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from stegvis.access.categories import EMPLOYER_NEVER, Category
from stegvis.access.policy import cases_visible_to, decide, patients_visible_to, visible_cases_of
from stegvis.accounts.models import PersonalAccessToken, TokenScope
from stegvis.accounts.roles import Role
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case
from stegvis.network import services
from stegvis.network.models import Consent, MemberStatus
from stegvis.network.purposes import Purpose

C = Category
P = Purpose

# What the patient shares in the `shared` fixture: persona -> (purpose, categories).
SHARED = {
    "employer": (P.EMPLOYER_DIALOGUE, {C.IDENTITY, C.CAPACITY, C.PLAN}),
    "fk_caseworker": (P.FK_INFORMATION, {C.IDENTITY, C.SICK_LEAVE, C.CAPACITY}),
    # A consent to someone without a second factor reaches nothing until they set one up.
    "physician_without_mfa": (P.COORDINATION, {C.IDENTITY}),
}

# persona -> categories of `patient` it may view once the patient has shared.
MAY_VIEW_WITH_CONSENT = {
    "employer": {C.IDENTITY, C.CAPACITY, C.PLAN},
    "fk_caseworker": {C.IDENTITY, C.SICK_LEAVE, C.CAPACITY},
    "coordinator": set(C) - {C.ACCESS_LOG, C.NETWORK},
    "unrelated_physician": set(),
    "outsider": set(),
    "physician_without_mfa": set(),
}


def share(personas, persona, purpose, categories, **kwargs):
    user = personas.get(persona)
    membership = user.memberships_cached()[0]
    member = services.member_add(
        actor=personas.patient,
        user=user,
        organisation=membership.organisation,
        role=membership.role,
    )
    return [
        services.consent_grant(
            actor=personas.patient, member=member, category=c, purpose=purpose, **kwargs
        )
        for c in categories
    ]


@pytest.fixture
def shared(personas):
    return {
        persona: share(personas, persona, purpose, categories)
        for persona, (purpose, categories) in SHARED.items()
    }


@pytest.mark.parametrize("persona", MAY_VIEW_WITH_CONSENT)
@pytest.mark.parametrize("category", list(Category))
def test_consent_table_for_each_persona_and_category(personas, shared, persona, category):
    decision = decide(personas.get(persona), personas.patient, category)
    assert decision.allowed is (category in MAY_VIEW_WITH_CONSENT[persona])


def test_consent_access_names_the_purpose_role_and_organisation(personas, shared):
    decision = decide(personas.employer, personas.patient, C.CAPACITY)
    assert decision.basis == "consent:employer_dialogue"
    assert decision.role == Role.EMPLOYER_MANAGER
    assert decision.organisation.name == "Bageriet Korn AB"


def test_the_named_care_team_reaches_the_patient_without_consent(personas):
    decision = decide(personas.coordinator, personas.patient, C.PLAN)
    assert (decision.allowed, decision.basis) == (True, "care:named")


def test_selectors_include_consented_patients_for_that_category_only(personas, shared):
    employer = personas.employer
    assert list(patients_visible_to(employer, C.CAPACITY)) == [personas.patient]
    assert cases_visible_to(employer, C.CAPACITY).get().patient == personas.patient
    assert not cases_visible_to(employer, C.SICK_LEAVE).exists()
    assert (
        not cases_visible_to(personas.unrelated_physician, C.CAPACITY)
        .filter(patient=personas.patient)
        .exists()
    )


@pytest.mark.parametrize("category", sorted(EMPLOYER_NEVER))
def test_employer_can_never_be_given_a_diagnosis_notes_or_answers(personas, category):
    with pytest.raises(services.ConsentNotAllowed):
        share(personas, "employer", P.EMPLOYER_DIALOGUE, {category})
    assert not decide(personas.employer, personas.patient, category).allowed


@pytest.mark.parametrize("category", sorted(EMPLOYER_NEVER))
def test_the_database_refuses_an_employer_consent_to_clinical_data(personas, category):
    (consent,) = share(personas, "employer", P.EMPLOYER_DIALOGUE, {C.CAPACITY})
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(
            member=consent.member,
            patient=personas.patient,
            role=Role.EMPLOYER_MANAGER,
            category=category,
            purpose=P.EMPLOYER_DIALOGUE,
            granted_by=personas.patient,
        )


def test_a_purpose_is_offered_only_to_the_roles_it_fits(personas):
    with pytest.raises(services.ConsentNotAllowed):
        share(personas, "employer", P.FK_INFORMATION, {C.CAPACITY})


def test_withdrawal_refuses_the_very_next_decision(personas, shared):
    consent = next(c for c in shared["employer"] if c.category == C.CAPACITY)
    assert decide(personas.employer, personas.patient, C.CAPACITY).allowed
    services.consent_withdraw(actor=personas.patient, consent=consent)
    assert not decide(personas.employer, personas.patient, C.CAPACITY).allowed
    assert decide(personas.employer, personas.patient, C.PLAN).allowed


def test_a_consent_ends_after_its_end_date(personas):
    end = timezone.localdate() + timedelta(days=10)
    share(personas, "employer", P.EMPLOYER_DIALOGUE, {C.CAPACITY}, ends_on=end)
    assert decide(personas.employer, personas.patient, C.CAPACITY).allowed
    with time_machine.travel(end + timedelta(days=1, hours=12)):
        assert not decide(personas.employer, personas.patient, C.CAPACITY).allowed


def test_a_member_who_left_the_organisation_reaches_nothing(personas, shared):
    personas.employer.memberships.all().delete()
    del personas.employer._memberships_cache
    assert not decide(personas.employer, personas.patient, C.CAPACITY).allowed


def test_removing_a_member_withdraws_every_consent(personas, shared):
    member = shared["fk_caseworker"][0].member
    services.member_remove(actor=personas.patient, member=member)
    assert not Consent.objects.active().filter(member=member).exists()
    assert not decide(personas.fk_caseworker, personas.patient, C.SICK_LEAVE).allowed


def test_granting_twice_is_one_consent_and_each_change_is_audited(personas, events_about):
    before = events_about(personas.patient, category=C.NETWORK)
    first = share(personas, "employer", P.EMPLOYER_DIALOGUE, {C.CAPACITY})
    again = share(personas, "employer", P.EMPLOYER_DIALOGUE, {C.CAPACITY})
    assert first == again
    services.consent_withdraw(actor=personas.patient, consent=first[0])
    # member added, consent granted, consent withdrawn
    assert events_about(personas.patient, category=C.NETWORK) - before == 3
    assert Consent.objects.get().withdrawn_by == personas.patient


def test_withdrawal_applies_to_an_open_browser_session_at_once(personas, shared, client):
    client.force_login(personas.employer)
    case = personas.patient.cases.get()
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    for consent in shared["employer"]:
        if consent.category == C.CAPACITY:
            services.consent_withdraw(actor=personas.patient, consent=consent)
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_withdrawal_applies_to_an_api_token_at_once(personas, shared, client):
    _token, raw = PersonalAccessToken.issue(
        user=personas.employer, name="hr", scope=TokenScope.READ, days=30
    )
    case = personas.patient.cases.get()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"/api/v1/cases/{case.pk}", **headers).status_code == 200
    member = shared["employer"][0].member
    services.member_remove(actor=personas.patient, member=member)
    assert client.get(f"/api/v1/cases/{case.pk}", **headers).status_code == 404
    refused = AccessEvent.objects.filter(actor=personas.employer, outcome="denied").last()
    assert refused.basis == "no_relation"


def test_a_join_request_shares_nothing_until_the_patient_decides(personas):
    membership = personas.fk_caseworker.memberships_cached()[0]
    member = services.member_request_join(
        actor=personas.fk_caseworker, membership=membership, patient=personas.patient
    )
    assert member.status == MemberStatus.REQUESTED
    services.member_respond(actor=personas.patient, member=member, accept=True)
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE
    assert not decide(personas.fk_caseworker, personas.patient, C.IDENTITY).allowed


@pytest.mark.parametrize("consent_to_the_physician", [False, True])
def test_one_patients_cases_found_from_the_decision_are_those_the_selector_finds(
    personas, shared, consent_to_the_physician
):
    # A second case at another unit: a care basis reaches only the unit's cases, a consent
    # (alone, or behind the care basis) all of them, the manager's log review the unit's.
    Case.objects.create(patient=personas.patient, organisation=personas.other_unit)
    if consent_to_the_physician:
        share(personas, "treating_physician", P.COORDINATION, {C.IDENTITY, C.PLAN})
    seen = 0
    for persona in [*MAY_VIEW_WITH_CONSENT, "treating_physician", "unit_manager", "patient"]:
        user = personas.get(persona)
        for category in Category:
            decision = decide(user, personas.patient, category)
            found = set(visible_cases_of(user, personas.patient, decision, category))
            if not decision.allowed:
                assert not found
                continue
            expected = cases_visible_to(user, category).filter(patient=personas.patient)
            assert found == set(expected), (persona, category, decision.basis)
            seen += len(found)
    physician = visible_cases_of(
        personas.treating_physician,
        personas.patient,
        decide(personas.treating_physician, personas.patient, C.PLAN),
        C.PLAN,
    )
    assert len(physician) == (2 if consent_to_the_physician else 1)
    assert seen
