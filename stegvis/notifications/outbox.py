"""The outbox, Stegvis's one delivery pipeline: who is told what on which channel, and the
worker that sends it exactly once.

`notify` writes, in the caller's transaction, one in-app notification per person and one
outbox row per channel they want; `queue` adds a message of another app's kind (a check-in
reminder) due later and expiring when its moment has passed. The worker claims due rows by
a conditional update (on PostgreSQL picking candidates with SKIP LOCKED), renders each in
the recipient's language, marks it as leaving, sends it, and logs every step in one
delivery log, a small group at a time. What a worker that died had claimed and not yet sent
goes back to be sent; a row it had marked as leaving is not sent again: a duplicate message
is worse than one the delivery log shows as interrupted.
"""

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from stegvis.accounts.models import Membership, Role, User
from stegvis.cases.models import Case
from stegvis.core import prepared
from stegvis.notifications import channels, push, topics
from stegvis.notifications.models import (
    URGENT_KINDS,
    Channel,
    DeliveryEvent,
    DeliveryEventKind,
    DeliveryStatus,
    Notification,
    NotificationPreference,
    OutboxKind,
    OutboxMessage,
    PushSubscription,
)

logger = logging.getLogger(__name__)

# Called with the messages of a kind just sent, in the transaction that records them sent:
# an app records what its kind read of a patient (a reminder read the address). Filled in
# the apps' AppConfig.ready.
ON_SENT: dict[str, Callable[[list[OutboxMessage]], None]] = {}

# Kinds another app sends itself (a certificate to an agency's service): called with the
# claimed row; raising means "try again later". Filled in the apps' AppConfig.ready.
SENDERS: dict[str, Callable[[OutboxMessage], None]] = {}
# Kinds whose receiver recognises a resend (an agency registers a certificate id once), so
# a row whose worker stopped mid-send is sent again rather than closed.
RESENDABLE_KINDS: set[str] = set()

MAX_ATTEMPTS = 5
# How many messages are sent between two records of what was sent: a worker killed
# mid-claim leaves at most this many sent but not recorded.
SEND_GROUP = 20
# The local hour after which the day's summary goes out.
DIGEST_HOUR = 7


@dataclass(frozen=True)
class Notice:
    """What happened, without the recipients: `key` names the event, once."""

    kind: str
    key: str
    link: str = ""
    patient_id: object = None
    object_type: str = ""
    object_id: str = ""
    milestone_code: str = ""
    due_on: date | None = None
    respond_by: datetime | None = None
    on_behalf_of: str = ""


def _log(messages: Iterable[OutboxMessage], kind: str, at: datetime, detail: str = "") -> None:
    prepared.insert(
        [DeliveryEvent(message_id=m.pk, kind=kind, at=at, detail=detail) for m in messages]
    )


def preferences_for(user_ids) -> dict:
    return {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}


def _audience_of(user_ids) -> tuple[set, set]:
    """Of these people: who is a patient, and who has a device to notify."""
    patients = set(
        Membership.objects.filter(user_id__in=user_ids, role=Role.PATIENT).values_list(
            "user_id", flat=True
        )
    )
    with_devices = set(
        PushSubscription.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    )
    return patients, with_devices


