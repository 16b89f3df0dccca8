from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "stegvis.notifications"

    def ready(self):
        from stegvis.access.signals import care_relationship_established
        from stegvis.network.signals import member_invited
        from stegvis.notifications import outbox
        from stegvis.notifications.invitations import (
            queue_network_invitation,
            send_network_invitation,
        )
        from stegvis.notifications.models import OutboxKind
        from stegvis.notifications.services import tell_unit_manager

        care_relationship_established.connect(
            tell_unit_manager, dispatch_uid="tell_unit_manager_of_care_relationship"
        )
        # Invitations by e-mail leave through the outbox, sent by a worker after the commit.
        member_invited.connect(queue_network_invitation, dispatch_uid="queue_network_invitation")
        outbox.SENDERS[OutboxKind.NETWORK_INVITATION] = send_network_invitation
