"""Message pages: the thread list, a thread, a new thread and attachments."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import (
    get_patient_for,
    get_record_for,
    get_self_for,
    record_patients_listed,
)
from stegvis.accounts.models import User
from stegvis.coordination import forms, selectors
from stegvis.coordination.messages.services import message_post, thread_mark_read, thread_start
from stegvis.coordination.models import (
    ThreadKind,
)
from stegvis.coordination.participants import candidates
from stegvis.coordination.rules import ATTACHMENT, THREAD
from stegvis.core.crisis import crisis_page
from stegvis.core.idempotency import once_per_submission


@login_required
@require_safe
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
    people = [p for p in candidates(patient, Category.MESSAGES) if p[0] != request.user]
    form = forms.ThreadForm(
        request.POST or None, request.FILES or None, people=people, patient_is_author=is_patient
    )
    if request.method == "POST" and form.is_valid():
        chosen = User.objects.filter(pk__in=form.cleaned_data["participants"])
        thread = thread_start(
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
        if getattr(thread, "crisis", None):
            return crisis_page(request)
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
@once_per_submission()
@require_http_methods(["GET", "POST"])
def thread_new_own(request: HttpRequest) -> HttpResponse:
    action = Action.CREATE if request.method == "POST" else Action.VIEW
    patient = get_self_for(
        request.user, category=Category.MESSAGES, action=action, object_type="message_thread"
    )
    return _thread_new(request, patient)


@login_required
@once_per_submission()
@require_http_methods(["GET", "POST"])
def thread_new(request: HttpRequest, patient_id) -> HttpResponse:
    patient = _thread_patient(request, patient_id)
    if patient.pk == request.user.pk:
        return redirect("thread_new_own")
    return _thread_new(request, patient)


@login_required
@once_per_submission()
@require_http_methods(["GET", "POST"])
def thread_detail(request: HttpRequest, thread_id) -> HttpResponse:
    is_write = request.method == "POST"
    thread = get_record_for(
        request.user, THREAD, thread_id, action=Action.CREATE if is_write else Action.VIEW
    )
    form = forms.MessageForm(request.POST or None, request.FILES or None)
    if is_write and form.is_valid():
        message = message_post(
            actor=request.user,
            role=thread.access_decision.role,
            thread=thread,
            body=form.cleaned_data["body"],
            submission_id=form.cleaned_data["submission_id"],
            files=form.cleaned_data["files"],
        )
        if getattr(message, "crisis", None):
            return crisis_page(request)
        return redirect("thread_detail", thread.pk)
    thread_messages = selectors.messages_of(thread, request.user)
    participants = thread.participants.select_related("user", "organisation")
    if not is_write:
        thread_mark_read(user=request.user, thread=thread)
    context = {
        "thread": thread,
        "thread_messages": thread_messages,
        "participants": participants,
        "form": form,
    }
    return render(request, "coordination/thread.html", context, status=422 if is_write else 200)


@login_required
@require_safe
def attachment_download(request: HttpRequest, attachment_id) -> HttpResponse:
    attachment = get_record_for(request.user, ATTACHMENT, attachment_id)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
