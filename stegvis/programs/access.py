"""Resolving MMR records for a user, shared by the pages and the API. A team's own records
(members, programs, cohorts' dates) are the unit's; each participant's (referral,
attendance, goals, notes) goes through the audited door."""

import uuid

from stegvis.access.categories import CARE_ROLES, LOG_REVIEW_ROLES, Action, Category
from stegvis.access.helpers import get_object_for, record_patients_listed, refuse
from stegvis.access.policy import patients_visible_to
from stegvis.access.rules import CARE_TEAM_ONLY
from stegvis.accounts.models import User
from stegvis.programs.models import (
    Attendance,
    Cohort,
    ConferenceNote,
    Program,
    Referral,
    Session,
    Team,
)

UNIT_STAFF = CARE_ROLES | LOG_REVIEW_ROLES


def teams_for(user: User):
    """Teams at the units where the user works in care or manages."""
    units = [m.organisation_id for m in user.memberships_cached() if m.role in UNIT_STAFF]
    return Team.objects.filter(organisation_id__in=units).select_related("organisation", "lead")


def _unit_record(user: User, queryset, pk, object_type: str):
    """A team's record, for the staff of its unit; not found (recorded) for anyone else."""
    try:
        found = queryset.filter(pk=uuid.UUID(str(pk))).first()
    except ValueError:
        found = None
    if found is None:
        refuse(
            user,
            category=Category.IDENTITY,
            object_type=object_type,
            basis="not_unit_staff",
            object_id=pk,
        )
    return found


def get_team_for(user: User, team_id) -> Team:
    return _unit_record(user, teams_for(user), team_id, "mmr_team")


def get_program_for(user: User, program_id) -> Program:
    programs = Program.objects.filter(team__in=teams_for(user)).select_related("team")
    return _unit_record(user, programs, program_id, "mmr_program")


def get_cohort_for(user: User, cohort_id) -> Cohort:
    cohorts = Cohort.objects.filter(team__in=teams_for(user)).select_related(
        "team", "program_version__program"
    )
    return _unit_record(user, cohorts, cohort_id, "mmr_cohort")


def get_session_for(user: User, session_id) -> Session:
    sessions = Session.objects.filter(cohort__team__in=teams_for(user)).select_related(
        "cohort__team"
    )
    return _unit_record(user, sessions, session_id, "mmr_session")


def get_referral_for(
    user: User, referral_id, *, category=Category.CLINICAL_NOTES, action=Action.VIEW
):
    return get_object_for(
        user,
        Referral.objects.select_related("team", "case", "cohort"),
        referral_id,
        category=category,
        action=action,
        object_type="referral",
        patient_field="patient",
        roles=CARE_TEAM_ONLY,
    )


def get_note_for(user: User, note_id, action=Action.VIEW) -> ConferenceNote:
    return get_object_for(
        user,
        ConferenceNote.objects.select_related("conference__cohort__team", "referral", "meeting"),
        note_id,
        category=Category.CLINICAL_NOTES,
        action=action,
        object_type="conferencenote",
        patient_field="referral__patient",
        roles=CARE_TEAM_ONLY,
    )


def get_own_attendance(user: User, attendance_id) -> Attendance:
    """A session the signed-in participant is expected at: only they say they cannot come."""
    return get_object_for(
        user,
        Attendance.objects.filter(referral__patient=user).select_related("session", "referral"),
        attendance_id,
        category=Category.MEETINGS,
        action=Action.UPDATE,
        object_type="attendance",
        patient_field="referral__patient",
    )


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
