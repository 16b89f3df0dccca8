"""The coordination API's schemas and the helpers its routers share."""

import uuid
from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from stegvis.accounts.models import User
from stegvis.coordination.models import DecisionKind, ThreadKind
from stegvis.core.crisis import not_held_from
from stegvis.core.crisis_api import CrisisLinesOut
from stegvis.core.errors import FieldErrors, NotAllowed, Text


class ThreadIn(Schema):
    kind: ThreadKind = ThreadKind.WITH_PATIENT
    subject: Text(120, 1)
    participant_ids: list[uuid.UUID] = []
    body: Text(4000, 1)


class ThreadOut(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    kind: str
    subject: str
    last_message_at: datetime
    unread: int = 0


class ThreadStartedOut(ThreadOut, CrisisLinesOut):
    """A thread just started: its first message may hold the patient's words of crisis."""


class AttachmentOut(Schema):
    id: uuid.UUID
    name: str
    content_type: str
    size: int


class MessageIn(Schema):
    body: Text(4000, 1)


class MessageOut(Schema):
    id: uuid.UUID
    author_id: uuid.UUID
    body: str
    created_at: datetime
    attachments: list[AttachmentOut] = []


class MessagePostedOut(MessageOut, CrisisLinesOut):
    """A message just posted. Its crisis lines answer its author alone: they are not part
    of the message, and a thread as read never carries them."""


class ThreadDetailOut(ThreadOut):
    participant_ids: list[uuid.UUID]
    messages: list[MessageOut]

    @staticmethod
    def resolve_messages(thread):
        # The messages the reader may read, chosen by the view (a patient's words of
        # crisis wait for a person responsible).
        return thread.messages_shown


class MeetingIn(Schema):
    kind: str
    starts_at: datetime
    # The form's bounds; the database refuses anything else with a CHECK constraint.
    duration_minutes: int = Field(60, ge=15, le=480)
    place: Text(200) = ""
    participant_ids: list[uuid.UUID] = []
    questionnaire_code: Text(20) = ""


class AgendaIn(Schema):
    text: Text(500, 1)


class AgendaOut(Schema):
    id: int
    author_id: uuid.UUID
    text: str
    created_at: datetime


class AgendaAddedOut(AgendaOut, CrisisLinesOut):
    pass


class DecisionIn(Schema):
    kind: DecisionKind
    text: Text(500, 1)
    owner_id: uuid.UUID
    due_on: date


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

    @staticmethod
    def resolve_agenda(meeting, context) -> list:
        # A patient's words of crisis wait until the care team has read them.
        return list(not_held_from(meeting.agenda.all(), context["request"].user))


class SipPlanIn(Schema):
    revision: int
    plan: dict


class RevisionIn(Schema):
    revision: int


class TaskIn(Schema):
    title: Text(200, 1)
    assignee_id: uuid.UUID
    due_on: date | None = None


class TaskOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    title: str
    due_on: date | None
    status: str
    source: str
    milestone_code: str
    meeting_id: uuid.UUID | None
    sick_leave_request_id: uuid.UUID | None

    @staticmethod
    def resolve_title(task) -> str:
        # In the reader's language, as the task inbox shows it.
        return task.display_title()


class TaskDoneIn(Schema):
    done: bool = True


def _people(ids) -> list[User]:
    found = list(User.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise FieldErrors({"participant_ids": ["Unknown person."]})
    return found


def _refused(error: NotAllowed, field: str):
    return FieldErrors({field: [f"Not let in by the patient: {name}" for name in error.names]})
