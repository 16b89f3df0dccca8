"""Pages for messages, meetings and tasks: each resolves its object through the access
helpers (404 for what may not be seen, one audit event either way), calls one service,
and redirects after a write so that a reload never posts twice."""

from datetime import datetime, timedelta

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from pydantic import ValidationError as PydanticError

from stegvis.access.categories import Action, Category
from stegvis.access.checks import STAFF_ONLY
from stegvis.access.helpers import (
    get_case_for,
    get_object_for,
    get_patient_for,
    openable_case_ids,
    record_cases_listed,
    record_patients_listed,
)
from stegvis.accounts.models import User
from stegvis.coordination import forms, ics, selectors, services
from stegvis.coordination.access import (
    get_meeting_for,
    get_running_meeting_for,
    get_task_for,
    get_thread_for,
    may_run,
    visible_meetings,
)
from stegvis.coordination.kinds import kinds_for_country
from stegvis.coordination.models import (
    Attachment,
    Meeting,
    MeetingStatus,
    Message,
    ThreadKind,
)
from stegvis.coordination.sip import PROVIDERS
from stegvis.core.errors import Incomplete, NotAllowed, StaleEdit
from stegvis.instruments.definitions import instrument
from stegvis.instruments.services import enabled_codes

# --- Messages -----------------------------------------------------------------------------


@login_required
def thread_list(request: HttpRequest) -> HttpResponse:
    threads = list(selectors.threads_for(request.user)[:100])
    record_patients_listed(
        request.user,
        list({t.patient_id: t.patient for t in threads}.values()),
        category=Category.MESSAGES,
        object_type="message_threads",
    )
    return render(request, "coordination/thread_list.html", {"threads": threads})


def _thread_new(request: HttpRequest, patient: User) -> HttpResponse:
    is_patient = patient.pk == request.user.pk
    people = [p for p in services.candidates(patient, Category.MESSAGES) if p[0] != request.user]
    form = forms.ThreadForm(
        request.POST or None, request.FILES or None, people=people, patient_is_author=is_patient
    )
    if request.method == "POST" and form.is_valid():
        chosen = User.objects.filter(pk__in=form.cleaned_data["participants"])
        thread = services.thread_start(
            actor=request.user,
            role=patient.access_decision.role,
            patient=patient,
            kind=form.cleaned_data.get("kind", ThreadKind.WITH_PATIENT),
            subject=form.cleaned_data["subject"],
            participants=list(chosen),
            body=form.cleaned_data["body"],
            submission_id=form.cleaned_data["submission_id"],
            files=form.cleaned_data["files"],
        )
        return redirect("thread_detail", thread.pk)
    context = {"form": form, "patient": patient, "is_patient": is_patient, "people": people}
    status = 422 if request.method == "POST" else 200
    return render(request, "coordination/thread_form.html", context, status=status)


def _thread_patient(request, patient_id) -> User:
    """The patient a new thread is about, as an audited decision on their messages."""
    return get_patient_for(
        request.user,
        patient_id,
        category=Category.MESSAGES,
        action=Action.CREATE if request.method == "POST" else Action.VIEW,
        object_type="message_thread",
    )


@login_required
def thread_new_own(request: HttpRequest) -> HttpResponse:
    if not request.user.is_patient:
        raise Http404
    patient = _thread_patient(request, request.user.pk)
    return _thread_new(request, patient)


@login_required
def thread_new(request: HttpRequest, patient_id) -> HttpResponse:
    patient = _thread_patient(request, patient_id)
    if patient.pk == request.user.pk:
        return redirect("thread_new_own")
    return _thread_new(request, patient)


@login_required
def thread_detail(request: HttpRequest, thread_id) -> HttpResponse:
    is_write = request.method == "POST"
    thread = get_thread_for(request.user, thread_id, Action.CREATE if is_write else Action.VIEW)
    form = forms.MessageForm(request.POST or None, request.FILES or None)
    if is_write and form.is_valid():
        services.message_post(
            actor=request.user,
            role=thread.access_decision.role,
            thread=thread,
            body=form.cleaned_data["body"],
            submission_id=form.cleaned_data["submission_id"],
            files=form.cleaned_data["files"],
        )
        return redirect("thread_detail", thread.pk)
    thread_messages = (
        Message.objects.filter(thread=thread)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("name")))
    )
    participants = thread.participants.select_related("user", "organisation")
    if not is_write:
        services.thread_mark_read(user=request.user, thread=thread)
    context = {
        "thread": thread,
        "thread_messages": thread_messages,
        "participants": participants,
        "form": form,
    }
    return render(request, "coordination/thread.html", context, status=422 if is_write else 200)


