from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "stegvis.fhir"
    label = "fhir"
