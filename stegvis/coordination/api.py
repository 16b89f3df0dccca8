"""Messages, meetings, decisions and tasks under /api/v1/, through the same access policy
and audit as the pages. Retried POSTs with the same `submission_id` return what the first
made; a stale `revision` is 412. Attachments are uploaded through the web pages."""

import uuid
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import ValidationError as SchemaError

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import (
    get_case_for,
    get_patient_for,
    record_cases_listed,
    record_patients_listed,
)
from stegvis.accounts.models import User
from stegvis.coordination import selectors, services
from stegvis.coordination.access import (
    get_meeting_for,
    get_running_meeting_for,
    get_task_for,
    get_thread_for,
    visible_meetings,
)
from stegvis.coordination.ics import meeting_calendar
from stegvis.coordination.models import DecisionKind, TaskStatus, ThreadKind
from stegvis.core.errors import ApiError, FieldErrors, Incomplete, NotAllowed

router = Router(tags=["coordination"])


class ThreadIn(Schema):
    kind: ThreadKind = ThreadKind.WITH_PATIENT
    subject: str
    participant_ids: list[uuid.UUID] = []
    body: str
    submission_id: uuid.UUID


class ThreadOut(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    kind: str
    subject: str
    last_message_at: datetime
    unread: int = 0


class AttachmentOut(Schema):
    id: uuid.UUID
    name: str
    content_type: str
    size: int


class MessageIn(Schema):
    body: str
    submission_id: uuid.UUID


class MessageOut(Schema):
    id: uuid.UUID
    author_id: uuid.UUID
    body: str
    created_at: datetime
    attachments: list[AttachmentOut] = []


class ThreadDetailOut(ThreadOut):
    participant_ids: list[uuid.UUID]
    messages: list[MessageOut]


class MeetingIn(Schema):
    kind: str
    starts_at: datetime
    duration_minutes: int = 60
    place: str = ""
    participant_ids: list[uuid.UUID] = []
    questionnaire_code: str = ""


class AgendaIn(Schema):
    text: str
    submission_id: uuid.UUID


class AgendaOut(Schema):
    id: int
    author_id: uuid.UUID
    text: str
    created_at: datetime


class DecisionIn(Schema):
    kind: DecisionKind
    text: str
    owner_id: uuid.UUID
    due_on: date
    submission_id: uuid.UUID


class DecisionOut(Schema):
    id: uuid.UUID
    kind: str
    text: str
    owner_id: uuid.UUID
    due_on: date
    plan_action_id: str


class ParticipantOut(Schema):
    user_id: uuid.UUID
    role: str
    basis: str


class MeetingOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    kind: str
    starts_at: datetime
    duration_minutes: int
    place: str
    status: str
    revision: int
    follow_up_on: date | None
    minutes: str
    sip_plan: dict | None


class MeetingDetailOut(MeetingOut):
    participants: list[ParticipantOut]
    agenda: list[AgendaOut]
    decisions: list[DecisionOut]


class SipPlanIn(Schema):
    revision: int
    plan: dict


class RevisionIn(Schema):
    revision: int


class TaskIn(Schema):
    title: str
    assignee_id: uuid.UUID
    due_on: date | None = None
    submission_id: uuid.UUID


class TaskOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    title: str
    due_on: date | None
    status: str
    source: str
    milestone_code: str
    meeting_id: uuid.UUID | None


class TaskDoneIn(Schema):
    done: bool = True


def _people(ids) -> list[User]:
    found = list(User.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise FieldErrors({"participant_ids": ["Unknown person."]})
    return found


def _refused(error: NotAllowed, field: str):
    return FieldErrors({field: [f"Not let in by the patient: {name}" for name in error.names]})


# --- Messages -----------------------------------------------------------------------------


@router.get("/messages/threads", response=list[ThreadOut], summary="My message threads")
def list_threads(request):
    threads = list(selectors.threads_for(request.user)[:200])
    patients = list({t.patient_id: t.patient for t in threads}.values())
    record_patients_listed(
        request.user, patients, category=Category.MESSAGES, object_type="message_threads"
    )
    return threads


@router.post(
    "/patients/{patient_id}/messages/threads",
    response={201: ThreadOut},
    summary="Start a thread about a patient (the patient: with their network)",
)
def create_thread(request, patient_id: str, payload: ThreadIn):
    patient = get_patient_for(
        request.user,
        patient_id,
        category=Category.MESSAGES,
        action=Action.CREATE,
        object_type="message_thread",
    )
    role = patient.access_decision.role
    if patient.pk == request.user.pk and payload.kind != ThreadKind.WITH_PATIENT:
        raise FieldErrors({"kind": ["A patient's threads include the patient."]})
    try:
        thread = services.thread_start(
            actor=request.user,
            role=role,
            patient=patient,
            kind=payload.kind,
            subject=payload.subject,
            participants=_people(payload.participant_ids),
            body=payload.body,
            submission_id=payload.submission_id,
        )
    except NotAllowed as error:
        raise _refused(error, "participant_ids") from None
    return Status(201, thread)


@router.get(
    "/messages/threads/{thread_id}", response=ThreadDetailOut, summary="A thread; marks it read"
)
def get_thread(request, thread_id: str):
    thread = get_thread_for(request.user, thread_id)
    services.thread_mark_read(user=request.user, thread=thread)
    # Ninja reads the related managers (messages, their attachments) as lists.
    thread.participant_ids = list(thread.participants.values_list("user_id", flat=True))
    return thread


@router.post(
    "/messages/threads/{thread_id}/messages", response={201: MessageOut}, summary="Post a message"
)
def post_message(request, thread_id: str, payload: MessageIn):
    thread = get_thread_for(request.user, thread_id, Action.CREATE)
    message = services.message_post(
        actor=request.user,
        role=thread.access_decision.role,
        thread=thread,
        body=payload.body,
        submission_id=payload.submission_id,
    )
    return Status(201, message)


# --- Meetings -----------------------------------------------------------------------------


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
    try:
        meeting = services.meeting_schedule(
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
    return get_meeting_for(request.user, meeting_id)


@router.get(
    "/meetings/{meeting_id}/calendar.ics", summary="The meeting's calendar file (no health data)"
)
def get_meeting_calendar(request, meeting_id: str):
    meeting = get_meeting_for(request.user, meeting_id)
    return HttpResponse(meeting_calendar(meeting), content_type="text/calendar; charset=utf-8")


@router.post(
    "/meetings/{meeting_id}/agenda", response={201: AgendaOut}, summary="Add an agenda item"
)
def add_agenda_item(request, meeting_id: str, payload: AgendaIn):
    meeting = get_meeting_for(request.user, meeting_id, Action.CREATE)
    item = services.agenda_add(
        actor=request.user, meeting=meeting, text=payload.text, submission_id=payload.submission_id
    )
    return Status(201, item)


@router.put(
    "/meetings/{meeting_id}/sip-plan", response=MeetingDetailOut, summary="Save the SIP plan, whole"
)
def put_sip_plan(request, meeting_id: str, payload: SipPlanIn):
    meeting = get_running_meeting_for(request.user, meeting_id)
    try:
        services.sip_plan_save(
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
    meeting = get_running_meeting_for(request.user, meeting_id)
    owner = User.objects.filter(pk=payload.owner_id).first()
    if owner is None:
        raise FieldErrors({"owner_id": ["Unknown person."]})
    try:
        decision = services.decision_add(
            actor=request.user,
            meeting=meeting,
            kind=payload.kind,
            text=payload.text,
            owner=owner,
            due_on=payload.due_on,
            submission_id=payload.submission_id,
        )
    except ValueError as error:
        raise FieldErrors({"owner_id": [str(error)]}) from None
    return Status(201, decision)


@router.post(
    "/meetings/{meeting_id}/held", response=MeetingDetailOut, summary="Mark the meeting held"
)
def mark_held(request, meeting_id: str, payload: RevisionIn):
    meeting = get_running_meeting_for(request.user, meeting_id)
    try:
        services.meeting_mark_held(actor=request.user, meeting=meeting, revision=payload.revision)
    except Incomplete as missing:
        raise FieldErrors({"sip_plan": [str(missing)]}) from None
    return meeting


# --- Tasks --------------------------------------------------------------------------------


@router.get("/tasks", response=list[TaskOut], summary="My tasks across all cases")
def list_tasks(request, status: TaskStatus = TaskStatus.OPEN):
    tasks = list(
        selectors.tasks_for(request.user)
        .filter(status=status)
        .order_by("due_on", "created_at")[:500]
    )
    record_cases_listed(
        request.user,
        {t.case_id: t.case for t in tasks}.values(),
        category=Category.PLAN,
        object_type="tasks",
    )
    return tasks


@router.post("/cases/{case_id}/tasks", response={201: TaskOut}, summary="Add a task by hand")
def create_task(request, case_id: str, payload: TaskIn):
    case = get_case_for(request.user, case_id, category=Category.PLAN, action=Action.CREATE)
    assignee = User.objects.filter(pk=payload.assignee_id).first()
    if assignee is None or case.patient_id == request.user.pk:
        raise FieldErrors({"assignee_id": ["Unknown person."]})
    try:
        task = services.task_create(
            actor=request.user,
            case=case,
            assignee=assignee,
            title=payload.title,
            due_on=payload.due_on,
            submission_id=payload.submission_id,
        )
    except NotAllowed as error:
        raise _refused(error, "assignee_id") from None
    return Status(201, task)


@router.post("/tasks/{task_id}/done", response=TaskOut, summary="Mark a task done (or open again)")
def set_task_done(request, task_id: str, payload: TaskDoneIn):
    task = get_task_for(request.user, task_id, Action.UPDATE)
    return services.task_set_done(actor=request.user, task=task, done=payload.done)
