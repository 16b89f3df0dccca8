"""Reads of MMR teams and programs, shaped for the pages and the API."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from stegvis.access.categories import CARE_ROLES, LOG_REVIEW_ROLES, Action, Category
from stegvis.access.helpers import (
    categories_allowed,
    get_self_for,
    record_aggregate,
    record_patients_listed,
)
from stegvis.access.policy import patients_visible_to
from stegvis.accounts.models import User
from stegvis.instruments.services import pending_for
from stegvis.programs import outcomes, plan
from stegvis.programs.models import (
    Attendance,
    Cohort,
    ManagerCommitment,
    Profession,
    ProgramVersion,
    Referral,
    ReferralStatus,
    Session,
    SessionKind,
    Team,
    TeamMember,
)
from stegvis.programs.registry import registry


def care_staff(units) -> list[User]:
    """People in a care role at these units: who can join a team or lead it."""
    return list(
        User.objects.filter(
            memberships__organisation__in=units, memberships__role__in=CARE_ROLES, is_active=True
        )
        .distinct()
        .order_by("family_name", "given_name")
    )


def care_staff_outside(team: Team) -> list[User]:
    """Who can be added to the team: the unit's care staff not in it already (the lead is
    its first member)."""
    seated = set(team.members.filter(left_on__isnull=True).values_list("user_id", flat=True))
    seated.add(team.lead_id)
    return [u for u in care_staff([team.organisation]) if u.pk not in seated]


@dataclass
class Overview:
    """What a manager needs to prioritise a team: its people, competence, commitment and
    volume against the registry's recommendation."""

    team: Team
    members: list[TeamMember]
    missing: list[str]  # codes of the expected professions nobody in the team holds
    commitment: ManagerCommitment | None
    commitment_due: bool
    included_last_year: int
    recommended: int

    @property
    def missing_labels(self) -> list[str]:
        return [str(Profession(code).label) for code in self.missing]

    @property
    def volume_ok(self) -> bool:
        return self.included_last_year >= self.recommended


def overview(team: Team) -> Overview:
    members = list(team.members.filter(left_on__isnull=True).select_related("user"))
    held = {m.profession for m in members}
    commitment = team.commitments.select_related("manager").first()
    year_ago = timezone.now() - timedelta(days=365)
    return Overview(
        team=team,
        members=members,
        missing=[code for code in registry().expected_professions if code not in held],
        commitment=commitment,
        commitment_due=commitment is None or commitment.review_on <= timezone.localdate(),
        included_last_year=team.referrals.filter(
            status=ReferralStatus.INCLUDED, decided_at__gte=year_ago
        ).count(),
        recommended=registry().patients_per_year,
    )


def plan_text(version: ProgramVersion) -> str:
    return plan.as_text(version.sessions)


def planned(version: ProgramVersion) -> dict[int, list[plan.PlannedSession]]:
    """The version's sessions by week."""
    weeks: dict[int, list] = {}
    for session in plan.from_data(version.sessions):
        weeks.setdefault(session.week, []).append(session)
    return dict(sorted(weeks.items()))


def conferences(cohort: Cohort, participants: list[Referral]) -> list:
    """The cohort's conferences, each with its notes on the participants the reader sees."""
    visible = {r.pk for r in participants}
    found = list(cohort.conferences.prefetch_related("notes__referral__patient"))
    for conference in found:
        conference.visible_notes = [n for n in conference.notes.all() if n.referral_id in visible]
    return found


def outcomes_of(team: Team) -> outcomes.Summary:
    return outcomes.summarise(outcomes.participants(outcomes.included(team=team)))


def team_outcomes(user: User, team: Team) -> outcomes.Summary:
    """The team's outcome summary, recorded as an aggregate read (no person in it)."""
    record_aggregate(user, object_type="mmr_outcomes", object_id=team.pk)
    return outcomes_of(team)


REGISTRY_ROW_HOLDS = {Category.QUESTIONNAIRES, Category.SICK_LEAVE}


def registry_export(user: User, cohort: Cohort) -> tuple[list, int]:
    """The cohort's registry rows, of the participants whose questionnaires the reader may
    export (each recorded as an export), and how many participants were left out: the
    team's part in a participant's care, and so its export, ends with the follow-up a year
    after the program, while the team's outcomes go on counting them."""
    referrals = list(
        outcomes.included(cohort=cohort).select_related("team", "cohort__program_version")
    )
    # A row holds questionnaire answers and the days of sick leave: both must be allowed.
    allowed = [
        r
        for r in referrals
        if categories_allowed(
            user,
            r.patient,
            REGISTRY_ROW_HOLDS,
            object_type="mmr_registry_export",
            action=Action.EXPORT,
        )
        == REGISTRY_ROW_HOLDS
    ]
    return outcomes.registry_rows(outcomes.participants(allowed)), len(referrals) - len(allowed)


def own_programs(patient: User) -> list[Referral]:
    """The patient's referrals, newest first, with their sessions, attendance and goals."""
    referrals = list(
        Referral.objects.filter(patient=patient)
        .select_related("team__organisation", "cohort__program_version__program")
        .prefetch_related(
            "goals",
            Prefetch(
                "attendance",
                queryset=Attendance.objects.select_related("session").order_by(
                    "session__starts_at"
                ),
            ),
        )
    )
    for referral in referrals:
        referral.schedule = [a for a in referral.attendance.all() if not a.session.cancelled]
        referral.before_joining = _held_before_joining(referral)
    return referrals


