"""What a person can choose how to be told about, topic by topic, and the channels that
follows for one notification.

A topic gathers kinds a person thinks of as one thing (a meeting invited, moved or
cancelled). Each person chooses per topic: e-mail at once, in the day's summary, or not;
and whether their devices show it (Web Push). What may not wait is never a choice: an
urgent flag, an escalation, emergency access and a deadline due today are told at once on
every channel the person has, even while they have paused the rest.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stegvis.notifications.models import (
    URGENT_KINDS,
    Channel,
    DeliveryStatus,
    EmailMode,
    NotificationKind,
    OutboxKind,
)

PATIENTS, STAFF, EVERYONE = "patients", "staff", "everyone"


@dataclass(frozen=True)
class Topic:
    code: str
    label: Promise
    kinds: frozenset[str]
    audience: str


TOPICS = (
    Topic("messages", _("New messages"), frozenset({NotificationKind.MESSAGE_RECEIVED}), EVERYONE),
    Topic(
        "meetings",
        _("Meetings: invitations, changes and cancellations"),
        frozenset(
            {
                NotificationKind.MEETING_INVITATION,
                NotificationKind.MEETING_CHANGED,
                NotificationKind.MEETING_CANCELLED,
            }
        ),
        EVERYONE,
    ),
    Topic(
        "checkins",
        _("Reminders to check in"),
        frozenset({OutboxKind.CHECKIN_REMINDER}),
        PATIENTS,
    ),
    Topic(
        "coach",
        _("Your coach's messages and nudges"),
        frozenset({NotificationKind.COACH_MESSAGE}),
        PATIENTS,
    ),
    Topic(
        "care",
        _("Your plan, certificates and programs"),
        frozenset(
            {
                NotificationKind.PLAN_SENT,
                NotificationKind.CERTIFICATE_RECEIVED,
                NotificationKind.REQUEST_ANSWERED,
                NotificationKind.REQUEST_RELAYED,
                NotificationKind.PROGRAM_NEWS,
                NotificationKind.PARTICIPATION_NEWS,
            }
        ),
        PATIENTS,
    ),
    Topic(
        "deadlines",
        _("Deadlines of the rehabilitation chain"),
        frozenset({NotificationKind.DEADLINE_DUE_SOON, NotificationKind.DEADLINE_OVERDUE}),
        STAFF,
    ),
    Topic(
        "tasks",
        _("Tasks, certificates and records opened"),
        frozenset(
            {
                NotificationKind.TASK_ASSIGNED,
                NotificationKind.CERTIFICATE_REFUSED,
                NotificationKind.CERTIFICATE_NOT_SENT,
                NotificationKind.CARE_RELATIONSHIP,
                NotificationKind.PROGRAM_NEWS,
                NotificationKind.PARTICIPATION_NEWS,
            }
        ),
        STAFF,
    ),
)
BY_CODE = {topic.code: topic for topic in TOPICS}
DEADLINE_KINDS = frozenset({NotificationKind.DEADLINE_DUE_SOON, NotificationKind.DEADLINE_OVERDUE})


def topics_for(user) -> list[Topic]:
    audience = PATIENTS if user.is_patient else STAFF
    return [t for t in TOPICS if t.audience in (audience, EVERYONE)]


def topic_of(kind: str, patient: bool) -> Topic | None:
    audience = PATIENTS if patient else STAFF
    for topic in TOPICS:
        if kind in topic.kinds and topic.audience in (audience, EVERYONE):
            return topic
    return None


def cannot_wait(kind: str, due_on: date | None, today: date) -> bool:
    """Told at once on every channel, whatever the person chose."""
    return kind in URGENT_KINDS or (
        kind in DEADLINE_KINDS and due_on is not None and due_on <= today
    )


def choice(preference, topic: Topic | None) -> tuple[str, bool]:
    """(e-mail mode, devices on) for a topic: its own choice, else the person's general one."""
    general = preference.email if preference else EmailMode.IMMEDIATE
    chosen = (preference.by_topic if preference else {}).get(topic.code, {}) if topic else {}
    return chosen.get("email") or general, chosen.get("push", True)


def wanted_channels(
    kind: str,
    preference,
    *,
    patient: bool,
    has_devices: bool,
    sms_on: bool,
    due_on: date | None = None,
    today: date,
    in_app: bool = True,
) -> list[tuple[str, str]]:
    """(channel, first status) for each channel one person is told on."""
    wanted = [(Channel.IN_APP, DeliveryStatus.SENT)] if in_app else []
    urgent = cannot_wait(kind, due_on, today)
    if preference and preference.paused and not urgent:
        return wanted
    mode, devices = choice(preference, topic_of(kind, patient))
    if urgent:
        mode, devices = EmailMode.IMMEDIATE, True
    if mode == EmailMode.IMMEDIATE:
        wanted.append((Channel.EMAIL, DeliveryStatus.PENDING))
    elif mode == EmailMode.DIGEST:
        wanted.append((Channel.EMAIL, DeliveryStatus.HELD))
    if devices and has_devices:
        wanted.append((Channel.PUSH, DeliveryStatus.PENDING))
    if sms_on and preference and preference.sms and preference.sms_number:
        wanted.append((Channel.SMS, DeliveryStatus.PENDING))
    return wanted
