"""Writes on messages, meetings, decisions and tasks.

The caller resolved the patient, thread, meeting or task through the access helpers (which
record the access). These keep the data's rules: every participant reaches the patient's
data under the policy (through the unit's clinical need or the patient's consent), retried
submissions return what the first one made, stale edits are refused, and the people
concerned are told through the outbox with nothing but a link.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stegvis.access import audit
from stegvis.access.categories import Category
from stegvis.access.helpers import shared_with, who_may_be_offered
from stegvis.access.policy import Decision as AccessDecision
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case
from stegvis.cases.services import milestone_complete
from stegvis.cases.timelines import MilestoneStatus, TimelineEntry
from stegvis.coordination import attachments, sip
from stegvis.coordination.kinds import meeting_kinds
from stegvis.coordination.models import (
    AgendaItem,
    Attachment,
    Decision,
    DecisionKind,
    Meeting,
    MeetingParticipant,
    MeetingStatus,
    Message,
    Task,
    TaskSource,
    TaskStatus,
    Thread,
    ThreadKind,
    ThreadParticipant,
)
from stegvis.core.errors import Incomplete, NotAllowed, StaleEdit
from stegvis.network.models import MemberStatus, NetworkMember
from stegvis.notifications.models import NotificationKind
from stegvis.notifications.outbox import Notice, notify
from stegvis.plans import content as plan_content
from stegvis.plans.selectors import plan_of
from stegvis.plans.services import plan_save

# --- Who may take part -------------------------------------------------------------------


def _network_people(patient: User) -> list[User]:
    members = NetworkMember.objects.filter(
        patient=patient, status=MemberStatus.ACTIVE, user__isnull=False, user__is_active=True
    ).select_related("user")
    people = {m.user_id: m.user for m in members}
    for case in Case.objects.filter(patient=patient).select_related(
        "responsible_physician", "responsible_coordinator"
    ):
        for user in (case.responsible_physician, case.responsible_coordinator):
            if user is not None and user.is_active:
                people.setdefault(user.pk, user)
    people.pop(patient.pk, None)
    return list(people.values())


def candidates(patient: User, category: str) -> list[tuple[User, AccessDecision]]:
    """The professionals around the patient who reach `category` under the policy now:
    the network with a consent for it, and the case's responsible people."""
    found = who_may_be_offered(_network_people(patient), patient, category)
    return sorted(found, key=lambda pair: str(pair[0]))


def _admitted(patient: User, people: Iterable[User], category: str, *, obj) -> dict:
    """Each person's allowing decision, recorded as sharing `obj` with them; NotAllowed
    naming everyone who is not let in (the caller's transaction then undoes `obj`)."""
    people = list(people)
    decisions = shared_with(
        people, patient, category, object_type=obj._meta.model_name, object_id=obj.pk
    )
    refused = [str(user) for user in people if not decisions[user.pk].allowed]
    if refused:
        raise NotAllowed(", ".join(refused), names=refused)
    return {user.pk: (user, decisions[user.pk]) for user in people}


# --- Messages -----------------------------------------------------------------------------


def _new_message(*, thread: Thread, actor: User, role: str, body: str, submission_id, files, at):
    """The message and its files (already checked), and everyone else in the thread told."""
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
    existing = Message.objects.filter(submission_id=submission_id).select_related("thread").first()
    if existing is not None:
        return existing.thread
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
    admitted = _admitted(patient, people.values(), Category.MESSAGES, obj=thread)
    seats = [ThreadParticipant(thread=thread, user=actor, role=role, last_read_at=now)]
    if kind == ThreadKind.WITH_PATIENT and actor.pk != patient.pk:
        seats.append(ThreadParticipant(thread=thread, user=patient, role=Role.PATIENT))
    seats += [
        ThreadParticipant(thread=thread, user=user, role=d.role, organisation=d.organisation)
        for user, d in admitted.values()
    ]
    ThreadParticipant.objects.bulk_create(seats)
    _new_message(
        thread=thread,
        actor=actor,
        role=role,
        body=body,
        submission_id=submission_id,
        files=files,
        at=now,
    )
    return thread


