"""THE access policy: who may do what with which category of a patient's data.

A person reaches a patient's data in one of these ways, each recorded as the basis:
1. "self": they are the patient.
2. A care relationship (Patientdatalagen 4 kap. 1 §: staff read a patient's data when they
   take part in that patient's care), in a care role at a unit holding one of the patient's
   cases, with a second factor: "care:named", named on a case as its responsible physician
   or coordinator; "care:established", having stated why, for a limited time (the colleague
   covering a visit), and never while the patient refuses; "care:emergency", the same in an
   emergency, the only way past the patient's refusal; "care:program", a member of the
   rehabilitation team whose program the patient was referred to, from the referral until
   the program's follow-up ends (part of the named care team, which a refusal leaves
   alone). Working at the unit alone reaches no one.
3. "log_review": the unit manager, the identity and access log of the unit's patients, to
   review who opened what (HSLF-FS 2016:40).
4. "consent:<purpose>": they are an active member of the patient's network, with a second
   factor, holding an active consent for the category, in the role and organisation the
   consent was given to. A coach reaches a patient only this way.
5. "system:<basis>": a region's registered system (a SMART backend service, no person
   present, proving itself by its key), the patients with a case at one of the region's
   units, for the region's own follow-up under its country's law (stegvis.access.systems):
   reads only, and never a patient who refuses (spärr).
Whatever the way, a role never exceeds its ceiling (ROLE_CEILING): an employer can never
reach a diagnosis, clinical notes or questionnaire answers.
"""

from contextvars import ContextVar
from dataclasses import dataclass, field

import rules
from django.db.models import Case as Case_
from django.db.models import Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from stegvis.access import systems
from stegvis.access.categories import (
    CARE_ROLES,
    LOG_REVIEW_ROLES,
    ROLE_CEILING,
    SYSTEM_ROLES,
    Action,
    Category,
)
from stegvis.access.credentials import app_of
from stegvis.access.models import CareReason, CareRefusal, CareRelationship
from stegvis.accounts.mfa import mfa_satisfied
from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.roles import OrganisationKind, Role
from stegvis.cases.models import Case
from stegvis.core import request_context
from stegvis.core.prepared import Prepared
from stegvis.network.models import Consent


@dataclass
class Target:
    patient: User
    category: str
    action: str = Action.VIEW
    # False until looked up: the predicate and the decision share one query.
    _care: "CareBasis | bool | None" = field(default=False, repr=False)
    _grant: "Grant | bool | None" = field(default=False, repr=False)

    def care_basis(self, user: User) -> "CareBasis | None":
        if self._care is False:
            self._care = care_bases(user, self.category, [self.patient.pk]).get(self.patient.pk)
        return self._care

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


def _memberships_in(user: User, category: str, roles) -> dict[int, Membership]:
    """The user's memberships in `roles` whose ceiling holds `category`, by organisation."""
    return {
        m.organisation_id: m for m in _memberships_for_category(user, category) if m.role in roles
    }


def _system_memberships(user: User, category: str) -> dict[int, Membership]:
    """A registered system's memberships at its regions whose country's basis reads
    `category`, by region: only while the system itself acts, by its own token or in the
    export it asked for (request_context.system_account), never for whoever else holds the
    role."""
    if request_context.current.get().system_account != str(user.pk):
        return {}
    found = {}
    for region, membership in _memberships_in(user, category, SYSTEM_ROLES).items():
        basis = systems.basis_for(membership.organisation.jurisdiction)
        if membership.organisation.kind == OrganisationKind.REGION and (
            basis is not None and category in basis.categories
        ):
            found[region] = membership
    return found


def _system_basis(membership: Membership) -> str:
    return systems.basis_for(membership.organisation.jurisdiction).audit_basis


# What a registered system does: it reads (and exports what it read).
SYSTEM_ACTIONS = frozenset({Action.VIEW, Action.EXPORT})


@dataclass(frozen=True)
class CareBasis:
    """How a professional at a unit reaches a patient: a care relationship or log review."""

    basis: str
    membership: Membership


