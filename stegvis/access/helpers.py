"""Resolve patient data through the policy, recording exactly one audit event per decision.

What a user may not see answers 404, whether it exists or not, so nothing leaks.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from operator import attrgetter
from typing import NoReturn

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import Http404

from stegvis.access.categories import Action, Category
from stegvis.access.policy import (
    USER_BY_ID,
    Decision,
    care_bases,
    cases_visible_to,
    consent_grants,
    visible_cases_of,
)
from stegvis.access.reader import reader_for
from stegvis.access.rules import Record, Rule, declared, declared_record
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.audit.models import AccessEvent, Outcome
from stegvis.cases.models import Case
from stegvis.core.crisis import held_subquery


def _actor(user: User) -> User | None:
    return user if user.is_authenticated else None


def _event(user, patient, category, action, decision, object_type, object_id):
    return audit.new_event(
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


def _checked(user, decision, obj, checks) -> tuple:
    """The decision after the object's own rules, and the first rule that failed."""
    if decision.allowed:
        for check in checks:
            if not declared(check).passes(user, decision, obj):
                return replace(decision, allowed=False, basis=check.reason), check
    return decision, None


def _decide_and_record(user, patient, category, action, object_type, object_id, obj, checks):
    """One audit event for the decision, with its real outcome; Http404 when it refuses,
    PermissionDenied when a `forbidden` check refuses (the reader may see, not do)."""
    decision = reader_for(user).decide(patient, category, action)
    decision, failed = _checked(user, decision, obj, checks)
    audit.append([_event(user, patient, category, action, decision, object_type, object_id)])
    if failed is not None and failed.forbidden:
        raise PermissionDenied
    if not decision.allowed:
        raise Http404
    return decision


def _with_roles(checks, roles: Rule | None) -> tuple[Rule, ...]:
    return (*(() if roles is None else (roles,)), *checks)


def _user_row(patient_id, decision) -> User | None:
    return USER_BY_ID.first(pk=patient_id)


def get_patient_for(
    user: User,
    patient_id,
    *,
    category: str,
    action: str = Action.VIEW,
    object_type: str = "patient",
    object_id: str = "",
    checks: Iterable[Rule] = (),
    load: Callable[[uuid.UUID, Decision], User | None] = _user_row,
) -> User:
    """The patient, if `user` may do `action` on `category` of them; else Http404.

    The policy decides on the patient's id alone, so the patient is read once it is
    allowed, by `load(id, decision)`: their row, or their row with what the caller shows
    beside it, in one query. The patient carries the allowing Decision as
    `access_decision` (the role the user came in, for what they write)."""
    try:
        key = uuid.UUID(str(patient_id))
    except ValueError:
        key = None
    if key is None or checks:  # the object's own rules read the patient
        patient = None if key is None else load(key, None)
        if patient is None:
            refuse(user, category=category, action=action, object_type=object_type,
                   object_id=patient_id)  # fmt: skip
        patient.access_decision = _decide_and_record(
            user, patient, category, action, object_type, object_id or key, patient, checks
        )
        return patient
    # Only the id is asked of the patient until the policy has answered.
    unread = User(pk=key)
    decision = reader_for(user).decide(unread, category, action)
    if not decision.allowed and not User.objects.filter(pk=key).exists():
        refuse(user, category=category, action=action, object_type=object_type, object_id=key)
    event = _event(user, unread, category, action, decision, object_type, object_id or key)
    audit.append([event])
    patient = load(key, decision) if decision.allowed else None
    if patient is None:  # refused; or removed in the moment between
        raise Http404
    patient.access_decision = decision
    return patient


def categories_allowed(
    user: User,
    patient: User,
    categories: Iterable[str],
    *,
    object_type: str,
    action: str = Action.VIEW,
) -> set[str]:
    """Of `categories`, those `user` may reach for a patient already shown to them: what
    else a page includes, or which links it offers (only where they lead somewhere). Each
    is a decision recorded like any other, in one statement; a linked page decides again."""
    reader = reader_for(user)
    decisions = {category: reader.decide(patient, category, action) for category in categories}
    audit.append(
        [
            _event(user, patient, category, action, decision, object_type, patient.pk)
            for category, decision in decisions.items()
        ]
    )
    return {category for category, decision in decisions.items() if decision.allowed}


