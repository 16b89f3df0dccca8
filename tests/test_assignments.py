"""A professional signed in with several assignments (medarbetaruppdrag) works under the one
they picked: the access policy sees their care roles at that unit only, and none before they
pick. Signing in through a real IdP is tested in tests/test_eid_saml.py."""

from django.urls import reverse

from stegvis.access.categories import Category
from stegvis.access.policy import cases_visible_to, decide
from stegvis.accounts.eid import assignments
from stegvis.accounts.models import Membership, User
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case


def _acting(client, user: User, units: list[int], unit: int | None) -> None:
    client.force_login(user, backend="stegvis.accounts.backends.HighAssuranceEidBackend")
    session = client.session
    session[assignments.ACTING] = {"units": units, "unit": unit}
    session.save()


def test_the_policy_sees_the_picked_assignment_only(personas):
    physician = personas.treating_physician
    Membership.objects.create(user=physician, organisation=personas.other_unit,
                              role=Role.PHYSICIAN)  # fmt: skip
    case = Case.objects.get(patient=personas.patient)
    for picked, reaches in ((personas.unit.pk, True), (personas.other_unit.pk, False),
                            (None, False)):  # fmt: skip
        user = User.objects.get(pk=physician.pk)
        assignments.narrowed(user, picked)
        assert decide(user, personas.patient, Category.PLAN).allowed is reaches
        assert cases_visible_to(user).filter(pk=case.pk).exists() is reaches


def test_a_case_page_follows_the_assignment_picked(client, personas):
    physician = personas.treating_physician
    Membership.objects.create(user=physician, organisation=personas.other_unit,
                              role=Role.PHYSICIAN)  # fmt: skip
    case = Case.objects.get(patient=personas.patient)
    page = reverse("case_detail", args=[case.pk])
    units = [personas.unit.pk, personas.other_unit.pk]
    _acting(client, physician, units, None)
    assert client.get(page).status_code == 404  # not picked yet: no unit's patients
    assert client.post(reverse("eid_assignment"), {"unit": personas.unit.pk}).status_code == 302
    assert client.get(page).status_code == 200
    assert client.post(reverse("eid_assignment"),
                       {"unit": personas.other_unit.pk}).status_code == 302  # fmt: skip
    assert client.get(page).status_code == 404


def test_only_an_assignment_of_this_sign_in_can_be_picked(client, personas):
    physician = personas.treating_physician
    _acting(client, physician, [personas.other_unit.pk], personas.other_unit.pk)
    answer = client.post(reverse("eid_assignment"), {"unit": personas.unit.pk})
    assert answer.status_code == 400
    assert client.session[assignments.ACTING]["unit"] == personas.other_unit.pk