# When one person reaches a patient in several ways, the audit names the first of these.
CARE_PRECEDENCE = ("care:named", "care:emergency", "care:program", "care:established")


def _named_cases(user_id, organisations) -> QuerySet[Case]:
    """Cases at the user's care units that name them responsible physician or coordinator."""
    named = Q(responsible_physician_id=user_id) | Q(responsible_coordinator_id=user_id)
    return Case.objects.filter(named, organisation_id__in=organisations)


def _established(user_id, organisations, now=None):
    """The relationships the user established at their care units, still running, that
    the patient's refusal (if one stands) does not close."""
    return (
        CareRelationship.objects.active(now)
        .honoured()
        .filter(user_id=user_id, organisation_id__in=organisations)
    )


def _care_rows(user_id, organisations, patients, now):
    """(patient, unit, basis) of each care relationship: named and established in one query
    (a union)."""
    named = (
        _named_cases(user_id, organisations)
        .filter(patient_id__in=patients)
        .values_list("patient_id", "organisation_id", Value("care:named"))
    )
    established = (
        _established(user_id, organisations, now)
        .filter(patient_id__in=patients)
        .annotate(basis=Case_(
            When(emergency=True, then=Value("care:emergency")),
            When(reason=CareReason.PROGRAM, then=Value("care:program")),
            default=Value("care:established"),
        ))
        .values_list("patient_id", "organisation_id", "basis")
    )  # fmt: skip
    return named.union(established)


def _unit_rows(organisations, patients):
    """(patient, unit) of each case at the given units."""
    return Case.objects.filter(
        patient_id__in=patients, organisation_id__in=organisations
    ).values_list("patient_id", "organisation_id")


def _at_regions_units(regions) -> Q:
    """Cases at a unit of one of `regions`, of patients who do not refuse (spärr)."""
    refusing = CareRefusal.objects.filter(withdrawn_at__isnull=True).values("patient_id")
    return Q(organisation__parent_id__in=regions) & ~Q(patient_id__in=refusing)


def _system_rows(regions, patients):
    """(patient, region) of each case a registered system of `regions` reaches."""
    return Case.objects.filter(_at_regions_units(regions), patient_id__in=patients).values_list(
        "patient_id", "organisation__parent_id"
    )


# Decided on every request: built by the ORM once per shape (stegvis/core/prepared.py).
CARE_ROWS = Prepared(_care_rows)
UNIT_ROWS = Prepared(_unit_rows)
SYSTEM_ROWS = Prepared(_system_rows)


# The rows care_bases read in this request, by what they were asked for: the reader sets
# it for a request's duration and empties it whenever a write may change the answer, so
# the categories of one patient (which differ only in the memberships whose ceiling holds
# them) share one query. Outside a request, nothing is remembered.
care_memo: ContextVar[dict | None] = ContextVar("stegvis_care_memo", default=None)


def _remembered(key: tuple, read):
    memo = care_memo.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def care_bases(user: User, category: str, patient_ids) -> dict[object, CareBasis]:
    """Per patient, the care relationship (or the manager's log review) through which
    `user` reaches `category`: named on a case first, then established, then log review."""
    bases: dict[object, CareBasis] = {}
    patients = list(patient_ids)
    care = _memberships_in(user, category, CARE_ROLES)
    if care:
        rows = _remembered(
            ("care", user.pk, tuple(care), tuple(patients)),
            lambda: CARE_ROWS.rows(
                user_id=user.pk, organisations=list(care), patients=patients, now=timezone.now()
            ),
        )
        for patient_id, organisation_id, basis in sorted(
            rows, key=lambda row: CARE_PRECEDENCE.index(row[2])
        ):
            bases.setdefault(patient_id, CareBasis(basis, care[organisation_id]))
    review = _memberships_in(user, category, LOG_REVIEW_ROLES)
    if review:
        rows = _remembered(
            ("review", tuple(review), tuple(patients)),
            lambda: UNIT_ROWS.rows(organisations=list(review), patients=patients),
        )
        for patient_id, organisation_id in rows:
            bases.setdefault(patient_id, CareBasis("log_review", review[organisation_id]))
    regions = _system_memberships(user, category)
    if regions:
        for patient_id, region in SYSTEM_ROWS.rows(regions=list(regions), patients=patients):
            membership = regions[region]
            bases.setdefault(patient_id, CareBasis(_system_basis(membership), membership))
    return bases


