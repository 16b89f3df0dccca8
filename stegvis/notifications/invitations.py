"""Invitations by e-mail to people with no account yet, through the one delivery pipeline:
queued in the invitation's transaction, sent by a worker right after the commit, retried
and logged like every other message."""

import uuid

from django.core.mail import mailers
from django.db import transaction
from django.utils import timezone

from stegvis.network.models import NetworkMember
from stegvis.network.services import invitation_email
from stegvis.notifications import outbox
from stegvis.notifications.models import OutboxKind, OutboxMessage
from stegvis.notifications.tasks import dispatch_urgent_task


def queue_network_invitation(sender, member: NetworkMember, **kwargs) -> OutboxMessage:
    # Each ask sends anew (a fresh link replaces the last), so each has its own key.
    message = outbox.queue(
        None,
        address=member.invited_email,
        kind=OutboxKind.NETWORK_INVITATION,
        key=f"network_invitation:{member.pk}:{uuid.uuid4()}",
        not_before=timezone.now(),
        object_id=member.pk,
    )
    transaction.on_commit(lambda: dispatch_urgent_task.enqueue([str(message.pk)]))
    return message


def send_network_invitation(message: OutboxMessage) -> None:
    email = invitation_email(NetworkMember(pk=message.object_id))
    if email is not None:
        with mailers.default as connection:
            connection.send_messages([email])
