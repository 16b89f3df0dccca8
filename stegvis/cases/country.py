"""The country whose law governs a patient's sick leave: the jurisdiction of their latest
case, else of the unit where they are registered. Purposes, agencies and guidance follow it,
so a Norwegian patient never meets Swedish law (nor the reverse)."""

from stegvis.accounts.models import Membership
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case


def latest_case_country(patient_id) -> str | None:
    return (
        Case.objects.filter(patient_id=patient_id)
        .order_by("-opened_on")
        .values_list("jurisdiction", flat=True)
        .first()
    )


def country_of(patient_id) -> str:
    """The patient's country: the latest case's, else their unit's, else Sweden."""
    return (
        latest_case_country(patient_id)
        or Membership.objects.filter(user_id=patient_id, role=Role.PATIENT)
        .values_list("organisation__jurisdiction", flat=True)
        .first()
        or "SE"
    )
