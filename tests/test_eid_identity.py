"""From a verified e-ID login to the person: the rules that do not need a provider running
(who is found, who is refused, what a session begun by e-ID proves)."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from stegvis.accounts.backends import Backend, EidBackend, HighAssuranceEidBackend
from stegvis.accounts.eid.identity import Refused, person_for
from stegvis.accounts.eid.profiles import profile
from stegvis.accounts.eid.providers import configuration_problems
from stegvis.accounts.mfa import mfa_satisfied
from stegvis.accounts.roles import Role
from tests.factories import OrganisationFactory, UserFactory, member

HELSEID = profile("helseid")
HPR, PID = HELSEID.hpr_number_claim, HELSEID.national_id_claim
ASSURANCE = HELSEID.assurance_claim


@pytest.fixture
def unit(db):
    return OrganisationFactory(jurisdiction="NO")


def _person(unit, role, number="", hpr="", **fields):
    user = member(UserFactory(**fields), unit, role)
    if number:
        user.set_national_id(number, "NO")
    user.hpr_number = hpr
    user.save()
    return user


def test_an_hpr_number_and_an_identity_number_of_two_accounts_sign_in_no_one(unit):
    _person(unit, Role.PHYSICIAN, hpr="565505933")
    _person(unit, Role.PATIENT, number="13097248022")
    with pytest.raises(Refused, match="identity_mismatch"):
        person_for(HELSEID, {HPR: "565505933", PID: "13097248022", ASSURANCE: "high"})


def test_two_accounts_with_one_hpr_number_are_never_guessed_between(unit):
    for _ in range(2):
        _person(unit, Role.PHYSICIAN, hpr="565505933")
    with pytest.raises(Refused, match="identity_mismatch"):
        person_for(HELSEID, {HPR: "565505933", ASSURANCE: "high"})


def test_an_inactive_account_is_not_signed_in(unit):
    _person(unit, Role.PATIENT, number="13097248022", is_active=False)
    with pytest.raises(Refused, match="no_account"):
        person_for(HELSEID, {PID: "13097248022", ASSURANCE: "high"})


def test_a_lower_level_links_nothing_and_lets_no_care_role_in(unit):
    coach = _person(unit, Role.COACH, number="13097248022")
    identified = person_for(HELSEID, {HPR: "565505933", PID: "13097248022",
                                      ASSURANCE: "substantial"})  # fmt: skip
    assert identified.user == coach and not identified.high
    coach.refresh_from_db()
    assert coach.hpr_number == ""  # linked only at a high level
    member(coach, unit, Role.PHYSICIAN, mfa=False)
    with pytest.raises(Refused, match="assurance_too_low"):
        person_for(HELSEID, {PID: "13097248022", ASSURANCE: "substantial"})


def test_a_session_begun_by_e_id_proves_a_second_factor_only_at_a_high_level(unit):
    # A coach who has a one-time code set up, signed in three ways.
    coach = _person(unit, Role.COACH)
    assert mfa_satisfied(Backend().get_user(str(coach.pk)))
    assert mfa_satisfied(HighAssuranceEidBackend().get_user(str(coach.pk)))
    lower = EidBackend().get_user(str(coach.pk))
    assert not mfa_satisfied(lower)
    # Still not after a write makes the request's reader forget what it knew of them.
    for remembered in ("_memberships_cache", "_mfa_satisfied"):
        if hasattr(lower, remembered):
            delattr(lower, remembered)
    assert not mfa_satisfied(lower)


def test_no_password_sign_in_is_taken_for_one_by_e_id(unit):
    person = member(UserFactory(email="p@example.no"), unit, Role.PATIENT)
    person.set_password("long enough password 1")
    person.save()
    assert EidBackend().authenticate(None, email="p@example.no",
                                     password="long enough password 1") is None  # fmt: skip
    request = RequestFactory().post("/accounts/login/")
    signed = authenticate(request, email="p@example.no", password="long enough password 1")
    assert signed == person and signed.backend == "stegvis.accounts.backends.Backend"


def test_a_provider_configured_wrongly_is_named_before_anyone_signs_in(settings, tmp_path):
    settings.STEGVIS_EID_PROVIDERS = [
        {"slug": "plain", "name": "P", "profile": "idporten", "issuer": "http://idp.example",
         "client_id": "c", "key_file": str(tmp_path / "missing.json")},
        {"slug": "half", "name": "H", "profile": "helseid"},
        {"slug": "siths", "name": "S", "profile": "inera_siths", "key_file": "k",
         "cert_file": "c", "idp_metadata": "http://idp.example/metadata"},
        {"slug": "odd", "name": "O", "profile": "no-such-profile"},
    ]  # fmt: skip
    problems = configuration_problems()
    plain = [problem for slug, problem in problems if slug == "plain"]
    assert len(plain) == 2 and "HTTPS" in plain[0] and "missing.json" in plain[1]
    assert ("half", "missing client_id, issuer, key_file") in problems
    # A SAML provider's sign-in page origin is given, since its metadata is read later.
    assert ("siths", "missing authorization_origin") in problems
    assert any(slug == "odd" and "no-such-profile" in problem for slug, problem in problems)