@audit.atomic()
def message_post(
    *, actor: User, role: str, thread: Thread, body: str, submission_id, files=()
) -> Message:
    existing = Message.objects.filter(submission_id=submission_id).first()
    if existing is not None:
        return existing
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


# --- Meetings -----------------------------------------------------------------------------


def _tell_meeting(meeting: Meeting, kind: str, people: Iterable[User]) -> None:
    notify(
        Notice(
            kind=kind,
            key=f"{kind}:{meeting.pk}:{meeting.revision}",
            link=reverse("meeting_detail", args=[meeting.pk]),
            patient_id=meeting.case.patient_id,
            object_type="meeting",
            object_id=str(meeting.pk),
        ),
        [(user, meeting.case) for user in people],
    )


def _bump(meeting: Meeting, revision: int, **changes) -> Meeting:
    """Apply `changes` unless the meeting changed since `revision` was read."""
    updated = Meeting.objects.filter(pk=meeting.pk, revision=revision).update(
        revision=revision + 1, **changes
    )
    if not updated:
        raise StaleEdit
    meeting.refresh_from_db()
    return meeting


@audit.atomic()
def meeting_schedule(
    *,
    actor: User,
    case: Case,
    kind: str,
    starts_at: datetime,
    duration_minutes: int = 60,
    place: str = "",
    participants: list[User],
    questionnaire_code: str = "",
) -> Meeting:
    """Call a meeting: the patient and everyone named, each let in by the patient (or the
    unit's clinical need), are invited with a calendar file that holds no health data."""
    definition = meeting_kinds().get(kind)
    if definition is None or case.jurisdiction not in definition.countries:
        raise ValueError(f"no meeting kind {kind!r} in {case.jurisdiction}")
    patient = case.patient
    people = {u.pk: u for u in participants if u.pk not in (actor.pk, patient.pk)}
    # The organiser's own decision, made when the caller resolved the case.
    organiser_decision = case.access_decision
    meeting = Meeting.objects.create(
        case=case,
        kind=kind,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=place,
        organiser=actor,
        questionnaire_code=questionnaire_code,
    )
    admitted = _admitted(patient, people.values(), Category.MEETINGS, obj=meeting)
    seats = [
        MeetingParticipant(
            meeting=meeting,
            user=actor,
            role=organiser_decision.role,
            organisation=organiser_decision.organisation,
            basis=organiser_decision.basis,
        ),
        MeetingParticipant(meeting=meeting, user=patient, role=Role.PATIENT, basis="self"),
    ]
    seats += [
        MeetingParticipant(
            meeting=meeting, user=user, role=d.role, organisation=d.organisation, basis=d.basis
        )
        for user, d in admitted.values()
    ]
    MeetingParticipant.objects.bulk_create(seats)
    if questionnaire_code:
        from stegvis.instruments.models import Occasion
        from stegvis.instruments.services import occasion_schedule

        occasion_schedule(
            actor=actor,
            case=case,
            occasion=Occasion.ON_DEMAND,
            due_on=timezone.localdate(),
            codes=[questionnaire_code],
        )
    _tell_meeting(meeting, NotificationKind.MEETING_INVITATION, [patient, *people.values()])
    return meeting


def _others(meeting: Meeting, actor: User) -> list[User]:
    return [p.user for p in meeting.participants.select_related("user") if p.user_id != actor.pk]


@audit.atomic()
def meeting_reschedule(
    *,
    actor: User,
    meeting: Meeting,
    revision: int,
    starts_at: datetime,
    duration_minutes: int,
    place: str,
) -> Meeting:
    if meeting.status != MeetingStatus.PLANNED:
        raise ValueError("only a planned meeting moves")
    _bump(meeting, revision, starts_at=starts_at, duration_minutes=duration_minutes, place=place)
    _tell_meeting(meeting, NotificationKind.MEETING_CHANGED, _others(meeting, actor))
    return meeting


