"""E-mails an app writes itself (an invitation whose link is made as it is sent, a
representative's preparation), through the one delivery pipeline: queued in the caller's
transaction, sent by a worker right after the commit, retried and logged like every other
message. An app registers, per kind, a writer that makes the e-mail from the row's object
at the moment of sending (None: nothing to send any more)."""

import uuid
from collections.abc import Callable

from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.utils import timezone

from stegvis.accounts.models import User
from stegvis.notifications import outbox
from stegvis.notifications.models import OutboxMessage
from stegvis.notifications.tasks import dispatch_urgent_task

WRITERS: dict[str, Callable[[str], EmailMessage | None]] = {}
# Called with the object's id once its e-mail has left (the preparation noted as sent).
AFTER_SENDING: dict[str, Callable[[str], None]] = {}


def register(
    kind: str,
    writer: Callable[[str], EmailMessage | None],
    after_sending: Callable[[str], None] | None = None,
) -> None:
    WRITERS[kind] = writer
    if after_sending is not None:
        AFTER_SENDING[kind] = after_sending
    outbox.SENDERS[kind] = _send


def _send(message: OutboxMessage) -> None:
    email = WRITERS[message.kind](message.object_id)
    if email is None:
        return
    with mailers.default as connection:
        connection.send_messages([email])
    if message.kind in AFTER_SENDING:
        AFTER_SENDING[message.kind](message.object_id)


def _queued(message: OutboxMessage) -> OutboxMessage:
    transaction.on_commit(lambda: dispatch_urgent_task.enqueue([str(message.pk)]))
    return message


def queue_to_address(address: str, *, kind: str, object_id) -> OutboxMessage:
    """To someone with no account yet. Each ask sends anew (a fresh link replaces the
    last), so each has a key of its own."""
    return _queued(outbox.queue(
        None, address=address, kind=kind, key=f"{kind}:{object_id}:{uuid.uuid4()}",
        not_before=timezone.now(), object_id=object_id,
    ))  # fmt: skip


def queue_to(user: User, *, kind: str, object_id) -> OutboxMessage:
    """To a person, once per object: queueing it again is the same row."""
    return _queued(outbox.queue(
        user.pk, kind=kind, key=f"{kind}:{object_id}", not_before=timezone.now(),
        object_id=object_id,
    ))  # fmt: skip
