"""MMR teams, programs, cohorts, sessions, attendance, goals and outcomes under
/api/v1/programs, through the same door as the pages."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from ninja import Router, Schema, Status
from pydantic import Field

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_record_for, get_self_for
from stegvis.core import disclosure
from stegvis.core.crisis_api import CRISIS_NOTE, CrisisLinesOut
from stegvis.core.errors import FieldErrors, Text
from stegvis.programs import selectors, services
from stegvis.programs.models import AttendanceStatus, ReferralStatus
from stegvis.programs.registry import registry
from stegvis.programs.rules import COHORT, PROGRAM, REFERRAL, SESSION, TEAM
from stegvis.programs.selectors import teams_for, visible_participants

router = Router(tags=["programs"])


class TeamMemberOut(Schema):
    user_id: uuid.UUID
    name: str
    profession: str


class ManagerCommitmentOut(Schema):
    manager_id: uuid.UUID
    hours_per_week: Decimal
    review_on: date


class TeamOut(Schema):
    id: uuid.UUID
    name: str
    organisation_id: int
    lead_id: uuid.UUID
    members: list[TeamMemberOut]
    missing_professions: list[str]
    commitment: ManagerCommitmentOut | None
    included_last_year: int
    recommended_per_year: int


class TeamDetailOut(TeamOut):
    program_ids: list[uuid.UUID]
    cohort_ids: list[uuid.UUID]


def _team(team, detail=False) -> dict:
    seen = selectors.overview(team)
    out = {
        "id": team.pk,
        "name": team.name,
        "organisation_id": team.organisation_id,
        "lead_id": team.lead_id,
        "members": [
            {"user_id": m.user_id, "name": str(m.user), "profession": m.profession}
            for m in seen.members
        ],
        "missing_professions": seen.missing,
        "commitment": seen.commitment,
        "included_last_year": seen.included_last_year,
        "recommended_per_year": seen.recommended,
    }
    if detail:
        out["program_ids"] = list(team.programs.values_list("pk", flat=True))
        out["cohort_ids"] = list(team.cohorts.values_list("pk", flat=True))
    return out


@router.get("/programs/teams", response=list[TeamOut], summary="MMR teams at my units")
def list_teams(request):
    return [_team(team) for team in teams_for(request.user)]


@router.get("/programs/teams/{team_id}", response=TeamDetailOut, summary="An MMR team")
def get_team(request, team_id: str):
    return _team(get_record_for(request.user, TEAM, team_id), detail=True)


class OutcomeChangeOut(Schema):
    n: int | None = Field(None, description="Those who answered both times; null when hidden.")
    suppressed: bool
    mean: float | None
    ci_lower: float | None
    ci_upper: float | None
    reached_important_change: float | None = Field(
        None, description="The share (0–1) reaching the minimal important change."
    )


class InstrumentOutcomeOut(Schema):
    instrument: str
    better: str
    important_change_points: float | None
    answered: dict[str, int | None]
    to_end: OutcomeChangeOut
    to_one_year: OutcomeChangeOut


class OutcomesOut(Schema):
    participants: int | None
    smallest_cell: int
    given: dict[str, int | None]
    answered: dict[str, int | None]
    response_rate: dict[str, float | None]
    instruments: list[InstrumentOutcomeOut]
    sick_leave_days_before_mean: float | None
    sick_leave_days_after_mean: float | None
    working_at_one_year: float | None


def _count(cell):
    """A count of people, null where the page says "not shown" (stegvis.core.disclosure)."""
    return None if cell.hidden else cell.n


def _change(result) -> dict:
    low, high = result.ci or (None, None)
    return {
        "n": _count(result.pairs),
        "suppressed": result.suppressed,
        "mean": result.mean,
        "ci_lower": low,
        "ci_upper": high,
        "reached_important_change": result.share_reached,
    }


@router.get(
    "/programs/teams/{team_id}/outcomes",
    response=OutcomesOut,
    summary="A team's outcomes in the registry's shape (no figure about fewer than five)",
)
def get_outcomes(request, team_id: str):
    team = get_record_for(request.user, TEAM, team_id)
    summary = selectors.team_outcomes(request.user, team)
    points = list(registry().occasions)
    return {
        "participants": _count(summary.participants),
        "smallest_cell": disclosure.smallest(),
        "given": {p: _count(summary.invited[p]) for p in points},
        "answered": {
            p: None if summary.answered[p].hidden else summary.answered[p].x for p in points
        },
        "response_rate": {p: summary.response_rate(p) for p in points},
        "instruments": [
            {
                "instrument": row.code,
                "better": row.better,
                "important_change_points": row.important_points,
                "answered": {p: _count(cell) for p, cell in row.answered.items()},
                "to_end": _change(row.to_end),
                "to_one_year": _change(row.to_one_year),
            }
            for row in summary.instruments
        ],
        "sick_leave_days_before_mean": summary.days_before.shown,
        "sick_leave_days_after_mean": summary.days_after.shown,
        "working_at_one_year": summary.working.share,
    }


class PlannedSessionOut(Schema):
    week: int
    day: int
    time: str
    kind: str
    profession: str
    minutes: int
    topic: str


class ProgramVersionOut(Schema):
    number: int
    weeks: int
    sessions: list[PlannedSessionOut]
    change_note: str
    created_at: datetime


class ProgramOut(Schema):
    id: uuid.UUID
    team_id: uuid.UUID
    name: str
    versions: list[ProgramVersionOut]


@router.get("/programs/programs/{program_id}", response=ProgramOut, summary="A program")
def get_program(request, program_id: str):
    program = get_record_for(request.user, PROGRAM, program_id)
    return {
        "id": program.pk,
        "team_id": program.team_id,
        "name": program.name,
        "versions": list(program.versions.all()),
    }


class ProgramSessionOut(Schema):
    id: uuid.UUID
    week: int
    kind: str
    profession: str
    topic: str
    starts_at: datetime
    duration_minutes: int
    place: str
    cancelled: bool
    referral_id: uuid.UUID | None


class CohortParticipantOut(Schema):
    referral_id: uuid.UUID
    patient_id: uuid.UUID
    name: str


class CohortOut(Schema):
    id: uuid.UUID
    team_id: uuid.UUID
    program_id: uuid.UUID
    program_version: int
    name: str
    starts_on: date
    planned_end_on: date
    ended_on: date | None
    participants: list[CohortParticipantOut]


@router.get("/programs/cohorts/{cohort_id}", response=CohortOut, summary="A cohort")
def get_cohort(request, cohort_id: str):
    cohort = get_record_for(request.user, COHORT, cohort_id)
    participants = visible_participants(
        request.user,
        cohort.participants.filter(status=ReferralStatus.INCLUDED).select_related("patient"),
        object_type="mmr_cohort",
    )
    return {
        "id": cohort.pk,
        "team_id": cohort.team_id,
        "program_id": cohort.program_version.program_id,
        "program_version": cohort.program_version.number,
        "name": cohort.name,
        "starts_on": cohort.starts_on,
        "planned_end_on": cohort.planned_end_on,
        "ended_on": cohort.ended_on,
        "participants": [
            {"referral_id": r.pk, "patient_id": r.patient_id, "name": str(r.patient)}
            for r in participants
        ],
    }


@router.get(
    "/programs/cohorts/{cohort_id}/sessions",
    response=list[ProgramSessionOut],
    summary="A cohort's group sessions",
)
def list_sessions(request, cohort_id: str):
    cohort = get_record_for(request.user, COHORT, cohort_id)
    return list(cohort.sessions.filter(referral__isnull=True))


class ProgramAttendanceIn(Schema):
    statuses: dict[uuid.UUID, AttendanceStatus] = Field(
        ..., description="Referral id → attendance status."
    )


class ProgramAttendanceOut(Schema):
    referral_id: uuid.UUID
    status: str
    message: str


@router.put(
    "/programs/sessions/{session_id}/attendance",
    response=list[ProgramAttendanceOut],
    summary="Mark who came to a session",
)
def put_attendance(request, session_id: str, payload: ProgramAttendanceIn):
    session = get_record_for(request.user, SESSION, session_id)
    rows = list(session.attendance.select_related("referral__patient"))
    visible = {
        r.pk
        for r in visible_participants(
            request.user, [row.referral for row in rows], object_type="mmr_session"
        )
    }
    unknown = [str(pk) for pk in payload.statuses if pk not in visible]
    if unknown:
        raise FieldErrors({"statuses": [f"Not expected at this session: {', '.join(unknown)}"]})
    services.attendance_record(
        actor=request.user,
        session=session,
        statuses={str(pk): status.value for pk, status in payload.statuses.items()},
    )
    return list(session.attendance.filter(referral_id__in=visible))


class CriterionJudgementOut(Schema):
    criterion: str
    met: bool
    note: str
    judged_by_id: uuid.UUID
    judged_at: datetime


class ProgramGoalIn(Schema):
    text: Text(300, 1)
    measure: Text(200) = ""
    baseline: Decimal | None = Field(None, ge=0, le=10, max_digits=4, decimal_places=1)
    target: Decimal | None = Field(None, ge=0, le=10, max_digits=4, decimal_places=1)


class ProgramGoalOut(Schema):
    id: uuid.UUID
    text: str
    measure: str
    baseline: Decimal | None
    target: Decimal | None
    status: str


class ReferralOut(Schema):
    id: uuid.UUID
    team_id: uuid.UUID
    case_id: uuid.UUID
    patient_id: uuid.UUID
    status: str
    cohort_id: uuid.UUID | None
    question: str
    reason_to_patient: str
    judgements: list[CriterionJudgementOut]
    goals: list[ProgramGoalOut]


def _referral(referral) -> dict:
    return {
        **{f: getattr(referral, f) for f in ("id", "team_id", "case_id", "patient_id", "status")},
        "cohort_id": referral.cohort_id,
        "question": referral.question,
        "reason_to_patient": referral.reason_to_patient,
        "judgements": list(referral.judgements.all()),
        "goals": list(referral.goals.all()),
    }


@router.get(
    "/programs/referrals/{referral_id}",
    response=ReferralOut,
    summary="A referral with the team's assessment and the goals",
)
def get_referral(request, referral_id: str):
    return _referral(get_record_for(request.user, REFERRAL, referral_id))


class ProgramGoalSetOut(ProgramGoalOut, CrisisLinesOut):
    pass


@router.post(
    "/programs/referrals/{referral_id}/goals",
    response={201: ProgramGoalSetOut},
    summary="A goal the participant set with the team",
    description="The goal is the patient's own words, written down by a team member; words "
    "of crisis in it alert the patient's care team. " + CRISIS_NOTE,
)
def create_goal(request, referral_id: str, payload: ProgramGoalIn):
    referral = get_record_for(
        request.user, REFERRAL, referral_id, category=Category.PLAN, action=Action.CREATE
    )
    goal = services.goal_set(actor=request.user, referral=referral, **payload.model_dump())
    return Status(201, goal)


class MySessionOut(Schema):
    attendance_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    topic: str
    place: str
    status: str


class MyProgramOut(Schema):
    referral_id: uuid.UUID
    team: str
    status: str
    reason_to_patient: str
    program: str | None
    starts_on: date | None
    ends_on: date | None
    goals: list[ProgramGoalOut]
    sessions: list[MySessionOut]


@router.get("/programs/me", response=list[MyProgramOut], summary="My rehabilitation programs")
def my_programs(request):
    patient = get_self_for(request.user, category=Category.MEETINGS, object_type="my_program")
    found = []
    for referral in selectors.own_programs(patient):
        cohort = referral.cohort
        found.append(
            {
                "referral_id": referral.pk,
                "team": referral.team.name,
                "status": referral.status,
                "reason_to_patient": referral.reason_to_patient,
                "program": cohort.program_version.program.name if cohort else None,
                "starts_on": cohort.starts_on if cohort else None,
                "ends_on": cohort.end_on if cohort else None,
                "goals": list(referral.goals.all()),
                "sessions": [
                    {
                        "attendance_id": row.pk,
                        "starts_at": row.session.starts_at,
                        "ends_at": row.session.ends_at,
                        "topic": row.session.topic,
                        "place": row.session.place,
                        "status": row.status,
                    }
                    for row in referral.schedule
                ],
            }
        )
    return found
