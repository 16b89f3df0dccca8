"""`stegvis demo`: load the demo organisations, people and cases, then exit.

Idempotent: everything is looked up by a natural key first, so a second run changes
nothing. Refuses to run unless STEGVIS_DEMO=1, because demo users skip MFA.
"""

import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from oauth2_provider.models import Application

from stegvis.access import care
from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for, record_allowed
from stegvis.access.models import CareReason
from stegvis.accounts.models import (
    Membership,
    Organisation,
    PersonalAccessToken,
    TokenScope,
    User,
    hash_token,
)
from stegvis.accounts.roles import OrganisationKind as Kind
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.cases import codes
from stegvis.cases.models import Case, CaseStatus
from stegvis.cases.services import (
    CertificateContent,
    case_refresh_deadline,
    certificate_create,
    certificate_sign,
)
from stegvis.coaching import selectors as coaching_selectors
from stegvis.coaching.flags.services import flag_raise
from stegvis.coaching.models import Cadence, CheckIn, FlagKind
from stegvis.coaching.reminders import reminders_plan_for
from stegvis.coordination.meetings.services import meeting_schedule
from stegvis.coordination.messages.services import thread_start
from stegvis.coordination.models import ThreadKind
from stegvis.coordination.tasks.services import task_create
from stegvis.demo.norway import PATIENT as NORWEGIAN_PATIENT
from stegvis.demo.norway import PEOPLE as NORWEGIAN_PEOPLE
from stegvis.demo.norway import load_norway
from stegvis.demo.participation import REPRESENTATIVES, load_participation
from stegvis.demo.programs import load_programs
from stegvis.insights.extract import refresh as refresh_extract
from stegvis.instruments.definitions import instrument
from stegvis.instruments.models import Administration, AdministrationStatus, Occasion
from stegvis.instruments.scoring import score
from stegvis.instruments.services import administrations_plan
from stegvis.network import services as network
from stegvis.network.purposes import Purpose
from stegvis.plans import selectors as plan_selectors
from stegvis.plans import services as plans
from stegvis.programs.models import TeamMember
from stegvis.smart.models import AppKind, AppRegistration

DEMO_PASSWORD = "stegvis-demo-2026"  # noqa: S105 (documented in the README)
DOMAIN = "demo.stegvis.invalid"
# The region's other health centres (three, by synth's cases per unit and year).
REGION_CASES, REGION_YEARS, REGION_SEED = 2700, 2, 7

ORGANISATIONS = [
    ("region", "Region Exempelby", Kind.REGION, None),
    ("unit", "Vårdcentralen Solbacken", Kind.CARE_UNIT, "region"),
    ("fk", "Försäkringskassan, lokalkontor Exempelby", Kind.FK_OFFICE, None),
    ("af", "Arbetsförmedlingen Exempelby", Kind.AF_OFFICE, None),
    ("bakery", "Bageriet Korn AB", Kind.EMPLOYER, None),
    ("school", "Exempelby kommun, förskolan Lärkan", Kind.EMPLOYER, None),
    ("social", "Exempelby kommun, socialtjänsten", Kind.SOCIAL_SERVICES, None),
    ("labour", "Exempelby kommun, arbetsmarknadsenheten", Kind.SOCIAL_SERVICES, None),
]

# What the agencies' messages name the demo's care provider, unit and physicians by:
# fictional, in the shape of Inera's catalogue (HSA-id) and workplace codes.
IDENTITIES = {
    "region": {"hsa_id": "SE2321000016-9XK1"},
    "unit": {
        "hsa_id": "SE2321000016-9XK2",
        "workplace_code": "1234567",
        "street_address": "Solbackevägen 1",
        "postal_code": "123 45",
        "city": "Exempelby",
        "phone": "010-123 45 00",
    },
}
STAFF_HSA_IDS = {"lakare": "SE2321000016-9XK3", "lakare.jour": "SE2321000016-9XK4"}