def scope_of_patient(user: User, patient: User, category: str, *, by_patient: bool):
    """What `user` may see of `category` for one patient already shown to them: the
    patient (a queryset of one) when `by_patient`, else the cases of theirs the reader may
    see; None when refused. The reader's decision, remembered for the request: asked once
    per patient and category however many kinds of data share it. Records nothing: the
    caller records what it then shows (Patient/$everything)."""
    decision = reader_for(user).decide(patient, category)
    if not decision.allowed:
        return None
    if by_patient:
        return User.objects.filter(pk=patient.pk)
    cases = visible_cases_of(user, patient, decision, category)
    return Case.objects.filter(pk__in=[case.pk for case in cases])


def record_of_patient(
    user: User, patient: User, category: str, object_ids, *, object_type: str
) -> list[AccessEvent]:
    """One event per object shown of one patient (from `scope_of_patient`), in one
    statement: the reader's remembered decision names the way, so nothing is asked again."""
    decision = reader_for(user).decide(patient, category)
    return audit.append(
        [
            _event(user, patient, category, Action.VIEW, decision, object_type, object_id)
            for object_id in object_ids
        ]
    )


def may_access(
    user: User, patient: User, *, category: str, action: str = Action.VIEW, object_type: str
) -> bool:
    """One category (see `categories_allowed`)."""
    allowed = categories_allowed(user, patient, [category], object_type=object_type, action=action)
    return category in allowed


def shared_with(
    people: Iterable[User], patient: User, category: str, *, object_type: str, object_id
) -> dict:
    """Each person's decision, recorded as the patient's `category` being shared with them
    (invited to a meeting, told of a message, given a task): the person is the actor."""
    people = list(people)
    action = Action.SHARE
    decisions = {
        person.pk: reader_for(person).decide(patient, category, action) for person in people
    }
    audit.append(
        [
            _event(person, patient, category, action, decisions[person.pk], object_type, object_id)
            for person in people
        ]
    )
    return decisions


def who_may_be_offered(people: Iterable[User], patient: User, category: str) -> list:
    """(person, decision) for those of `people` who reach `category` of the patient: the
    choices a form offers (whom to write to). Nothing is shared by offering a choice, so
    nothing is recorded; choosing one goes through `shared_with`, which records it."""
    found = [(person, reader_for(person).decide(patient, category)) for person in people]
    return [(person, decision) for person, decision in found if decision.allowed]


def record_decision(user: User, patient: User, *, category: str, action: str, obj) -> Decision:
    """Record a write a service has just made on the patient's data, with the way the
    actor reached it (opening a case at their unit, a patient changing their network)."""
    decision = reader_for(user).decide(patient, category, action, fresh=True)
    audit.append([_event(user, patient, category, action, decision, obj._meta.model_name, obj.pk)])
    return decision


def record_allowed(
    actor: User,
    patient_id,
    *,
    category: str,
    action: str,
    basis: str,
    obj=None,
    object_type: str = "",
    object_id="",
    role: str = Role.PATIENT,
    organisation_id=None,
    occurred_at=None,
) -> None:
    """Record an access allowed on a basis the policy does not decide: the patient's own
    network ("self"), an invitation's link ("invitation"), a request to join ("join_request").
    `obj` names the object, or `object_type` and `object_id` do."""
    extra = {} if occurred_at is None else {"occurred_at": occurred_at}
    _record_on_basis(
        actor, patient_id, Outcome.ALLOWED, category=category, action=action, basis=basis,
        object_type=obj._meta.model_name if obj is not None else object_type,
        object_id=obj.pk if obj is not None else object_id,
        role=role, organisation_id=organisation_id, **extra,
    )  # fmt: skip


def _record_on_basis(actor, patient_id, outcome, *, role, organisation_id, object_id, **fields):
    """One event on the patient's log, decided on a basis the policy does not decide."""
    audit.append(
        [
            audit.new_event(
                actor=actor,
                actor_role=role,
                actor_organisation_id=organisation_id,
                patient_id=patient_id,
                outcome=outcome,
                object_id=str(object_id),
                **fields,
            )
        ]
    )


