from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "stegvis.notifications"

    def ready(self):
        from stegvis.access.signals import care_relationship_established
        from stegvis.notifications.services import tell_unit_manager

        care_relationship_established.connect(
            tell_unit_manager, dispatch_uid="tell_unit_manager_of_care_relationship"
        )