def _reached_cases(own, user_id, care, review, system, roles, organisations, category, now,
                   today):  # fmt: skip
    """The ids of the cases a reader reaches, each way given as a list (empty: not this
    way): `own`, the reader as patient ([their id]); `care`, the care units where they
    reach the cases of patients they have a care relationship with; `review`, the units
    whose cases a unit manager reaches; `system`, the regions whose units' cases a
    registered system reaches; `roles` and `organisations`, the (role, unit) pairs in which
    a consent to `category` reaches its patient's cases."""
    condition = Q(pk__in=[])
    if own:
        condition |= Q(patient_id__in=own)
    if care:
        condition |= Q(organisation_id__in=care) & (
            Q(patient_id__in=_named_cases(user_id, care).values("patient_id"))
            | Q(patient_id__in=_established(user_id, care, now).values("patient_id"))
        )
    if review:
        condition |= Q(organisation_id__in=review)
    if system:
        condition |= _at_regions_units(system)
    if roles:
        held = _held_by(user_id, category, roles, organisations, today)
        condition |= Q(patient_id__in=held.values("patient_id"))
    return Case.objects.filter(condition).values("pk")


def _reached_patients(**ways):
    return _reached_cases(**ways).values("patient_id")


# Asked several times on every staff page (the caseload, its duties, its lists): the ORM
# resolves these nested subqueries once per shape, not on every call (core/prepared.py).
REACHED_CASES = Prepared(_reached_cases)
REACHED_PATIENTS = Prepared(_reached_patients)


def _reached(user: User, category: str, *, own: bool, consents: bool, of=REACHED_CASES,
             second_factor: bool = True):  # fmt: skip
    """The ids of the cases (or, `of=REACHED_PATIENTS`, of their patients) `user` reaches
    for `category`, as a subquery: as the patient (`own`), through care relationships and
    log review (with a second factor, unless `second_factor` is False) and, with
    `consents`, through consents (with a second factor)."""
    verified = mfa_satisfied(user)
    care, review, pairs = {}, {}, []
    if verified or not second_factor:
        care = _memberships_in(user, category, CARE_ROLES)
        review = _memberships_in(user, category, LOG_REVIEW_ROLES)
    if consents and verified:
        pairs = [(m.role, m.organisation_id) for m in _memberships_for_category(user, category)]
    return of.subquery(
        own=[user.pk] if own else [],
        user_id=user.pk,
        care=list(care),
        review=list(review),
        system=list(_system_memberships(user, category)),
        roles=[role for role, _unit in pairs],
        organisations=[unit for _role, unit in pairs],
        category=category,
        now=timezone.now(),
        today=timezone.localdate(),
    )


def care_cases(user: User, category: str) -> QuerySet[Case]:
    """Cases the user reaches through a care relationship or log review (not a consent),
    second factor or not: rows to look in (a meeting of a case in their care), each then
    decided, so a professional without one is refused on the patient's log."""
    if not (user.is_authenticated and user.is_active):
        return Case.objects.none()
    reached = _reached(user, category, own=False, consents=False, second_factor=False)
    return Case.objects.filter(pk__in=reached)


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


def _held_by(user_id, category, roles, organisations, today):
    """Active consents for `category` given to the user as a member in one of the (role,
    organisation) pairs."""
    held = Q()
    for role, organisation in zip(roles, organisations, strict=True):
        held |= Q(member__role=role, member__organisation_id=organisation)
    return Consent.objects.active(today).filter(held, member__user_id=user_id, category=category)


def _grant_rows(user_id, category, roles, organisations, patients, today):
    return (
        _held_by(user_id, category, roles, organisations, today)
        .filter(patient_id__in=patients)
        .order_by("granted_at")
        .values_list("patient_id", "role", "member__organisation_id", "purpose")
    )


