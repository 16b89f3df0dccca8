"""What the coach's flags are and who answers them: open statuses, the people
responsible for a patient's urgent flag, which flags a role works on."""

from django.db.models import Q

from stegvis.accounts.models import Membership, User
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case, CaseStatus
from stegvis.coaching.models import (
    FlagKind,
    FlagStatus,
)
from stegvis.network.models import MemberStatus, NetworkMember

OPEN = (FlagStatus.OPEN, FlagStatus.ESCALATED)


OPEN_CASES = (CaseStatus.ACTIVE, CaseStatus.PARTIAL_RETURN, CaseStatus.FULL_RETURN)


RESPONSIBLE_ROLES = (Role.PHYSICIAN, Role.REHAB_COORDINATOR)


def responsible_people(patient_id) -> list[tuple[User, Case | None]]:
    """Who answers an urgent flag: the case's responsible physician and coordinator; if
    none is named, the physicians and coordinators of the care unit; with no case, the
    physicians and coordinators in the patient's network."""
    cases = list(
        Case.objects.filter(patient_id=patient_id, status__in=OPEN_CASES)
        .select_related("responsible_physician", "responsible_coordinator")
        .order_by("-opened_on")
    )
    people: dict = {}
    for case in cases:
        for user in (case.responsible_physician, case.responsible_coordinator):
            if user is not None and user.is_active:
                people.setdefault(user.pk, (user, case))
    if not people:
        for case in cases:
            memberships = Membership.objects.filter(
                organisation_id=case.organisation_id,
                role__in=RESPONSIBLE_ROLES,
                user__is_active=True,
            ).select_related("user")
            for membership in memberships:
                people.setdefault(membership.user_id, (membership.user, case))
    if not people:
        members = NetworkMember.objects.filter(
            patient_id=patient_id,
            status=MemberStatus.ACTIVE,
            role__in=RESPONSIBLE_ROLES,
            user__is_active=True,
        ).select_related("user")
        for member in members:
            people.setdefault(member.user_id, (member.user, None))
    return list(people.values())


def queue_filter_for_role(role: str) -> Q:
    """Which open flags a role works on: a coach all of them; a physician or coordinator
    the safety flags and those escalated to their role."""
    if role == Role.COACH:
        return Q()
    return Q(kind=FlagKind.SAFETY) | Q(escalated_to=role)
