"""What the FHIR API reads, kind by kind: each a category of the patient's data (so the
policy decides who reaches it), how its rows are found among the cases or patients the
reader may see, and how a page of them is written as resources.

One resource type may gather several kinds (a CarePlan is the return-to-work plan, the
employer's plan, a SIP or an MMR program), each decided under its own category: an
employer reaching the capacity-level plans never reaches the program's goals.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import (
    record_cases_listed,
    record_of_patient,
    record_patients_listed,
    scope_of_patient,
)
from stegvis.access.policy import care_cases, cases_visible_to, patients_visible_to
from stegvis.accounts.models import User
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case, CertificateDiagnosis, CertificateKind, CertificateStatus
from stegvis.coaching.models import CheckIn
from stegvis.coordination.models import Meeting, Message, Task, Thread
from stegvis.core.crisis import held_ids, not_held_from
from stegvis.core.prepared import Prepared
from stegvis.fhir import records, resources
from stegvis.instruments.models import Administration, AdministrationStatus
from stegvis.network.models import Consent, MemberStatus, NetworkMember
from stegvis.plans.employer_points import employer_plan_rules
from stegvis.plans.models import EmployerPlan, RtwPlan
from stegvis.programs.models import Referral, ReferralStatus


@dataclass(frozen=True)
class Kind:
    resource: str
    category: str
    # (reader, the cases or patients whose `category` they may see) -> the rows
    rows: Callable[..., QuerySet]
    # (a page of rows, the site's address, for links) -> resources
    render: Callable[[list, str], list[dict]]
    order: tuple[str, ...]
    # The field that says when a row last changed (_lastUpdated), if it has one.
    updated: str | None = None
    # Scoped by the patients the reader may see, not their cases.
    by_patient: bool = False
    # From a row to its case or patient, for the audit ("" when the row is the case).
    owner: str = "case"
    # A resource id is the prefix and the row's primary key.
    prefix: str = ""
    numeric_id: bool = False
    # One resource per row (so a search can say its total). When not, a resource's id is
    # the row's key, a dash and what tells the row's resources apart (a Condition: its
    # case and its code).
    one_per_row: bool = True

    def owner_of(self, row):
        return attrgetter(self.owner)(row) if self.owner else row

    def row_pk(self, resource_id: str):
        """The primary key a resource id names, or None when it names none of this kind."""
        if not resource_id.startswith(self.prefix):
            return None
        rest = resource_id.removeprefix(self.prefix)
        if not self.one_per_row:
            rest, dash = rest[:UUID_LENGTH], rest[UUID_LENGTH : UUID_LENGTH + 1]
            if dash != "-":
                return None
        try:
            return int(rest) if self.numeric_id else uuid.UUID(rest)
        except ValueError:
            return None


UUID_LENGTH = len(str(uuid.UUID(int=0)))


def each(render) -> Callable[[list, str], list[dict]]:
    return lambda rows, site: [render(row) for row in rows]


def _conditions(cases, site: str = "") -> list[dict]:
    """The diagnoses of the cases' signed certificates, each once per case (the newest
    wording), in one query whatever the number of cases."""
    by_pk = {case.pk: case for case in cases}
    found: dict = {case.pk: {} for case in cases}  # case -> code -> Condition, in case order
    rows = (
        CertificateDiagnosis.objects.filter(
            certificate__case__in=by_pk, certificate__status=CertificateStatus.SIGNED
        )
        .select_related("certificate")
        .order_by("certificate__signed_at", "position")
    )
    # A sykmelding marked "skjermes for pasient" keeps its diagnosis from its patient.
    read_by_patient = [case.pk for case in cases if case.read_by_patient]
    rows = rows.exclude(
        certificate__case__in=read_by_patient,
        certificate__kind=CertificateKind.NO_SYKMELDING,
        certificate__no_screened_from_patient=True,
    )
    for row in rows:
        case = by_pk[row.certificate.case_id]
        system = resources.CODE_SYSTEMS.get(row.system, {}).get(
            case.jurisdiction, resources.ICD10_SE
        )
        found[case.pk][row.code] = resources.condition(
            case, row.code, system, row.text, row.certificate.signed_at
        )
    return [condition for per_case in found.values() for condition in per_case.values()]


def _documents(kind: str, title: str, url_name: str, related: Callable):
    def render(plans, site: str) -> list[dict]:
        return [
            records.document_reference(
                plan,
                kind,
                title,
                site + reverse(url_name, args=[plan.case_id]),
                related(plan),
            )
            for plan in plans
        ]

    return render


def _rtw_plans(user, cases):
    plans = RtwPlan.objects.filter(case__in=cases)
    held = held_ids("planversion")
    if held:  # a plan with the patient's words of crisis waits for a person responsible
        plans = plans.exclude(Q(versions__pk__in=held) & ~Q(case__patient=user))
    return plans.select_related("case__organisation", "case__patient")


def _employer_plans(user, cases):
    return EmployerPlan.objects.filter(case__in=cases).select_related("case__patient")


def _tasks(user, cases):
    """Tasks of the cases in the reader's care, and those given to the reader."""
    return (
        Task.objects.filter(case__in=cases)
        .filter(Q(assignee=user) | Q(case__in=care_cases(user, Category.PLAN)))
        .select_related("case", "assignee", "meeting")
        .annotate(changed=Coalesce("completed_at", "created_at"))
    )


