"""Who takes part in developing the service, and where (capability 14).

Proposals and activities are about the service, not anyone's care: patients propose to the
units where they are patients, representatives to the units of their network, staff to the
units where they work, and a participation facilitator runs the network and answers for the
units of their unit or region. None of it opens any patient's data: a patient
representative's account reaches nothing else (the route table holds them to it).

A representative's own profile says which illnesses they have lived with, so it is theirs and
their facilitators' only, and each reading of it is logged on the representative's own log.
"""

import uuid

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import refuse
from stegvis.access.reader import reader_for
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.audit.models import Outcome

PARTICIPATION = "participation.scope"  # declared by stegvis/participation/rules.py


def participation_scope(user: User):
    """Where the reader takes part (participation.rules.ParticipationScope), or None."""
    return reader_for(user).scope(PARTICIPATION)


def get_participation_scope(user: User, *, object_type: str):
    """The reader's scope; anyone outside participation is refused (recorded) as not found."""
    scope = participation_scope(user)
    if scope is None:
        refuse(user, category=Category.IDENTITY, object_type=object_type, basis="no_participation")
    return scope


def get_facilitator_scope(user: User, *, object_type: str):
    scope = participation_scope(user)
    if scope is None or not scope.is_facilitator:
        refuse(user, category=Category.IDENTITY, object_type=object_type, basis="not_facilitator")
    return scope


def get_in_scope(user: User, queryset, pk, *, object_type: str, facilitator: bool = False):
    """A proposal, activity or result of a unit the reader takes part at (`facilitator`: one
    they facilitate); not found, recorded, otherwise."""
    scope = participation_scope(user)
    units = (scope.answers_for if facilitator else scope.units) if scope else frozenset()
    try:
        found = queryset.filter(pk=uuid.UUID(str(pk)), organisation_id__in=units).first()
    except ValueError:
        found = None
    if found is None:
        refuse(user, category=Category.IDENTITY, object_type=object_type, object_id=pk)
    return found, scope


def get_representative_for(user: User, queryset, pk, *, action: str = Action.VIEW):
    """A representative's profile, for themself or a facilitator of their network; the
    reading is logged on the representative's own log. Anyone else: not found, recorded."""
    representative = queryset.filter(pk=pk).select_related("user", "organisation").first()
    scope = participation_scope(user)
    allowed = representative is not None and (
        representative.user_id == user.pk
        or (scope is not None and _facilitates(scope, representative.organisation_id))
    )
    if not allowed:
        refuse(user, category=Category.IDENTITY, object_type="representative", object_id=pk,
               action=action)  # fmt: skip
    record_representative_read(user, representative, action=action)
    return representative


def _facilitates(scope, organisation_id: int) -> bool:
    return organisation_id in scope.facilitates or organisation_id in scope.answers_for


def record_representative_read(user: User, representative, *, action: str = Action.VIEW):
    membership = next(iter(user.memberships_cached()), None)
    own = representative.user_id == user.pk
    audit.append(
        [
            audit.new_event(
                actor=user,
                actor_role=Role.PATIENT_REPRESENTATIVE if own else Role.PARTICIPATION_FACILITATOR,
                actor_organisation_id=membership.organisation_id if membership else None,
                patient=representative.user,
                category=Category.IDENTITY,
                action=action,
                outcome=Outcome.ALLOWED,
                basis="self" if own else "participation:facilitator",
                object_type="representative",
                object_id=str(representative.pk),
            )
        ]
    )


def record_network_listed(user: User, representatives) -> None:
    """A facilitator's search of the network: one event per representative listed, on each
    representative's log."""
    membership = next(iter(user.memberships_cached()), None)
    audit.append(
        [
            audit.new_event(
                actor=user,
                actor_role=Role.PARTICIPATION_FACILITATOR,
                actor_organisation_id=membership.organisation_id if membership else None,
                patient=representative.user,
                category=Category.IDENTITY,
                action=Action.VIEW,
                outcome=Outcome.ALLOWED,
                basis="participation:facilitator",
                object_type="representative_list",
                object_id=str(representative.pk),
            )
            for representative in representatives
        ]
    )


def get_report_scope(user: User, *, object_type: str) -> frozenset[int]:
    """The units whose participation report the reader sees: those they facilitate for and
    those they manage. Anyone else: not found, recorded."""
    scope = participation_scope(user)
    managed = {m.organisation_id for m in user.memberships_cached() if m.role == Role.UNIT_MANAGER}
    units = frozenset(managed) | (scope.answers_for if scope else frozenset())
    if not units:
        refuse(user, category=Category.IDENTITY, object_type=object_type, basis="no_report")
    return units


def get_activity_for(user: User, queryset, pk):
    """An activity, for the facilitator who runs it and the representatives invited to it."""
    scope = participation_scope(user)
    try:
        found = queryset.filter(pk=uuid.UUID(str(pk))).first()
    except ValueError:
        found = None
    invited = (
        found is not None
        and scope is not None
        and scope.kind == "representative"
        and found.participants.filter(representative__user=user).exists()
    )
    runs = found is not None and scope is not None and found.organisation_id in scope.answers_for
    if not (invited or runs):
        refuse(user, category=Category.IDENTITY, object_type="activity", object_id=pk)
    return found, scope, runs
