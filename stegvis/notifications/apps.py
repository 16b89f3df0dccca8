from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "stegvis.notifications"

    def ready(self):
        from stegvis.access.signals import care_relationship_established
        from stegvis.network.services import invitation_email
        from stegvis.network.signals import member_invited
        from stegvis.notifications import checks, emails, signals  # noqa: F401
        from stegvis.notifications.models import OutboxKind
        from stegvis.notifications.services import queue_network_invitation, tell_unit_manager

        care_relationship_established.connect(
            tell_unit_manager, dispatch_uid="tell_unit_manager_of_care_relationship"
        )
        # An invitation to a patient's network leaves through the outbox after the commit.
        member_invited.connect(queue_network_invitation, dispatch_uid="queue_network_invitation")
        emails.register(OutboxKind.NETWORK_INVITATION, invitation_email)
        signals.connect()