def _messages(user, patients):
    """Messages of the threads the reader takes part in (as on the messages page)."""
    messages = Message.objects.filter(
        thread__patient__in=patients,
        thread__in=Thread.objects.filter(participants__user=user).values("pk"),
    )
    return not_held_from(messages, user).select_related("thread__patient", "author")


def _care_teams(patients, site: str = "") -> list[dict]:
    """Each patient's network as it is now, the members of all of them in one query."""
    members: dict = {patient.pk: [] for patient in patients}
    rows = NetworkMember.objects.filter(patient__in=members, status=MemberStatus.ACTIVE)
    for member in rows.select_related("user", "organisation").order_by("created_at"):
        members[member.patient_id].append(member)
    return [resources.care_team(patient, members[patient.pk]) for patient in patients]


def _completed(patients):
    return Administration.objects.filter(
        patient__in=patients, status=AdministrationStatus.COMPLETED
    ).select_related("patient")


C = Category
KINDS: tuple[Kind, ...] = (
    Kind("EpisodeOfCare", C.CAPACITY,
         lambda user, cases: cases.select_related("organisation", "patient"),
         each(resources.episode_of_care), ("-opened_on", "pk"), owner=""),
    Kind("Condition", C.SICK_LEAVE,
         lambda user, cases: cases.filter(certificates__status=CertificateStatus.SIGNED)
         .annotate(read_by_patient=ExpressionWrapper(Q(patient_id=user.pk),
                                                     output_field=BooleanField()))
         .select_related("organisation", "patient").distinct(),
         _conditions, ("-opened_on", "pk"), updated="certificates__signed_at", owner="",
         one_per_row=False),
    Kind("CarePlan", C.PLAN,
         _rtw_plans, each(lambda plan: resources.care_plan(plan.case, plan)),
         ("-updated_at", "pk"),
         updated="updated_at"),
    Kind("CarePlan", C.CAPACITY,
         _employer_plans, each(lambda plan: records.employer_care_plan(
             plan, employer_plan_rules(plan.case.jurisdiction))),
         ("-updated_at", "pk"), updated="updated_at", prefix="employer-"),
    Kind("CarePlan", C.MEETINGS,
         lambda user, cases: Meeting.objects.filter(case__in=cases, sip_plan__isnull=False)
         .select_related("case__patient").annotate(changed=Coalesce("held_at", "created_at")),
         each(records.sip_care_plan), ("-changed", "pk"), updated="changed", prefix="sip-"),
    Kind("CarePlan", C.CLINICAL_NOTES,
         lambda user, cases: Referral.objects.filter(
             case__in=cases, status=ReferralStatus.INCLUDED, cohort__isnull=False)
         .select_related("case__patient", "cohort", "team").prefetch_related("goals"),
         each(lambda referral: records.program_care_plan(referral, referral.goals.all())),
         ("-decided_at", "pk"), updated="decided_at", prefix="mmr-"),
    Kind("Appointment", C.MEETINGS,
         lambda user, cases: Meeting.objects.filter(case__in=cases)
         .select_related("case__patient").prefetch_related("participants__user"),
         each(lambda meeting: resources.appointment(meeting, meeting.participants.all())),
         ("-starts_at", "pk")),
    Kind("Task", C.PLAN, _tasks, each(records.task), ("-changed", "pk"), updated="changed"),
    Kind("DocumentReference", C.PLAN,
         _rtw_plans, _documents("plan", "Return-to-work plan", "plan_pdf",
                    lambda plan: f"CarePlan/{plan.pk}"),
         ("-updated_at", "pk"), updated="updated_at", prefix="plan-"),
    Kind("DocumentReference", C.CAPACITY,
         _employer_plans,
         _documents("employer-plan", "Plan for return to work", "employer_plan_pdf",
                    lambda plan: f"CarePlan/employer-{plan.pk}"),
         ("-updated_at", "pk"), updated="updated_at", prefix="employer-plan-"),
    Kind("Observation", C.CHECKINS,
         lambda user, patients: CheckIn.objects.filter(patient__in=patients)
         .select_related("patient"),
         each(records.checkin_observation), ("-submitted_at", "pk"), updated="submitted_at",
         by_patient=True, owner="patient", prefix="checkin-"),
    Kind("Observation", C.QUESTIONNAIRES,
         lambda user, patients: _completed(patients).filter(total__isnull=False),
         each(records.score_observation), ("-completed_at", "pk"), updated="completed_at",
         by_patient=True, owner="patient", prefix="score-"),
    Kind("QuestionnaireResponse", C.QUESTIONNAIRES,
         lambda user, patients: _completed(patients),
         each(records.questionnaire_response), ("-completed_at", "pk"), updated="completed_at",
         by_patient=True, owner="patient"),
    Kind("Communication", C.MESSAGES, _messages, each(records.communication),
         ("-created_at", "pk"), updated="created_at", by_patient=True, owner="thread.patient"),
    # The patient's network and the consents they gave: theirs to read (NETWORK).
    Kind("CareTeam", C.NETWORK, lambda user, patients: patients, _care_teams, ("pk",),
         by_patient=True, owner="", prefix="network-"),
    Kind("Consent", C.NETWORK,
         lambda user, patients: Consent.objects.filter(patient__in=patients)
         .select_related("member__user", "patient")
         .annotate(changed=Coalesce("withdrawn_at", "granted_at")),
         each(resources.consent), ("-granted_at", "pk"), updated="changed", by_patient=True,
         owner="patient"),
    # The patient's own access log: theirs alone to read here (a unit's log review has its
    # own pages and scope).
    Kind("AuditEvent", C.ACCESS_LOG,
         lambda user, patients: AccessEvent.objects.filter(
             patient__in=patients.filter(pk=user.pk)).select_related("actor", "patient"),
         each(records.audit_event), ("-occurred_at", "-pk"), updated="occurred_at",
         by_patient=True, owner="patient", prefix="access-", numeric_id=True),
)  # fmt: skip


