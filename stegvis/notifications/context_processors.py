from stegvis.core.prepared import Prepared
from stegvis.notifications.models import Notification


def _unread(user):
    return Notification.objects.filter(recipient_id=user, read_at__isnull=True).values_list("pk")


# Counted on every page (stegvis/core/prepared.py).
UNREAD = Prepared(_unread)


def unread_notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UNREAD.count(user=user.pk)}