def record_refused(
    actor: User,
    patient_id,
    *,
    category: str,
    action: str,
    basis: str,
    obj,
    role: str = "",
    organisation_id=None,
) -> None:
    """Record, on the patient's log, a refusal on a basis the policy does not decide: an
    invitation's link opened by someone it was not sent to ("invitation_not_theirs")."""
    _record_on_basis(
        actor, patient_id, Outcome.DENIED, category=category, action=action, basis=basis,
        object_type=obj._meta.model_name, object_id=obj.pk, role=role,
        organisation_id=organisation_id,
    )  # fmt: skip


def record_system(
    patient_ids: Iterable, *, category: str, action: str, basis: str, object_type: str, object_id
) -> None:
    """What the system itself did with patients' data (a worker job), named by its basis,
    e.g. "deadline_notification"; one event per patient, in one statement. `object_id` is
    one id for all, or a function of the patient id."""
    audit.append(
        [
            audit.system_event(
                patient_id=patient_id,
                category=category,
                action=action,
                basis=basis,
                object_type=object_type,
                object_id=object_id(patient_id) if callable(object_id) else object_id,
            )
            for patient_id in patient_ids
        ]
    )


def record_aggregate(
    user: User, *, object_type: str, object_id, basis: str = "aggregate", action=Action.VIEW
) -> None:
    """Record a read of figures about many patients where no person can be picked out (a
    team's outcomes, with the small-cell rule), or the download of a bulk export whose
    patients were each recorded when it was written: who fetched which, on no patient's
    log."""
    membership = user.memberships_cached()[0] if user.memberships_cached() else None
    audit.append(
        [
            audit.new_event(
                actor=_actor(user),
                actor_role=membership.role if membership else "",
                actor_organisation_id=membership.organisation_id if membership else None,
                patient=None,
                category=Category.IDENTITY,
                action=action,
                outcome=Outcome.ALLOWED,
                basis=basis,
                object_type=object_type,
                object_id=str(object_id),
            )
        ]
    )


def refuse(
    user: User,
    *,
    category: str,
    object_type: str,
    basis: str = "not_found",
    action: str = Action.VIEW,
    object_id="",
) -> NoReturn:
    """Refuse, as not found, a request that names no patient the reader may know of (a
    version that does not exist, a patient's own page asked for by someone who is no
    patient, a unit manager's page asked for by someone else): recorded, then Http404."""
    audit.append(
        [
            audit.new_event(
                actor=_actor(user),
                patient=None,
                category=category,
                action=action,
                outcome=Outcome.DENIED,
                basis=basis,
                object_type=object_type,
                # What was asked for, as far as it can be stored (no NUL in PostgreSQL text).
                object_id=str(object_id).replace("\x00", "")[:64],
            )
        ]
    )
    raise Http404


def get_self_for(user: User, *, category: str, action: str = Action.VIEW, object_type: str):
    """The signed-in patient themself, for the pages about one's own data (check-ins, the
    network, one's questionnaires): decided and recorded; anyone who is no patient is
    refused, recorded too."""
    if not user.is_patient:
        refuse(
            user, category=category, action=action, object_type=object_type, basis="not_a_patient"
        )
    return get_patient_for(user, user.pk, category=category, action=action, object_type=object_type)


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
    checks: Iterable[Rule] = (),
):
    """An object of a patient (from `queryset`, or a model's whole table), if `user` may
    do `action` on `category` of that patient and the object's own `checks` hold (`roles`:
    a declared rule of who alone may do the action).

    Http404 for what does not exist or may not be seen, and one audit event either way.
    The object carries the allowing Decision as `access_decision`.
    """
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        key = queryset.model._meta.pk.to_python(str(object_id))
    except ValidationError:
        key = None
    found = None if key is None else queryset.select_related(patient_field).filter(pk=key).first()
    if found is None:
        refuse(user, category=category, action=action, object_type=object_type, object_id=object_id)
    patient = attrgetter(patient_field.replace("__", "."))(found)
    # The decision rides along, so a view can tell in which role the user came.
    found.access_decision = _decide_and_record(
        user, patient, category, action, object_type, found.pk, found, _with_roles(checks, roles)
    )
    return found