def _held_before_joining(referral: Referral) -> list[Session]:
    """The cohort's group sessions held before the participant joined a cohort that had
    begun: theirs to know of, never theirs to have missed."""
    if referral.status != ReferralStatus.INCLUDED or referral.decided_at is None:
        return []
    return list(
        referral.cohort.sessions.filter(
            referral__isnull=True, cancelled=False, starts_at__lte=referral.decided_at
        )
    )


def sessions_held(cohort: Cohort, moment: datetime | None = None) -> tuple[int, int]:
    """Of the cohort's group sessions (not cancelled), how many began by `moment` (now),
    and how many there are."""
    moment = moment or timezone.now()
    group = cohort.sessions.filter(referral__isnull=True, cancelled=False)
    return group.filter(starts_at__lte=moment).count(), group.count()


def begun(cohorts) -> list[tuple[Cohort, int, int, str]]:
    """Of the cohorts, those that have begun: each with its group sessions held so far and
    in all, and what joining now does to a participant's own sessions (for the team's
    decision to include someone late)."""
    found = []
    for cohort in cohorts:
        held, total = sessions_held(cohort)
        if held:
            found.append((cohort, held, total, own_sessions_note(cohort, timezone.now())))
    return found


@dataclass(frozen=True)
class OwnTime:
    planned: plan.PlannedSession
    starts_at: datetime | None  # None: it no longer fits before the program ends
    weeks_later: int


def own_session_times(cohort: Cohort, joined: datetime) -> list[OwnTime]:
    """The program's individual sessions for someone joining the cohort at `joined`, none
    before they joined: one still ahead keeps its planned time; one whose time has passed
    moves to the same weekday and time in the first later week that holds no other of
    theirs, within the program's weeks; one that would fall after them has no time."""
    times, days = [], set()
    weeks = cohort.program_version.weeks
    for planned in plan.from_data(cohort.program_version.sessions):
        if planned.kind != SessionKind.INDIVIDUAL:
            continue
        later = 0
        # Whole weeks in local time, so a move across a change to summer time keeps the hour.
        starts = planned.starts_at(cohort.starts_on)
        while starts <= joined or timezone.localdate(starts) in days:
            later += 1
            starts = planned.starts_at(cohort.starts_on + timedelta(weeks=later))
        if planned.week + later > weeks:
            times.append(OwnTime(planned, None, later))
            continue
        days.add(timezone.localdate(starts))
        times.append(OwnTime(planned, starts, later))
    return times


def own_sessions_note(cohort: Cohort, joined: datetime) -> str:
    """For the team, before it includes someone late: how many of their own sessions move
    to a later week, and how many no longer fit before the program ends."""
    times = own_session_times(cohort, joined)
    moved = sum(1 for t in times if t.starts_at is not None and t.weeks_later)
    left = sum(1 for t in times if t.starts_at is None)
    parts = []
    if moved:
        parts.append(
            ngettext(
                "%(n)s of the patient's own sessions moves to a later week.",
                "%(n)s of the patient's own sessions move to a later week.",
                moved,
            )
            % {"n": moved}
        )
    if left:
        parts.append(
            ngettext(
                "%(n)s of them no longer fits before the program ends: plan it with the patient.",
                "%(n)s of them no longer fit before the program ends: plan them with the patient.",
                left,
            )
            % {"n": left}
        )
    return " ".join(parts)


def open_referrals(patient) -> QuerySet[Referral]:
    """The patient's referrals being assessed or running."""
    return Referral.objects.filter(
        patient=patient, status__in=[ReferralStatus.ASSESSING, ReferralStatus.INCLUDED]
    )


def home_programs(user: User) -> list[Referral]:
    """For the patient's home, once it knows there is one (`open_referrals`): the programs
    they are assessed for or take part in, each with the questionnaires before the program
    (T0) still waiting for them. Read as the patient's own (recorded)."""
    patient = get_self_for(user, category=Category.MEETINGS, object_type="home_program")
    referrals = list(
        open_referrals(patient).select_related("team", "cohort__program_version__program")
    )
    t0 = pending_for(patient).filter(occasion=registry().occasions["t0"]).count()
    for referral in referrals:
        referral.t0_waiting = t0 if referral.status == ReferralStatus.INCLUDED else 0
    return referrals


def own_sessions(patient: User) -> list[Session]:
    """Sessions of the patient's running programs (for the calendar file), cancelled ones
    too."""
    return list(
        Session.objects.filter(
            attendance__referral__patient=patient,
            attendance__referral__status=ReferralStatus.INCLUDED,
        ).order_by("starts_at")
    )


def referrals_of(patient: User) -> QuerySet[Referral]:
    """The patient's own referrals to programs."""
    return Referral.objects.filter(patient=patient)


# Who reaches a team's own records: the staff of its unit, in care or managing it.
UNIT_STAFF = CARE_ROLES | LOG_REVIEW_ROLES


def teams_for(user: User) -> QuerySet[Team]:
    """Teams at the units where the user works in care or manages."""
    units = [m.organisation_id for m in user.memberships_cached() if m.role in UNIT_STAFF]
    return Team.objects.filter(organisation_id__in=units).select_related("organisation", "lead")


def visible_participants(user: User, referrals, *, object_type: str, category=Category.MEETINGS):
    """Of `referrals`, those whose patient the user reaches, each recorded as listed."""
    referrals = list(referrals)
    patients = {r.patient_id: r.patient for r in referrals}
    visible = set(
        patients_visible_to(user, category).filter(pk__in=patients).values_list("pk", flat=True)
    )
    if visible:
        record_patients_listed(
            user,
            [patients[pk] for pk in visible],
            category=category,
            object_type=object_type,
        )
    return [r for r in referrals if r.patient_id in visible]
