"""An MMR team at the personas' unit, a program, a cohort, and the patient's way into it:
shared by the programs' tests and the route table's world."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for
from stegvis.accounts.roles import Role
from stegvis.programs import services
from stegvis.programs.registry import registry
from tests.factories import UserFactory, member

PLAN = """1, 1, 09:00, group, physiotherapist, 90, Smärta och rörelse
1, 3, 13:00, individual, psychologist, 60, Samtal om mål
2, 1, 09:00, group, psychologist, 90, Tankar och smärta
3, 1, 09:00, group, occupational_therapist, 90, Vardagen och arbetet"""


def build_team(personas) -> SimpleNamespace:
    """A team led by a physiotherapist, with a psychologist and a physician; a 4-week
    program; a cohort starting next week."""
    physio = member(
        UserFactory(email="physio@example.org", given_name="Mats"),
        personas.unit,
        Role.MMR_CLINICIAN,
    )
    psychologist = member(
        UserFactory(email="psychologist@example.org", given_name="Lena"),
        personas.unit,
        Role.MMR_CLINICIAN,
    )
    physician = member(
        UserFactory(email="team.physician@example.org", given_name="Eva"),
        personas.unit,
        Role.PHYSICIAN,
    )
    manager = personas.unit_manager
    team = services.team_create(
        actor=manager,
        organisation=personas.unit,
        name="Smärtteamet",
        lead=physio,
        lead_profession="physiotherapist",
    )
    services.team_member_add(actor=physio, team=team, user=psychologist, profession="psychologist")
    services.team_member_add(actor=physio, team=team, user=physician, profession="physician")
    program = services.program_create(
        actor=physio, team=team, name="Smärtskolan", weeks=4, sessions_text=PLAN
    )
    cohort = services.cohort_create(
        actor=physio,
        version=program.versions.get(),
        name="Våren",
        starts_on=timezone.localdate() + timedelta(days=7),
        place="Solbacken, rum 4",
    )
    return SimpleNamespace(
        team=team,
        physio=physio,
        psychologist=psychologist,
        physician=physician,
        program=program,
        cohort=cohort,
    )


def refer(personas, case, mmr):
    resolved = get_case_for(
        personas.treating_physician, case.pk, category=Category.CLINICAL_NOTES, action=Action.CREATE
    )
    return services.referral_create(
        actor=personas.treating_physician,
        case=resolved,
        team=mmr.team,
        question="Långvarig ländryggssmärta, vill tillbaka till bageriet.",
    )


def judge(mmr, referral, *, met=True):
    """The team's assessment: the physician judges the medical criterion, the
    physiotherapist the others (two professions, as the registry expects)."""
    for criterion in registry().criterion:
        judge_ = mmr.physician if criterion.judged_by == "physician" else mmr.physio
        services.judgement_record(
            actor=judge_, referral=referral, criterion=criterion.code, met=met
        )


def include(mmr, referral, *, met=True, cohort=None, late_confirmed=False):
    judge(mmr, referral, met=met)
    return services.referral_decide(
        actor=mmr.physio,
        referral=referral,
        revision=referral.revision,
        include=True,
        cohort=cohort or mmr.cohort,
        reason_to_patient="Programmet passar dig nu: du vill och orkar pröva nytt.",
        late_confirmed=late_confirmed,
    )