GRANT_ROWS = Prepared(_grant_rows)


def consent_grants(user: User, category: str, patient_ids) -> dict[object, Grant]:
    """Per patient, one active consent through which `user` reaches `category`."""
    memberships = _memberships_for_category(user, category)
    if not memberships:
        return {}
    # The member's organisation is one of the user's own: the consent is held through it.
    organisation_of = {m.organisation_id: m.organisation for m in memberships}
    rows = GRANT_ROWS.rows(
        user_id=user.pk,
        category=category,
        roles=[m.role for m in memberships],
        organisations=[m.organisation_id for m in memberships],
        patients=list(patient_ids),
        today=timezone.localdate(),
    )
    grants: dict[object, Grant] = {}
    for patient_id, role, organisation_id, purpose in rows:
        grants.setdefault(
            patient_id, Grant(patient_id, role, organisation_of[organisation_id], purpose)
        )
    return grants


def _consented_patients(user_id, category, roles, organisations, today):
    return _held_by(user_id, category, roles, organisations, today).values("patient_id")


CONSENTED_PATIENTS = Prepared(_consented_patients)


def consented_patient_ids(user: User, category: str):
    """A subquery of the patients whose `category` the user reaches through consent: an
    active consent given to them in a role they still hold. A consent follows the member's
    role at an organisation: someone who has left the organisation, or a role whose ceiling
    lacks the category, reaches nothing through it."""
    memberships = _memberships_for_category(user, category)
    if not memberships:
        return []
    return CONSENTED_PATIENTS.subquery(
        user_id=user.pk,
        category=category,
        roles=[m.role for m in memberships],
        organisations=[m.organisation_id for m in memberships],
        today=timezone.localdate(),
    )


@rules.predicate
def is_the_patient(user: User, target: Target) -> bool:
    return user.pk == target.patient.pk


@rules.predicate
def has_second_factor(user: User) -> bool:
    return mfa_satisfied(user)


@rules.predicate
def in_care_relationship(user: User, target: Target) -> bool:
    return target.care_basis(user) is not None


@rules.predicate
def holds_consent(user: User, target: Target) -> bool:
    return target.consent_grant(user) is not None


@rules.predicate
def reached_by_system(user: User, target: Target) -> bool:
    """A registered system proves itself by its key on every token, not by a second factor."""
    care = target.care_basis(user)
    return care is not None and care.basis.startswith("system:")


has_relation = in_care_relationship | holds_consent
may_access_patient_data = is_the_patient | reached_by_system | (has_relation & has_second_factor)


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
    care = target.care_basis(user)
    if care is not None:
        if care.basis.startswith("system:") and action not in SYSTEM_ACTIONS:
            return Decision(
                False, "system_reads_only", Role.REGISTERED_SYSTEM, care.membership.organisation
            )
        return Decision(True, care.basis, care.membership.role, care.membership.organisation)
    grant = target.consent_grant(user)
    return Decision(True, grant.basis, grant.role, grant.organisation)


# The request being served, for the lists below: when an app acts in it (its credential,
# stegvis.access.credentials), they narrow to what the app's scopes open. Set per request
# by the reader's middleware.
serving: ContextVar = ContextVar("stegvis_policy_request", default=None)


def _as_the_app_may(user: User, category: str, field: str) -> Q:
    """What an app acting for `user` in this request may list of `category`."""
    request = serving.get()
    credential = app_of(request)
    if credential is None or request.user.pk != user.pk:
        return Q()
    return credential.patients(category, field, getattr(request, "app_resource", None))


def patients_visible_to(user: User, category: str = Category.IDENTITY) -> QuerySet[User]:
    """The patients whose `category` the user may see (the user themself included, as a
    patient: with a case)."""
    if not (user.is_authenticated and user.is_active):
        return User.objects.none()
    condition = Q(pk__in=_reached(user, category, own=True, consents=False, of=REACHED_PATIENTS))
    if mfa_satisfied(user):
        # A consent reaches its patient whether or not they have a case (a coach's).
        condition |= Q(pk__in=consented_patient_ids(user, category))
    return User.objects.filter(condition & _as_the_app_may(user, category, "pk"))


