from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "stegvis.notifications"
