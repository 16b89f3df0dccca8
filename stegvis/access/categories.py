"""The data categories of a patient, the actions on them, and what each role may ever hold.

ROLE_CEILING is the most a role can reach; whether a person reaches it for a given patient
is decided by the predicates in stegvis.access.policy.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.roles import Role


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


C = Category
CLINICAL = frozenset(
    {
        C.IDENTITY, C.SICK_LEAVE, C.CAPACITY, C.PLAN, C.CHECKINS,
        C.QUESTIONNAIRES, C.MESSAGES, C.MEETINGS, C.CLINICAL_NOTES,
    }
)  # fmt: skip

# Roles that take part in a patient's care at a unit (Patientdatalagen 4 kap. 1 §): they
# reach a patient's data through a care relationship, being named on the case or having
# established one with a reason. A coach needs the patient's consent, like everyone else.
CARE_ROLES = frozenset({Role.PHYSICIAN, Role.REHAB_COORDINATOR, Role.MMR_CLINICIAN})
# The national identity number ties a person to every register there is: shown only to the
# person, to care staff and to the sickness-insurance agency (which decides on it), and
# searched by only these roles, since a search that finds someone confirms the number.
NATIONAL_ID_ROLES = CARE_ROLES | {Role.INSURANCE_CASEWORKER}


def national_id_shown(reader, patient_id) -> bool:
    """Whether `reader` sees a patient's national identity number where they see the
    patient (a Patient resource, an export)."""
    return str(reader.pk) == str(patient_id) or bool(reader.roles & NATIONAL_ID_ROLES)


# The unit manager reaches the unit's patients only to review its access logs.
LOG_REVIEW_ROLES = frozenset({Role.UNIT_MANAGER})

# An employer never holds a diagnosis, clinical notes or questionnaire answers.
EMPLOYER_NEVER = frozenset({C.SICK_LEAVE, C.CLINICAL_NOTES, C.QUESTIONNAIRES})

ROLE_CEILING: dict[str, frozenset[str]] = {
    Role.PHYSICIAN: CLINICAL,
    Role.REHAB_COORDINATOR: CLINICAL,
    Role.MMR_CLINICIAN: CLINICAL,
    Role.COACH: frozenset({C.IDENTITY, C.CAPACITY, C.PLAN, C.CHECKINS, C.MESSAGES, C.MEETINGS}),
    Role.INSURANCE_CASEWORKER: frozenset(
        {C.IDENTITY, C.SICK_LEAVE, C.CAPACITY, C.PLAN, C.MEETINGS, C.MESSAGES}
    ),
    Role.EMPLOYMENT_CASEWORKER: frozenset({C.IDENTITY, C.CAPACITY, C.PLAN, C.MEETINGS, C.MESSAGES}),
    Role.SOCIAL_SERVICES_CASEWORKER: frozenset(
        {C.IDENTITY, C.CAPACITY, C.PLAN, C.MEETINGS, C.MESSAGES}
    ),
    Role.EMPLOYER_MANAGER: frozenset({C.IDENTITY, C.CAPACITY, C.PLAN, C.MEETINGS, C.MESSAGES}),
    # A unit manager reviews who accessed what (HSLF-FS 2016:40), not the records themselves.
    Role.UNIT_MANAGER: frozenset({C.IDENTITY, C.ACCESS_LOG}),
    # A region's analyst sees pseudonymised statistics of its units, never a record.
    Role.REGION_ANALYST: frozenset(),
    Role.PARTICIPATION_FACILITATOR: frozenset(),
    Role.PATIENT_REPRESENTATIVE: frozenset(),
    Role.ADMIN: frozenset(),
    Role.PATIENT: frozenset(),
}

# What a role may hold in pseudonymised rows (one row per case, no name or number, but a
# case's dates, diagnosis group and course all the same). Only a region's analyst holds
# them, generalised until no row stands in a group of fewer than five (stegvis.insights
# .release); any other role holds at most its ceiling above, so a unit manager, who reviews
# access logs and never reads a diagnosis, gets no rows at all: only tables.
PSEUDONYMISED_CEILING: dict[str, frozenset[str]] = {
    Role.REGION_ANALYST: frozenset({C.SICK_LEAVE, C.PLAN, C.MEETINGS}),
}

assert not (ROLE_CEILING[Role.EMPLOYER_MANAGER] & EMPLOYER_NEVER)  # noqa: S101
