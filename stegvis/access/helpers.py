"""Resolve patient data through the policy, recording exactly one audit event per decision.

What a user may not see answers 404, whether it exists or not, so nothing leaks.
"""

import uuid
from collections.abc import Iterable

from django.http import Http404

from stegvis.access import audit
from stegvis.access.categories import Action, Category
from stegvis.access.models import AccessEvent, Outcome
from stegvis.access.policy import cases_visible_to, decide, membership_for_case
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
                    object_id=str(patient_id)[:64],
                )
            ]
        )
        raise Http404
    decision = decide(user, patient, category, action)
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
                object_id=object_id or str(patient.pk),
            )
        ]
    )
    if not decision.allowed:
        raise Http404
    return patient


def record_cases_listed(
    user: User, cases: Iterable[Case], *, category: str = Category.IDENTITY, object_type: str
) -> list[AccessEvent]:
    """One event per listed case's patient, written in one statement.

    The cases come from `cases_visible_to`, so each was allowed by the same policy.
    """
    events = []
    for case in cases:
        membership = membership_for_case(user, case, category)
        events.append(
            audit.new_event(
                actor=user,
                actor_role=membership.role if membership else Role.PATIENT,
                actor_organisation_id=membership.organisation_id if membership else None,
                patient_id=case.patient_id,
                category=category,
                action=Action.VIEW,
                outcome=Outcome.ALLOWED,
                basis="treating_unit" if membership else "self",
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
    return record_cases_listed(
        user, cases_by_patient.values(), category=category, object_type=object_type
    )
