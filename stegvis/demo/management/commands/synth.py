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
from django.db import connection
from django.utils import timezone

from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.roles import OrganisationKind as Kind
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.cases.deadlines import milestones
from stegvis.cases.models import (
    Case,
    CaseStatus,
    Certificate,
    CertificateDiagnosis,
    CertificatePeriod,
    CertificateStatus,
    ClosedReason,
    Employment,
    MilestoneCompletion,
)
from stegvis.cases.timelines import entries, next_deadline, timeline_input
from stegvis.coordination.models import (
    Meeting,
    MeetingParticipant,
    Message,
    Thread,
    ThreadParticipant,
)
from stegvis.demo.synth_history import Facts, habits, history, process, process_habits
from stegvis.plans.models import PlanVersion, RtwPlan

GIVEN = ["Anna", "Erik", "Maria", "Lars", "Sara", "Johan", "Fatima", "Mohammed", "Elin",
         "Karl", "Emma", "Ali", "Ingrid", "Oskar", "Leila", "Nils", "Hanna", "Omar"]  # fmt: skip
FAMILY = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
          "Persson", "Svensson", "Gustafsson", "Hassan", "Ali", "Berg", "Lindberg"]  # fmt: skip
STAFF_ROLES_PER_UNIT = [Role.PHYSICIAN, Role.PHYSICIAN, Role.REHAB_COORDINATOR, Role.COACH,
                        Role.MMR_CLINICIAN, Role.UNIT_MANAGER]  # fmt: skip
