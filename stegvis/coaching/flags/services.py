"""Writes on the coach's flags: raising them (from an answer, a message or the periodic
scan), handling and escalating them.

Each flag kind is raised by a rule in data/flags.toml and carries a response-time target.
Raising is idempotent (one open flag of a kind per patient) and always audited. A safety
flag also tells the responsible physician and coordinator at once, in the app and by
e-mail (a link only), whether or not a coach is assigned.
"""

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import record_system
from stegvis.accounts.models import User
from stegvis.audit import audit
from stegvis.cases.models import Case
from stegvis.coaching.flags import (
    OPEN,
    OPEN_CASES,
    care_unit_schedules,
    respond_by_for,
    responsible_people,
)
from stegvis.coaching.guidance import flag_rules, mentions_crisis
from stegvis.coaching.models import (
    CheckIn,
    CoachFlag,
    CoachMessage,
    EscalatedTo,
    FlagKind,
    FlagStatus,
    Reminder,
    ReminderStatus,
)
from stegvis.core.models import HeldText
from stegvis.notifications.models import NotificationKind
from stegvis.notifications.outbox import Notice, notify

logger = logging.getLogger(__name__)


def _record(patient_id, action: str, basis: str, flag: CoachFlag) -> None:
    record_system(
        [patient_id],
        category=Category.CHECKINS,
        action=action,
        basis=basis,
        object_type="coach_flag",
        object_id=flag.pk,
    )


def flag_raise(
    *,
    patient_id,
    kind: str,
    reason: str = "",
    source_type: str = "",
    source_id="",
    urgent: bool = False,
    now: datetime | None = None,
) -> tuple[CoachFlag, bool]:
    """The open flag of this kind for the patient, raised now if there was none."""
    now = now or timezone.now()
    respond_by = respond_by_for(kind, now, care_unit_schedules(patient_id))
    try:
        with audit.atomic():
            flag = CoachFlag.objects.create(
                patient_id=patient_id,
                kind=kind,
                urgent=urgent,
                raised_at=now,
                respond_by=respond_by,
                reason=reason[:200],
                source_type=source_type,
                source_id=str(source_id),
            )
            _record(patient_id, Action.CREATE, "coach_flag", flag)
            return flag, True
    except IntegrityError:
        flag = CoachFlag.objects.get(patient_id=patient_id, kind=kind, status__in=OPEN)
        return flag, False


def _tell(flag: CoachFlag, kind: str, people: list[tuple[User, Case | None]], signal: str) -> None:
    """In the app and on each person's channels; the e-mail holds only a link. Each
    `signal` (what raised or renewed the flag) is told once."""
    notify(
        Notice(
            kind=kind,
            key=f"{kind}:{flag.pk}:{signal}",
            link=reverse("coach_patient", args=[flag.patient_id]),
            patient_id=flag.patient_id,
            respond_by=flag.respond_by,
        ),
        people,
    )


@audit.atomic()
def safety_raise(*, patient_id, source_type: str, source_id, reason: str) -> CoachFlag:
    """Raise (or renew) the urgent safety flag and tell the responsible people at once.

    A second signal while a flag is open renews its one-hour target and tells them again:
    never silent.
    """
    flag, created = flag_raise(
        patient_id=patient_id,
        kind=FlagKind.SAFETY,
        reason=reason,
        source_type=source_type,
        source_id=source_id,
        urgent=True,
    )
    if not created:
        now = timezone.now()
        flag.respond_by = respond_by_for(FlagKind.SAFETY, now, care_unit_schedules(patient_id))
        flag.save(update_fields=["respond_by"])
        _record(patient_id, Action.UPDATE, "coach_flag_renewed", flag)
    people = responsible_people(patient_id)
    if not people:
        logger.error("Safety flag %s has no one responsible to tell", flag.pk)
    _tell(flag, NotificationKind.URGENT_FLAG, people, signal=f"{source_type}:{source_id}")
    return flag


def questionnaire_answered(administration, result) -> None:
    if "self_harm" in result.flags:
        safety_raise(
            patient_id=administration.patient_id,
            source_type="administration",
            source_id=administration.pk,
            reason="PHQ-9 item 9",
        )
    at_least = flag_rules().questionnaire_thresholds.get(administration.instrument_code)
    if at_least is not None and result.total >= at_least:
        flag_raise(
            patient_id=administration.patient_id,
            kind=FlagKind.THRESHOLD,
            reason=administration.instrument_code,
            source_type="administration",
            source_id=administration.pk,
        )


def _beyond(value: int | None, rule: dict) -> bool:
    if value is None:
        return False
    if "at_most" in rule:
        return value <= rule["at_most"]
    return value >= rule["at_least"]


def checkin_recorded(checkin: CheckIn, trend: str) -> None:
    """Flags from a new check-in: crisis words, a value beyond a threshold twice in a
    row, a worsening trend."""
    if checkin.crisis:
        safety_raise(
            patient_id=checkin.patient_id,
            source_type="checkin",
            source_id=checkin.pk,
            reason="crisis words in a check-in",
        )
    previous = (
        CheckIn.objects.filter(patient_id=checkin.patient_id, submitted_at__lt=checkin.submitted_at)
        .order_by("-submitted_at")
        .first()
    )
    if previous is not None:
        for rule in flag_rules().checkin_thresholds:
            measure = rule["measure"]
            if _beyond(getattr(checkin, measure), rule) and _beyond(
                getattr(previous, measure), rule
            ):
                flag_raise(
                    patient_id=checkin.patient_id,
                    kind=FlagKind.THRESHOLD,
                    reason=measure,
                    source_type="checkin",
                    source_id=checkin.pk,
                )
                break
    if trend == "worsening":
        flag_raise(
            patient_id=checkin.patient_id,
            kind=FlagKind.WORSENING,
            source_type="checkin",
            source_id=checkin.pk,
        )


