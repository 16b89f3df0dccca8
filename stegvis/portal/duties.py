"""What a person's home lists as theirs to do: their next duties, each with its date and
whose it is, and what waits for them. Each role has its own sources; every list is read
through the selectors that filter by access, and every patient it names is recorded.

A fixed number of queries per role, whatever the lists' length (the home's query-count
test holds it)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from stegvis.access.categories import Category
from stegvis.access.helpers import record_cases_listed, record_patients_listed
from stegvis.access.policy import cases_visible_to
from stegvis.accounts.models import User
from stegvis.accounts.roles import OrganisationKind as Kind
from stegvis.accounts.roles import Role
from stegvis.cases.deadlines import (
    EMPLOYMENTS,
    JURISDICTIONS,
    milestone_title,
    responsible_for,
    rule_set,
)
from stegvis.cases.models import Case, CaseStatus
from stegvis.cases.timelines import SETTLED, Responsible, case_timelines
from stegvis.coaching.flags.urgent import queue_flags
from stegvis.coordination.models import MeetingStatus, TaskStatus
from stegvis.coordination.selectors import meetings_for, tasks_for
from stegvis.core.crisis import not_held_from
from stegvis.participation.models import (
    Activity,
    ActivityParticipant,
    ActivityStatus,
    ParticipantStatus,
    Proposal,
    ProposalState,
    Result,
    ResultStatus,
)
from stegvis.participation.rules import ParticipationScope
from stegvis.programs.models import (
    Conference,
    ManagerCommitment,
    Referral,
    ReferralStatus,
    Session,
    TeamMember,
)

# How far ahead a home looks for duties; an overdue one is always shown.
HORIZON = timedelta(days=30)
# The home lists this many of each kind; the pages behind its links list them all.
SHOWN = 10
# A clinician's sessions come every week: the coming two are enough on the home.
SESSIONS_AHEAD = timedelta(days=14)
OPEN_CASES = (CaseStatus.ACTIVE, CaseStatus.PARTIAL_RETURN)

# The rehabilitation chain's parties each role answers for (stegvis/cases/timelines.py).
OWN_PARTIES = {
    Role.PATIENT: {Responsible.PATIENT},
    Role.PHYSICIAN: {Responsible.PHYSICIAN},
    Role.EMPLOYER_MANAGER: {Responsible.EMPLOYER},
    Role.INSURANCE_CASEWORKER: {Responsible.FK, Responsible.NAV},
    # At Nav, one veileder follows both the benefit and the way back to work (at_nav).
    Role.EMPLOYMENT_CASEWORKER: {Responsible.NAV},
    # The coordinator keeps the whole chain together: every party's duty on her cases.
    Role.REHAB_COORDINATOR: set(Responsible),
}


@dataclass(frozen=True)
class Duty:
    on: date
    what: str
    # Whose duty it is: "You", a party of the chain, a person or a team.
    whose: str
    url: str
    # The patient, team or activity it concerns, when that is not in `what`.
    about: str = ""
    # Set for what happens at a time of day (a meeting, an activity).
    at: datetime | None = None
    # The case and milestone of the chain it stands for, so that a task made from a
    # deadline and the deadline itself are listed once.
    milestone: tuple | None = None

    @property
    def overdue(self) -> bool:
        return self.on < timezone.localdate()


@dataclass(frozen=True)
class Waiting:
    text: str
    url: str
    since: date | None = None


@dataclass
class Duties:
    duties: list[Duty] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.duties or self.waiting)


def _you() -> str:
    return _("You")


def _day(moment: datetime) -> date:
    return timezone.localdate(moment)


def task_duties(user: User, today: date) -> list[Duty]:
    """Open tasks assigned to the user, the earliest due first (those without a date last)."""
    tasks = list(
        tasks_for(user)
        .filter(status=TaskStatus.OPEN)
        .filter(Q(due_on__isnull=True) | Q(due_on__lte=today + HORIZON))
        .order_by("due_on", "created_at")[:SHOWN]
    )
    record_cases_listed(
        user, [t.case for t in tasks], category=Category.PLAN, object_type="home_tasks"
    )
    return [
        Duty(
            on=task.due_on or today,
            what=task.title,
            whose=_you(),
            url=reverse("task_inbox"),
            about="" if task.case.patient_id == user.pk else str(task.case.patient),
            milestone=(task.case_id, task.milestone_code) if task.milestone_code else None,
        )
        for task in tasks
    ]


def meeting_duties(user: User, now: datetime) -> list[Duty]:
    """Meetings the user is called to, from today on."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    meetings = list(
        meetings_for(user)
        .filter(starts_at__gte=start, starts_at__lt=start + HORIZON)
        .exclude(status__in=[MeetingStatus.CANCELLED, MeetingStatus.HELD])
        .select_related("organiser")
        .order_by("starts_at")[:SHOWN]
    )
    record_cases_listed(
        user, [m.case for m in meetings], category=Category.MEETINGS, object_type="home_meetings"
    )
    language = get_language() or "sv"
    return [
        Duty(
            on=_day(meeting.starts_at),
            at=meeting.starts_at,
            what=meeting.definition.title.in_language(language),
            whose=_you() if meeting.organiser_id == user.pk else str(meeting.organiser),
            url=reverse("meeting_detail", args=[meeting.pk]),
            about="" if meeting.case.patient_id == user.pk else str(meeting.case.patient),
        )
        for meeting in meetings
    ]


