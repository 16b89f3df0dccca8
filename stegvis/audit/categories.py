"""The data categories of a patient and the actions on them: what every audit event names.

The access policy decides on these (stegvis.access.categories: what each role may ever
hold); they are defined here, below it, because the audit trail records them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    IDENTITY = "identity", _("Name and contact details")
    SICK_LEAVE = "sick_leave", _("Sick leave and diagnosis")
    CAPACITY = "capacity", _("Work capacity")
    PLAN = "plan", _("Return-to-work plan")
    CHECKINS = "checkins", _("Check-ins")
    QUESTIONNAIRES = "questionnaires", _("Questionnaires")
    MESSAGES = "messages", _("Messages")
    MEETINGS = "meetings", _("Meetings")
    CLINICAL_NOTES = "clinical_notes", _("Clinical notes")
    ACCESS_LOG = "access_log", _("Who has seen the data")
    NETWORK = "network", _("Network and consents")


class Action(models.TextChoices):
    VIEW = "view", _("viewed")
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    EXPORT = "export", _("exported")
    # Made reachable to the actor by someone else: invited, told, given a task.
    SHARE = "share", _("shared with them")
