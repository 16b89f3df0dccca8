"""Task pages: the inbox, the day view, a new task and marking one done."""

from datetime import timedelta

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import (
    get_record_for,
    openable_case_ids,
    record_cases_listed,
    record_patients_listed,
)
from stegvis.coordination import forms, selectors
from stegvis.coordination.participants import candidates
from stegvis.coordination.rules import STAFF_CASE, TASK
from stegvis.coordination.tasks.services import task_create, task_set_done
from stegvis.core.errors import NotAllowed
from stegvis.core.idempotency import once_per_submission


@login_required
@require_safe
def task_inbox(request: HttpRequest) -> HttpResponse:
    inbox = selectors.inbox(request.user)
    record_cases_listed(request.user, inbox.cases, category=Category.PLAN, object_type="tasks")
    context = {"inbox": inbox, "openable_case_ids": openable_case_ids(request.user, inbox.cases)}
    return render(request, "coordination/inbox.html", context)


@login_required
@require_POST
def task_done(request: HttpRequest, task_id) -> HttpResponse:
    task = get_record_for(request.user, TASK, task_id, action=Action.UPDATE)
    task_set_done(actor=request.user, task=task, done=request.POST.get("done") == "1")
    return redirect("day_view" if request.POST.get("next") == "day" else "task_inbox")


@login_required
@once_per_submission()
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest, case_id) -> HttpResponse:
    is_write = request.method == "POST"
    case = get_record_for(
        request.user,
        STAFF_CASE,
        case_id,
        category=Category.PLAN,
        action=Action.CREATE if is_write else Action.VIEW,
    )
    people = candidates(case.patient, Category.PLAN)
    if request.user not in [u for u, _d in people]:
        people.insert(0, (request.user, None))
    form = forms.TaskForm(
        request.POST or None, people=people, initial={"assignee": request.user.pk}
    )
    if is_write and form.is_valid():
        assignee = next(u for u, _d in people if str(u.pk) == form.cleaned_data["assignee"])
        try:
            task_create(
                actor=request.user,
                case=case,
                assignee=assignee,
                title=form.cleaned_data["title"],
                due_on=form.cleaned_data["due_on"],
                submission_id=form.cleaned_data["submission_id"],
            )
        except NotAllowed:
            form.add_error("assignee", _("The patient has not let this person see the plan."))
        else:
            flash.success(request, _("The task is added."))
            return redirect("task_inbox")
    context = {"case": case, "form": form}
    return render(request, "coordination/task_form.html", context, status=422 if is_write else 200)


@login_required
@require_safe
def day_view(request: HttpRequest) -> HttpResponse:
    day = parse_date(request.GET.get("day", "")) or timezone.localdate()
    view = selectors.day_view(request.user, day)
    # Each part was found under its own category (a meeting's participant may hold no
    # consent to the plan), and is recorded under it.
    for category, cases in (
        (Category.MEETINGS, {m.case_id: m.case for m in view.meetings}),
        (Category.PLAN, {t.case_id: t.case for t in view.tasks}),
        (Category.CAPACITY, {c.pk: c for c in view.deadlines}),
    ):
        record_cases_listed(request.user, cases.values(), category=category, object_type="day_view")
    patients = {t.patient_id: t.patient for t in view.unread_threads}
    if patients:
        record_patients_listed(
            request.user,
            list(patients.values()),
            category=Category.MESSAGES,
            object_type="day_view",
        )
    context = {
        "view": view,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "is_today": day == timezone.localdate(),
        "openable_case_ids": openable_case_ids(request.user, cases.values()),
    }
    return render(request, "coordination/day.html", context)
