"""`stegvis synth --patients N --seed S`: realistic synthetic data at scale, for benchmarks.

Deterministic for a given seed. Inserts in bulk; one shared password hash, because hashing
10 000 passwords with Argon2 would take minutes and measures nothing. Staff get a TOTP
authenticator, so they pass the MFA rule without demo mode.
"""

import random
import uuid
from datetime import timedelta

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from stegvis.access import audit
from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.roles import OrganisationKind as Kind
from stegvis.accounts.roles import Role
from stegvis.cases.deadlines import milestones
from stegvis.cases.models import Case, CaseStatus, ClosedReason, Employment
from stegvis.cases.timelines import entries, next_deadline, timeline_input

GIVEN = ["Anna", "Erik", "Maria", "Lars", "Sara", "Johan", "Fatima", "Mohammed", "Elin",
         "Karl", "Emma", "Ali", "Ingrid", "Oskar", "Leila", "Nils", "Hanna", "Omar"]  # fmt: skip
FAMILY = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
          "Persson", "Svensson", "Gustafsson", "Hassan", "Ali", "Berg", "Lindberg"]  # fmt: skip
STAFF_ROLES_PER_UNIT = [Role.PHYSICIAN, Role.PHYSICIAN, Role.REHAB_COORDINATOR, Role.COACH,
                        Role.MMR_CLINICIAN, Role.UNIT_MANAGER]  # fmt: skip
PATIENTS_PER_UNIT = 400
DOMAIN = "synth.stegvis.invalid"
# Weighted towards recent sick leave, with a long tail (the shape of Swedish statistics).
STATUS_WEIGHTS = {
    CaseStatus.ACTIVE: 60,
    CaseStatus.PARTIAL_RETURN: 20,
    CaseStatus.FULL_RETURN: 15,
    CaseStatus.CLOSED: 5,
}
EMPLOYMENT_WEIGHTS = {
    Employment.EMPLOYED: 75,
    Employment.UNEMPLOYED: 12,
    Employment.SELF_EMPLOYED: 6,
    Employment.STUDENT: 3,
    Employment.PARENTAL_LEAVE: 4,
}


class Command(BaseCommand):
    help = "Generate synthetic organisations, staff, patients and cases (demo mode only)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--password", default="synth-password-2026")

    def handle(self, *args, patients: int, seed: int, password: str, **options):
        if not (settings.STEGVIS_DEMO or settings.DEBUG):
            raise CommandError("Synthetic data is for demo and benchmark databases only.")
        if User.objects.filter(email=f"s{seed}-p0@{DOMAIN}").exists():
            self.stdout.write(f"Synthetic data for seed {seed} is already loaded.")
            return
        rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
        with audit.atomic():
            counts = self._generate(rng, seed, patients, make_password(password))
        self.stdout.write(
            "Created {units} care units, {staff} staff, {patients} patients, {cases} cases "
            "(seed {seed}); staff password '{password}'.".format(
                seed=seed, password=password, **counts
            )
        )

    def _uuid(self, rng: random.Random) -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    def _generate(self, rng: random.Random, seed: int, n_patients: int, password_hash: str):
        region = Organisation.objects.create(name=f"Syntetisk region {seed}", kind=Kind.REGION)
        n_units = max(1, -(-n_patients // PATIENTS_PER_UNIT))
        units = Organisation.objects.bulk_create(
            Organisation(name=f"Vårdcentral {seed}-{i + 1}", kind=Kind.CARE_UNIT, parent=region)
            for i in range(n_units)
        )
        employers = Organisation.objects.bulk_create(
            Organisation(name=f"Arbetsgivare {seed}-{i + 1}", kind=Kind.EMPLOYER)
            for i in range(max(1, n_patients // 50))
        )

        def person(email: str) -> User:
            return User(
                id=self._uuid(rng),
                email=email,
                given_name=rng.choice(GIVEN),
                family_name=rng.choice(FAMILY),
                password=password_hash,
                preferred_language=rng.choice(["sv", "sv", "sv", "en"]),
            )

        staff, memberships = [], []
        unit_staff: dict[int, dict[str, User]] = {}
        for u, unit in enumerate(units):
            for r, role in enumerate(STAFF_ROLES_PER_UNIT):
                user = person(f"s{seed}-u{u}-{role}-{r}@{DOMAIN}")
                staff.append(user)
                unit_staff.setdefault(u, {}).setdefault(role, user)
                memberships.append(Membership(user=user, organisation=unit, role=role))
        for e, employer in enumerate(employers):
            user = person(f"s{seed}-e{e}-manager@{DOMAIN}")
            staff.append(user)
            memberships.append(
                Membership(user=user, organisation=employer, role=Role.EMPLOYER_MANAGER)
            )
        patients = [person(f"s{seed}-p{i}@{DOMAIN}") for i in range(n_patients)]
        User.objects.bulk_create(staff + patients, batch_size=2000)

        today = timezone.localdate()
        statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
        employments, employment_weights = zip(*EMPLOYMENT_WEIGHTS.items(), strict=True)
        cases = []
        for i, patient in enumerate(patients):
            unit_index = i % n_units
            unit = units[unit_index]
            memberships.append(Membership(user=patient, organisation=unit, role=Role.PATIENT))
            # Sick-leave lengths are skewed: most short, some beyond a year.
            days = min(int(rng.expovariate(1 / 90)), 900)
            status = rng.choices(statuses, weights)[0]
            employment = rng.choices(employments, employment_weights)[0]
            sick_from = today - timedelta(days=days)
            case = Case(
                id=self._uuid(rng),
                patient=patient,
                organisation=unit,
                employment=employment,
                employer=rng.choice(employers) if employment == Employment.EMPLOYED else None,
                status=status,
                closed_reason=ClosedReason.RETURNED_TO_WORK if status == CaseStatus.CLOSED else "",
                closed_on=today if status == CaseStatus.CLOSED else None,
                responsible_physician=unit_staff[unit_index][Role.PHYSICIAN],
                responsible_coordinator=unit_staff[unit_index][Role.REHAB_COORDINATOR],
                opened_on=sick_from,
                sick_from=sick_from,
                expected_days=rng.choice([30, 60, 90, 180, 365]),
            )
            # No certificates yet, so the timeline needs only the case itself.
            found = milestones(timeline_input(case, [], today))
            upcoming = next_deadline(entries(found, set(), today, False), case)
            if upcoming:
                case.next_deadline_on, case.next_deadline_code = upcoming.date, upcoming.code
            cases.append(case)
        Membership.objects.bulk_create(memberships, batch_size=2000)
        Case.objects.bulk_create(cases, batch_size=2000)
        Authenticator.objects.bulk_create(
            Authenticator(
                user=user,
                type=Authenticator.Type.TOTP,
                data={"secret": generate_totp_secret()},
            )
            for user in staff
        )
        return {
            "units": n_units,
            "staff": len(staff),
            "patients": len(patients),
            "cases": len(cases),
        }
