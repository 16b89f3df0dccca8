"""The professions of care: what a person is in a team (a program's physiotherapist), as
distinct from the role they sign in with at a unit (Role)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Profession(models.TextChoices):
    PHYSICIAN = "physician", _("Physician")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    OCCUPATIONAL_THERAPIST = "occupational_therapist", _("Occupational therapist")
    SOCIAL_WORKER = "social_worker", _("Social worker (kurator)")
    NURSE = "nurse", _("Nurse")
    REHAB_COORDINATOR = "rehab_coordinator", _("Rehabilitation coordinator")