def _responsible(case: Case) -> str:
    rule = next(
        r for r in rule_set(case.jurisdiction).milestones if r.code == case.next_deadline_code
    )
    return responsible_for(rule, case.employment)


# How many shared cases an employer's or an agency's home reads the timelines of (in three
# queries): those whose stored next deadline comes first. Their own next duty may come after
# another party's, so it is read from the timeline; a workplace or an agency office with more
# shared cases than this sees the earliest ones here and all on their caseload.
TIMELINES_READ = 3 * SHOWN


@cache
def _stored_deadlines_of(parties: frozenset[str]) -> Q:
    """On Case: a stored next deadline that is one of `parties`' own. The rule sets say
    whose each milestone is, by kind of employment, so a long caseload is narrowed to a
    page's worth in SQL rather than read whole."""
    condition = Q(pk__in=[])
    for jurisdiction in JURISDICTIONS:
        for rule in rule_set(jurisdiction).milestones:
            employments = [e for e in EMPLOYMENTS if responsible_for(rule, e) in parties]
            if employments:
                condition |= Q(
                    jurisdiction=jurisdiction,
                    next_deadline_code=rule.code,
                    employment__in=employments,
                )
    return condition


def _next_stored(cases, parties: set[str]) -> list[tuple[Case, str, date, str]]:
    """Each case's stored next deadline, where it is one of `parties`' own."""
    found = []
    for case in cases:
        responsible = _responsible(case)
        if responsible in parties:
            found.append((case, case.next_deadline_code, case.next_deadline_on, responsible))
    return found


def _next_own(cases, parties: set[str], today: date) -> list[tuple[Case, str, date, str]]:
    """Each case's next duty of `parties`, even where another party's comes first (the
    employer's follow-up plan before Nav's activity requirement): read from the timelines."""
    cases = list(cases)
    timelines = case_timelines(cases, today)
    found = []
    for case in cases:
        entry = next(
            (
                e
                for e in timelines[case.pk]
                if e.status not in SETTLED and e.milestone.responsible in parties
            ),
            None,
        )
        if entry is not None and entry.date <= today + HORIZON:
            found.append((case, entry.code, entry.date, entry.milestone.responsible))
    return sorted(found, key=lambda row: (row[2], str(row[0].pk)))


def at_nav(user: User) -> bool:
    return any(m.organisation.kind == Kind.NAV_OFFICE for m in user.memberships_cached())


def chain_duties(
    user: User, roles: set[str], today: date, tasked: frozenset = frozenset()
) -> list[Duty]:
    """The next duty of each case of the rehabilitation chain the user answers for: a named
    physician's or coordinator's own cases, an employer's or an agency's through the
    patient's consent."""
    parties: set[str] = set()
    for role in roles:
        parties |= OWN_PARTIES.get(role, set())
    if not parties:
        return []
    named = Q()
    if Role.PHYSICIAN in roles:
        named |= Q(responsible_physician=user)
    if Role.REHAB_COORDINATOR in roles:
        named |= Q(responsible_coordinator=user)
    consented = roles & {Role.EMPLOYER_MANAGER, Role.INSURANCE_CASEWORKER}
    if at_nav(user):
        consented |= roles & {Role.EMPLOYMENT_CASEWORKER}
    if not consented and not named:
        return []
    cases = (
        cases_visible_to(user, Category.CAPACITY)
        .exclude(patient=user)
        .filter(status__in=OPEN_CASES)
        .exclude(next_deadline_code="")
        .select_related("patient")
        .order_by("next_deadline_on", "pk")
    )
    if consented:
        # Only the cases patients share with them: few, so each one's timeline is read.
        rows = _next_own(cases[:TIMELINES_READ], parties, today)[:SHOWN]
    else:
        # A caseload can be long: the next deadline stored on each case decides, read once.
        within = cases.filter(
            named, _stored_deadlines_of(frozenset(parties)), next_deadline_on__lte=today + HORIZON
        )
        rows = _next_stored(within[:SHOWN], parties)
    # A deadline someone made a task of is listed as the task (`tasked`: case, milestone).
    rows = [row for row in rows if (row[0].pk, row[1]) not in tasked]
    own = [row[0] for row in rows]
    record_cases_listed(user, own, category=Category.CAPACITY, object_type="home_duties")
    language = get_language() or "sv"
    mine = {
        party for role in roles - {Role.REHAB_COORDINATOR} for party in OWN_PARTIES.get(role, ())
    }
    return [
        Duty(
            on=on,
            what=milestone_title(case.jurisdiction, code, language),
            whose=_you() if responsible in mine else str(Responsible(responsible).label),
            url=reverse("case_detail", args=[case.pk]),
            about=str(case.patient),
            milestone=(case.pk, code),
        )
        for case, code, on, responsible in rows
    ]


