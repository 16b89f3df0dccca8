"""`stegvis demo`: load the demo organisations, people and cases, then exit.

Idempotent: everything is looked up by a natural key first, so a second run changes
nothing. Refuses to run unless STEGVIS_DEMO=1, because demo users skip MFA.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from stegvis.access import audit
from stegvis.access.categories import Action, Category
from stegvis.access.models import Outcome
from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.roles import OrganisationKind as Kind
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case, CaseStatus

DEMO_PASSWORD = "stegvis-demo-2026"  # noqa: S105 (documented in the README)
DOMAIN = "demo.stegvis.invalid"

ORGANISATIONS = [
    ("region", "Region Exempelby", Kind.REGION, None),
    ("unit", "Vårdcentralen Solbacken", Kind.CARE_UNIT, "region"),
    ("fk", "Försäkringskassan, lokalkontor Exempelby", Kind.FK_OFFICE, None),
    ("af", "Arbetsförmedlingen Exempelby", Kind.AF_OFFICE, None),
    ("bakery", "Bageriet Korn AB", Kind.EMPLOYER, None),
    ("school", "Exempelby kommun, förskolan Lärkan", Kind.EMPLOYER, None),
]

STAFF = [
    ("lakare", "Lena", "Lindqvist", "unit", Role.PHYSICIAN),
    ("koordinator", "Karim", "Haddad", "unit", Role.REHAB_COORDINATOR),
    ("coach", "Cecilia", "Berg", "unit", Role.COACH),
    ("fysioterapeut", "Mats", "Ek", "unit", Role.MMR_CLINICIAN),
    ("chef", "Maria", "Sjöberg", "unit", Role.UNIT_MANAGER),
    ("handlaggare.fk", "Fredrik", "Nyström", "fk", Role.INSURANCE_CASEWORKER),
    ("handlaggare.af", "Aisha", "Mohammed", "af", Role.EMPLOYMENT_CASEWORKER),
    ("chef.bageriet", "Bo", "Karlsson", "bakery", Role.EMPLOYER_MANAGER),
    ("chef.forskolan", "Eva", "Holm", "school", Role.EMPLOYER_MANAGER),
]

# (login, given, family, days since sick leave began, status, language)
PATIENTS = [
    ("sara", "Sara", "Ahmadi", 5, CaseStatus.ACTIVE, "sv"),
    ("johan", "Johan", "Persson", 24, CaseStatus.ACTIVE, "sv"),
    ("amira", "Amira", "Khalil", 52, CaseStatus.ACTIVE, "en"),
    ("peter", "Peter", "Nilsson", 97, CaseStatus.PARTIAL_RETURN, "sv"),
    ("linnea", "Linnéa", "Forsberg", 150, CaseStatus.ACTIVE, "sv"),
    ("ali", "Ali", "Hassan", 200, CaseStatus.PARTIAL_RETURN, "sv"),
    ("karin", "Karin", "Olsson", 380, CaseStatus.ACTIVE, "sv"),
    ("tolvan", "Tolvan", "Tolvansson", 60, CaseStatus.FULL_RETURN, "sv"),
]
# Skatteverket's well-known test identity; no real person has it.
TEST_PERSONNUMMER = {"tolvan": "19121212-1212"}


class Command(BaseCommand):
    help = "Load the demo data (only with STEGVIS_DEMO=1). Safe to run again."

    def handle(self, *args, **options):
        if not settings.STEGVIS_DEMO:
            raise CommandError("Demo data is only for demo mode: set STEGVIS_DEMO=1.")
        with transaction.atomic():
            created = self._load()
        self.stdout.write(
            f"Demo data ready ({created} new people). Sign in at http://127.0.0.1:8000 "
            f"with password '{DEMO_PASSWORD}' as:"
        )
        logins = [
            (login, Role(role).label, given, family) for login, given, family, _o, role in STAFF
        ]
        logins += [
            (login, Role.PATIENT.label, given, family) for login, given, family, *_ in PATIENTS
        ]
        for login, role, given, family in logins:
            self.stdout.write(f"  {login + '@' + DOMAIN:<40} {role} ({given} {family})")

    def _user(self, login: str, given: str, family: str, language: str = "sv"):
        user, created = User.objects.get_or_create(
            email=f"{login}@{DOMAIN}",
            defaults={
                "given_name": given,
                "family_name": family,
                "preferred_language": language,
                "is_demo": True,
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
                name=name, defaults={"kind": kind, "parent": organisations.get(parent)}
            )
        new_people = 0
        staff: dict[str, User] = {}
        for login, given, family, org_key, role in STAFF:
            user, created = self._user(login, given, family)
            new_people += created
            staff[login] = user
            Membership.objects.get_or_create(
                user=user, organisation=organisations[org_key], role=role
            )
        unit = organisations["unit"]
        today = timezone.localdate()
        for login, given, family, days, status, language in PATIENTS:
            patient, created = self._user(login, given, family, language)
            new_people += created
            Membership.objects.get_or_create(user=patient, organisation=unit, role=Role.PATIENT)
            opened: date = today - timedelta(days=days)
            Case.objects.get_or_create(
                patient=patient, organisation=unit, defaults={"status": status, "opened_on": opened}
            )
            if created:
                if login in TEST_PERSONNUMMER:
                    patient.set_national_id(TEST_PERSONNUMMER[login], "SE")
                    patient.birth_date = date(1912, 12, 12)
                    patient.save()
                self._history(patient, staff, unit)
        return new_people

    def _history(self, patient: User, staff: dict[str, User], unit: Organisation) -> None:
        """A few past accesses, so "Who has seen my data" has something to show."""
        visits = [
            ("lakare", Role.PHYSICIAN, Category.SICK_LEAVE, Action.CREATE, 3),
            ("koordinator", Role.REHAB_COORDINATOR, Category.IDENTITY, Action.VIEW, 2),
            ("lakare", Role.PHYSICIAN, Category.SICK_LEAVE, Action.VIEW, 1),
        ]
        now = timezone.now()
        audit.append(
            [
                audit.new_event(
                    occurred_at=now - timedelta(days=days_ago),
                    actor=staff[login],
                    actor_role=role,
                    actor_organisation=unit,
                    patient=patient,
                    category=category,
                    action=action,
                    outcome=Outcome.ALLOWED,
                    basis="treating_unit",
                    object_type="patient",
                    object_id=patient.pk,
                )
                for login, role, category, action, days_ago in visits
            ]
        )
