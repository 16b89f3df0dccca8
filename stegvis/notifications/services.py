"""Deadline notifications: found by a daily scan in the worker, one row per recipient."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from stegvis.access import audit
from stegvis.access.categories import Action, Category
from stegvis.cases.models import Case, CaseStatus
from stegvis.cases.services import store_next_deadline
from stegvis.cases.timelines import (
    DUE_SOON_DAYS,
    MilestoneStatus,
    TimelineEntry,
    case_timeline,
)
from stegvis.notifications.models import Notification, NotificationKind

OPEN_STATUSES = (CaseStatus.ACTIVE, CaseStatus.PARTIAL_RETURN)


def recipients(case: Case, responsible: str) -> list[tuple[int, str]]:
    """Who is told about a milestone: (user id, on behalf of whom, if not themself).

    Employers, Försäkringskassan and NAV are outside the care unit; their duties go to the
    case's coordinator, who keeps contact with them. Employers get their own notices once
    the patient has consented to share (the network issue).
    """
    direct = {
        "patient": case.patient_id,
        "physician": case.responsible_physician_id,
        "coordinator": case.responsible_coordinator_id,
    }
    if responsible in direct:
        user_id = direct[responsible]
        return [(user_id, "")] if user_id else []
    if case.responsible_coordinator_id:
        return [(case.responsible_coordinator_id, responsible)]
    return []


@transaction.atomic
def notify_case(case: Case, timeline: list[TimelineEntry]) -> list[Notification]:
    new = []
    for entry in timeline:
        if entry.status == MilestoneStatus.OVERDUE:
            kind = NotificationKind.DEADLINE_OVERDUE
        elif entry.status == MilestoneStatus.DUE_SOON:
            kind = NotificationKind.DEADLINE_DUE_SOON
        else:
            continue
        for user_id, on_behalf_of in recipients(case, entry.milestone.responsible):
            new.append(
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    case=case,
                    milestone_code=entry.code,
                    due_on=entry.date,
                    on_behalf_of=on_behalf_of,
                    dedupe_key=f"{kind}:{case.pk}:{entry.code}:{entry.date}:{user_id}",
                )
            )
    keys = {n.dedupe_key for n in new}
    existing = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    created = Notification.objects.bulk_create(
        [n for n in new if n.dedupe_key not in existing], ignore_conflicts=True
    )
    if created:
        # The worker read the case's timeline to tell people: that is an access too.
        audit.append(
            [
                audit.system_event(
                    patient_id=case.patient_id,
                    category=Category.CAPACITY,
                    action=Action.VIEW,
                    basis="deadline_notification",
                    object_type="case",
                    object_id=case.pk,
                )
            ]
        )
    return created


def scan_deadlines(today: date | None = None) -> dict:
    """Refresh and notify every open case whose next deadline is within a week or past."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    cases = (
        Case.objects.filter(status__in=OPEN_STATUSES, next_deadline_on__lte=horizon)
        .select_related("patient")
        .order_by("pk")
    )
    scanned = notified = 0
    for case in cases.iterator(chunk_size=500):
        scanned += 1
        timeline = case_timeline(case, today)
        notified += len(notify_case(case, timeline))
        store_next_deadline(case, timeline)
    return {"scanned": scanned, "notifications": notified}
