"""Resolve patient data through the policy, recording exactly one audit event per decision.

What a user may not see answers 404, whether it exists or not, so nothing leaks.
"""

import uuid
from collections.abc import Iterable
from dataclasses import replace
from operator import attrgetter

from django.core.exceptions import PermissionDenied
from django.http import Http404

from stegvis.access import audit
from stegvis.access.categories import Action, Category
from stegvis.access.models import AccessEvent, Outcome
from stegvis.access.policy import (
    cases_visible_to,
    consent_grants,
    decide,
    membership_for_case,
)
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case


def _actor(user: User) -> User | None:
    return user if user.is_authenticated else None


def get_patient_for(
    user: User,
    patient_id,
    *,
    category: str,
    action: str = Action.VIEW,
    object_type: str = "patient",
    object_id: str = "",
) -> User:
    """The patient, if `user` may do `action` on `category` of them; else Http404."""
    try:
        patient = User.objects.filter(pk=uuid.UUID(str(patient_id))).first()
    except ValueError:
        patient = None
    if patient is None:
        _record_not_found(user, category, action, object_type, patient_id)
        raise Http404
    _decide_and_record(user, patient, category, action, object_type, object_id or str(patient.pk))
    return patient


def _decide_and_record(user, patient, category, action, object_type, object_id, roles=None):
    """One audit event for the decision; Http404 when it refuses.

    `roles` narrows who may do the action (only physicians sign certificates): someone who
    may see the data but holds another role gets PermissionDenied, recorded as refused.
    """
    decision = decide(user, patient, category, action)
    wrong_role = decision.allowed and roles is not None and decision.role not in roles
    if wrong_role:
        decision = replace(decision, allowed=False, basis="role_not_permitted")
    audit.append(
        [
            audit.new_event(
                actor=_actor(user),
                actor_role=decision.role,
                actor_organisation=decision.organisation,
                patient=patient,
                category=category,
                action=action,
                outcome=Outcome.ALLOWED if decision.allowed else Outcome.DENIED,
                basis=decision.basis,
                object_type=object_type,
                object_id=str(object_id),
            )
        ]
    )
    if wrong_role:
        raise PermissionDenied
    if not decision.allowed:
        raise Http404
    return decision


def decision_about(user: User, patient: User, category: str, action: str = Action.VIEW):
    """What the policy would decide, without recording it. Only for questions that read no
    patient data themselves: which links a page offers, who may be invited or told, the role
    someone acts in. The read that follows goes through an audited helper, which records it."""
    return decide(user, patient, category, action)


def may_access(
    user: User, patient: User, *, category: str, action: str = Action.VIEW, object_type: str
) -> bool:
    """Whether `user` may reach `category` of a patient already shown to them, to decide
    what else a page includes; recorded like any other decision."""
    try:
        _decide_and_record(user, patient, category, action, object_type, str(patient.pk))
    except Http404:
        return False
    return True


def _record_not_found(user, category, action, object_type, object_id) -> None:
    audit.append(
        [
            audit.new_event(
                actor=_actor(user),
                patient=None,
                category=category,
                action=action,
                outcome=Outcome.DENIED,
                basis="not_found",
                object_type=object_type,
                object_id=str(object_id)[:64],
            )
        ]
    )


def get_object_for(
    user: User,
    queryset,
    object_id,
    *,
    category: str,
    action: str = Action.VIEW,
    object_type: str,
    patient_field: str = "case__patient",
    roles=None,
):
    """An object of a patient, if `user` may do `action` on `category` of that patient.

    Http404 for what does not exist or may not be seen, and one audit event either way.
    The object carries the allowing Decision as `access_decision`.
    """
    try:
        found = queryset.select_related(patient_field).filter(pk=uuid.UUID(str(object_id))).first()
    except ValueError:
        found = None
    if found is None:
        _record_not_found(user, category, action, object_type, object_id)
        raise Http404
    patient = attrgetter(patient_field.replace("__", "."))(found)
    # The decision rides along, so a view can tell in which role the user came.
    found.access_decision = _decide_and_record(
        user, patient, category, action, object_type, found.pk, roles
    )
    return found


def get_case_for(
    user: User, case_id, *, category: str, action: str = Action.VIEW, roles=None
) -> Case:
    return get_object_for(
        user,
        Case.objects.all(),
        case_id,
        category=category,
        action=action,
        object_type="case",
        patient_field="patient",
        roles=roles,
    )


def openable_case_ids(user: User, cases: Iterable[Case]) -> set:
    """Of `cases` already listed to `user`, those whose case page they may open, so a list
    offers a link only where it leads somewhere (the case page needs `capacity`)."""
    ids = {case.pk for case in cases}
    if not ids:
        return set()
    visible = cases_visible_to(user, Category.CAPACITY).filter(pk__in=ids)
    return set(visible.values_list("pk", flat=True))


def record_cases_listed(
    user: User, cases: Iterable[Case], *, category: str = Category.IDENTITY, object_type: str
) -> list[AccessEvent]:
    """One event per listed case's patient, written in one statement.

    The cases come from `cases_visible_to`, so each was allowed by the same policy; this
    names the way: the patient themself, the unit's clinical need, or a consent.
    """
    cases = list(cases)
    others = {case.patient_id for case in cases if case.patient_id != user.pk}
    grants = consent_grants(user, category, others) if others else {}
    events = []
    for case in cases:
        membership = membership_for_case(user, case, category)
        if case.patient_id == user.pk:
            role, organisation_id, basis = Role.PATIENT, None, "self"
        elif membership is not None:
            role, organisation_id, basis = (
                membership.role,
                membership.organisation_id,
                "clinical_need",
            )
        else:
            grant = grants[case.patient_id]
            role, organisation_id, basis = grant.role, grant.organisation_id, grant.basis
        events.append(
            audit.new_event(
                actor=user,
                actor_role=role,
                actor_organisation_id=organisation_id,
                patient_id=case.patient_id,
                category=category,
                action=Action.VIEW,
                outcome=Outcome.ALLOWED,
                basis=basis,
                object_type=object_type,
                object_id=str(case.pk),
            )
        )
    return audit.append(events)


def record_patients_listed(
    user: User, patients: list[User], *, category: str = Category.IDENTITY, object_type: str
) -> list[AccessEvent]:
    """One event per listed patient (from `patients_visible_to`), in two statements."""
    cases_by_patient: dict = {}
    visible = cases_visible_to(user, category).filter(patient__in=patients)
    for case in visible.only("pk", "patient_id", "organisation_id").order_by("opened_on"):
        preferred = cases_by_patient.get(case.patient_id)
        # Prefer the case the user sees as staff; their own case when it is themself.
        if preferred is None or membership_for_case(user, preferred, category) is None:
            cases_by_patient[case.patient_id] = case
    events = record_cases_listed(
        user, cases_by_patient.values(), category=category, object_type=object_type
    )
    # A patient reached by consent need not have a case (a coach's patient, say): the
    # consent itself is the basis, named on the event for the patient.
    caseless = [p.pk for p in patients if p.pk not in cases_by_patient and p.pk != user.pk]
    if caseless:
        grants = consent_grants(user, category, caseless)
        events += audit.append(
            [
                audit.new_event(
                    actor=user,
                    actor_role=grant.role,
                    actor_organisation_id=grant.organisation_id,
                    patient_id=patient_id,
                    category=category,
                    action=Action.VIEW,
                    outcome=Outcome.ALLOWED,
                    basis=grant.basis,
                    object_type=object_type,
                    object_id=str(patient_id),
                )
                for patient_id, grant in grants.items()
            ]
        )
    return events