def notify(notice: Notice, people: Iterable[tuple[User, Case | None]]) -> list[Notification]:
    """Tell each person (with the case it concerns them through, if any); returns the
    notifications that are new. Telling the same event again creates nothing."""
    people = [(user, case) for user, case in people if user is not None and user.is_active]
    if not people:
        return []
    by_key = {
        f"{notice.key}:{user.pk}": Notification(
            recipient=user,
            kind=notice.kind,
            patient_id=notice.patient_id or (case.patient_id if case else None),
            case=case,
            link=notice.link,
            object_type=notice.object_type,
            object_id=str(notice.object_id),
            milestone_code=notice.milestone_code,
            due_on=notice.due_on,
            respond_by=notice.respond_by,
            on_behalf_of=notice.on_behalf_of,
            dedupe_key=f"{notice.key}:{user.pk}",
        )
        for user, case in people
    }
    existing = set(
        Notification.objects.filter(dedupe_key__in=by_key).values_list("dedupe_key", flat=True)
    )
    new = [n for key, n in by_key.items() if key not in existing]
    if not new:
        return []
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    # A concurrent teller may have won some keys: queue the rows that are really there.
    stored = {
        n.dedupe_key: n
        for n in Notification.objects.filter(dedupe_key__in=[n.dedupe_key for n in new])
    }
    recipient_ids = [n.recipient_id for n in new]
    preferences = preferences_for(recipient_ids)
    patients, with_devices = _audience_of(recipient_ids)
    sms_on = channels.sms_backend() is not None
    now = timezone.now()
    today = timezone.localdate(now)
    rows = [
        OutboxMessage(
            notification=stored[n.dedupe_key],
            recipient_id=n.recipient_id,
            channel=channel,
            status=status,
            dedupe_key=f"{n.dedupe_key}:{channel}",
            sent_at=now if channel == Channel.IN_APP else None,
            created_at=now,
        )
        for n in new
        if n.dedupe_key in stored
        for channel, status in topics.wanted_channels(
            n.kind,
            preferences.get(n.recipient_id),
            patient=n.recipient_id in patients,
            has_devices=n.recipient_id in with_devices,
            sms_on=sms_on,
            due_on=n.due_on,
            today=today,
        )
    ]
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    queued = list(OutboxMessage.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows]))
    first_event = {
        DeliveryStatus.SENT: DeliveryEventKind.DELIVERED,
        DeliveryStatus.PENDING: DeliveryEventKind.QUEUED,
        DeliveryStatus.HELD: DeliveryEventKind.HELD,
    }
    DeliveryEvent.objects.bulk_create(
        [
            DeliveryEvent(message_id=m.pk, kind=first_event[m.status], at=now)
            for m in queued
            if m.created_at == now
        ]
    )
    urgent = [m.pk for m in queued if m.status == DeliveryStatus.PENDING]
    if urgent and notice.kind in URGENT_KINDS:
        # Not a minute later with the next worker round: a worker sends it at once, through
        # the same claim, so a worker that races it cannot send it twice. Never in this
        # request: the patient who raised it is waiting for the crisis lines, not for a
        # mail server. (The task module imports this one.)
        from stegvis.notifications.tasks import dispatch_urgent_task

        transaction.on_commit(lambda: dispatch_urgent_task.enqueue([str(pk) for pk in urgent]))
    return [stored[n.dedupe_key] for n in new if n.dedupe_key in stored]


def queue(
    recipient_id,
    *,
    address: str = "",
    kind: str,
    key: str,
    not_before: datetime,
    expires_at: datetime | None = None,
    object_id="",
    channel: str = Channel.EMAIL,
    at: datetime | None = None,
) -> OutboxMessage:
    """A message of `kind` to send at `not_before`, never after `expires_at`; `key` names
    it once, so queueing it again returns the first row. `address` instead of a recipient:
    to someone with no account yet."""
    message, created = OutboxMessage.objects.get_or_create(
        dedupe_key=f"{key}:{channel}",
        defaults={
            "recipient_id": recipient_id,
            "address": address,
            "kind": kind,
            "object_id": str(object_id),
            "channel": channel,
            "status": DeliveryStatus.PENDING,
            "next_attempt_at": not_before,
            "expires_at": expires_at,
        },
    )
    if created:
        _log([message], DeliveryEventKind.QUEUED, at or timezone.now(), not_before.isoformat())
    return message


def reschedule(
    message_id, not_before: datetime, expires_at: datetime | None, at: datetime | None = None
) -> bool:
    """Move a message not sent yet (a cancelled one comes back); a message being sent or
    sent stays as it is, so nothing is sent twice."""
    moved = OutboxMessage.objects.filter(
        pk=message_id, status__in=(DeliveryStatus.PENDING, DeliveryStatus.CANCELLED)
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=not_before, expires_at=expires_at)
    if moved:
        DeliveryEvent.objects.create(
            message_id=message_id,
            kind=DeliveryEventKind.RESCHEDULED,
            at=at or timezone.now(),
            detail=not_before.isoformat(),
        )
    return bool(moved)


