"""Reads of a patient's questionnaires, for a patient the reader has already resolved."""

from django.db.models import QuerySet

from stegvis.accounts.models import User
from stegvis.instruments.models import Administration, AdministrationStatus


def administrations_of(patient: User) -> QuerySet[Administration]:
    """Everything asked of the patient, the latest due first."""
    return Administration.objects.filter(patient=patient).order_by("-due_on")


def completed_of(patient: User) -> QuerySet[Administration]:
    return Administration.objects.filter(patient=patient, status=AdministrationStatus.COMPLETED)
