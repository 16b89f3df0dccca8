"""A Norwegian corner for the tests: a legesenter with its fastlege, a Nav office with a
veileder, a bakery with the sick-listed worker's nearest manager, and Ola's case under
Norway's rules. Shared by the Norway tests."""

import re
from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from stegvis.accounts.roles import OrganisationKind as Kind
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case, CaseStatus
from stegvis.cases.services import case_refresh_deadline
from tests.factories import OrganisationFactory, UserFactory, member

# Swedish law and agencies, which a Norwegian case never shows (nor names in bokmål).
SWEDISH_WORDS = (
    "Försäkringskassan", "Arbetsförmedlingen", "SFB", "socialförsäkringsbalken", "2019:1297",
    "SoL", "socialtjänstlagen", "Socialtjänstlagen", "hälso- och sjukvårdslagen", "FMB",
    "FK 7804", "SIP", "Socialstyrelsen",
)  # fmt: skip
SWEDISH_LAW = re.compile(r"\b(" + "|".join(re.escape(word) for word in SWEDISH_WORDS) + r")\b")


def swedish_law(texts) -> list[str]:
    """The texts that name Swedish law or a Swedish agency (as whole words)."""
    return sorted({" ".join(text.split()) for text in texts if SWEDISH_LAW.search(text)})


def build_norway(days_on_leave: int = 26) -> SimpleNamespace:
    legesenter = OrganisationFactory(name="Fjellvik legesenter", jurisdiction="NO")
    nav = OrganisationFactory(name="Nav Fjellvik", kind=Kind.NAV_OFFICE, jurisdiction="NO")
    bakeri = OrganisationFactory(name="Fjellvik Bakeri AS", kind=Kind.EMPLOYER, jurisdiction="NO")
    fastlege = member(
        UserFactory(
            email="fastlege@example.no",
            given_name="Ingrid",
            family_name="Haugen",
            preferred_language="nb",
        ),
        legesenter,
        Role.PHYSICIAN,
    )
    leder = member(
        UserFactory(
            email="leder@example.no", given_name="Nina", family_name="Dahl", preferred_language="nb"
        ),
        bakeri,
        Role.EMPLOYER_MANAGER,
    )
    veileder = member(
        UserFactory(
            email="veileder@example.no",
            given_name="Thomas",
            family_name="Berg",
            preferred_language="nb",
        ),
        nav,
        Role.INSURANCE_CASEWORKER,
    )
    ola = member(
        UserFactory(
            email="ola@example.no", given_name="Ola", family_name="Bakken", preferred_language="nb"
        ),
        legesenter,
        Role.PATIENT,
    )
    sick_from = timezone.localdate() - timedelta(days=days_on_leave)
    case = Case.objects.create(
        patient=ola,
        organisation=legesenter,
        jurisdiction="NO",
        status=CaseStatus.ACTIVE,
        opened_on=sick_from,
        sick_from=sick_from,
        employment="employed",
        employer=bakeri,
        responsible_physician=fastlege,
        expected_days=90,
    )
    case_refresh_deadline(case)
    return SimpleNamespace(
        legesenter=legesenter, nav=nav, bakeri=bakeri, fastlege=fastlege, leder=leder,
        veileder=veileder, ola=ola, case=case,
    )  # fmt: skip