def rows_for(user, kind: Kind, patient=None, condition: Q | None = None, unit=None) -> QuerySet:
    """The rows of `kind` the reader may see: of one patient, or of the patients with a
    case at one unit, when given (a case the reader may see: that a patient is treated at a
    unit is no one's to learn from a list of it)."""
    if kind.by_patient:
        scope = patients_visible_to(user, kind.category)
        scope = scope.filter(pk=patient.pk) if patient else scope
        if unit is not None:
            at_unit = cases_visible_to(user, kind.category).filter(organisation=unit)
            scope = scope.filter(pk__in=at_unit.values("patient"))
    else:
        scope = cases_visible_to(user, kind.category)
        scope = scope.filter(patient=patient) if patient else scope
        scope = scope.filter(organisation=unit) if unit is not None else scope
    return kind.rows(user, scope).filter(condition or Q())


def everything_of(user, patient, since=None, until=None) -> list[tuple[Kind, QuerySet]]:
    """Each kind's rows of one patient that the reader may see (Patient/$everything), the
    policy asked once per category rather than once per kind; with `since`, only the rows
    changed after it where a kind knows when a row changed (a kind that does not, such as
    a meeting, is given whole: a client merging by id loses nothing); with `until`, none
    changed after it (the pages of one Bundle show the record as it was at the first: each
    page's own reading adds to the patient's access log, which would push rows along)."""
    scopes: dict[tuple, QuerySet | None] = {}
    found = []
    for kind in KINDS:
        key = (kind.category, kind.by_patient)
        if key not in scopes:
            scopes[key] = scope_of_patient(user, patient, kind.category, by_patient=kind.by_patient)
        if scopes[key] is None:
            continue
        rows = kind.rows(user, scopes[key])
        if since is not None and kind.updated:
            rows = rows.filter(**{f"{kind.updated}__gt": since})
        if until is not None and kind.updated:
            rows = rows.filter(**{f"{kind.updated}__lte": until})
        found.append((kind, rows.order_by(*kind.order)))
    return found


