from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The top of the product: what brings the apps together for a person (the home page
    and its next step), the worker and its job table. The demo's data is its own app above
    (stegvis.demo)."""

    name = "stegvis.portal"
