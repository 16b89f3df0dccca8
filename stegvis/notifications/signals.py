from django.contrib.auth.signals import user_logged_out
from django.dispatch import Signal

from stegvis.notifications.models import PushSubscription

# The devices a session turned on, kept in the session: dropped when it signs out.
SESSION_DEVICES = "push_devices"
# Sent with `user` when a person changes how they are told (their choices or their
# devices): messages already planned for them, like check-in reminders, follow.
channels_changed = Signal()


def forget_this_sessions_devices(sender, request, user, **kwargs) -> None:
    """Signing out stops the notifications this session turned on: on a shared phone the
    next person is never told that something waits for the one before."""
    ids = request.session.get(SESSION_DEVICES, []) if request is not None else []
    if user is None or not ids:
        return
    if PushSubscription.objects.filter(user=user, pk__in=ids).delete()[0]:
        channels_changed.send(sender=PushSubscription, user=user)


def connect() -> None:
    user_logged_out.connect(forget_this_sessions_devices, dispatch_uid="forget_push_devices")
