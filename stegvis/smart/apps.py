from django.apps import AppConfig


class SmartConfig(AppConfig):
    name = "stegvis.smart"
    verbose_name = "SMART on FHIR"

    def ready(self):
        from stegvis.smart import checks, cors  # noqa: F401