STAFF = [
    ("lakare", "Lena", "Lindqvist", "unit", Role.PHYSICIAN),
    # Named on no case: covers Lena's calls, so states a care relationship for Peter.
    ("lakare.jour", "Nils", "Ström", "unit", Role.PHYSICIAN),
    ("koordinator", "Karim", "Haddad", "unit", Role.REHAB_COORDINATOR),
    ("coach", "Cecilia", "Berg", "unit", Role.COACH),
    ("fysioterapeut", "Mats", "Ek", "unit", Role.MMR_CLINICIAN),
    ("psykolog", "Hanna", "Wallin", "unit", Role.MMR_CLINICIAN),
    ("kurator", "Erik", "Sandberg", "unit", Role.MMR_CLINICIAN),
    ("chef", "Maria", "Sjöberg", "unit", Role.UNIT_MANAGER),
    ("analytiker", "Alva", "Lindgren", "region", Role.REGION_ANALYST),
    ("facilitator", "Frida", "Nord", "unit", Role.PARTICIPATION_FACILITATOR),
    ("handlaggare.fk", "Fredrik", "Nyström", "fk", Role.INSURANCE_CASEWORKER),
    ("handlaggare.af", "Aisha", "Mohammed", "af", Role.EMPLOYMENT_CASEWORKER),
    ("chef.bageriet", "Bo", "Karlsson", "bakery", Role.EMPLOYER_MANAGER),
    ("chef.forskolan", "Eva", "Holm", "school", Role.EMPLOYER_MANAGER),
    ("socialtjanst", "Sofia", "Lund", "social", Role.SOCIAL_SERVICES_CASEWORKER),
    ("arbetsmarknad", "Jonas", "Berg", "labour", Role.SOCIAL_SERVICES_CASEWORKER),
]
# What the certificates say the demo's employees do (FK 7804, question 29).
PROFESSIONS = {
    "Bageriet Korn AB": "Bagare: degberedning, bakning och tunga lyft, tidiga morgnar.",
    "Exempelby kommun, förskolan Lärkan": "Förskollärare: barngrupp om 18 barn, planering.",
}
# Ali's SIP can invite the municipality's social services and labour-market unit.
SIP_NETWORK = {"ali": ("socialtjanst", "arbetsmarknad")}

# (login, given, family, days since sick leave began, status, language, employment,
#  employer key, diagnosis, degree now)
PATIENTS = [
    ("sara", "Sara", "Ahmadi", 5, CaseStatus.ACTIVE, "sv", "employed", "school", None, 100),
    ("johan", "Johan", "Persson", 24, CaseStatus.ACTIVE, "sv", "employed", "bakery", "M54.4", 100),
    ("amira", "Amira", "Khalil", 52, CaseStatus.ACTIVE, "en", "employed", "school", "F43.8A", 100),
    (
        "peter",
        "Peter",
        "Nilsson",
        97,
        CaseStatus.PARTIAL_RETURN,
        "sv",
        "employed",
        "bakery",
        "F32.1",
        50,
    ),
    (
        "linnea",
        "Linnéa",
        "Forsberg",
        150,
        CaseStatus.ACTIVE,
        "sv",
        "unemployed",
        None,
        "F41.1",
        100,
    ),
    (
        "ali",
        "Ali",
        "Hassan",
        200,
        CaseStatus.PARTIAL_RETURN,
        "sv",
        "employed",
        "bakery",
        "M79.7",
        50,
    ),
    ("karin", "Karin", "Olsson", 380, CaseStatus.ACTIVE, "sv", "employed", "school", "F33.1", 75),
    (
        "tolvan",
        "Tolvan",
        "Tolvansson",
        60,
        CaseStatus.FULL_RETURN,
        "sv",
        "employed",
        "bakery",
        "F43.2",
        100,
    ),
]
# Patients with a coach: check-ins going from `start` to `end` over `days`.
COACHED = {
    "peter": {"start": 3, "end": 7, "days": 28},
    "amira": {"start": 7, "end": 3, "days": 21},
}
# Identity numbers no real person has: Tolvan's is Skatteverket's well-known test identity;
# the others are in the birth-number series 980–999 that Skatteverket keeps for its test
# identities (testpersonnummer), each with a valid check digit. The next-to-last digit gives
# the legal sex (odd for men), which the equality statistics count.
TEST_PERSONNUMMER = {
    "sara": "19880314-9825",
    "johan": "19790802-9817",
    "amira": "19911123-9845",
    "peter": "19680509-9816",
    "linnea": "19960217-9823",
    "ali": "19751030-9813",
    "karin": "19630705-9847",
    "tolvan": "19121212-1212",
}
# Certificates as a physician writes them: a month, two months, then three at a time.
CERTIFICATE_DAYS = (30, 60)
LATER_DAYS = 90
# Tolvan is fully back at work: his last certificate ended two weeks ago.
BACK_DAYS_AGO = 14
# The physician's token writes too (FHIR import); the patient's reads.
DEMO_TOKENS = {"lakare": ("stv_demo_lakare", TokenScope.WRITE),
               "peter": ("stv_demo_peter", TokenScope.READ)}  # fmt: skip


