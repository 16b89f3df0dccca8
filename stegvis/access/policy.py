"""THE access policy: who may do what with which category of a patient's data.

Access comes from (1) being the patient, or (2) working, with a second factor, at a care
unit that holds one of the patient's cases, in a role whose ceiling includes the category.
Rule (2) is the one a consent-based rule will replace: it lives in `treating_memberships`
and `treating_organisation_ids`, which the predicates and the selectors both use.
"""

from dataclasses import dataclass, field

import rules
from django.db.models import Q, QuerySet

from stegvis.access.categories import ROLE_CEILING, Action, Category
from stegvis.accounts.mfa import mfa_satisfied
from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case


@dataclass
class Target:
    patient: User
    category: str
    action: str = Action.VIEW
    _case_org_ids: set[int] | None = field(default=None, repr=False)

    def case_organisation_ids(self) -> set[int]:
        if self._case_org_ids is None:
            self._case_org_ids = set(
                Case.objects.filter(patient=self.patient).values_list("organisation_id", flat=True)
            )
        return self._case_org_ids


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: str
    role: str = ""
    organisation: Organisation | None = None


def _memberships_for_category(user: User, category: str) -> list[Membership]:
    return [m for m in user.memberships_cached() if category in ROLE_CEILING.get(m.role, ())]


def treating_organisation_ids(user: User, category: str) -> set[int]:
    """Organisations whose patients' `category` this user may reach by working there."""
    return {m.organisation_id for m in _memberships_for_category(user, category)}


def treating_memberships(user: User, target: Target) -> list[Membership]:
    case_orgs = target.case_organisation_ids()
    return [
        m
        for m in _memberships_for_category(user, target.category)
        if m.organisation_id in case_orgs
    ]


@rules.predicate
def is_the_patient(user: User, target: Target) -> bool:
    return user.pk == target.patient.pk


@rules.predicate
def has_second_factor(user: User) -> bool:
    return mfa_satisfied(user)


@rules.predicate
def works_at_treating_unit(user: User, target: Target) -> bool:
    return bool(treating_memberships(user, target))


may_access_patient_data = is_the_patient | (works_at_treating_unit & has_second_factor)


def _primary_membership(user: User) -> Membership | None:
    memberships = user.memberships_cached()
    return memberships[0] if memberships else None


def decide(user: User, patient: User, category: str, action: str = Action.VIEW) -> Decision:
    """May `user` do `action` on `category` of `patient`? With the reason, for the audit."""
    if not (user.is_authenticated and user.is_active):
        return Decision(False, "not_authenticated")
    target = Target(patient, category, action)
    if not may_access_patient_data(user, target):
        membership = _primary_membership(user)
        basis = "no_relation"
        if works_at_treating_unit(user, target):
            basis = "mfa_required"
        return Decision(
            False,
            basis,
            membership.role if membership else "",
            membership.organisation if membership else None,
        )
    if is_the_patient(user, target):
        return Decision(True, "self", Role.PATIENT)
    membership = treating_memberships(user, target)[0]
    return Decision(True, "treating_unit", membership.role, membership.organisation)


def patients_visible_to(user: User, category: str = Category.IDENTITY) -> QuerySet[User]:
    """The patients whose `category` the user may see (the user themself included)."""
    if not (user.is_authenticated and user.is_active):
        return User.objects.none()
    condition = Q(pk=user.pk, cases__isnull=False)
    org_ids = treating_organisation_ids(user, category) if mfa_satisfied(user) else set()
    if org_ids:
        condition |= Q(cases__organisation_id__in=org_ids)
    return User.objects.filter(condition).distinct()


def cases_visible_to(user: User, category: str = Category.IDENTITY) -> QuerySet[Case]:
    """Cases whose `category` the user may see: their own, and their units' cases."""
    if not (user.is_authenticated and user.is_active):
        return Case.objects.none()
    condition = Q(patient=user)
    org_ids = treating_organisation_ids(user, category) if mfa_satisfied(user) else set()
    if org_ids:
        condition |= Q(organisation_id__in=org_ids)
    return Case.objects.filter(condition)


def membership_for_case(user: User, case: Case, category: str) -> Membership | None:
    """The membership through which `user` sees `case` (None: they are its patient)."""
    for membership in _memberships_for_category(user, category):
        if membership.organisation_id == case.organisation_id:
            return membership
    return None
