from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "stegvis.participation"