def cancel(message_id, reason: str, at: datetime | None = None) -> bool:
    """Cancel a message not sent yet; one being sent or sent is left alone."""
    cancelled = OutboxMessage.objects.filter(pk=message_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED
    )
    if cancelled:
        DeliveryEvent.objects.create(
            message_id=message_id,
            kind=DeliveryEventKind.CANCELLED,
            at=at or timezone.now(),
            detail=reason[:200],
        )
    return bool(cancelled)


def _not_expired(now: datetime) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


def outbox_expire(now: datetime | None = None) -> int:
    """Close the messages whose moment passed unsent (a reminder for a window now shut)."""
    now = now or timezone.now()
    expired = list(OutboxMessage.objects.filter(status=DeliveryStatus.PENDING, expires_at__lte=now))
    closed = [
        m
        for m in expired
        if OutboxMessage.objects.filter(pk=m.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.EXPIRED
        )
    ]
    _log(closed, DeliveryEventKind.EXPIRED, now)
    return len(closed)


def outbox_claim(now: datetime, limit: int, token: uuid.UUID, only_ids=None) -> list:
    """The one claim: up to `limit` due rows for this worker, by a conditional update."""
    with transaction.atomic():
        candidates = (
            OutboxMessage.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .filter(_not_expired(now))
            .order_by("next_attempt_at")
        )
        if only_ids is not None:
            candidates = candidates.filter(pk__in=only_ids)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CLAIMED,
            claim_token=token,
            claimed_at=now,
            claimed_in=_last_recovery(),
        )
    # By primary key: the claim token has no index, and a scan per batch of a large
    # outbox was most of the claim's time.
    claimed = list(
        OutboxMessage.objects.filter(
            pk__in=ids, claim_token=token, status=DeliveryStatus.CLAIMED
        ).select_related("recipient", "notification")
    )
    _log(claimed, DeliveryEventKind.CLAIMED, now, str(token))
    return claimed


class TakenBack(Exception):
    """This worker's claim on the message was taken back (it counted as stopped)."""


def _last_recovery():
    """When the database last recovered from a crash (PostgreSQL), or None where marks are
    durable. A crash recovery, a restored backup or another server after a failover resets
    the server's statistics, and with them this time; a clean restart keeps both, and
    loses no commit. (pg_postmaster_start_time() stays the same through a crash-restart.)"""
    if connection.vendor != "postgresql":
        return None
    return RawSQL("SELECT stats_reset FROM pg_stat_bgwriter", ())


def _take(message: OutboxMessage) -> None:
    """Mark one claimed message as leaving now, just before it leaves: a worker killed before
    this leaves it claimed, to go back and be sent; killed after, it is in doubt."""
    # Inside a larger transaction (a test's) the setting would reach beyond this mark.
    on_its_own = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if on_its_own:
            # Seen by every other worker at once, but not waited for on the disk: a durable
            # commit per message held each worker to 125 sends a second (bench/reminders.py).
            # Only a crash of the database server can lose it: claimed_in covers that case.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        leaving = OutboxMessage.objects.filter(
            pk=message.pk, claim_token=message.claim_token, status=DeliveryStatus.CLAIMED
        ).update(status=DeliveryStatus.SENDING)
    if not leaving:
        raise TakenBack


def _send_one(message: OutboxMessage, mail, sms) -> None:
    # Everything that can be done before it leaves is done first, so that the moment in
    # doubt, from marking it as leaving to its leaving, is as short as it can be.
    rendered = channels.render(message)
    message.language = message.recipient.preferred_language
    if message.channel == Channel.EMAIL:
        email = channels.email_for(message, rendered)
        _take(message)
        mail.send_messages([email])
    elif message.channel == Channel.SMS:
        if sms is None:
            raise RuntimeError("no text-message backend is configured")
        number = message.recipient.notification_preference.sms_number
        text = channels.sms_text(rendered)
        _take(message)
        sms.send_text(number, text)
    elif message.channel == Channel.PUSH:
        urgent = message.notification is not None and message.notification.urgent
        _take(message)
        push.send(message, rendered.link, urgent=urgent)