@audit.atomic()
def meeting_cancel(*, actor: User, meeting: Meeting, revision: int) -> Meeting:
    if meeting.status == MeetingStatus.CANCELLED:
        return meeting
    _bump(meeting, revision, status=MeetingStatus.CANCELLED)
    _tell_meeting(meeting, NotificationKind.MEETING_CANCELLED, _others(meeting, actor))
    return meeting


def agenda_add(*, actor: User, meeting: Meeting, text: str, submission_id) -> AgendaItem:
    item, _created = AgendaItem.objects.get_or_create(
        submission_id=submission_id,
        defaults={"meeting": meeting, "author": actor, "text": text},
    )
    return item


@audit.atomic()
def sip_plan_save(*, actor: User, meeting: Meeting, plan: dict, revision: int) -> Meeting:
    """Store the SIP plan only whole: pydantic's ValidationError names what is missing."""
    if not meeting.definition.requires_sip_plan:
        raise ValueError("only a SIP meeting has a SIP plan")
    stored = sip.validated(plan)
    if stored == meeting.sip_plan:
        return meeting
    return _bump(meeting, revision, sip_plan=stored)


@audit.atomic()
def minutes_save(
    *, actor: User, meeting: Meeting, minutes: str, follow_up_on: date | None, revision: int
) -> Meeting:
    if minutes == meeting.minutes and follow_up_on == meeting.follow_up_on:
        return meeting
    return _bump(meeting, revision, minutes=minutes, follow_up_on=follow_up_on)


def decision_owners(meeting: Meeting) -> list[MeetingParticipant]:
    return list(meeting.participants.select_related("user", "organisation"))


def _plan_owner(meeting: Meeting, owner: User) -> str:
    """How the plan names an action's owner: the patient, or their network member."""
    if owner.pk == meeting.case.patient_id:
        return "patient"
    member = NetworkMember.objects.filter(
        patient_id=meeting.case.patient_id, user=owner, status=MemberStatus.ACTIVE
    ).first()
    if member is None:
        raise ValueError("a plan action belongs to the patient or a member of their network")
    return str(member.pk)


def _task(*, assignee: User, case: Case, title: str, due_on, source: str, key: str, **more):
    task, created = Task.objects.get_or_create(
        dedupe_key=key,
        defaults={
            "assignee": assignee,
            "case": case,
            "title": title[:200],
            "due_on": due_on,
            "source": source,
            **more,
        },
    )
    if created and assignee.pk != more.get("created_by", assignee).pk:
        notify(
            Notice(
                kind=NotificationKind.TASK_ASSIGNED,
                key=f"task:{task.pk}",
                link=reverse("task_inbox"),
                patient_id=case.patient_id,
            ),
            [(assignee, case)],
        )
    return task, created


@audit.atomic()
def decision_add(
    *,
    actor: User,
    meeting: Meeting,
    kind: str,
    text: str,
    owner: User,
    due_on: date,
    submission_id,
) -> Decision:
    """A decision becomes an action in the patient's plan (a new plan version, noted as
    decided at the meeting) or a task; a professional owner gets it in their inbox."""
    existing = Decision.objects.filter(submission_id=submission_id).first()
    if existing is not None:
        return existing
    if not meeting.participants.filter(user=owner).exists():
        raise ValueError("the owner takes part in the meeting")
    decision = Decision(
        meeting=meeting,
        kind=kind,
        text=text,
        owner=owner,
        due_on=due_on,
        created_by=actor,
        submission_id=submission_id,
    )
    case = meeting.case
    if kind == DecisionKind.PLAN_ACTION:
        action = plan_content.PlanAction(
            text=text, owner=_plan_owner(meeting, owner), due_on=due_on
        )
        plan = plan_of(case)
        new_content = {
            **plan.content,
            "actions": [*plan.content["actions"], action.model_dump(mode="json")],
        }
        note = _("Decided at the meeting on {date}").format(date=meeting.starts_at.date())
        plan_save(
            actor=actor, plan=plan, new_content=new_content, base_version=plan.version, note=note
        )
        decision.plan_action_id = action.id
    decision.save()
    if owner.pk != case.patient_id:
        _task(
            assignee=owner,
            case=case,
            title=text,
            due_on=due_on,
            source=TaskSource.DECISION,
            key=f"decision:{decision.pk}",
            decision=decision,
            meeting=meeting,
            created_by=actor,
        )
    return decision