def coach_duties(user: User, urgent_shown: set) -> list[Duty]:
    """Flags on the user's work queue other than the urgent ones already at the top, the
    nearest response target first."""
    flags = list(queue_flags(user).exclude(pk__in=urgent_shown)[:SHOWN])
    record_patients_listed(
        user, [f.patient for f in flags], category=Category.CHECKINS, object_type="home_flags"
    )
    return [
        Duty(
            on=_day(flag.respond_by),
            at=flag.respond_by,
            what=_("Respond: {kind}").format(kind=flag.get_kind_display()),
            whose=_you(),
            url=reverse("coach_patient", args=[flag.patient_id]),
            about=str(flag.patient),
        )
        for flag in flags
    ]


def team_duties(user: User, today: date) -> Duties:
    """An MMR clinician's teams: conferences still to be held, the coming two weeks' sessions of
    their profession, and referrals that wait for the team's assessment (counted, no one
    named: the team's page names them)."""
    found = Duties()
    teams = Q(team__members__user=user, team__members__left_on__isnull=True)
    conferences = (
        Conference.objects.filter(
            cohort__team__members__user=user,
            cohort__team__members__left_on__isnull=True,
            held_at__isnull=True,
            starts_at__date__lte=today + HORIZON,
        )
        .select_related("cohort__team")
        .distinct()
        .order_by("starts_at")[:SHOWN]
    )
    for conference in conferences:
        found.duties.append(
            Duty(
                on=_day(conference.starts_at),
                at=conference.starts_at,
                what=_("Team conference: {stage}").format(stage=conference.get_stage_display()),
                whose=conference.cohort.team.name,
                url=reverse("cohort_detail", args=[conference.cohort_id]),
                about=conference.cohort.name,
            )
        )
    # The sessions of the member's own profession in the coming week (an individual one
    # by its topic only: the team's page says whose it is).
    seats = TeamMember.objects.filter(user=user, left_on__isnull=True)
    sessions = (
        Session.objects.filter(
            Exists(
                seats.filter(team_id=OuterRef("cohort__team_id"), profession=OuterRef("profession"))
            ),
            cancelled=False,
            starts_at__date__gte=today,
            starts_at__date__lte=today + SESSIONS_AHEAD,
        )
        .select_related("cohort")
        .order_by("starts_at")[:SHOWN]
    )
    for session in sessions:
        found.duties.append(
            Duty(
                on=_day(session.starts_at),
                at=session.starts_at,
                what=session.topic,
                whose=_you(),
                url=reverse("session_detail", args=[session.pk]),
                about=session.cohort.name,
            )
        )
    assessing = (
        Referral.objects.filter(teams, status=ReferralStatus.ASSESSING)
        .values("team_id", "team__name")
        .annotate(count=Count("pk"))
        .order_by("team__name")
    )
    for row in assessing:
        found.waiting.append(
            Waiting(
                ngettext(
                    "{team}: {count} referred patient waits for the team's assessment.",
                    "{team}: {count} referred patients wait for the team's assessment.",
                    row["count"],
                ).format(team=row["team__name"], count=row["count"]),
                reverse("team_detail", args=[row["team_id"]]),
            )
        )
    return found


