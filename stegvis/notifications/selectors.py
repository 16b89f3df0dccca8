from stegvis.notifications.models import Notification


def unread(user):
    """The user's notifications not yet read."""
    return Notification.objects.filter(recipient_id=user, read_at__isnull=True)
