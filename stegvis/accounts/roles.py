"""Roles a person can hold at an organisation, and the kinds of organisation."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    REGION = "region", _("Region")
    CARE_UNIT = "care_unit", _("Care unit")
    MMR_TEAM = "mmr_team", _("Multimodal rehabilitation team")
    FK_OFFICE = "fk_office", _("Försäkringskassan office")
    AF_OFFICE = "af_office", _("Arbetsförmedlingen office")
    SOCIAL_SERVICES = "social_services", _("Social services")
    EMPLOYER = "employer", _("Employer")
    NAV_OFFICE = "nav_office", _("NAV office")


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    PHYSICIAN = "physician", _("Physician")
    REHAB_COORDINATOR = "rehab_coordinator", _("Rehabilitation coordinator")
    MMR_CLINICIAN = "mmr_clinician", _("MMR clinician")
    COACH = "coach", _("Coach")
    INSURANCE_CASEWORKER = "insurance_caseworker", _("Insurance caseworker")
    EMPLOYMENT_CASEWORKER = "employment_caseworker", _("Employment caseworker")
    SOCIAL_SERVICES_CASEWORKER = "social_services_caseworker", _("Social-services caseworker")
    EMPLOYER_MANAGER = "employer_manager", _("Employer manager")
    UNIT_MANAGER = "unit_manager", _("Unit manager")
    REGION_ANALYST = "region_analyst", _("Region analyst")
    PARTICIPATION_FACILITATOR = "participation_facilitator", _("Participation facilitator")
    PATIENT_REPRESENTATIVE = "patient_representative", _("Patient representative")
    ADMIN = "admin", _("Administrator")
    # A region's registered system (a SMART backend service): no person, no sign-in.
    REGISTERED_SYSTEM = "registered_system", _("Registered system")


# Roles that never reach another person's patient data, so need no second factor.
NON_STAFF_ROLES = frozenset({Role.PATIENT, Role.PATIENT_REPRESENTATIVE})
# A region's registered system is no member of staff: no person, no pages, no network.
STAFF_ROLES = frozenset(Role) - NON_STAFF_ROLES - {Role.REGISTERED_SYSTEM}
# The roles that work with one patient at a time, so a patient may bring them into their
# network and they may ask to join one. Managers, analysts, facilitators and administrators
# see units and figures, never one person's network.
NETWORK_ROLES = STAFF_ROLES - {
    Role.UNIT_MANAGER, Role.ADMIN, Role.PARTICIPATION_FACILITATOR, Role.REGION_ANALYST
}  # fmt: skip

# Where a role that works with one patient still never asks a patient to let it in: Nav
# receives the sykmelding and the follow-up plan itself and meets the person through its own
# channels, and a request from the agency that decides their benefits is not one a person on
# sick leave can freely refuse. Nav's advisers come into a network when the patient brings
# them in.
NEVER_ASKS_TO_JOIN = frozenset({OrganisationKind.NAV_OFFICE})


def may_ask_to_join(membership) -> bool:
    """Whether a person may ask to join a patient's network under this membership."""
    return (
        membership.role in NETWORK_ROLES and membership.organisation.kind not in NEVER_ASKS_TO_JOIN
    )


def asks_to_join_as(memberships) -> list:
    """The memberships under which a person may ask to join a patient's network."""
    return [m for m in memberships if may_ask_to_join(m)]


# What a role is called where its organisation's own name for it differs from the general
# one: a caseworker at Nav is a Nav veileder, a manager at a Norwegian employer is the
# nearest manager the Working Environment Act names.
ROLE_TITLES = {
    (Role.INSURANCE_CASEWORKER, OrganisationKind.NAV_OFFICE): _("Nav adviser (veileder)"),
    (Role.EMPLOYMENT_CASEWORKER, OrganisationKind.NAV_OFFICE): _("Nav adviser for work (veileder)"),
    (Role.INSURANCE_CASEWORKER, OrganisationKind.FK_OFFICE): _("Caseworker at Försäkringskassan"),
    (Role.EMPLOYMENT_CASEWORKER, OrganisationKind.AF_OFFICE): _("Caseworker at Arbetsförmedlingen"),
}
NORWEGIAN_ROLE_TITLES = {Role.EMPLOYER_MANAGER: _("Nearest manager (nærmeste leder)")}


# The agency where each country's caseworkers work, to name a role before its organisation
# is chosen (a Norwegian patient looking for their Nav veileder).
COUNTRY_AGENCIES = {
    "SE": {
        Role.INSURANCE_CASEWORKER: OrganisationKind.FK_OFFICE,
        Role.EMPLOYMENT_CASEWORKER: OrganisationKind.AF_OFFICE,
    },
    "NO": {
        Role.INSURANCE_CASEWORKER: OrganisationKind.NAV_OFFICE,
        Role.EMPLOYMENT_CASEWORKER: OrganisationKind.NAV_OFFICE,
    },
}


def role_title_in(role: str, country: str) -> str:
    """The role as it is called in `country`, with no organisation yet."""
    kind = COUNTRY_AGENCIES.get(country, {}).get(role)
    if kind is not None:
        return str(ROLE_TITLES[(role, kind)])
    if country == "NO" and role in NORWEGIAN_ROLE_TITLES:
        return str(NORWEGIAN_ROLE_TITLES[role])
    return str(Role(role).label)


def role_title(role: str, organisation) -> str:
    """The role as the person's own organisation calls it."""
    if organisation is not None:
        if title := ROLE_TITLES.get((role, organisation.kind)):
            return str(title)
        if organisation.jurisdiction == "NO" and role in NORWEGIAN_ROLE_TITLES:
            return str(NORWEGIAN_ROLE_TITLES[role])
    return str(Role(role).label)