def _send_itself(message: OutboxMessage) -> None:
    _take(message)
    SENDERS[message.kind](message)


def _attempt(message: OutboxMessage, send, sent: list, failed: list, gone: list) -> None:
    try:
        send(message)
        sent.append(message)
    except TakenBack:
        pass  # another worker sends it
    except push.DevicesGone:
        gone.append(message)
    except Exception as error:
        logger.exception("Sending outbox message %s failed", message.pk)
        failed.append((message, type(error).__name__))


def _claim_timeout() -> timedelta:
    """A claim older than this belongs to a worker that stopped."""
    return timedelta(seconds=settings.STEGVIS_OUTBOX_CLAIM_TIMEOUT)


def _send(claimed: list[OutboxMessage], token: uuid.UUID, now: datetime) -> int:
    """Send a claim, recording it group by group: a worker killed mid-claim leaves at most
    one group's record to be made (its messages show as interrupted)."""
    return sum(
        _send_group(claimed[start : start + SEND_GROUP], token, now)
        for start in range(0, len(claimed), SEND_GROUP)
    )


def _send_group(claimed: list[OutboxMessage], token: uuid.UUID, now: datetime) -> int:
    sent, failed, gone = [], [], []
    # Kinds an app sends itself (a certificate to an agency) need no mail server.
    for message in claimed:
        if message.kind in SENDERS:
            _attempt(message, _send_itself, sent, failed, gone)
    messages = [m for m in claimed if m.kind not in SENDERS]
    sms = channels.sms_backend()
    try:
        if messages:
            with mailers.default as mail:
                for message in messages:
                    _attempt(message, lambda m: _send_one(m, mail, sms), sent, failed, gone)
    except Exception as error:
        # The mail server could not be reached at all: what was not sent is retried.
        logger.exception("The mail connection failed")
        done = {m.pk for m in sent + gone} | {m.pk for m, _reason in failed}
        failed += [(m, type(error).__name__) for m in messages if m.pk not in done]
    with transaction.atomic():
        # One statement per language, not one per message: at 100 000 notices a minute the
        # round trips were a third of the worker's time (bench/reminders.py).
        by_language: dict[str, list] = {}
        for message in sent:
            by_language.setdefault(message.language, []).append(message.pk)
        for language, ids in by_language.items():
            OutboxMessage.objects.filter(pk__in=ids, claim_token=token).update(
                status=DeliveryStatus.SENT, sent_at=now, language=language
            )
        _log(sent, DeliveryEventKind.SENT, now)
        # The push service forgot every device the person had: nothing left to send to.
        OutboxMessage.objects.filter(pk__in=[m.pk for m in gone], claim_token=token).update(
            status=DeliveryStatus.EXPIRED
        )
        _log(gone, DeliveryEventKind.EXPIRED, now, "no device to notify")
        for kind, hook in ON_SENT.items():
            of_kind = [m for m in sent if m.kind == kind]
            if of_kind:
                hook(of_kind)
        for message, reason in failed:
            attempts = message.attempts + 1
            if attempts < MAX_ATTEMPTS:
                status, kind = DeliveryStatus.PENDING, DeliveryEventKind.RETRY
            else:
                status, kind = DeliveryStatus.FAILED, DeliveryEventKind.FAILED
            # Back off 2, 4, 8, 16 minutes: a mail server that is down gets time to return.
            OutboxMessage.objects.filter(pk=message.pk, claim_token=token).update(
                status=status,
                attempts=attempts,
                next_attempt_at=now + timedelta(minutes=2**attempts),
            )
            _log([message], kind, now, reason)
    return len(sent)


