"""Writes on meetings: calling one, its agenda, SIP plan, minutes and decisions, marking
it held or cancelled; decisions become plan actions or tasks."""

from collections.abc import Iterable
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stegvis.access.categories import Category
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.cases.models import Case
from stegvis.cases.services import milestone_complete
from stegvis.coordination import sip
from stegvis.coordination.kinds import meeting_kinds
from stegvis.coordination.models import (
    AgendaItem,
    Decision,
    DecisionKind,
    Meeting,
    MeetingParticipant,
    MeetingStatus,
    TaskSource,
)
from stegvis.coordination.participants import admitted
from stegvis.coordination.tasks.services import task_made
from stegvis.core.crisis import patient_wrote
from stegvis.core.errors import Incomplete, StaleEdit, replayed
from stegvis.network.models import MemberStatus, NetworkMember
from stegvis.notifications.models import NotificationKind
from stegvis.notifications.outbox import Notice, notify
from stegvis.plans import content as plan_content
from stegvis.plans.selectors import plan_of
from stegvis.plans.services import plan_save


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
    invited = admitted(patient, people.values(), Category.MEETINGS, obj=meeting)
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
        for user, d in invited.values()
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
    """A point for the agenda. The patient's words of crisis wait for the care team before
    the meeting's others read them (`item.crisis`: the crisis screen to show her now)."""
    item, _created = AgendaItem.objects.get_or_create(
        submission_id=submission_id,
        author=actor,
        defaults={"meeting": meeting, "text": text},
    )
    item = replayed(item, author_id=actor.pk, meeting_id=meeting.pk, text=text)
    item.crisis = patient_wrote(
        author=actor,
        patient_id=meeting.case.patient_id,
        text=text,
        source_type=item._meta.model_name,
        source_id=item.pk,
        meant_for_others=True,
    )
    return item


@audit.atomic()
def meeting_respond(*, actor: User, meeting: Meeting, response: str, note: str = ""):
    """An invited professional's answer; answering again replaces it."""
    seat = meeting.participants.get(user=actor)
    seat.response, seat.response_note, seat.responded_at = response, note, timezone.now()
    seat.save(update_fields=["response", "response_note", "responded_at"])
    return seat


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
    existing = Decision.objects.filter(submission_id=submission_id, created_by=actor).first()
    first = replayed(existing, author_id=actor.pk, meeting_id=meeting.pk, text=text)
    if first is not None:
        return first
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
        task_made(
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
        task_made(
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
