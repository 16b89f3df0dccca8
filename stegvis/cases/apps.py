from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "stegvis.cases"