def record_everything(user, patient, kind: Kind, rows) -> None:
    """The reads of one patient's rows (`everything_of`), one event per case or patient,
    in one statement."""
    owners = _owners(kind, rows)
    if owners:
        record_of_patient(user, patient, kind.category, owners, object_type="fhir_everything")


def _owners(kind: Kind, rows) -> dict:
    """The cases or patients the rows belong to, by key, each once, in the rows' order."""
    owners = {}
    for row in rows:
        owner = kind.owner_of(row)
        owners.setdefault(owner.pk, owner)
    return owners


def record_read(user, kind: Kind, rows, object_type: str, action: str = Action.VIEW) -> None:
    """The reads (or the export) of rows, one event per case or patient, in one statement."""
    owners = _owners(kind, rows)
    listed = record_patients_listed if kind.by_patient else record_cases_listed
    if owners:
        listed(user, list(owners.values()), category=kind.category, object_type=object_type,
               action=action)  # fmt: skip


def with_countries(patients: QuerySet) -> QuerySet:
    """Patients with the country of their newest case (which national profile applies),
    in the same query."""
    newest = Case.objects.filter(patient=OuterRef("pk")).order_by("-opened_on")
    return patients.annotate(country=Subquery(newest.values("jurisdiction")[:1]))


def _patient_with_country(pk):
    return with_countries(User.objects.filter(pk=pk))


# A Patient resource's read, one query (stegvis/core/prepared.py).
PATIENT_WITH_COUNTRY = Prepared(_patient_with_country, annotations=("country",))


def patient_with_country(patient_id, decision=None) -> User | None:
    """The patient with their country, for a Patient resource (a loader of
    `get_patient_for`, which reads the patient once the policy allowed)."""
    return PATIENT_WITH_COUNTRY.first(pk=patient_id)


def kinds_of(resource: str) -> list[Kind]:
    """A resource type's kinds, those with the longest id prefix first (so a read tries
    "employer-plan-" before "plan-")."""
    found = [kind for kind in KINDS if kind.resource == resource]
    return sorted(found, key=lambda kind: -len(kind.prefix))


SEARCHABLE = sorted({kind.resource for kind in KINDS})
