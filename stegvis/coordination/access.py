"""Resolving threads and meetings for a user, shared by the pages and the API."""

from django.db.models import Q

from stegvis.access.categories import CLINICAL_NEED_ROLES, Action, Category
from stegvis.access.helpers import get_object_for
from stegvis.access.policy import treating_organisation_ids
from stegvis.accounts.models import User
from stegvis.coordination.models import Meeting, Task, Thread


def get_thread_for(user: User, thread_id, action=Action.VIEW) -> Thread:
    """A thread the user takes part in, while the policy lets them reach its messages."""
    return get_object_for(
        user,
        Thread.objects.filter(participants__user=user),
        thread_id,
        category=Category.MESSAGES,
        action=action,
        object_type="message_thread",
        patient_field="patient",
    )


def visible_meetings(user: User):
    """Meetings the user takes part in, or of their unit's cases (clinical need)."""
    treating = treating_organisation_ids(user, Category.MEETINGS)
    return Meeting.objects.filter(
        Q(pk__in=Meeting.objects.filter(participants__user=user).values("pk"))
        | Q(case__organisation_id__in=treating)
    )


def get_meeting_for(user: User, meeting_id, action=Action.VIEW) -> Meeting:
    return get_object_for(
        user,
        visible_meetings(user),
        meeting_id,
        category=Category.MEETINGS,
        action=action,
        object_type="meeting",
    )


def may_run(user: User, meeting: Meeting) -> bool:
    """The organiser and the care team write minutes, the SIP plan and decisions."""
    return meeting.organiser_id == user.pk or meeting.access_decision.role in CLINICAL_NEED_ROLES


def get_task_for(user: User, task_id, action=Action.VIEW) -> Task:
    return get_object_for(
        user,
        Task.objects.filter(assignee=user),
        task_id,
        category=Category.PLAN,
        action=action,
        object_type="task",
    )