# SMART on FHIR apps for patients, to try a launch with (README "Connect an app"): one on a
# server with a known secret (only ever in demo data), one in the browser with none. Their
# answers come back to the computer they run on, on any port (RFC 8252's loopback).
DEMO_APPS = [
    {"client_id": "stegvis-demo-diary", "secret": "stegvis-demo-diary-secret",
     "name": "Smärtdagboken", "redirect_uris": "http://127.0.0.1/callback"},
    {"client_id": "stegvis-demo-web", "secret": "",
     "name": "Smärtdagboken på webben", "redirect_uris": "http://127.0.0.1/app.html"},
]  # fmt: skip
DEMO_APP = DEMO_APPS[0]


def next_week_on_a_working_day(now: datetime) -> datetime:
    """Ten o'clock a week from `now`, moved to Monday if that falls on a weekend."""
    starts = now.replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=7)
    return starts + timedelta(days=7 - starts.weekday() if starts.weekday() >= 5 else 0)


class Command(BaseCommand):
    help = "Load the demo data (only with STEGVIS_DEMO=1). Safe to run again."

    def handle(self, *args, **options):
        if not settings.STEGVIS_DEMO:
            raise CommandError("Demo data is only for demo mode: set STEGVIS_DEMO=1.")
        with audit.atomic():
            created = self._load()
        # An MMR team's members by their profession, as their patients read them.
        professions = {
            member.user.email: member.get_profession_display()
            for member in TeamMember.objects.filter(user__email__endswith=DOMAIN).select_related(
                "user"
            )
        }
        logins = [
            (login, professions.get(f"{login}@{DOMAIN}", Role(role).label), given, family)
            for login, given, family, _o, role in STAFF
        ]
        logins += [
            (login, Role.PATIENT.label, given, family) for login, given, family, *_ in PATIENTS
        ]
        logins += [
            (login, Role.PATIENT_REPRESENTATIVE.label, given, family)
            for login, given, family, *_ in REPRESENTATIVES[:1]
        ]
        # Norway's people by their own roles' names, in bokmål ("Veileder i Nav").
        with translation.override("nb"):
            for login, given, family, _o, role in NORWEGIAN_PEOPLE:
                membership = Membership.objects.select_related("organisation").get(
                    user__email=f"{login}@{DOMAIN}", role=role
                )
                logins.append((login, membership.role_title, given, family))
            logins.append((NORWEGIAN_PATIENT[0], str(Role.PATIENT.label), *NORWEGIAN_PATIENT[1:]))
        self.stdout.write(
            f"Demo data ready ({'loaded' if created else 'already there'}). Sign in at "
            f"{settings.BASE_URL} with password '{DEMO_PASSWORD}' as one of these {len(logins)}:"
        )
        for login, role, given, family in logins:
            self.stdout.write(f"  {login + '@' + DOMAIN:<40} {role} ({given} {family})")
        tokens = ", ".join(f"{value} ({login})" for login, (value, _s) in DEMO_TOKENS.items())
        self.stdout.write(f"API tokens (Authorization: Bearer): {tokens}")
        for app in DEMO_APPS:
            secret = f", client_secret {app['secret']}" if app["secret"] else " (public)"
            self.stdout.write(f"SMART app {app['name']!r}: client_id {app['client_id']}{secret}, "
                              f"redirect_uri {app['redirect_uris']} (any port)")  # fmt: skip

    def _tokens(self, staff: dict) -> None:
        """Personal access tokens with known values, for trying the APIs (README): only
        demo data ever holds one that is not random."""
        for login, (value, scope) in DEMO_TOKENS.items():
            owner = staff.get(login) or User.objects.get(email=f"{login}@{DOMAIN}")
            PersonalAccessToken.objects.get_or_create(
                token_hash=hash_token(value),
                defaults={"user": owner, "name": "Demo", "scope": scope,
                          "expires_at": timezone.now() + timedelta(days=365)},
            )  # fmt: skip

    def _smart_app(self) -> None:
        for found in DEMO_APPS:
            kind = Application.CLIENT_CONFIDENTIAL if found["secret"] else Application.CLIENT_PUBLIC
            app, created = Application.objects.get_or_create(
                client_id=found["client_id"],
                # A public app's secret is one nobody holds.
                defaults={"name": found["name"],
                          "client_secret": found["secret"] or uuid.uuid4().hex,
                          "client_type": kind,
                          "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                          "redirect_uris": found["redirect_uris"],
                          "allowed_origins": "http://127.0.0.1",
                          "algorithm": Application.RS256_ALGORITHM},
            )  # fmt: skip
            if created:
                AppRegistration.objects.create(
                    application=app, kind=AppKind.PATIENT,
                    description="En dagbok för smärta och sömn, mellan besöken.",
                )  # fmt: skip

    def _user(self, login: str, given: str, family: str, language: str = "sv", **identity):
        user, created = User.objects.get_or_create(
            email=f"{login}@{DOMAIN}",
            defaults={
                "given_name": given,
                "family_name": family,
                "preferred_language": language,
                "is_demo": True,
                **identity,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user, created

    def _load(self) -> int:
        organisations: dict[str, Organisation] = {}
        for key, name, kind, parent in ORGANISATIONS:
            organisations[key], _ = Organisation.objects.get_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "parent": organisations.get(parent),
                    **IDENTITIES.get(key, {}),
                },
            )
        new_people = 0
        staff: dict[str, User] = {}
        for login, given, family, org_key, role in STAFF:
            user, created = self._user(login, given, family, hsa_id=STAFF_HSA_IDS.get(login, ""))
            new_people += created
            staff[login] = user
            Membership.objects.get_or_create(
                user=user, organisation=organisations[org_key], role=role
            )
        unit = organisations["unit"]
        today = timezone.localdate()
        for login, given, family, days, status, language, *sick_leave in PATIENTS:
            employment, employer_key, diagnosis, degree = sick_leave
            patient, created = self._user(login, given, family, language)
            new_people += created
            Membership.objects.get_or_create(user=patient, organisation=unit, role=Role.PATIENT)
            opened: date = today - timedelta(days=days)
            case, _case_created = Case.objects.get_or_create(
                patient=patient,
                organisation=unit,
                defaults={
                    "status": status,
                    "opened_on": opened,
                    "sick_from": opened,
                    "employment": employment,
                    "employer": organisations.get(employer_key),
                    "responsible_physician": staff["lakare"],
                    "responsible_coordinator": staff["koordinator"],
                    "expected_days": max(days + 30, 60),
                    "expectation_known_on": opened + timedelta(days=min(days, 10)),
                },
            )
            if created:
                if login in TEST_PERSONNUMMER:
                    number = TEST_PERSONNUMMER[login]
                    patient.set_national_id(number, "SE")
                    patient.birth_date = date(int(number[:4]), int(number[4:6]), int(number[6:8]))
                    patient.save()
                self._history(patient, staff, unit)
                if diagnosis:
                    back = status == CaseStatus.FULL_RETURN
                    self._certificates(
                        case,
                        staff["lakare"],
                        diagnosis,
                        degree,
                        today - timedelta(days=BACK_DAYS_AGO) if back else today,
                    )
                if login == "peter":
                    self._plan(case, staff["chef.bageriet"])
                if login in COACHED:
                    self._coaching(patient, staff["coach"], **COACHED[login])
                if login == "peter":
                    self._coordination(case, staff)
                    self._covering(patient, staff["lakare.jour"], unit)
                for municipal in SIP_NETWORK.get(login, ()):
                    self._in_network(
                        patient,
                        staff[municipal],
                        (Category.IDENTITY, Category.MEETINGS, Category.PLAN),
                        Purpose.SIP,
                    )
            case_refresh_deadline(case)
        # The MMR team, its running cohort (Johan and Ali) and a finished one.
        load_programs(staff, unit, lambda *names: self._patient(unit, *names), today)
        # The facilitator's network of representatives, proposals, activities and results.
        load_participation(staff, unit, lambda *names: self._user(*names)[0], today)
        # Ola, sick-listed in Norway, his manager and his Nav caseworker, in bokmål.
        load_norway(lambda *names, **identity: self._user(*names, **identity)[0], today)
        # Other health centres of the region, with two years of synthetic sick leave, so the
        # insights have something to compare with and are not all hidden as small cells.
        call_command(
            "synth",
            patients=REGION_CASES,
            years=REGION_YEARS,
            seed=REGION_SEED,
            region=organisations["region"].name,
            stdout=self.stdout,
        )
        self._tokens(staff)
        self._smart_app()
        # Baselines for the cases whose questionnaire window is open today.
        administrations_plan(today)
        # The analysis extract, as the worker keeps it.
        refresh_extract(as_of=today, full=True)
        return new_people

    def _patient(self, unit: Organisation, login: str, given: str, family: str) -> User:
        patient, _created = self._user(login, given, family)
        Membership.objects.get_or_create(user=patient, organisation=unit, role=Role.PATIENT)
        return patient

    def _in_network(self, patient: User, user: User, categories, purpose) -> None:
        membership = user.memberships.get()
        member = network.member_add(
            actor=patient, user=user, organisation=membership.organisation, role=membership.role
        )
        for category in categories:
            network.consent_grant(actor=patient, member=member, category=category, purpose=purpose)

    def _coaching(self, patient: User, coach: User, *, start: int, end: int, days: int) -> None:
        """A coach in the network with the check-ins consent, a daily schedule, some weeks of
        check-ins moving from `start` to `end` (missed days included), and a PHQ-9 history."""
        self._in_network(
            patient,
            coach,
            (Category.IDENTITY, Category.CHECKINS, Category.MESSAGES),
            Purpose.COORDINATION,
        )
        schedule = coaching_selectors.schedule_of(patient)
        schedule.cadence = Cadence.DAILY
        schedule.save()
        reminders_plan_for(schedule)
        now = timezone.now()
        checkins = []
        for back in range(days, 0, -1):
            # Every fifth day is missed: the record shows it, nobody scolds.
            if back % 5 == 0:
                continue
            level = round(end + (start - end) * back / days)
            checkins.append(
                CheckIn(
                    patient=patient,
                    submission_id=uuid.uuid4(),
                    submitted_at=now - timedelta(days=back, hours=-1),
                    local_date=(now - timedelta(days=back)).date(),
                    mood=level,
                    energy=max(level - 1, 0),
                    pain=max(8 - level, 0),
                    sleep=level,
                    stress=max(9 - level, 0),
                    work_ability=level,
                    hours_worked=4 if level >= 5 else None,
                    feedback_rule="thanks",
                )
            )
        CheckIn.objects.bulk_create(checkins)
        if end < start:
            flag_raise(patient_id=patient.pk, kind=FlagKind.WORSENING)
        phq9 = instrument("phq9")
        for weeks_ago, each in ((10, 2), (4, 1)):
            answers = {str(n): each if n < 9 else 0 for n in range(1, 10)}
            result = score(phq9, answers)
            Administration.objects.create(
                patient=patient,
                case=patient.cases.first(),
                instrument_code="phq9",
                instrument_version=phq9.version,
                occasion=Occasion.ON_DEMAND,
                due_on=(now - timedelta(weeks=weeks_ago)).date(),
                expires_on=(now - timedelta(weeks=weeks_ago - 2)).date(),
                status=AdministrationStatus.COMPLETED,
                answers=answers,
                total=result.total,
                band=result.band,
                completed_at=now - timedelta(weeks=weeks_ago),
            )

    def _coordination(self, case: Case, staff: dict[str, User]) -> None:
        """Försäkringskassan in the network, a thread with the coordinator, an avstämningsmöte
        next week and a task in the coordinator's inbox."""
        patient, coordinator = case.patient, staff["koordinator"]
        caseworker = staff["handlaggare.fk"]
        self._in_network(
            patient,
            caseworker,
            (Category.IDENTITY, Category.MEETINGS, Category.MESSAGES, Category.PLAN),
            Purpose.FK_INFORMATION,
        )
        thread_start(
            actor=patient,
            role=Role.PATIENT,
            patient=patient,
            kind=ThreadKind.WITH_PATIENT,
            subject="Inför mötet med Försäkringskassan",
            participants=[coordinator],
            body="Hej! Kan vi prata om hur många timmar jag ska jobba efter jul?",
            submission_id=uuid.uuid4(),
        )
        meeting_schedule(
            actor=coordinator,
            case=get_case_for(
                coordinator, case.pk, category=Category.MEETINGS, action=Action.CREATE
            ),
            kind="fk_reconciliation",
            starts_at=next_week_on_a_working_day(timezone.localtime()),
            place="Vårdcentralen Solbacken, rum 4",
            participants=[caseworker, staff["lakare"]],
        )
        task_create(
            actor=coordinator,
            case=case,
            assignee=coordinator,
            title="Skicka underlag till Försäkringskassan inför avstämningsmötet",
            due_on=timezone.localdate(),
            submission_id=uuid.uuid4(),
        )

    def _plan(self, case: Case, manager: User) -> None:
        """One patient further along: their manager in the network, a plan and a shared note."""
        patient = case.patient
        membership = manager.memberships.get()
        member = network.member_add(
            actor=patient, user=manager, organisation=membership.organisation, role=membership.role
        )
        network.consent_grant(
            actor=patient, member=member, category=Category.PLAN, purpose=Purpose.EMPLOYER_DIALOGUE
        )
        plan = plan_selectors.plan_of(case)
        plans.plan_save(
            actor=patient,
            plan=plan,
            base_version=0,
            new_content={
                "goals": ["Baka bröd igen, först på förmiddagarna", "Orka umgås med familjen"],
                "strengths": ["Kan mitt hantverk", "Bra stöd hemma"],
                "barriers": [{"kind": "work", "text": "Nattpassen tar all ork"}],
                "actions": [{"text": "Prata med Bo om dagpass", "owner": str(member.pk)}],
                "adjustments": {"measures": ["work_adaptation"], "other": "Inga nattpass"},
                "schedule": [{"weeks": 4, "percent": 50}, {"weeks": 4, "percent": 75}],
                "hard_times": {"warning_signs": "Jag slutar sova", "whom_to_call": "Vårdcentralen"},
            },
        )
        note = plans.capacity_note_save(
            actor=patient,
            note=plan_selectors.capacity_note_of(case),
            base_revision=0,
            data={
                "work_situation": "Bagare, vanligen nattpass.",
                "limitations": "Orkar inte långa pass eller nattarbete just nu.",
                "adjustments": "Dagpass, halvtid, färre beställningar åt gången.",
            },
        )
        plans.capacity_note_share(actor=patient, note=note, member=member)

    def _certificates(self, case: Case, physician: User, code: str, degree: int, until: date):
        """Signed certificates from day 8 (the first week is self-certified) to two weeks
        past `until` (today, or the day a case now back at work last had sick leave), as a
        physician writes them: a month, two months, then three at a time, full-time at first
        and at `degree` in the last one; a remainder of two weeks or less joins the last."""
        day = case.day_one + timedelta(days=7)
        if day > until:
            return
        back = case.status == CaseStatus.FULL_RETURN
        last = until if back else until + timedelta(days=14)
        lengths = [*CERTIFICATE_DAYS]
        while day <= last:
            length = lengths.pop(0) if lengths else LATER_DAYS
            ends = min(day + timedelta(days=length - 1), last)
            if (last - ends).days <= 14:
                ends = last
            self._certificate(case, physician, code, degree if ends == last else 100, day, ends)
            day = ends + timedelta(days=1)

    def _certificate(self, case, physician, code: str, degree: int, start: date, end: date):
        """A signed certificate from `start` to `end`, examined on its first day."""
        content = CertificateContent(
            fields={
                "examined_on": start,
                "occupation": "current_job" if case.employment == "employed" else "job_seeker",
                "occupation_text": PROFESSIONS.get(case.employer.name, "") if case.employer else "",
                "functional_impairment": "Nedsatt uthållighet och koncentration.",
                "functional_impairment_grade": 2,
                "activity_limitation": "Klarar inte ett helt arbetspass eller flera uppgifter.",
                "activity_limitation_grade": 2,
                "fmb_justification": "Långvarigt förlopp med samsjuklighet; se teamets bedömning.",
                "prognosis": "PROGNOS_OKLAR",
                "measures": ["work_adaptation"],
                # Asked whenever part of the working time is left (FK 7804, question 33).
                "working_hours_arranged": False if degree < 100 else None,
            },
            diagnoses=[("icd10", code, codes.lookup("icd10", code).title("sv"))],
            periods=[(degree, start, end)],
        )
        certificate = certificate_create(actor=physician, case=case, content=content)
        certificate_sign(actor=physician, certificate=certificate)

    def _covering(self, patient: User, physician: User, unit: Organisation) -> None:
        """A colleague covering the named physician's calls states why, for a day: Peter
        sees it on "who has seen my data", the unit manager is told."""
        membership = physician.memberships.get(organisation=unit)
        care.establish(
            actor=physician,
            membership=membership,
            patient=patient,
            reason=CareReason.COVERING,
            reason_text="Jag har Lenas telefontider i dag och ringer dig om intyget.",
            hours=24,
        )

    def _history(self, patient: User, staff: dict[str, User], unit: Organisation) -> None:
        """A few past accesses, so "Who has seen my data" has something to show."""
        visits = [
            ("lakare", Role.PHYSICIAN, Category.SICK_LEAVE, Action.CREATE, 3),
            ("koordinator", Role.REHAB_COORDINATOR, Category.IDENTITY, Action.VIEW, 2),
            ("lakare", Role.PHYSICIAN, Category.SICK_LEAVE, Action.VIEW, 1),
        ]
        now = timezone.now()
        for login, role, category, action, days_ago in visits:
            record_allowed(
                staff[login],
                patient.pk,
                category=category,
                action=action,
                basis="care:named",
                object_type="patient",
                object_id=patient.pk,
                role=role,
                organisation_id=unit.pk,
                occurred_at=now - timedelta(days=days_ago),
            )