@audit.atomic()
def meeting_mark_held(*, actor: User, meeting: Meeting, revision: int) -> Meeting:
    """Held: the timeline duty of its kind is done, and a follow-up date becomes a task."""
    if meeting.status == MeetingStatus.HELD:
        return meeting
    if meeting.definition.requires_sip_plan and not meeting.sip_plan:
        raise Incomplete(_("A SIP meeting is held with its plan: fill in the SIP plan first."))
    _bump(meeting, revision, status=MeetingStatus.HELD, held_at=timezone.now())
    milestone = meeting.definition.milestone
    if milestone:
        milestone_complete(
            actor=actor, case=meeting.case, code=milestone, completed_on=meeting.starts_at.date()
        )
    if meeting.follow_up_on:
        _task(
            assignee=meeting.organiser,
            case=meeting.case,
            title=_("Follow up: {kind}").format(kind=meeting.definition.title),
            due_on=meeting.follow_up_on,
            source=TaskSource.FOLLOW_UP,
            key=f"follow_up:{meeting.pk}",
            meeting=meeting,
            created_by=actor,
        )
    return meeting


# --- Tasks --------------------------------------------------------------------------------


@audit.atomic()
def task_create(
    *, actor: User, case: Case, assignee: User, title: str, due_on: date | None, submission_id
) -> Task:
    if assignee.pk == case.patient_id:
        raise NotAllowed(str(assignee), names=[str(assignee)])
    task, created = _task(
        assignee=assignee,
        case=case,
        title=title,
        due_on=due_on,
        source=TaskSource.MANUAL,
        key=f"manual:{submission_id}",
        created_by=actor,
    )
    if created:
        _admitted(case.patient, [assignee], Category.PLAN, obj=task)
    return task


def task_set_done(*, actor: User, task: Task, done: bool) -> Task:
    """Done or open again; a repeated click changes nothing."""
    status = TaskStatus.DONE if done else TaskStatus.OPEN
    Task.objects.filter(pk=task.pk).exclude(status=status).update(
        status=status,
        completed_at=timezone.now() if done else None,
        completed_by=actor if done else None,
    )
    task.refresh_from_db()
    return task


def tasks_for_deadlines(case: Case, timeline: list[TimelineEntry], recipients) -> int:
    """A task per near or passed duty for each professional told about it, closed again
    when the milestone is marked done."""
    made = 0
    for entry in timeline:
        if entry.status not in (MilestoneStatus.DUE_SOON, MilestoneStatus.OVERDUE):
            continue
        for user, _on_behalf in recipients(case, entry.milestone.responsible):
            if user.pk == case.patient_id:
                continue
            _made, created = _task(
                assignee=user,
                case=case,
                title=entry.title,
                due_on=entry.date,
                source=TaskSource.DEADLINE,
                key=f"deadline:{case.pk}:{entry.code}:{user.pk}",
                milestone_code=entry.code,
            )
            made += created
    return made


def tasks_close_for_milestone(*, actor: User, case: Case, code: str) -> int:
    return Task.objects.filter(case=case, milestone_code=code, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, completed_at=timezone.now(), completed_by=actor
    )