def manager_duties(user: User, today: date) -> Duties:
    """A unit manager's reviews of her commitments to teams, and the results of the
    participation work she answers for."""
    found = Duties()
    for commitment in (
        ManagerCommitment.objects.filter(manager=user, review_on__lte=today + HORIZON)
        .select_related("team")
        .order_by("review_on")[:SHOWN]
    ):
        found.duties.append(
            Duty(
                on=commitment.review_on,
                what=_("Review your commitment to the team"),
                whose=_you(),
                url=reverse("team_detail", args=[commitment.team_id]),
                about=commitment.team.name,
            )
        )
    results = Result.objects.filter(
        responsible=user, status__in=[ResultStatus.PLANNED, ResultStatus.IN_PROGRESS]
    ).order_by("start_date")[:SHOWN]
    for result in results:
        found.waiting.append(
            Waiting(
                _("{title}: {status}, {progress} percent done. You are responsible.").format(
                    title=result.title,
                    status=result.get_status_display(),
                    progress=result.progress,
                ),
                reverse("you_said_we_did"),
                since=result.start_date,
            )
        )
    return found


def facilitator_duties(user: User, scope: ParticipationScope, now: datetime) -> Duties:
    """Proposals waiting for the facilitator's answer, and the coming activities she runs
    (one with nobody invited yet says so)."""
    found = Duties()
    activities = (
        Activity.objects.filter(
            organisation_id__in=scope.answers_for,
            status=ActivityStatus.PLANNED,
            starts_at__gte=now - timedelta(days=1),
            starts_at__lt=now + HORIZON,
        )
        .prefetch_related("participants")
        .order_by("starts_at")[:SHOWN]
    )
    for activity in activities:
        invited = len(activity.participants.all())
        found.duties.append(
            Duty(
                on=_day(activity.starts_at),
                at=activity.starts_at,
                what=(
                    _("{title}: invite representatives")
                    if not invited
                    else _("{title}: lead the activity")
                ).format(title=activity.title),
                whose=_you(),
                url=reverse("activity_detail", args=[activity.pk]),
            )
        )
    proposals = (
        not_held_from(Proposal.objects.all(), user)
        .filter(organisation_id__in=scope.answers_for, state=ProposalState.NOT_ANSWERED)
        .order_by("created_at")[:SHOWN]
    )
    for proposal in proposals:
        found.waiting.append(
            Waiting(
                _("The proposal “{title}” waits for your answer.").format(title=proposal.title),
                reverse("proposal_detail", args=[proposal.pk]),
                since=_day(proposal.created_at),
            )
        )
    return found


def representative_duties(user: User, now: datetime) -> Duties:
    """A patient representative's invitations to activities: those to answer, and those
    she said she comes to."""
    found = Duties()
    invitations = (
        ActivityParticipant.objects.filter(
            representative__user=user,
            status__in=[ParticipantStatus.INVITED, ParticipantStatus.ACCEPTED],
            activity__status=ActivityStatus.PLANNED,
            activity__starts_at__gte=now - timedelta(days=1),
        )
        .select_related("activity")
        .order_by("activity__starts_at")[:SHOWN]
    )
    for invitation in invitations:
        activity = invitation.activity
        found.duties.append(
            Duty(
                on=_day(activity.starts_at),
                at=activity.starts_at,
                what=(
                    _("Answer the invitation: {title}")
                    if invitation.status == ParticipantStatus.INVITED
                    else _("You take part: {title}")
                ).format(title=activity.title),
                whose=_you(),
                url=reverse("activity_detail", args=[activity.pk]),
            )
        )
    return found


def duties_for(user: User, *, scope: ParticipationScope | None, urgent_shown: set) -> Duties:
    """Everything the home lists as the user's to do, the nearest date first."""
    roles = set(user.roles)
    now = timezone.localtime()
    today = now.date()
    found = Duties()
    found.duties += task_duties(user, today)
    found.duties += meeting_duties(user, now)
    tasked = frozenset(duty.milestone for duty in found.duties if duty.milestone)
    found.duties += chain_duties(user, roles - {Role.PATIENT}, today, tasked)
    if Role.COACH in roles or roles & {Role.PHYSICIAN, Role.REHAB_COORDINATOR}:
        found.duties += coach_duties(user, urgent_shown)
    parts = []
    if Role.MMR_CLINICIAN in roles:
        parts.append(team_duties(user, today))
    if Role.UNIT_MANAGER in roles:
        parts.append(manager_duties(user, today))
    if scope is not None and scope.is_facilitator:
        parts.append(facilitator_duties(user, scope, now))
    if scope is not None and scope.kind == "representative":
        parts.append(representative_duties(user, now))
    for part in parts:
        found.duties += part.duties
        found.waiting += part.waiting
    found.duties.sort(
        key=lambda duty: (duty.on, duty.at or datetime.min.replace(tzinfo=now.tzinfo))
    )
    return found
