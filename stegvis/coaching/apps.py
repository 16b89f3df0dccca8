from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "stegvis.coaching"

    def ready(self):
        # Words of crisis anywhere a patient writes are answered here.
        from stegvis.coaching import crisis  # noqa: F401
        from stegvis.coaching.reminders import (
            reminders_follow_channels,
            reminders_sent,
            render_reminder,
        )
        from stegvis.notifications import channels, outbox
        from stegvis.notifications.models import OutboxKind
        from stegvis.notifications.signals import channels_changed

        # Check-in reminders go through the one delivery pipeline, written by the coach.
        channels.RENDERERS[OutboxKind.CHECKIN_REMINDER] = render_reminder
        outbox.ON_SENT[OutboxKind.CHECKIN_REMINDER] = reminders_sent
        channels_changed.connect(reminders_follow_channels, dispatch_uid="reminders_follow")
