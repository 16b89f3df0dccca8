"""The programs app's records (stegvis.access.rules): a team's own records (its programs,
cohorts and sessions) are its unit's, read by the unit's staff; each participant's
(referral, conference notes, attendance) is the patient's, read through the audited door."""

from stegvis.access.categories import Category
from stegvis.access.rules import CARE_TEAM_ONLY, declare_record
from stegvis.programs.models import Attendance, Cohort, ConferenceNote, Program, Referral, Session
from stegvis.programs.selectors import referrals_of, teams_for

TEAM = declare_record(
    "programs.team",
    "An MMR team, to the staff of its unit (in care or managing it).",
    teams_for,
    object_type="mmr_team",
    patient_field=None,
)

PROGRAM = declare_record(
    "programs.program",
    "A team's program and its versions, to the staff of the team's unit.",
    lambda user: Program.objects.filter(team__in=teams_for(user)).select_related("team"),
    object_type="mmr_program",
    patient_field=None,
)

COHORT = declare_record(
    "programs.cohort",
    "A cohort's dates and sessions, to the staff of the team's unit; its participants are "
    "listed only as far as the reader reaches each of them.",
    lambda user: Cohort.objects.filter(team__in=teams_for(user)).select_related(
        "team", "program_version__program"
    ),
    object_type="mmr_cohort",
    patient_field=None,
)

SESSION = declare_record(
    "programs.session",
    "A cohort's session, to the staff of the team's unit.",
    lambda user: Session.objects.filter(cohort__team__in=teams_for(user)).select_related(
        "cohort__team"
    ),
    object_type="mmr_session",
    patient_field=None,
)

REFERRAL = declare_record(
    "programs.referral",
    "A referral to an MMR team with its assessment and goals, read as the patient's "
    "clinical notes (or as their plan, for the goals) by their care team only.",
    lambda user: Referral.objects.select_related("team", "case", "cohort"),
    category=Category.CLINICAL_NOTES,
    also_as=[Category.PLAN],
    object_type="referral",
    patient_field="patient",
    checks=[CARE_TEAM_ONLY],
)

CONFERENCE_NOTE = declare_record(
    "programs.conference_note",
    "A team conference's note on a participant, read as their clinical notes by their "
    "care team only.",
    lambda user: ConferenceNote.objects.select_related(
        "conference__cohort__team", "referral", "meeting"
    ),
    category=Category.CLINICAL_NOTES,
    object_type="conferencenote",
    patient_field="referral__patient",
    checks=[CARE_TEAM_ONLY],
)

OWN_ATTENDANCE = declare_record(
    "programs.own_attendance",
    "A session the participant is expected at: only they say they cannot come.",
    lambda user: Attendance.objects.filter(referral__patient=user).select_related(
        "session", "referral"
    ),
    category=Category.MEETINGS,
    object_type="attendance",
    patient_field="referral__patient",
)

OWN_REFERRAL = declare_record(
    "programs.own_referral",
    "The participant's own referral to a program, which they may leave.",
    referrals_of,
    category=Category.CLINICAL_NOTES,
    object_type="referral",
    patient_field="patient",
)
