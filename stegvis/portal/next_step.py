"""The one next step a patient sees first on their home page: the most useful thing to do
now, in plain words. Ordered by what others are waiting for, then by deadlines."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from stegvis.access.selectors import new_accesses_of
from stegvis.accounts.models import User
from stegvis.cases.deadlines import milestone_title, responsible_for, rule_set
from stegvis.cases.models import Case
from stegvis.cases.timelines import Responsible
from stegvis.coaching.selectors import open_windows
from stegvis.core.prepared import Prepared, counted
from stegvis.instruments.services import pending_for
from stegvis.network.models import MemberStatus, NetworkMember
from stegvis.plans.models import CapacityNote, PlanProposal, ProposalStatus, RtwPlan
from stegvis.programs.selectors import open_referrals

SOON = timedelta(days=7)


@dataclass(frozen=True)
class NextStep:
    text: str
    action: str
    url: str
    # Someone waits for the patient, or a date is near: shown before anything else.
    urgent: bool = True


def _responsible(case: Case) -> str:
    rule = next(
        r for r in rule_set(case.jurisdiction).milestones if r.code == case.next_deadline_code
    )
    return responsible_for(rule, case.employment)


def _deadline_worth_a_step(case: Case, today) -> bool:
    """The patient's own duty within a week (or late); someone else's only while it is
    still ahead, since a late one of theirs is nothing the patient can do."""
    if not case.next_deadline_code or case.next_deadline_on > today + SOON:
        return False
    return _responsible(case) == Responsible.PATIENT or case.next_deadline_on >= today


def _deadline_text(case: Case) -> str:
    """What is next on the timeline, by when, and whose it is, in plain words."""
    title = milestone_title(case.jurisdiction, case.next_deadline_code, get_language() or "sv")
    when = date_format(case.next_deadline_on, "DATE_FORMAT")
    responsible = _responsible(case)
    if responsible == Responsible.PATIENT:
        return _("Yours to do by {date}: {title}.").format(date=when, title=title)
    return _("Next on your timeline, on {date}: {title}. {who} takes care of it.").format(
        date=when, title=title, who=Responsible(responsible).label
    )


def _patient_waits(patient, today, now, since) -> dict:
    return {
        "join_request": Subquery(
            NetworkMember.objects.filter(patient_id=patient, status=MemberStatus.REQUESTED)
            .order_by("created_at", "pk")
            .values("pk")[:1]
        ),
        "questionnaire_due": Exists(pending_for(patient, today)),
        "checkin_open": Exists(open_windows(patient, now)),
        "manager_in_network": Exists(
            NetworkMember.objects.filter(
                patient_id=patient, role="employer_manager", status=MemberStatus.ACTIVE
            )
        ),
        # Not steps, but shown beside the step on the same page: asked in the same row.
        "in_program": Exists(open_referrals(patient)),
        "new_accesses": counted(new_accesses_of(patient, since)),
    }


def _case_waits(case) -> dict:
    return {
        "proposal_pending": Exists(
            PlanProposal.objects.filter(plan__case_id=case, status=ProposalStatus.PENDING)
        ),
        "plan_written": Exists(RtwPlan.objects.filter(case_id=case, version__gt=0)),
        "capacity_note_shared": Exists(
            CapacityNote.objects.filter(case_id=case, shared_at__isnull=False)
        ),
    }


def _one_row(patient, waits: dict):
    """Everything the next step asks, as the columns of one row (one statement)."""
    return User.objects.filter(pk=patient).annotate(**waits).values_list(*waits)


# Asked on every patient's home page, built once (stegvis/core/prepared.py).
WAITING = Prepared(
    lambda patient, today, now, since: _one_row(patient, _patient_waits(patient, today, now, since))
)
WAITING_ON_CASE = Prepared(
    lambda patient, today, now, since, case: _one_row(
        patient, {**_patient_waits(patient, today, now, since), **_case_waits(case)}
    )
)


@dataclass(frozen=True)
class Waiting:
    """What waits for the patient: the row, in the order of its columns (the patient's,
    then the open case's), and the case it was asked for."""

    case: Case | None
    join_request: object
    questionnaire_due: bool
    checkin_open: bool
    manager_in_network: bool
    in_program: bool
    # Others' accesses since the patient last looked at their log, up to NEW_ACCESSES_COUNTED.
    new_accesses: int
    # Without an open case, nothing waits on one.
    proposal_pending: bool = False
    plan_written: bool = False
    capacity_note_shared: bool = False


def what_waits(patient: User, cases: list[Case]) -> Waiting:
    """Everything the patient's home asks beside their cases, in one statement."""
    open_cases = [c for c in cases if c.closed_on is None]
    case = open_cases[0] if open_cases else None
    values = {
        "patient": patient.pk,
        "today": timezone.localdate(),
        "now": timezone.now(),
        "since": patient.access_log_seen_at or patient.date_joined,
    }
    if case is None:
        return Waiting(case, *WAITING.rows(**values)[0])
    return Waiting(case, *WAITING_ON_CASE.rows(**values, case=case.pk)[0])


def next_step_for(waiting: Waiting) -> NextStep | None:
    case = waiting.case
    if waiting.join_request is not None:
        request = NetworkMember.objects.select_related("user").get(pk=waiting.join_request)
        return NextStep(
            _("{name} asks to join your network. You decide.").format(name=request.display_name),
            _("Answer the request"),
            reverse("network"),
        )
    if waiting.proposal_pending:
        return NextStep(
            _("Someone in your network suggested a change to your plan."),
            _("Check the plan"),
            reverse("plan_detail", args=[case.pk]),
        )
    today = timezone.localdate()
    if case is not None and _deadline_worth_a_step(case, today):
        return NextStep(
            _deadline_text(case),
            _("See my timeline"),
            reverse("case_detail", args=[case.pk]),
            # Someone else's duty is worth knowing about, but it is not the patient's to do.
            urgent=_responsible(case) == Responsible.PATIENT,
        )
    if waiting.questionnaire_due:
        return NextStep(
            _("A short questionnaire is waiting for you, when you have a moment."),
            _("Answer the questionnaire"),
            reverse("my_questionnaires"),
            urgent=False,
        )
    if waiting.checkin_open:
        return NextStep(
            _("Today's check-in is open. It takes half a minute."),
            _("Check in"),
            reverse("checkin"),
            urgent=False,
        )
    if case is None:
        return None
    if not waiting.plan_written:
        return NextStep(
            _("Start your return-to-work plan with one goal, in your own words."),
            _("Write my first goal"),
            reverse("plan_section", args=[case.pk, "goals"]),
            urgent=False,
        )
    if waiting.manager_in_network and not waiting.capacity_note_shared:
        return NextStep(
            _("When you feel ready, the capacity note helps you talk with your manager."),
            _("Open the capacity note"),
            reverse("capacity_note", args=[case.pk]),
            urgent=False,
        )
    return None
