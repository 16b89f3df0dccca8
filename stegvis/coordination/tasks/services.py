"""Writes on tasks: set by hand, made from a meeting's decisions and the chain's
deadlines, closed with their duty."""

from datetime import date

from django.urls import reverse
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.accounts.models import User
from stegvis.audit import audit
from stegvis.cases.models import Case
from stegvis.cases.timelines import MilestoneStatus, TimelineEntry
from stegvis.coordination.models import (
    Task,
    TaskSource,
    TaskStatus,
)
from stegvis.coordination.participants import admitted
from stegvis.core.errors import NotAllowed, replayed
from stegvis.notifications.models import NotificationKind
from stegvis.notifications.outbox import Notice, notify


@audit.atomic()
def task_create(
    *, actor: User, case: Case, assignee: User, title: str, due_on: date | None, submission_id
) -> Task:
    if assignee.pk == case.patient_id:
        raise NotAllowed(str(assignee), names=[str(assignee)])
    task, created = task_made(
        assignee=assignee,
        case=case,
        title=title,
        due_on=due_on,
        source=TaskSource.MANUAL,
        # The key is the author's: another person's same id makes their own task.
        key=f"manual:{actor.pk}:{submission_id}",
        created_by=actor,
    )
    if created:
        admitted(case.patient, [assignee], Category.PLAN, obj=task)
    return replayed(task, author_id=actor.pk, case_id=case.pk, title=title[:200])


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
            _made, created = task_made(
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


def tasks_close_for_request(*, actor: User, request) -> int:
    """Every physician's task to answer a request closes with the first answer."""
    return Task.objects.filter(sick_leave_request=request, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, completed_at=timezone.now(), completed_by=actor
    )


def tasks_close_for_milestone(*, actor: User, case: Case, code: str) -> int:
    return Task.objects.filter(case=case, milestone_code=code, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, completed_at=timezone.now(), completed_by=actor
    )


def task_made(*, assignee: User, case: Case, title: str, due_on, source: str, key: str, **more):
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
