"""Writes on message threads: every participant let in by the patient (or the unit's
clinical need), retried submissions returning the first message, everyone else told."""

from django.urls import reverse
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.access.helpers import shared_with
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.coordination import attachments
from stegvis.coordination.models import (
    Attachment,
    Message,
    Thread,
    ThreadKind,
    ThreadParticipant,
)
from stegvis.coordination.participants import admitted
from stegvis.core.crisis import hold_with, patient_wrote
from stegvis.core.errors import KeyReused, replayed
from stegvis.notifications.models import NotificationKind
from stegvis.notifications.outbox import Notice, notify


def _new_message(
    *, thread: Thread, actor: User, role: str, body: str, submission_id, files, at, subject=""
):
    """The message and its files (already checked), and everyone else in the thread told;
    unless it is the patient's words of crisis: then their care team gets the urgent flag,
    and the others in the thread neither read it nor are told until a person responsible
    has seen it (`message.crisis` is what the patient sees at once)."""
    facts = attachments.checked_all(files)
    message = Message.objects.create(
        thread=thread,
        author=actor,
        author_role=role,
        body=body,
        submission_id=submission_id,
        created_at=at,
    )
    for upload, fact in zip(files or (), facts, strict=True):
        attachment = Attachment(message=message, **fact)
        extension = fact["name"].rsplit(".", 1)[1]
        attachment.file.save(f"{attachment.id}.{extension}", upload, save=False)
        attachment.save()
    message.crisis = None
    if actor.pk == thread.patient_id:
        message.crisis = patient_wrote(
            author=actor,
            patient_id=thread.patient_id,
            text=f"{subject}\n{body}",
            source_type=message._meta.model_name,
            source_id=message.pk,
            meant_for_others=True,
        )
    if message.crisis is None:
        _tell_thread(thread, actor)
    return message


def _tell_thread(thread: Thread, author: User) -> None:
    people = [p.user for p in thread.participants.select_related("user").exclude(user=author)]
    decisions = shared_with(
        people, thread.patient, Category.MESSAGES, object_type="thread", object_id=thread.pk
    )
    others = [user for user in people if decisions[user.pk].allowed]
    notify(
        Notice(
            kind=NotificationKind.MESSAGE_RECEIVED,
            key=f"message:{thread.pk}:{thread.last_message_at.isoformat()}",
            link=reverse("thread_detail", args=[thread.pk]),
            patient_id=thread.patient_id,
        ),
        [(user, None) for user in others],
    )


@audit.atomic()
def thread_start(
    *,
    actor: User,
    role: str,
    patient: User,
    kind: str,
    subject: str,
    participants: list[User],
    body: str,
    submission_id,
    files=(),
) -> Thread:
    """A new thread with its first message. The patient is in every thread `with_patient`
    and in none between professionals; the patient starts only the former."""
    existing = (
        Message.objects.filter(submission_id=submission_id, author=actor)
        .select_related("thread")
        .first()
    )
    first = replayed(existing, author_id=actor.pk, body=body)
    if first is not None:
        if first.thread.patient_id != patient.pk:
            raise KeyReused("This submission id was already used for another patient.")
        return first.thread
    if actor.pk == patient.pk and kind != ThreadKind.WITH_PATIENT:
        raise ValueError("a patient's threads include the patient")
    people = {u.pk: u for u in participants if u.pk not in (actor.pk, patient.pk)}
    now = timezone.now()
    thread = Thread.objects.create(
        patient=patient,
        kind=kind,
        subject=subject,
        created_by=actor,
        created_at=now,
        last_message_at=now,
    )
    let_in = admitted(patient, people.values(), Category.MESSAGES, obj=thread)
    seats = [ThreadParticipant(thread=thread, user=actor, role=role, last_read_at=now)]
    if kind == ThreadKind.WITH_PATIENT and actor.pk != patient.pk:
        seats.append(ThreadParticipant(thread=thread, user=patient, role=Role.PATIENT))
    seats += [
        ThreadParticipant(thread=thread, user=user, role=d.role, organisation=d.organisation)
        for user, d in let_in.values()
    ]
    ThreadParticipant.objects.bulk_create(seats)
    first = _new_message(
        thread=thread,
        actor=actor,
        role=role,
        body=body,
        subject=subject,
        submission_id=submission_id,
        files=files,
        at=now,
    )
    thread.crisis = first.crisis
    if first.crisis:
        # Its subject was read with the first message: the thread waits with it.
        hold_with(thread, first._meta.model_name, first.pk)
    return thread


@audit.atomic()
def message_post(
    *, actor: User, role: str, thread: Thread, body: str, submission_id, files=()
) -> Message:
    existing = Message.objects.filter(submission_id=submission_id, author=actor).first()
    first = replayed(existing, author_id=actor.pk, thread_id=thread.pk, body=body)
    if first is not None:
        return first
    now = timezone.now()
    Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
    thread.last_message_at = now
    ThreadParticipant.objects.filter(thread=thread, user=actor).update(last_read_at=now)
    return _new_message(
        thread=thread,
        actor=actor,
        role=role,
        body=body,
        submission_id=submission_id,
        files=files,
        at=now,
    )


def thread_mark_read(*, user: User, thread: Thread) -> None:
    ThreadParticipant.objects.filter(thread=thread, user=user).update(last_read_at=timezone.now())
