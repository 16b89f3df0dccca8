from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "stegvis.coordination"
