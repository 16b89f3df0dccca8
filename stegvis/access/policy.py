"""THE access policy: who may do what with which category of a patient's data.

A person reaches a patient's data in one of three ways, each recorded as the basis:
1. "self": they are the patient.
2. "clinical_need": they work, in a care role and with a second factor, at the care unit
   that holds one of the patient's cases (the unit's own clinical need, Patientdatalagen
   4 kap.). Only care roles have it; an employer's membership anywhere never does.
3. "consent:<purpose>": they are an active member of the patient's network, with a second
   factor, holding an active consent for the category, in the role and organisation the
   consent was given to.
Whatever the way, a role never exceeds its ceiling (ROLE_CEILING): an employer can never
reach a diagnosis, clinical notes or questionnaire answers.
"""

from dataclasses import dataclass, field

import rules
from django.db.models import Q, QuerySet

from stegvis.access.categories import CLINICAL_NEED_ROLES, ROLE_CEILING, Action, Category
from stegvis.accounts.mfa import mfa_satisfied
from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case
from stegvis.network.models import Consent


@dataclass
class Target:
    patient: User
    category: str
    action: str = Action.VIEW
    _case_org_ids: set[int] | None = field(default=None, repr=False)
    # False until looked up: the predicate and the decision share one query.
    _grant: "Grant | bool | None" = field(default=False, repr=False)

    def case_organisation_ids(self) -> set[int]:
        if self._case_org_ids is None:
            self._case_org_ids = set(
                Case.objects.filter(patient=self.patient).values_list("organisation_id", flat=True)
            )
        return self._case_org_ids

    def consent_grant(self, user: User) -> "Grant | None":
        if self._grant is False:
            grants = consent_grants(user, self.category, [self.patient.pk])
            self._grant = grants.get(self.patient.pk)
        return self._grant


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: str
    role: str = ""
    organisation: Organisation | None = None


def _memberships_for_category(user: User, category: str) -> list[Membership]:
    return [m for m in user.memberships_cached() if category in ROLE_CEILING.get(m.role, ())]


def _care_memberships(user: User, category: str) -> list[Membership]:
    return [m for m in _memberships_for_category(user, category) if m.role in CLINICAL_NEED_ROLES]


def treating_organisation_ids(user: User, category: str) -> set[int]:
    """Organisations whose patients' `category` this user may reach by working there."""
    return {m.organisation_id for m in _care_memberships(user, category)}


def treating_memberships(user: User, target: Target) -> list[Membership]:
    case_orgs = target.case_organisation_ids()
    return [m for m in _care_memberships(user, target.category) if m.organisation_id in case_orgs]


@dataclass(frozen=True)
class Grant:
    """An active consent through which a user reaches a patient's category."""

    patient_id: object
    role: str
    organisation: Organisation
    purpose: str

    @property
    def organisation_id(self) -> int:
        return self.organisation.pk

    @property
    def basis(self) -> str:
        return f"consent:{self.purpose}"


def _consents_held(user: User, category: str):
    """Active consents for `category` given to `user` in a role they still hold.

    A consent follows the member's role at an organisation: someone who has left the
    organisation, or a role whose ceiling lacks the category, reaches nothing through it.
    """
    memberships = _memberships_for_category(user, category)
    if not memberships:
        return Consent.objects.none()
    held = Q()
    for m in memberships:
        held |= Q(member__role=m.role, member__organisation_id=m.organisation_id)
    return Consent.objects.active().filter(held, member__user=user, category=category)


def consent_grants(user: User, category: str, patient_ids) -> dict[object, Grant]:
    """Per patient, one active consent through which `user` reaches `category`."""
    grants: dict[object, Grant] = {}
    rows = (
        _consents_held(user, category)
        .filter(patient_id__in=patient_ids)
        .select_related("member__organisation")
        .order_by("granted_at")
    )
    for consent in rows:
        grants.setdefault(
            consent.patient_id,
            Grant(consent.patient_id, consent.role, consent.member.organisation, consent.purpose),
        )
    return grants


def consented_patient_ids(user: User, category: str):
    """A subquery of the patients whose `category` the user reaches through consent."""
    return _consents_held(user, category).values("patient_id")


@rules.predicate
def is_the_patient(user: User, target: Target) -> bool:
    return user.pk == target.patient.pk


@rules.predicate
def has_second_factor(user: User) -> bool:
    return mfa_satisfied(user)


@rules.predicate
def works_at_treating_unit(user: User, target: Target) -> bool:
    return bool(treating_memberships(user, target))


@rules.predicate
def holds_consent(user: User, target: Target) -> bool:
    return target.consent_grant(user) is not None


has_relation = works_at_treating_unit | holds_consent
may_access_patient_data = is_the_patient | (has_relation & has_second_factor)


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
        if has_relation(user, target):
            basis = "mfa_required"
        return Decision(
            False,
            basis,
            membership.role if membership else "",
            membership.organisation if membership else None,
        )
    if is_the_patient(user, target):
        return Decision(True, "self", Role.PATIENT)
    treating = treating_memberships(user, target)
    if treating:
        return Decision(True, "clinical_need", treating[0].role, treating[0].organisation)
    grant = target.consent_grant(user)
    return Decision(True, grant.basis, grant.role, grant.organisation)


def patients_visible_to(user: User, category: str = Category.IDENTITY) -> QuerySet[User]:
    """The patients whose `category` the user may see (the user themself included)."""
    if not (user.is_authenticated and user.is_active):
        return User.objects.none()
    condition = Q(pk=user.pk, cases__isnull=False)
    if mfa_satisfied(user):
        org_ids = treating_organisation_ids(user, category)
        if org_ids:
            condition |= Q(cases__organisation_id__in=org_ids)
        condition |= Q(pk__in=consented_patient_ids(user, category))
    return User.objects.filter(condition).distinct()


def cases_visible_to(user: User, category: str = Category.IDENTITY) -> QuerySet[Case]:
    """Cases whose `category` the user may see: their own, their units', consented ones."""
    if not (user.is_authenticated and user.is_active):
        return Case.objects.none()
    condition = Q(patient=user)
    if mfa_satisfied(user):
        org_ids = treating_organisation_ids(user, category)
        if org_ids:
            condition |= Q(organisation_id__in=org_ids)
        condition |= Q(patient_id__in=consented_patient_ids(user, category))
    return Case.objects.filter(condition)


def membership_for_case(user: User, case: Case, category: str) -> Membership | None:
    """The care membership through which `user` sees `case` by clinical need, if any."""
    for membership in _care_memberships(user, category):
        if membership.organisation_id == case.organisation_id:
            return membership
    return None
