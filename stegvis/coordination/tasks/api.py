"""Tasks under /api/v1/."""

import uuid

from ninja import Router, Status

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import (
    get_case_for,
    get_record_for,
    record_cases_listed,
)
from stegvis.accounts.models import User
from stegvis.coordination import selectors
from stegvis.coordination.models import TaskStatus
from stegvis.coordination.rules import TASK
from stegvis.coordination.schemas import TaskDoneIn, TaskIn, TaskOut, _refused
from stegvis.coordination.tasks.services import task_create, task_set_done
from stegvis.core.errors import FieldErrors, NotAllowed

router = Router(tags=["coordination"])


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
        task = task_create(
            actor=request.user,
            case=case,
            assignee=assignee,
            title=payload.title,
            due_on=payload.due_on,
            submission_id=uuid.uuid4(),
        )
    except NotAllowed as error:
        raise _refused(error, "assignee_id") from None
    return Status(201, task)


@router.post("/tasks/{task_id}/done", response=TaskOut, summary="Mark a task done (or open again)")
def set_task_done(request, task_id: str, payload: TaskDoneIn):
    task = get_record_for(request.user, TASK, task_id, action=Action.UPDATE)
    return task_set_done(actor=request.user, task=task, done=payload.done)
