from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "stegvis.access"