PATIENTS_PER_UNIT = 400
# With histories, a unit's cases over the years: Västra Götaland's 450 000 cases in five years
# come from about 200 health centres.
CASES_PER_UNIT_AND_YEAR = 450
PROGRESS_EVERY = 10_000
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
        parser.add_argument(
            "--years",
            type=int,
            default=0,
            help="Give the cases histories over this many years: starts, certificates, "
            "returns and other exits, with practice varying between units and physicians "
            "(for the insights). 0: open cases without certificates.",
        )
        parser.add_argument(
            "--region",
            default="",
            help="The name of an existing region to put the units in (default: a new one).",
        )

    def handle(self, *args, patients: int, seed: int, password: str, years=0, region="", **options):
        if not (settings.STEGVIS_DEMO or settings.DEBUG):
            raise CommandError("Synthetic data is for demo and benchmark databases only.")
        if User.objects.filter(email=f"s{seed}-p0@{DOMAIN}").exists():
            self.stdout.write(f"Synthetic data for seed {seed} is already loaded.")
            return
        rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
        self.years = years
        self.region = None
        if region:
            found = Organisation.objects.filter(name=region, kind=Kind.REGION).first()
            if found is None:
                raise CommandError(f"No region is named {region!r}.")
            self.region = found
        with audit.atomic():
            counts = self._generate(rng, seed, patients, make_password(password))
        # The planner's statistics, after a bulk load that may have grown tables a
        # hundredfold (both SQLite and PostgreSQL know the command).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            "Created {units} care units, {staff} staff, {patients} patients, {cases} cases "
            "(seed {seed}); staff password '{password}'.".format(
                seed=seed, password=password, **counts
            )
        )

    def _uuid(self, rng: random.Random) -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    def _generate(self, rng: random.Random, seed: int, n_patients: int, password_hash: str):
        region = self.region or Organisation.objects.create(
            name=f"Syntetisk region {seed}", kind=Kind.REGION
        )
        per_unit = CASES_PER_UNIT_AND_YEAR * self.years if self.years else PATIENTS_PER_UNIT
        n_units = max(1, -(-n_patients // per_unit))
        # Each in Inera's catalogue, by a fictional HSA-id of the catalogue's shape: a
        # physician's assignments (medarbetaruppdrag) may name them.
        units = Organisation.objects.bulk_create(
            Organisation(
                name=f"Vårdcentral {seed}-{i + 1}",
                kind=Kind.CARE_UNIT,
                parent=region,
                hsa_id=f"SE2321000016-S{seed}V{i + 1}",
            )
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
        unit_physicians: dict[int, list[User]] = {}
        for u, unit in enumerate(units):
            for r, role in enumerate(STAFF_ROLES_PER_UNIT):
                user = person(f"s{seed}-u{u}-{role}-{r}@{DOMAIN}")
                staff.append(user)
                unit_staff.setdefault(u, {}).setdefault(role, user)
                if role == Role.PHYSICIAN:
                    unit_physicians.setdefault(u, []).append(user)
                memberships.append(Membership(user=user, organisation=unit, role=role))
        managers: dict[int, User] = {}
        for e, employer in enumerate(employers):
            user = person(f"s{seed}-e{e}-manager@{DOMAIN}")
            staff.append(user)
            managers[employer.pk] = user
            memberships.append(
                Membership(user=user, organisation=employer, role=Role.EMPLOYER_MANAGER)
            )
        patients = [person(f"s{seed}-p{i}@{DOMAIN}") for i in range(n_patients)]
        if self.years:
            today = timezone.localdate()
            for patient in patients:
                patient.sex = rng.choice(["female", "female", "male"])
                patient.birth_date = today - timedelta(days=rng.randrange(18 * 365, 66 * 365))
        User.objects.bulk_create(staff + patients, batch_size=2000)
        unit_habits = habits(rng, n_units, 0.25)
        physician_habits = {
            user.pk: habit
            for user, habit in zip(
                [p for u in range(n_units) for p in unit_physicians[u]],
                habits(rng, sum(len(v) for v in unit_physicians.values()), 0.2),
                strict=True,
            )
        }
        # The process facts come from a generator of their own, so that the histories (and
        # the benchmarks' figures) are the same as before there were any.
        facts_rng = random.Random(f"{seed}-process")  # noqa: S311 (reproducible, not secret)
        unit_process = process_habits(facts_rng, n_units)
        written = {"cases": 0, "certificates": 0}

        today = timezone.localdate()
        statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
        employments, employment_weights = zip(*EMPLOYMENT_WEIGHTS.items(), strict=True)
        cases, pending = [], []
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
            if self.years:
                physician = rng.choice(unit_physicians[unit_index])
                case.responsible_physician = physician
                written_history = history(
                    rng, case, physician_habits[physician.pk], unit_habits[unit_index],
                    self.years, today,
                )  # fmt: skip
                facts = process(
                    facts_rng, case, written_history, unit_process[unit_index],
                    unit_staff[unit_index][Role.REHAB_COORDINATOR],
                    managers.get(case.employer.pk) if case.employer else None, today,
                )  # fmt: skip
                pending.append((*written_history, facts))
            else:
                # No certificates yet, so the timeline needs only the case itself.
                found = milestones(timeline_input(case, [], today))
                upcoming = next_deadline(entries(found, set(), today, False), case)
                if upcoming:
                    case.next_deadline_on, case.next_deadline_code = upcoming.date, upcoming.code
            cases.append(case)
            if (i + 1) % PROGRESS_EVERY == 0:
                self._progress(i + 1, n_patients)
            if len(cases) >= 2000:
                self._flush(cases, pending, written)
        Membership.objects.bulk_create(memberships, batch_size=2000)
        self._flush(cases, pending, written)
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
            **written,
        }

    def _flush(self, unsaved, pending, written) -> None:
        """Write the cases not yet saved and the certificates of their histories."""
        Case.objects.bulk_create(unsaved, batch_size=2000)
        written["cases"] += len(unsaved)
        unsaved.clear()
        certificates = [c for batch in pending for c in batch[0]]
        Certificate.objects.bulk_create(certificates, batch_size=2000)
        CertificatePeriod.objects.bulk_create([p for b in pending for p in b[1]], batch_size=5000)
        CertificateDiagnosis.objects.bulk_create(
            [d for b in pending for d in b[2]], batch_size=5000
        )
        facts = Facts()
        for batch in pending:
            facts.extend(batch[3])
        Thread.objects.bulk_create(facts.threads, batch_size=2000)
        ThreadParticipant.objects.bulk_create(facts.seats, batch_size=5000)
        Message.objects.bulk_create(facts.messages, batch_size=2000)
        RtwPlan.objects.bulk_create(facts.plans, batch_size=2000)
        PlanVersion.objects.bulk_create(facts.versions, batch_size=2000)
        MilestoneCompletion.objects.bulk_create(facts.completions, batch_size=5000)
        Meeting.objects.bulk_create(facts.meetings, batch_size=2000)
        MeetingParticipant.objects.bulk_create(facts.participants, batch_size=5000)
        ids = [certificate.pk for certificate in certificates]
        for start in range(0, len(ids), 5000):
            Certificate.objects.filter(pk__in=ids[start : start + 5000]).update(
                status=CertificateStatus.SIGNED
            )
        written["certificates"] += len(certificates)
        pending.clear()

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} cases", ending=""
        )
        self.stdout.flush()
        if done == total:
            self.stdout.write("")
