"""A professional signed in with several assignments (medarbetaruppdrag) works under the one
they picked: the access policy sees the memberships their assignments give at that unit only,
none before they pick, and none at all through a token, a password or another e-ID. Signing
in through a real IdP is tested in tests/test_eid_saml.py."""

import pytest
from django.urls import reverse

from stegvis.access.categories import Category
from stegvis.access.policy import cases_visible_to, decide
from stegvis.accounts.eid import assignments
from stegvis.accounts.models import Membership, PersonalAccessToken, TokenScope, User
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case


@pytest.fixture
def assigned(personas):
    """The treating physician, whose memberships at both units are now their assignments'."""
    physician = personas.treating_physician
    Membership.objects.filter(user=physician).update(from_assignment=True)
    Membership.objects.create(user=physician, organisation=personas.other_unit,
                              role=Role.PHYSICIAN, from_assignment=True)  # fmt: skip
    return physician


def _acting(client, user: User, units: list[int], unit: int | None) -> None:
    client.force_login(user, backend="stegvis.accounts.backends.HighAssuranceEidBackend")
    session = client.session
    session[assignments.ACTING] = {"units": units, "unit": unit}
    session.save()


def test_the_policy_sees_the_picked_assignment_only(personas, assigned):
    case = Case.objects.get(patient=personas.patient)
    for picked, reaches in ((personas.unit.pk, True), (personas.other_unit.pk, False),
                            (None, False)):  # fmt: skip
        user = User.objects.get(pk=assigned.pk)
        assignments.narrowed(user, picked)
        assert decide(user, personas.patient, Category.PLAN).allowed is reaches
        assert cases_visible_to(user).filter(pk=case.pk).exists() is reaches


def test_a_case_page_follows_the_assignment_picked(client, personas, assigned):
    case = Case.objects.get(patient=personas.patient)
    page = reverse("case_detail", args=[case.pk])
    _acting(client, assigned, [personas.unit.pk, personas.other_unit.pk], None)
    assert client.get(page).status_code == 404  # not picked yet: no unit's patients
    assert client.post(reverse("eid_assignment"), {"unit": personas.unit.pk}).status_code == 302
    assert client.get(page).status_code == 200
    assert client.post(reverse("eid_assignment"),
                       {"unit": personas.other_unit.pk}).status_code == 302  # fmt: skip
    assert client.get(page).status_code == 404


def test_only_an_assignment_of_this_sign_in_can_be_picked(client, personas, assigned):
    _acting(client, assigned, [personas.other_unit.pk], personas.other_unit.pk)
    answer = client.post(reverse("eid_assignment"), {"unit": personas.unit.pk})
    assert answer.status_code == 400
    assert client.session[assignments.ACTING]["unit"] == personas.other_unit.pk


def test_an_assignments_membership_acts_through_no_token_or_password(client, personas, assigned):
    case = Case.objects.get(patient=personas.patient)
    _issued, raw = PersonalAccessToken.issue(user=assigned, name="t", scope=TokenScope.READ,
                                             days=1)  # fmt: skip
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"/api/v1/patients/{personas.patient.pk}", **bearer).status_code == 404
    client.force_login(assigned, backend="stegvis.accounts.backends.Backend")
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    # A membership given otherwise (an invitation) acts as before.
    Membership.objects.filter(user=assigned, organisation=personas.unit).update(
        from_assignment=False
    )
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200
