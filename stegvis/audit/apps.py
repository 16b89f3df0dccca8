from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "stegvis.audit"
