from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The top layer: what brings the apps together for a person (the home page and its
    next step), the worker and its job table, and the demo and synthetic data."""

    name = "stegvis.portal"