def outbox_dispatch(now: datetime | None = None, batch_size: int = 100, only_ids=None) -> int:
    """Send every due row this worker can claim (or only `only_ids`); returns how many."""
    total = 0
    while True:
        at = now or timezone.now()
        token = uuid.uuid4()
        claimed = outbox_claim(at, batch_size, token, only_ids)
        if not claimed:
            return total
        total += _send(claimed, token, at)


def outbox_release_stale(now: datetime | None = None) -> int:
    """Take back the claims of workers that stopped: what they had not begun goes back to be
    sent; what they were sending is closed, not sent again, unless its kind's receiver
    recognises a resend."""
    now = now or timezone.now()
    stale_before = now - _claim_timeout()
    in_doubt = Q(status=DeliveryStatus.SENDING)
    if (recovered := _last_recovery()) is not None:
        # Claimed before the database last recovered from a crash: marks of leaving may
        # have been lost in it (_take), so nothing in the claim is known not to have left.
        in_doubt |= Q(status=DeliveryStatus.CLAIMED, claimed_in__isnull=False) & ~Q(
            claimed_in=recovered
        )
    stale_claims = OutboxMessage.objects.filter(claimed_at__lt=stale_before)
    not_begun = list(stale_claims.filter(status=DeliveryStatus.CLAIMED).exclude(in_doubt))
    OutboxMessage.objects.filter(
        pk__in=[m.pk for m in not_begun], status=DeliveryStatus.CLAIMED
    ).update(status=DeliveryStatus.PENDING, claim_token=None, claimed_at=None, claimed_in=None)
    _log(not_begun, DeliveryEventKind.RETRY, now, "its worker stopped before sending it")
    stale = list(stale_claims.filter(in_doubt))
    closed, released = [], []
    for message in stale:
        # Counted as an attempt, so a send that stops its worker each time ends.
        attempts = message.attempts + 1
        resend = message.kind in RESENDABLE_KINDS and attempts < MAX_ATTEMPTS
        changes = (
            {"status": DeliveryStatus.PENDING, "attempts": attempts, "next_attempt_at": now}
            if resend
            else {"status": DeliveryStatus.FAILED}
        )
        if OutboxMessage.objects.filter(pk=message.pk, status=message.status).update(**changes):
            (released if resend else closed).append(message)
    _log(closed, DeliveryEventKind.FAILED, now, "interrupted; not resent to avoid a duplicate")
    _log(released, DeliveryEventKind.RETRY, now, "interrupted; the receiver knows a resend")
    return len(not_begun) + len(closed) + len(released)


@transaction.atomic
def digests_build(now: datetime | None = None) -> int:
    """After DIGEST_HOUR local time, gather each person's held e-mails into one summary,
    queued for the worker like any other row. Once a day per person, whatever the reruns."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.time() < time(DIGEST_HOUR):
        return 0
    today = local.date()
    recipients = (
        OutboxMessage.objects.filter(status=DeliveryStatus.HELD, channel=Channel.EMAIL)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    built = 0
    for recipient_id in list(recipients):
        digest, created = OutboxMessage.objects.get_or_create(
            dedupe_key=f"digest:{recipient_id}:{today.isoformat()}",
            defaults={
                "recipient_id": recipient_id,
                "kind": OutboxKind.DIGEST,
                "channel": Channel.EMAIL,
                "status": DeliveryStatus.PENDING,
                "created_at": now,
            },
        )
        if not created:
            continue
        held = list(
            OutboxMessage.objects.select_for_update().filter(
                recipient_id=recipient_id, status=DeliveryStatus.HELD
            )
        )
        OutboxMessage.objects.filter(pk__in=[m.pk for m in held]).update(
            status=DeliveryStatus.IN_DIGEST, digest=digest
        )
        _log(held, DeliveryEventKind.DIGESTED, now, str(digest.pk))
        _log([digest], DeliveryEventKind.QUEUED, now, f"{len(held)} notifications")
        built += 1
    return built
