from django.db.models import Prefetch, Q

from stegvis.access.categories import Category
from stegvis.access.policy import cases_visible_to, patients_visible_to
from stegvis.notifications.models import Channel, DeliveryStatus, Notification, OutboxMessage


def unread(user):
    """The user's notifications not yet read."""
    return Notification.objects.filter(recipient_id=user, read_at__isnull=True)


def inbox_of(user, limit: int) -> list[Notification]:
    """The user's notifications about patients they may still see (or about no patient),
    unread first, each with how it was delivered beside the app itself."""
    visible = (
        Q(case__in=cases_visible_to(user, Category.CAPACITY))
        | Q(case__isnull=True, patient__in=patients_visible_to(user))
        | Q(case__isnull=True, patient__isnull=True)
    )
    deliveries = OutboxMessage.objects.exclude(channel=Channel.IN_APP).order_by("channel")
    return list(
        Notification.objects.filter(visible, recipient=user)
        .select_related("case__patient", "patient")
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .order_by("read_at", "-created_at")[:limit]
    )


# The outbox gave up on the row (every attempt, or a worker that stopped mid-send).
GAVE_UP = (DeliveryStatus.FAILED, DeliveryStatus.EXPIRED, DeliveryStatus.CANCELLED)


def outbox_gave_up(message_id) -> bool:
    return OutboxMessage.objects.filter(pk=message_id, status__in=GAVE_UP).exists()
