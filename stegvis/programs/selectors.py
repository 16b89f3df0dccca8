"""Reads of MMR teams and programs, shaped for the pages and the API."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Prefetch
from django.utils import timezone

from stegvis.access.categories import CARE_ROLES, Action, Category
from stegvis.access.helpers import categories_allowed, record_aggregate
from stegvis.accounts.models import User
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


def registry_export(user: User, cohort: Cohort):
    """The cohort's registry rows, of the participants whose questionnaires the reader may
    export (each recorded as an export)."""
    referrals = list(
        outcomes.included(cohort=cohort).select_related("team", "cohort__program_version")
    )
    allowed = [
        r
        for r in referrals
        if categories_allowed(
            user,
            r.patient,
            [Category.QUESTIONNAIRES],
            object_type="mmr_registry_export",
            action=Action.EXPORT,
        )
    ]
    return outcomes.registry_rows(outcomes.participants(allowed))


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
