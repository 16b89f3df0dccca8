"""The demo's Norwegian corner: Ola Bakken, sick-listed under Norway's rules from Fjellvik
legesenter, with his nearest manager at Fjellvik Bakeri, a follow-up plan (oppfølgingsplan)
in the making, a Nav caseworker in his network and dialogue meeting 1 called. Everyone here
reads Stegvis in bokmål."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for
from stegvis.accounts.models import Membership, Organisation
from stegvis.accounts.roles import OrganisationKind as Kind
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case, CaseStatus
from stegvis.cases.services import (
    CertificateContent,
    case_refresh_deadline,
    certificate_create,
    certificate_sign,
)
from stegvis.coordination.meetings.services import meeting_schedule
from stegvis.network import services as network
from stegvis.network.purposes import Purpose
from stegvis.plans import selectors as plan_selectors
from stegvis.plans import services as plans

ORGANISATIONS = [
    ("legesenter", "Fjellvik legesenter", Kind.CARE_UNIT),
    ("nav", "Nav Fjellvik", Kind.NAV_OFFICE),
    ("bakeri", "Fjellvik Bakeri AS", Kind.EMPLOYER),
]
# What the sykmelding to Nav names the legekontor and the fastlege by (fictional HER-id and
# HPR number, in the registers' shapes).
IDENTITIES = {
    "legesenter": {
        "her_id": "8143060",
        "street_address": "Storgata 12",
        "postal_code": "8012",
        "city": "Fjellvik",
        "phone": "75 50 12 00",
    },
}
HPR_NUMBERS = {"fastlege": "9144889"}
FODSELSNUMMER = "12037810027"
# (login, given, family, organisation key, role)
PEOPLE = [
    ("fastlege", "Ingrid", "Haugen", "legesenter", Role.PHYSICIAN),
    ("leder.bakeri", "Nina", "Dahl", "bakeri", Role.EMPLOYER_MANAGER),
    ("nav.veileder", "Thomas", "Berg", "nav", Role.INSURANCE_CASEWORKER),
]
PATIENT = ("ola", "Ola", "Bakken")
DAYS_ON_LEAVE = 26
FOLLOW_UP_PLAN = {
    "part_time": "Ja, 50 % fra uke 5: formiddager i bakeriet.",
    "adaptation": "Ingen nattskift; lettere løft; faste pauser.",
    "reassignment": "Bestillinger og kundekontakt noen timer om dagen.",
}


def load_norway(make_user, today) -> None:
    units = {
        key: Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind, "jurisdiction": "NO", **IDENTITIES.get(key, {})}
        )[0]
        for key, name, kind in ORGANISATIONS
    }
    people = {}
    for login, given, family, key, role in PEOPLE:
        people[login] = make_user(login, given, family, "nb", hpr_number=HPR_NUMBERS.get(login, ""))
        Membership.objects.get_or_create(user=people[login], organisation=units[key], role=role)
    patient = make_user(*PATIENT, "nb")
    unit = units["legesenter"]
    Membership.objects.get_or_create(user=patient, organisation=unit, role=Role.PATIENT)
    opened = today - timedelta(days=DAYS_ON_LEAVE)
    case, created = Case.objects.get_or_create(
        patient=patient,
        organisation=unit,
        defaults={
            "jurisdiction": "NO",
            "status": CaseStatus.ACTIVE,
            "opened_on": opened,
            "sick_from": opened,
            "employment": "employed",
            "employer": units["bakeri"],
            "responsible_physician": people["fastlege"],
            "expected_days": 90,
            "expectation_known_on": opened + timedelta(days=7),
        },
    )
    if not created:
        return
    # A synthetic fødselsnummer (its check digits hold): the sykmelding to Nav names him by it.
    patient.set_national_id(FODSELSNUMMER, "NO")
    patient.save()
    case_refresh_deadline(case)
    _network(patient, people)
    manager = people["leder.bakeri"]
    plan = plan_selectors.employer_plan_of(
        get_case_for(manager, case.pk, category=Category.CAPACITY)
    )
    plans.employer_plan_save(
        actor=manager, plan=plan, answers=FOLLOW_UP_PLAN, base_revision=plan.revision,
        follow_up_on=today + timedelta(days=14),
    )  # fmt: skip
    _sykmeldinger(people["fastlege"], case, opened)
    meeting_day = today + timedelta(days=(7 - today.weekday()) % 7 or 7)  # next Monday
    # The employer calls dialogue meeting 1 (arbeidsmiljøloven § 4-6 (4)) and invites the
    # fastlege and Nav.
    meeting_schedule(
        actor=manager,
        case=get_case_for(manager, case.pk, category=Category.MEETINGS, action=Action.CREATE),
        kind="dialogue_meeting_1",
        starts_at=timezone.make_aware(datetime.combine(meeting_day, time(10, 0))),
        duration_minutes=60,
        place="Fjellvik Bakeri AS, møterommet",
        participants=[people["fastlege"], people["nav.veileder"]],
    )


# Ola's two sykmeldinger: two weeks with no activity possible, then graded 50 % with an
# input to the employer; the first with the employer copy Nina reads.
SYKMELDING = {
    "no_employer": "one",
    "no_employer_name": "Fjellvik Bakeri AS",
    "occupation_text": "Baker",
    "no_position_percent": 100,
    "no_fit_after_period": False,
    "no_own_work_later": True,
    "no_measures_workplace": "Lettere løft og faste pauser; ikke nattskift.",
    "employer_note": "Ola kan ikke løfte tungt de neste ukene. Vi ses på dialogmøtet.",
}
PERIODS = [
    # (first day, last day, degree, details), counted from day 1 of the sick leave
    (0, 13, 100, {"activity": "no_activity", "medical_reasons": ["1"],
                  "medical_reason_text": "Akutte korsryggsmerter med utstråling.",
                  "workplace_reasons": ["1"],
                  "workplace_reason_text": "Ingen lette oppgaver på nattskiftet."}),
    (14, 41, 50, {"activity": "graded"}),
]  # fmt: skip


def _sykmeldinger(physician, case, opened) -> None:
    case = get_case_for(physician, case.pk, category=Category.SICK_LEAVE, action=Action.CREATE)
    for first, last, degree, details in PERIODS:
        content = CertificateContent(
            fields={**SYKMELDING, "examined_on": opened + timedelta(days=first)},
            diagnoses=[("icpc2", "L86", "Ryggsyndrom med smerteutstråling")],
            periods=[
                (degree, opened + timedelta(days=first), opened + timedelta(days=last), details)
            ],
        )
        draft = certificate_create(actor=physician, case=case, content=content)
        certificate_sign(actor=physician, certificate=draft)


def _network(patient, people) -> None:
    """Ola lets his manager see who he is, his work capacity, plan and meetings, and Nav who
    he is, his sick leave, work capacity and meetings: each on their caseload."""
    for login, purpose, categories in (
        ("leder.bakeri", Purpose.EMPLOYER_DIALOGUE,
         (Category.IDENTITY, Category.CAPACITY, Category.PLAN, Category.MEETINGS)),
        ("nav.veileder", Purpose.NAV_INFORMATION,
         (Category.IDENTITY, Category.CAPACITY, Category.SICK_LEAVE, Category.MEETINGS)),
    ):  # fmt: skip
        user = people[login]
        membership = user.memberships.get()
        member = network.member_add(
            actor=patient, user=user, organisation=membership.organisation, role=membership.role
        )
        for category in categories:
            network.consent_grant(actor=patient, member=member, category=category, purpose=purpose)