def get_record_for(
    user: User,
    record: Record,
    record_id,
    *,
    action: str = Action.VIEW,
    category: str | None = None,
    roles: Rule | None = None,
    checks: Iterable[Rule] = (),
):
    """A declared record (stegvis.access.rules.declare_record) by its id: a patient's, as
    `get_object_for` resolves it, read as its category (or as another it declares, named
    by `category`), with `roles`, then the record's own rules, then `checks`; a unit's, if
    it is among the reader's units' rows. Http404 for anything else, recorded."""
    record = declared_record(record)
    rows = record.rows(user)
    if record.patient_field is None:
        if category or roles or checks or action != Action.VIEW:
            raise ImproperlyConfigured(f"{record.name} is a unit's record: it is only read.")
        try:
            found = rows.filter(pk=uuid.UUID(str(record_id))).first()
        except ValueError:
            found = None
        if found is None:
            refuse(user, category=Category.IDENTITY, object_type=record.object_type,
                   basis="not_unit_staff", object_id=record_id)  # fmt: skip
        return found
    category = category or record.category
    if category not in record.categories:
        raise ImproperlyConfigured(f"{record.name} is not read as {category}.")
    return get_object_for(
        user,
        rows,
        record_id,
        category=category,
        action=action,
        object_type=record.object_type,
        patient_field=record.patient_field,
        roles=roles,
        checks=(*record.checks, *checks),
    )


def readable_cases():
    """Cases as the door reads them: with whether the capacity note holds a patient's words
    of crisis not yet read by the care team, which the note's own rule
    (plans.rules.NOTE_SHARED_WITH_READER) keeps back."""
    return Case.objects.annotate(
        capacity_note_held=held_subquery("capacitynote", "capacity_note__pk", any_revision=True)
    )


def get_case_for(
    user: User, case_id, *, category: str, action: str = Action.VIEW, roles=None, checks=()
) -> Case:
    return get_object_for(
        user,
        readable_cases(),
        case_id,
        category=category,
        action=action,
        object_type="case",
        patient_field="patient",
        roles=roles,
        checks=checks,
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
    user: User,
    cases: Iterable[Case],
    *,
    category: str = Category.IDENTITY,
    object_type: str,
    action: str = Action.VIEW,
) -> list[AccessEvent]:
    """One event per listed case's patient, written in one statement (`action`: a list
    read, or a bulk export written for the user).

    The cases come from `cases_visible_to`, so each was allowed by the same policy; this
    names the way: the patient themself, a care relationship (or log review), or a consent.
    """
    cases = list(cases)
    others = {case.patient_id for case in cases if case.patient_id != user.pk}
    care = care_bases(user, category, others) if others else {}
    grants = consent_grants(user, category, others - set(care)) if others - set(care) else {}
    events = []
    for case in cases:
        if case.patient_id == user.pk:
            role, organisation_id, basis = Role.PATIENT, None, "self"
        elif case.patient_id in care:
            membership = care[case.patient_id].membership
            role, organisation_id = membership.role, membership.organisation_id
            basis = care[case.patient_id].basis
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
                action=action,
                outcome=Outcome.ALLOWED,
                basis=basis,
                object_type=object_type,
                object_id=str(case.pk),
            )
        )
    return audit.append(events)


def record_patients_listed(
    user: User,
    patients: list[User],
    *,
    category: str = Category.IDENTITY,
    object_type: str,
    action: str = Action.VIEW,
) -> list[AccessEvent]:
    """One event per listed patient (from `patients_visible_to`), in two statements."""
    cases_by_patient: dict = {}
    visible = cases_visible_to(user, category).filter(patient__in=patients)
    for case in visible.only("pk", "patient_id", "organisation_id").order_by("opened_on"):
        cases_by_patient.setdefault(case.patient_id, case)
    events = record_cases_listed(
        user, cases_by_patient.values(), category=category, object_type=object_type, action=action
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
                    action=action,
                    outcome=Outcome.ALLOWED,
                    basis=grant.basis,
                    object_type=object_type,
                    object_id=str(patient_id),
                )
                for patient_id, grant in grants.items()
            ]
        )
    return events
