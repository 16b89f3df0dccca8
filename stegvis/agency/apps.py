from django.apps import AppConfig


class AgencyConfig(AppConfig):
    name = "stegvis.agency"
    verbose_name = "Agency messages"
