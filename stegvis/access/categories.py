"""The data categories of a patient, the actions on them, and what each role may ever hold.

ROLE_CEILING is the most a role can reach; whether a person reaches it for a given patient
is decided by the predicates in stegvis.access.policy.
"""

from stegvis.access import systems
from stegvis.accounts.roles import Role

# Defined with the audit trail, below the policy, since every event names them; the policy's
# callers take them from here with the ceilings.
from stegvis.audit.categories import Action as Action
from stegvis.audit.categories import Category as Category

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
# A registered system reaches the patients of its region's units, with no person present.
SYSTEM_ROLES = frozenset({Role.REGISTERED_SYSTEM})

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
    # A region's registered system reads its units' patients for the region's follow-up,
    # under its country's law (stegvis/access/data/systems.toml).
    Role.REGISTERED_SYSTEM: systems.ceiling(),
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
