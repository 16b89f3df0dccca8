"""Meetings under /api/v1/: a stale `revision` is 412, as everywhere."""

import uuid

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Status
from pydantic import ValidationError as SchemaError

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import (
    get_case_for,
    get_record_for,
)
from stegvis.accounts.models import User
from stegvis.coordination.ics import meeting_calendar
from stegvis.coordination.meetings.services import (
    agenda_add,
    decision_add,
    meeting_mark_held,
    meeting_schedule,
    sip_plan_save,
)
from stegvis.coordination.rules import MEETING, RUNNING_MEETING, visible_meetings
from stegvis.coordination.schemas import (
    AgendaAddedOut,
    AgendaIn,
    DecisionIn,
    DecisionOut,
    MeetingDetailOut,
    MeetingIn,
    MeetingOut,
    RevisionIn,
    SipPlanIn,
    _people,
    _refused,
)
from stegvis.core.crisis_api import CRISIS_NOTE
from stegvis.core.errors import ApiError, FieldErrors, Incomplete, NotAllowed
from stegvis.instruments.services import enabled_codes

router = Router(tags=["coordination"])


@router.get("/cases/{case_id}/meetings", response=list[MeetingOut], summary="A case's meetings")
def list_meetings(request, case_id: str):
    case = get_case_for(request.user, case_id, category=Category.MEETINGS)
    return list(visible_meetings(request.user).filter(case=case).order_by("starts_at"))


@router.post(
    "/cases/{case_id}/meetings", response={201: MeetingDetailOut}, summary="Call a meeting"
)
def create_meeting(request, case_id: str, payload: MeetingIn):
    case = get_case_for(request.user, case_id, category=Category.MEETINGS, action=Action.CREATE)
    if case.patient_id == request.user.pk:
        raise ApiError(403, "forbidden", "The care team or the network calls meetings.")
    starts_at = (
        payload.starts_at
        if timezone.is_aware(payload.starts_at)
        else timezone.make_aware(payload.starts_at)
    )
    if payload.questionnaire_code and payload.questionnaire_code not in enabled_codes():
        raise FieldErrors({"questionnaire_code": ["Not a questionnaire in use here."]})
    try:
        meeting = meeting_schedule(
            actor=request.user,
            case=case,
            kind=payload.kind,
            starts_at=starts_at,
            duration_minutes=payload.duration_minutes,
            place=payload.place,
            participants=_people(payload.participant_ids),
            questionnaire_code=payload.questionnaire_code,
        )
    except NotAllowed as error:
        raise _refused(error, "participant_ids") from None
    except ValueError as error:
        raise FieldErrors({"kind": [str(error)]}) from None
    return Status(201, meeting)


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut, summary="A meeting")
def get_meeting(request, meeting_id: str):
    return get_record_for(request.user, MEETING, meeting_id)


@router.get(
    "/meetings/{meeting_id}/calendar.ics", summary="The meeting's calendar file (no health data)"
)
def get_meeting_calendar(request, meeting_id: str):
    meeting = get_record_for(request.user, MEETING, meeting_id)
    return HttpResponse(meeting_calendar(meeting), content_type="text/calendar; charset=utf-8")


@router.post(
    "/meetings/{meeting_id}/agenda",
    response={201: AgendaAddedOut},
    summary="Add an agenda item",
    description=CRISIS_NOTE,
)
def add_agenda_item(request, meeting_id: str, payload: AgendaIn):
    meeting = get_record_for(request.user, MEETING, meeting_id, action=Action.CREATE)
    item = agenda_add(
        actor=request.user, meeting=meeting, text=payload.text, submission_id=uuid.uuid4()
    )
    return Status(201, item)


@router.put(
    "/meetings/{meeting_id}/sip-plan", response=MeetingDetailOut, summary="Save the SIP plan, whole"
)
def put_sip_plan(request, meeting_id: str, payload: SipPlanIn):
    meeting = get_record_for(request.user, RUNNING_MEETING, meeting_id, action=Action.UPDATE)
    try:
        sip_plan_save(
            actor=request.user, meeting=meeting, plan=payload.plan, revision=payload.revision
        )
    except SchemaError as error:
        errors: dict[str, list[str]] = {}
        for problem in error.errors():
            where = ".".join(["plan", *(str(part) for part in problem["loc"])])
            errors.setdefault(where, []).append(problem["msg"])
        raise FieldErrors(errors) from None
    except ValueError as error:
        raise FieldErrors({"plan": [str(error)]}) from None
    return meeting


@router.post(
    "/meetings/{meeting_id}/decisions", response={201: DecisionOut}, summary="Record a decision"
)
def add_decision(request, meeting_id: str, payload: DecisionIn):
    meeting = get_record_for(request.user, RUNNING_MEETING, meeting_id, action=Action.UPDATE)
    owner = User.objects.filter(pk=payload.owner_id).first()
    if owner is None:
        raise FieldErrors({"owner_id": ["Unknown person."]})
    try:
        decision = decision_add(
            actor=request.user,
            meeting=meeting,
            kind=payload.kind,
            text=payload.text,
            owner=owner,
            due_on=payload.due_on,
            submission_id=uuid.uuid4(),
        )
    except ValueError as error:
        raise FieldErrors({"owner_id": [str(error)]}) from None
    return Status(201, decision)


@router.post(
    "/meetings/{meeting_id}/held", response=MeetingDetailOut, summary="Mark the meeting held"
)
def mark_held(request, meeting_id: str, payload: RevisionIn):
    meeting = get_record_for(request.user, RUNNING_MEETING, meeting_id, action=Action.UPDATE)
    try:
        meeting_mark_held(actor=request.user, meeting=meeting, revision=payload.revision)
    except Incomplete as missing:
        raise FieldErrors({"sip_plan": [str(missing)]}) from None
    return meeting
