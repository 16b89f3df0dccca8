from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "stegvis.network"