def message_posted(message: CoachMessage) -> None:
    if message.from_patient and mentions_crisis(message.body):
        safety_raise(
            patient_id=message.patient_id,
            source_type="coach_message",
            source_id=message.pk,
            reason="crisis words in a message",
        )
    if not message.from_patient:
        # An answer closes the unanswered-message flag.
        CoachFlag.objects.filter(
            patient_id=message.patient_id, kind=FlagKind.UNANSWERED_MESSAGE, status__in=OPEN
        ).update(status=FlagStatus.HANDLED, handled_by=message.author, handled_at=timezone.now())


def _missed_in_a_row(now: datetime) -> list:
    rules = flag_rules()
    recent = Reminder.objects.filter(
        due_at__gte=now - timedelta(days=7 * rules.missed_in_a_row), due_at__lte=now
    ).exclude(status__in=(ReminderStatus.SCHEDULED, ReminderStatus.CANCELLED))
    candidates = (
        recent.filter(status=ReminderStatus.EXPIRED).values_list("patient_id", flat=True).distinct()
    )
    missed = []
    for patient_id in candidates:
        last = list(
            recent.filter(patient_id=patient_id)
            .order_by("-due_at")
            .values_list("status", flat=True)[: rules.missed_in_a_row]
        )
        if len(last) == rules.missed_in_a_row and all(s == ReminderStatus.EXPIRED for s in last):
            missed.append(patient_id)
    return missed


def _overdue_actions(today) -> list:
    from stegvis.plans.models import RtwPlan

    patients = []
    plans = RtwPlan.objects.filter(case__status__in=OPEN_CASES).select_related("case")
    for plan in plans.iterator(chunk_size=500):
        for action in plan.content.get("actions", []):
            due = action.get("due_on")
            if action.get("status") == "open" and due and due < today.isoformat():
                patients.append(plan.case.patient_id)
                break
    return patients


def _unanswered_messages(now: datetime) -> list:
    cutoff = now - timedelta(hours=flag_rules().unanswered_after_hours)
    latest_by_patient: dict = {}
    rows = CoachMessage.objects.filter(created_at__gte=now - timedelta(days=30)).order_by(
        "created_at"
    )
    for patient_id, author_id, created_at in rows.values_list(
        "patient_id", "author_id", "created_at"
    ):
        latest_by_patient[patient_id] = (author_id, created_at)
    return [
        patient_id
        for patient_id, (author_id, created_at) in latest_by_patient.items()
        if author_id == patient_id and created_at <= cutoff
    ]


def flags_scan(now: datetime | None = None) -> dict:
    """The periodic job: flags that come from time passing rather than from an answer."""
    now = now or timezone.now()
    raised = {"missed": 0, "action_overdue": 0, "unanswered_message": 0}
    found = {
        FlagKind.MISSED: _missed_in_a_row(now),
        FlagKind.ACTION_OVERDUE: _overdue_actions(timezone.localdate(now)),
        FlagKind.UNANSWERED_MESSAGE: _unanswered_messages(now),
    }
    for kind, patient_ids in found.items():
        for patient_id in patient_ids:
            _flag, created = flag_raise(patient_id=patient_id, kind=kind, now=now)
            raised[kind] += int(created)
    return raised


@audit.atomic()
def flag_handle(*, actor: User, flag: CoachFlag, note: str, seen: Collection[int] = ()) -> bool:
    """Mark a flag handled, with what was done; False when someone else handled it first
    (their note stays). The caller resolved the flag through the access helpers, which
    decided and audited the change.

    `seen` are the held texts (HeldText pks) the handler was shown: only those are released
    to the others they were meant for. Any other text held under the flag (written after
    the handler opened the page, or in a part of the patient's data they may not read)
    stays held under a new urgent flag, so that someone responsible reads it first."""
    now = timezone.now()
    handled = CoachFlag.objects.filter(pk=flag.pk, status__in=OPEN).update(
        status=FlagStatus.HANDLED, handled_by=actor, handled_at=now, note=note
    )
    flag.refresh_from_db()
    if not handled:
        return False
    held = HeldText.objects.filter(flag_id=str(flag.pk), held=True, released_at__isnull=True)
    held.filter(pk__in=list(seen)).update(released_at=now)
    unseen = held.exclude(pk__in=list(seen)).order_by("held_at", "pk")
    first = unseen.first()
    if first is not None:
        renewed = safety_raise(
            patient_id=flag.patient_id,
            source_type=first.source_type,
            source_id=first.source_id,
            reason=f"crisis words not yet seen: {first.source_type}",
        )
        unseen.update(flag_id=str(renewed.pk))
    return True


@audit.atomic()
def flag_escalate(*, actor: User, flag: CoachFlag, to: str, note: str) -> bool:
    """Pass a flag to the coordinator or physician, who is told at once; False when
    someone else handled it first."""
    updated = CoachFlag.objects.filter(pk=flag.pk, status__in=OPEN).update(
        status=FlagStatus.ESCALATED, escalated_to=EscalatedTo(to), note=note
    )
    if updated:
        flag.refresh_from_db()
        people = [
            (user, case)
            for user, case in responsible_people(flag.patient_id)
            if any(m.role == to for m in user.memberships_cached())
        ]
        _tell(flag, NotificationKind.FLAG_ESCALATED, people, signal=f"escalated:{to}")
    else:
        flag.refresh_from_db()
    return bool(updated)
