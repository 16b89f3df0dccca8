"""The coach's flags, in one package: what they are and who answers them (here: open
statuses, the people responsible for a patient's urgent flag, which flags a role works on),
how they are raised, handled and escalated (`services`), and an urgent flag as the person
responsible reads it, with the words of crisis under it (`urgent`)."""

from datetime import datetime, timedelta

from django.db.models import Q

from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.opening_hours import Schedule, schedule_for
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case, CaseStatus
from stegvis.coaching.guidance import flag_rules
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


def care_unit_schedules(patient_id) -> list[Schedule]:
    """The opening hours of the units holding the patient's open cases."""
    units = Organisation.objects.filter(
        cases__patient_id=patient_id, cases__status__in=OPEN_CASES
    ).distinct()
    return [schedule_for(unit) for unit in units]


def respond_by_for(kind: str, now: datetime, schedules: list[Schedule]) -> datetime:
    """When a flag of `kind` raised `now` should have had a response: its target counted from
    when the first of the patient's units next opens (flags.toml); with no unit, from now."""
    rules = flag_rules()
    if kind in rules.targets_open_hours:
        hours = rules.targets_open_hours[kind]
        due = [schedule.add_open_hours(now, hours) for schedule in schedules]
    else:
        hours = rules.targets_hours[kind]
        due = [schedule.next_opening(now) + timedelta(hours=hours) for schedule in schedules]
    return min(due, default=now + timedelta(hours=hours))


def queue_filter_for_role(role: str) -> Q:
    """Which open flags a role works on: a coach all of them; a physician or coordinator
    the safety flags and those escalated to their role."""
    if role == Role.COACH:
        return Q()
    return Q(kind=FlagKind.SAFETY) | Q(escalated_to=role)
