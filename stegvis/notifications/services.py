"""Deadline notifications (found by a daily scan in the worker, one row per recipient) and
the unit manager's notice of a care relationship established outside the named team."""

from django.urls import reverse

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import record_system
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.cases.models import Case, CaseStatus
from stegvis.cases.timelines import (
    MilestoneStatus,
    TimelineEntry,
)
from stegvis.notifications import emails
from stegvis.notifications.models import Notification, NotificationKind, OutboxKind, OutboxMessage
from stegvis.notifications.outbox import Notice, notify

OPEN_STATUSES = (CaseStatus.ACTIVE, CaseStatus.PARTIAL_RETURN)


def recipients(case: Case, responsible: str) -> list[tuple[User, str]]:
    """Who is told about a milestone: (user, on behalf of whom, if not themself).

    Employers, Försäkringskassan and NAV are outside the care unit; their duties go to the
    case's coordinator, who keeps contact with them. Employers get their own notices once
    the patient has consented to share (the network issue).
    """
    direct = {
        "patient": case.patient,
        "physician": case.responsible_physician,
        "coordinator": case.responsible_coordinator,
    }
    if responsible in direct:
        user = direct[responsible]
        return [(user, "")] if user else []
    if case.responsible_coordinator:
        return [(case.responsible_coordinator, responsible)]
    return []


KIND_BY_STATUS = {
    MilestoneStatus.OVERDUE: NotificationKind.DEADLINE_OVERDUE,
    MilestoneStatus.DUE_SOON: NotificationKind.DEADLINE_DUE_SOON,
}


@audit.atomic()
def notify_case(case: Case, timeline: list[TimelineEntry]) -> list[Notification]:
    new = []
    link = reverse("case_detail", args=[case.pk])
    for entry in timeline:
        kind = KIND_BY_STATUS.get(entry.status)
        if kind is None:
            continue
        by_party: dict[str, list] = {}
        for user, on_behalf_of in recipients(case, entry.milestone.responsible):
            by_party.setdefault(on_behalf_of, []).append((user, case))
        for on_behalf_of, people in by_party.items():
            notice = Notice(
                kind=kind,
                key=f"{kind}:{case.pk}:{entry.code}:{entry.date}",
                link=link,
                milestone_code=entry.code,
                due_on=entry.date,
                on_behalf_of=on_behalf_of,
            )
            new += notify(notice, people)
    if new:
        # The worker read the case's timeline to tell people: that is an access too.
        record_system(
            [case.patient_id],
            category=Category.CAPACITY,
            action=Action.VIEW,
            basis="deadline_notification",
            object_type="case",
            object_id=case.pk,
        )
    return new


def tell_unit_manager(sender, relationship, **kwargs) -> list[Notification]:
    """Someone outside the named care team established a care relationship: the unit's
    manager is told (at once, on every channel, when it was emergency access)."""
    managers = User.objects.filter(
        memberships__organisation_id=relationship.organisation_id,
        memberships__role=Role.UNIT_MANAGER,
    ).distinct()
    kind = (
        NotificationKind.EMERGENCY_ACCESS
        if relationship.emergency
        else NotificationKind.CARE_RELATIONSHIP
    )
    return notify(
        Notice(
            kind=kind,
            key=f"care_relationship:{relationship.pk}",
            link=reverse("log_reviews"),
            patient_id=relationship.patient_id,
            object_type="care_relationship",
            object_id=str(relationship.pk),
        ),
        [(manager, None) for manager in managers],
    )


def queue_network_invitation(sender, member, **kwargs) -> OutboxMessage:
    """A patient invited someone by e-mail to their network: the e-mail waits on the outbox,
    its link made when a worker sends it (stegvis.network.services.invitation_email)."""
    return emails.queue_to_address(
        member.invited_email, kind=OutboxKind.NETWORK_INVITATION, object_id=member.pk
    )