def cases_visible_to(user: User, category: str = Category.IDENTITY) -> QuerySet[Case]:
    """Cases whose `category` the user may see: their own, those of the patients in their
    care (or, for a unit manager, the unit's), and consented ones."""
    if not (user.is_authenticated and user.is_active):
        return Case.objects.none()
    return Case.objects.filter(
        Q(pk__in=_reached(user, category, own=True, consents=True))
        & _as_the_app_may(user, category, "patient_id")
    )


def _cases_of(patient):
    return (
        Case.objects.filter(patient_id=patient)
        .select_related("organisation")
        .order_by("opened_on", "pk")
    )


def _cases_of_consented(patient, user_id, category, roles, organisations, today):
    """The patient's cases, each marked whether the user holds a consent to `category`
    (the same on every row): a consent shows every case, a care relationship its unit's."""
    held = _held_by(user_id, category, roles, organisations, today)
    return _cases_of(patient).annotate(
        consented=Exists(held.filter(patient_id=OuterRef("patient_id")))
    )


def _user(pk):
    return User.objects.filter(pk=pk)


# The API's read of a patient and the patient's home list cases, each with its unit and
# patient (stegvis/core/prepared.py); a patient read alone is read by id.
CASES_OF = Prepared(_cases_of, related=("organisation", "patient"))
CASES_OF_CONSENTED = Prepared(
    _cases_of_consented, related=("organisation", "patient"), annotations=("consented",)
)
USER_BY_ID = Prepared(_user)


def patient_with_cases(user: User, category: str, patient_id, decision: Decision) -> User | None:
    """The patient `decision` allowed, read with their cases in one query, carrying as
    `visible_cases` those of them `user` may see (`visible_cases_of`)."""
    cases, visible = _cases_and_visible(user, patient_id, decision, category)
    patient = cases[0].patient if cases else USER_BY_ID.first(pk=patient_id)
    if patient is not None:
        patient.visible_cases = visible
    return patient


def visible_cases_of(user: User, patient: User, decision: Decision, category: str) -> list[Case]:
    """`cases_visible_to(user, category)` for the one patient `decision` (of `category`)
    allowed, oldest first with their units: the decision already says how the user reaches
    the patient, so only a consent behind a care basis is still to be found."""
    return _cases_and_visible(user, patient.pk, decision, category)[1]


def _cases_and_visible(user, patient_id, decision, category) -> tuple[list[Case], list[Case]]:
    """The patient's cases as read (all, or none when none need reading), and those of them
    `user` may see."""
    if not decision.allowed:
        return [], []
    if decision.basis == "self" or decision.basis.startswith("consent:"):
        cases = CASES_OF.instances(patient=patient_id)
        return cases, cases
    memberships = _memberships_for_category(user, category)
    if not memberships:  # no care relationship, no consent: nothing beyond the above
        return [], []
    cases = CASES_OF_CONSENTED.instances(
        patient=patient_id,
        user_id=user.pk,
        category=category,
        roles=[m.role for m in memberships],
        organisations=[m.organisation_id for m in memberships],
        today=timezone.localdate(),
    )
    if cases and cases[0].consented:
        return cases, cases
    units = set(_memberships_in(user, category, LOG_REVIEW_ROLES))
    if decision.basis.startswith("care:"):
        units |= set(_memberships_in(user, category, CARE_ROLES))
    regions = set(_system_memberships(user, category))
    return cases, [
        case
        for case in cases
        if case.organisation_id in units or case.organisation.parent_id in regions
    ]


def own_cases(user: User) -> list[Case]:
    """A patient's own cases, oldest first with their units:
    `cases_visible_to(user).filter(patient=user)`, plainly."""
    if not (user.is_authenticated and user.is_active):
        return []
    return CASES_OF.instances(patient=user.pk)
