"""Resolving threads and meetings for a user, shared by the pages and the API."""

from django.db.models import Q

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for, get_object_for
from stegvis.access.policy import care_cases
from stegvis.access.rules import STAFF_ONLY
from stegvis.accounts.models import User
from stegvis.coordination.models import Meeting, Task, Thread
from stegvis.coordination.rules import INVITED_TO_MEETING, RUNS_MEETING
from stegvis.core.crisis import held_subquery


def get_thread_for(user: User, thread_id, action=Action.VIEW) -> Thread:
    """A thread the user takes part in, while the policy lets them reach its messages."""
    # A thread begun with the patient's words of crisis waits for a person responsible.
    held = Q(held_subquery("thread")) & ~Q(created_by=user)
    return get_object_for(
        user,
        Thread.objects.filter(participants__user=user).exclude(held),
        thread_id,
        category=Category.MESSAGES,
        action=action,
        object_type="message_thread",
        patient_field="patient",
    )


def visible_meetings(user: User):
    """Meetings the user takes part in, or of the cases in their care."""
    return Meeting.objects.filter(
        Q(pk__in=Meeting.objects.filter(participants__user=user).values("pk"))
        | Q(case__in=care_cases(user, Category.MEETINGS))
    )


def get_meeting_for(user: User, meeting_id, action=Action.VIEW, checks=()) -> Meeting:
    return get_object_for(
        user,
        visible_meetings(user),
        meeting_id,
        category=Category.MEETINGS,
        action=action,
        object_type="meeting",
        checks=checks,
    )


def get_invited_meeting_for(user: User, meeting_id) -> Meeting:
    """A meeting the user is invited to, to answer: 403 for its organiser or one not invited."""
    return get_meeting_for(user, meeting_id, Action.CREATE, checks=[INVITED_TO_MEETING])


def get_running_meeting_for(user: User, meeting_id) -> Meeting:
    """A meeting the user runs (minutes, the SIP plan, decisions): 403 for a participant."""
    return get_meeting_for(user, meeting_id, Action.UPDATE, checks=[RUNS_MEETING])


def may_answer(user: User, meeting: Meeting) -> bool:
    """For a meeting already resolved: whether its page offers the invitation's answer."""
    return INVITED_TO_MEETING.passes(user, meeting.access_decision, meeting)


def may_run(user: User, meeting: Meeting) -> bool:
    """For a meeting already resolved: whether its page offers the running controls."""
    return RUNS_MEETING.passes(user, meeting.access_decision, meeting)


def get_task_for(user: User, task_id, action=Action.VIEW) -> Task:
    return get_object_for(
        user,
        Task.objects.filter(assignee=user),
        task_id,
        category=Category.PLAN,
        action=action,
        object_type="task",
    )


def case_for_staff(request, case_id, category: str):
    """A case the professional writes on (the patient does not call meetings or set tasks)."""
    return get_case_for(
        request.user,
        case_id,
        category=category,
        action=Action.CREATE if request.method == "POST" else Action.VIEW,
        checks=[STAFF_ONLY],
    )
