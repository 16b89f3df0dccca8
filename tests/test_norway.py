"""Norway for real: a Norwegian case meets Norway's law, Nav and Norway's own names, never
Sweden's (issue 34)."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation
from pydantic import ValidationError

from stegvis.access.categories import Category
from stegvis.accounts.roles import OrganisationKind, Role
from stegvis.network import services as network
from stegvis.network.models import Consent
from stegvis.network.purposes import Purpose, PurposeRule, purpose_set, purposes_for
from tests.factories import OrganisationFactory, UserFactory, member
from tests.norway import SWEDISH_WORDS, build_norway


@pytest.fixture
def norway(db):
    return build_norway()


def nb_page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="nb")
    assert response.status_code == 200, url
    return response.text


def swedish_words_in(text: str) -> list[str]:
    return [word for word in SWEDISH_WORDS if word in text]


def add_to_network(patient, user):
    membership = user.memberships.get()
    return network.member_add(
        actor=patient, user=user, organisation=membership.organisation, role=membership.role
    )


def test_each_country_is_offered_only_its_own_purposes():
    for role in (Role.INSURANCE_CASEWORKER, Role.PHYSICIAN, Role.EMPLOYER_MANAGER):
        norwegian = {rule.code for rule in purposes_for(role, "NO")}
        swedish = {rule.code for rule in purposes_for(role, "SE")}
        assert not norwegian & {Purpose.FK_INFORMATION, Purpose.SIP}
        assert not swedish & {Purpose.NAV_INFORMATION, Purpose.INDIVIDUAL_PLAN}
    assert {r.code for r in purposes_for(Role.INSURANCE_CASEWORKER, "NO")} == {
        Purpose.NAV_INFORMATION, Purpose.INDIVIDUAL_PLAN,
    }  # fmt: skip
    assert Purpose.INDIVIDUAL_PLAN in {r.code for r in purposes_for(Role.PHYSICIAN, "NO")}


def test_a_purpose_of_both_countries_names_each_countrys_law():
    for rule in purpose_set().rules.values():
        for country in rule.countries:
            reference = rule.legal_reference_for(country)
            assert reference and rule.source_for(country).startswith("https://")
            if country == "NO":
                assert not swedish_words_in(reference), (rule.code, reference)
                assert "lovdata.no" in rule.source_for("NO")
    shared = purpose_set().rules[Purpose.EMPLOYER_DIALOGUE].model_dump()
    with pytest.raises(ValidationError, match="names Norway's law"):
        PurposeRule(**{**shared, "legal_reference_no": "", "source_no": ""})


def test_olas_sharing_with_nav_is_titled_and_grounded_in_norwegian_law(client, norway):
    member_ = add_to_network(norway.ola, norway.veileder)
    page = nb_page(client, norway.ola, f"/network/members/{member_.pk}/")
    assert "Informasjon til Nav" in page
    assert "Folketrygdloven" in page and "Individuell plan" in page
    assert swedish_words_in(page) == []


def test_a_swedish_purpose_is_refused_on_a_norwegian_case(norway):
    member_ = add_to_network(norway.ola, norway.veileder)
    with translation.override("en"), pytest.raises(network.ConsentNotAllowed, match="another"):
        network.consent_grant(
            actor=norway.ola, member=member_, category=Category.CAPACITY,
            purpose=Purpose.FK_INFORMATION,
        )  # fmt: skip
    granted = network.consent_grant(
        actor=norway.ola, member=member_, category=Category.CAPACITY,
        purpose=Purpose.NAV_INFORMATION,
    )  # fmt: skip
    assert granted.purpose == Purpose.NAV_INFORMATION


def test_ola_is_offered_norwegian_organisations_only_when_he_adds_to_his_network(client, norway):
    fk = OrganisationFactory(name="Försäkringskassan Göteborg", kind=OrganisationKind.FK_OFFICE)
    member(UserFactory(), fk, Role.INSURANCE_CASEWORKER)
    page = nb_page(client, norway.ola, "/network/add/")
    assert "Nav Fjellvik" in page and "Fjellvik Bakeri AS" in page
    assert "Försäkringskassan" not in page


def test_nav_and_the_nearest_manager_are_called_what_they_are_in_norway(client, norway):
    add_to_network(norway.ola, norway.veileder)
    add_to_network(norway.ola, norway.leder)
    page = nb_page(client, norway.ola, "/network/")
    assert "Veileder i Nav" in page and "Nærmeste leder" in page
    assert "trygdeetaten" not in page


def test_norwegian_consents_given_under_swedish_codes_move_to_norways_purposes(norway):
    migration = importlib.import_module("stegvis.network.migrations.0003_purposes_per_country")
    member_ = add_to_network(norway.ola, norway.veileder)
    old = Consent.objects.create(
        member=member_, patient=norway.ola, role=member_.role, category=Category.CAPACITY,
        purpose=Purpose.FK_INFORMATION, granted_by=norway.ola,
    )  # fmt: skip
    migration.norwegian_consents_take_norways_purposes(apps, None)
    old.refresh_from_db()
    assert old.purpose == Purpose.NAV_INFORMATION