@login_required
def attachment_download(request: HttpRequest, attachment_id) -> HttpResponse:
    attachment = get_object_for(
        request.user,
        Attachment.objects.filter(message__thread__participants__user=request.user),
        attachment_id,
        category=Category.MESSAGES,
        object_type="attachment",
        patient_field="message__thread__patient",
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Meetings -----------------------------------------------------------------------------


@login_required
def case_meetings(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_for(request.user, case_id, category=Category.MEETINGS)
    meetings = (
        visible_meetings(request.user)
        .filter(case=case)
        .select_related("case__patient")
        .order_by("-starts_at")
    )
    is_patient = case.patient_id == request.user.pk
    context = {
        "case": case,
        "meetings": meetings,
        "is_patient": is_patient,
        "openable_case_ids": openable_case_ids(request.user, [case]),
    }
    return render(request, "coordination/case_meetings.html", context)


@login_required
def my_meetings(request: HttpRequest) -> HttpResponse:
    meetings = list(
        selectors.meetings_for(request.user)
        .filter(starts_at__gte=timezone.now() - timedelta(days=1))
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("starts_at")[:50]
    )
    cases = {m.case_id: m.case for m in meetings}.values()
    record_cases_listed(request.user, cases, category=Category.MEETINGS, object_type="meetings")
    return render(request, "coordination/my_meetings.html", {"meetings": meetings})


def _case_for_staff(request, case_id, category: str):
    """A case the professional writes on (the patient does not call meetings or set tasks)."""
    return get_case_for(
        request.user,
        case_id,
        category=category,
        action=Action.CREATE if request.method == "POST" else Action.VIEW,
        checks=[STAFF_ONLY],
    )


def _questionnaire_choices() -> list[tuple[str, str]]:
    return sorted((code, instrument(code).name) for code in enabled_codes())


@login_required
def meeting_new(request: HttpRequest, case_id) -> HttpResponse:
    is_write = request.method == "POST"
    case = _case_for_staff(request, case_id, Category.MEETINGS)
    people = [
        p for p in services.candidates(case.patient, Category.MEETINGS) if p[0] != request.user
    ]
    form = forms.MeetingForm(
        request.POST or None,
        kinds=kinds_for_country(case.jurisdiction),
        people=people,
        questionnaires=_questionnaire_choices(),
    )
    if is_write and form.is_valid():
        data = form.cleaned_data
        starts_at = timezone.make_aware(datetime.combine(data["day"], data["start"]))
        try:
            meeting = services.meeting_schedule(
                actor=request.user,
                case=case,
                kind=data["kind"],
                starts_at=starts_at,
                duration_minutes=data["duration_minutes"],
                place=data["place"],
                participants=list(User.objects.filter(pk__in=data["participants"])),
                questionnaire_code=data["questionnaire_code"],
            )
        except NotAllowed as refused:
            form.add_error(
                "participants",
                _("Not let in by the patient: {names}").format(names=", ".join(refused.names)),
            )
        else:
            flash.success(request, _("The meeting is called and the invitations are on their way."))
            return redirect("meeting_detail", meeting.pk)
    context = {"case": case, "form": form}
    return render(
        request, "coordination/meeting_form.html", context, status=422 if is_write else 200
    )


def _meeting_page(request, meeting: Meeting, status: int = 200, **bound) -> HttpResponse:
    running = may_run(request.user, meeting)
    participants = list(meeting.participants.select_related("user", "organisation"))
    sip_plan = meeting.sip_plan or {}
    context = {
        "meeting": meeting,
        "definition": meeting.definition,
        "participants": participants,
        "agenda": meeting.agenda.select_related("author"),
        "decisions": meeting.decisions.select_related("owner"),
        "may_run": running,
        "is_patient": meeting.case.patient_id == request.user.pk,
        "providers": PROVIDERS,
        "agenda_form": bound.get("agenda_form") or forms.AgendaForm(),
    }
    if running:
        revision = {"revision": meeting.revision}
        context["minutes_form"] = bound.get("minutes_form") or forms.MinutesForm(
            initial={**revision, "minutes": meeting.minutes, "follow_up_on": meeting.follow_up_on}
        )
        context["decision_form"] = bound.get("decision_form") or forms.DecisionForm(
            participants=participants
        )
        if meeting.definition.requires_sip_plan:
            context["sip_form"] = bound.get("sip_form") or forms.SipPlanForm(
                initial={**revision, **{k: v for k, v in sip_plan.items() if k != "measures"}}
            )
            context["sip_measures"] = bound.get("sip_measures") or forms.SipMeasureFormSet(
                initial=sip_plan.get("measures", []), prefix="measures"
            )
            context["sip_errors"] = bound.get("sip_errors", [])
    return render(request, "coordination/meeting.html", context, status=status)


@login_required
def meeting_detail(request: HttpRequest, meeting_id) -> HttpResponse:
    return _meeting_page(request, get_meeting_for(request.user, meeting_id))


@login_required
def meeting_calendar(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_meeting_for(request.user, meeting_id)
    response = HttpResponse(
        ics.meeting_calendar(meeting), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="stegvis-meeting.ics"'
    return response


def _stale(request, meeting) -> HttpResponse:
    flash.error(
        request, _("Someone else changed the meeting meanwhile. Here is what is saved now.")
    )
    return redirect("meeting_detail", meeting.pk)


@login_required
@require_POST
def meeting_agenda(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_meeting_for(request.user, meeting_id, Action.CREATE)
    form = forms.AgendaForm(request.POST)
    if not form.is_valid():
        return _meeting_page(request, meeting, 422, agenda_form=form)
    services.agenda_add(
        actor=request.user,
        meeting=meeting,
        text=form.cleaned_data["text"],
        submission_id=form.cleaned_data["submission_id"],
    )
    flash.success(request, _("Your point is on the agenda."))
    return redirect("meeting_detail", meeting.pk)


@login_required
@require_POST
def meeting_sip(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_running_meeting_for(request.user, meeting_id)
    form = forms.SipPlanForm(request.POST)
    measures = forms.SipMeasureFormSet(request.POST, prefix="measures")
    if not (form.is_valid() and measures.is_valid()):
        return _meeting_page(request, meeting, 422, sip_form=form, sip_measures=measures)
    plan = {
        "measures": [m for m in measures.cleaned_data if m and m.get("text")],
        "overall_responsibility": form.cleaned_data["overall_responsibility"],
        "responsible_authority": form.cleaned_data["responsible_authority"],
    }
    try:
        services.sip_plan_save(
            actor=request.user, meeting=meeting, plan=plan, revision=form.cleaned_data["revision"]
        )
    except PydanticError as error:
        problems = sip_problems(error)
        return _meeting_page(
            request, meeting, 422, sip_form=form, sip_measures=measures, sip_errors=problems
        )
    except StaleEdit:
        return _stale(request, meeting)
    flash.success(request, _("The SIP plan is saved."))
    return redirect("meeting_detail", meeting.pk)


# Lazy: the dict is built at import, the words are chosen per request.
SIP_PROBLEMS = {
    "measures": gettext_lazy("Write at least one measure."),
    "overall_responsibility": gettext_lazy("Choose who holds overall responsibility for the plan."),
    "responsible_authority": gettext_lazy("Name the authority that holds overall responsibility."),
    "municipality": gettext_lazy("Name at least one measure the municipality provides."),
    "region": gettext_lazy("Name at least one measure the region provides."),
    "other": gettext_lazy("Name who else provides each measure marked 'Someone else'."),
}


def sip_problems(error: PydanticError) -> list[str]:
    """The SIP's missing mandatory content, in the reader's words."""
    found = []
    for problem in error.errors():
        # The SIP model names its own rules by error type; other errors by their field.
        if problem["type"] == "principal_missing":
            found += [str(SIP_PROBLEMS[p]) for p in problem["ctx"]["missing"]]
            continue
        if problem["type"] == "provider_unnamed":
            key = "other"
        else:
            field = str(problem["loc"][0]) if problem["loc"] else ""
            key = field if field in SIP_PROBLEMS else "measures"
        found.append(str(SIP_PROBLEMS[key]))
    return list(dict.fromkeys(found))


@login_required
@require_POST
def meeting_minutes(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_running_meeting_for(request.user, meeting_id)
    form = forms.MinutesForm(request.POST)
    if not form.is_valid():
        return _meeting_page(request, meeting, 422, minutes_form=form)
    try:
        services.minutes_save(
            actor=request.user,
            meeting=meeting,
            minutes=form.cleaned_data["minutes"],
            follow_up_on=form.cleaned_data["follow_up_on"],
            revision=form.cleaned_data["revision"],
        )
    except StaleEdit:
        return _stale(request, meeting)
    flash.success(request, _("The minutes are saved."))
    return redirect("meeting_detail", meeting.pk)


@login_required
@require_POST
def meeting_decision(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_running_meeting_for(request.user, meeting_id)
    participants = list(meeting.participants.select_related("user"))
    form = forms.DecisionForm(request.POST, participants=participants)
    if form.is_valid():
        owner = next(p.user for p in participants if str(p.user_id) == form.cleaned_data["owner"])
        try:
            services.decision_add(
                actor=request.user,
                meeting=meeting,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                owner=owner,
                due_on=form.cleaned_data["due_on"],
                submission_id=form.cleaned_data["submission_id"],
            )
        except ValueError:
            form.add_error(
                "owner",
                _("A plan action belongs to the patient or someone in their network."),
            )
        else:
            flash.success(request, _("The decision is recorded."))
            return redirect("meeting_detail", meeting.pk)
    return _meeting_page(request, meeting, 422, decision_form=form)


@login_required
@require_POST
def meeting_held(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_running_meeting_for(request.user, meeting_id)
    form = forms.RevisionForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        services.meeting_mark_held(
            actor=request.user, meeting=meeting, revision=form.cleaned_data["revision"]
        )
    except Incomplete as missing:
        flash.error(request, str(missing))
    except StaleEdit:
        return _stale(request, meeting)
    else:
        flash.success(request, _("The meeting is marked as held."))
    return redirect("meeting_detail", meeting.pk)


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_running_meeting_for(request.user, meeting_id)
    form = forms.RevisionForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        services.meeting_cancel(
            actor=request.user, meeting=meeting, revision=form.cleaned_data["revision"]
        )
    except StaleEdit:
        return _stale(request, meeting)
    flash.success(request, _("The meeting is cancelled and everyone is told."))
    return redirect("meeting_detail", meeting.pk)


# --- Tasks --------------------------------------------------------------------------------


@login_required
def task_inbox(request: HttpRequest) -> HttpResponse:
    inbox = selectors.inbox(request.user)
    record_cases_listed(request.user, inbox.cases, category=Category.PLAN, object_type="tasks")
    context = {"inbox": inbox, "openable_case_ids": openable_case_ids(request.user, inbox.cases)}
    return render(request, "coordination/inbox.html", context)


@login_required
@require_POST
def task_done(request: HttpRequest, task_id) -> HttpResponse:
    task = get_task_for(request.user, task_id, Action.UPDATE)
    services.task_set_done(actor=request.user, task=task, done=request.POST.get("done") == "1")
    return redirect("day_view" if request.POST.get("next") == "day" else "task_inbox")


@login_required
def task_new(request: HttpRequest, case_id) -> HttpResponse:
    is_write = request.method == "POST"
    case = _case_for_staff(request, case_id, Category.PLAN)
    people = services.candidates(case.patient, Category.PLAN)
    if request.user not in [u for u, _d in people]:
        people.insert(0, (request.user, None))
    form = forms.TaskForm(
        request.POST or None, people=people, initial={"assignee": request.user.pk}
    )
    if is_write and form.is_valid():
        assignee = next(u for u, _d in people if str(u.pk) == form.cleaned_data["assignee"])
        try:
            services.task_create(
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
def day_view(request: HttpRequest) -> HttpResponse:
    day = parse_date(request.GET.get("day", "")) or timezone.localdate()
    view = selectors.day_view(request.user, day)
    cases = {m.case_id: m.case for m in view.meetings}
    cases.update({t.case_id: t.case for t in view.tasks})
    cases.update({c.pk: c for c in view.deadlines})
    record_cases_listed(
        request.user, cases.values(), category=Category.PLAN, object_type="day_view"
    )
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
