"""Reads for coordination, filtered to what the user may see under the policy. Lists take
a fixed number of queries, whatever their length."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.access.policy import cases_visible_to, patients_visible_to
from stegvis.accounts.models import User
from stegvis.cases.models import CaseStatus
from stegvis.coordination.models import (
    Attachment,
    Meeting,
    MeetingStatus,
    Message,
    Task,
    TaskStatus,
    Thread,
    ThreadParticipant,
)
from stegvis.core.crisis import held_subquery, not_held_from
from stegvis.core.prepared import counted

OPEN_CASE_STATUSES = (CaseStatus.ACTIVE, CaseStatus.PARTIAL_RETURN)


def _unread_messages(user: User) -> QuerySet:
    """Messages by others after the user last read their thread."""
    seat = ThreadParticipant.objects.filter(thread=OuterRef("thread"), user=user)
    return (
        # A patient's words of crisis wait for a person responsible: not counted as news.
        Message.objects.exclude(author=user)
        .exclude(held_subquery("message"))
        .annotate(read_until=Subquery(seat.values("last_read_at")[:1]))
        .filter(Q(read_until__isnull=True) | Q(created_at__gt=F("read_until")))
    )


def threads_for(user: User) -> QuerySet[Thread]:
    """The user's threads about patients whose messages they may still reach."""
    return (
        Thread.objects.filter(
            participants__user=user,
            patient__in=patients_visible_to(user, Category.MESSAGES),
        )
        .exclude(Q(held_subquery("thread")) & ~Q(created_by=user))
        .select_related("patient")
        .annotate(unread=counted(_unread_messages(user).filter(thread=OuterRef("pk"))))
        .order_by("-last_message_at")
    )


def unread_in_own_threads(user) -> QuerySet[Message]:
    """Messages by others, unread, in the threads the user takes part in (counted in every
    page's header: stegvis/portal/context_processors.py)."""
    return _unread_messages(user).filter(thread__participants__user=user)


def unread_message_count(user: User) -> int:
    return unread_in_own_threads(user).count()


def tasks_for(user: User) -> QuerySet[Task]:
    """The user's tasks on cases whose plan they may still reach."""
    return Task.objects.filter(
        assignee=user, case__in=cases_visible_to(user, Category.PLAN)
    ).select_related("case__patient", "meeting")


@dataclass
class Inbox:
    overdue: list[Task]
    due: list[Task]
    done: list[Task]

    @property
    def cases(self):
        return {t.case_id: t.case for t in [*self.overdue, *self.due, *self.done]}.values()


DONE_SHOWN = 20


def inbox(user: User, today: date | None = None) -> Inbox:
    today = today or timezone.localdate()
    tasks = tasks_for(user)
    open_tasks = list(
        tasks.filter(status=TaskStatus.OPEN).order_by(
            F("due_on").asc(nulls_last=True), "created_at"
        )
    )
    done = list(tasks.filter(status=TaskStatus.DONE).order_by("-completed_at")[:DONE_SHOWN])
    return Inbox(
        overdue=[t for t in open_tasks if t.due_on and t.due_on < today],
        due=[t for t in open_tasks if not t.due_on or t.due_on >= today],
        done=done,
    )


def meetings_for(user: User) -> QuerySet[Meeting]:
    return Meeting.objects.filter(
        participants__user=user, case__in=cases_visible_to(user, Category.MEETINGS)
    ).select_related("case__patient")


@dataclass
class DayView:
    day: date
    meetings: list[Meeting]
    tasks: list[Task]
    deadlines: list
    unread_threads: list[Thread]


def day_view(user: User, day: date) -> DayView:
    """A coordinator's day: meetings that day, tasks due by then, the duties of their cases
    within a week, and threads waiting for an answer."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    meetings = list(
        meetings_for(user)
        .filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("starts_at")
    )
    tasks = list(
        tasks_for(user)
        .filter(status=TaskStatus.OPEN, due_on__lte=day)
        .order_by("due_on", "created_at")
    )
    deadlines = list(
        cases_visible_to(user, Category.CAPACITY)
        .filter(
            Q(responsible_coordinator=user) | Q(responsible_physician=user),
            next_deadline_on__lte=day + timedelta(days=7),
            status__in=OPEN_CASE_STATUSES,
        )
        .select_related("patient")
        .order_by("next_deadline_on")
    )
    unread = list(threads_for(user).filter(unread__gt=0))
    return DayView(day, meetings, tasks, deadlines, unread)


def messages_of(thread: Thread, reader: User) -> QuerySet[Message]:
    """A thread's messages the reader may read (another's words of crisis wait for a
    person responsible), with their authors and attachments."""
    attachments = Prefetch("attachments", queryset=Attachment.objects.order_by("name"))
    return (
        not_held_from(Message.objects.filter(thread=thread), reader)
        .select_related("author")
        .prefetch_related(attachments)
    )


def attachments_for(user: User) -> QuerySet[Attachment]:
    """Attachments of the threads the user takes part in."""
    return Attachment.objects.filter(message__thread__participants__user=user)
