"""Message threads under /api/v1/."""

import uuid

from ninja import Router, Status

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import (
    get_patient_for,
    get_record_for,
    record_patients_listed,
)
from stegvis.coordination import selectors
from stegvis.coordination.messages.services import message_post, thread_mark_read, thread_start
from stegvis.coordination.models import ThreadKind
from stegvis.coordination.rules import THREAD
from stegvis.coordination.schemas import (
    MessageIn,
    MessagePostedOut,
    ThreadDetailOut,
    ThreadIn,
    ThreadOut,
    ThreadStartedOut,
    _people,
    _refused,
)
from stegvis.core.crisis import not_held_from
from stegvis.core.crisis_api import CRISIS_NOTE
from stegvis.core.errors import FieldErrors, NotAllowed

router = Router(tags=["coordination"])


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
    response={201: ThreadStartedOut},
    summary="Start a thread about a patient (the patient: with their network)",
    description="The subject and the first message are read together. " + CRISIS_NOTE,
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
        thread = thread_start(
            actor=request.user,
            role=role,
            patient=patient,
            kind=payload.kind,
            subject=payload.subject,
            participants=_people(payload.participant_ids),
            body=payload.body,
            submission_id=uuid.uuid4(),
        )
    except NotAllowed as error:
        raise _refused(error, "participant_ids") from None
    return Status(201, thread)


@router.get(
    "/messages/threads/{thread_id}", response=ThreadDetailOut, summary="A thread; marks it read"
)
def get_thread(request, thread_id: str):
    thread = get_record_for(request.user, THREAD, thread_id)
    thread_mark_read(user=request.user, thread=thread)
    thread.participant_ids = list(thread.participants.values_list("user_id", flat=True))
    # Ninja reads the attachments' related manager as a list; the messages are those the
    # reader may read (a patient's words of crisis wait for a person responsible).
    thread.messages_shown = list(not_held_from(thread.messages.all(), request.user))
    return thread


@router.post(
    "/messages/threads/{thread_id}/messages",
    response={201: MessagePostedOut},
    summary="Post a message",
    description=CRISIS_NOTE,
)
def post_message(request, thread_id: str, payload: MessageIn):
    thread = get_record_for(request.user, THREAD, thread_id, action=Action.CREATE)
    message = message_post(
        actor=request.user,
        role=thread.access_decision.role,
        thread=thread,
        body=payload.body,
        submission_id=uuid.uuid4(),
    )
    return Status(201, message)
