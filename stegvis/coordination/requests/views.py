"""The patient asks for more or less sick leave; her physician sees it with the case's
deadlines and the guidance, and answers in words, perhaps with a new certificate draft."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for, get_record_for, get_self_for, record_of_patient
from stegvis.cases.rules import CERTIFIERS
from stegvis.cases.timelines import MilestoneStatus, case_timeline
from stegvis.coordination.models import RequestKind, RequestStatus
from stegvis.coordination.requests import services
from stegvis.coordination.requests.forms import AnswerForm, RelayForm, RequestForm
from stegvis.coordination.rules import SICK_LEAVE_REQUEST
from stegvis.core.crisis import crisis_page
from stegvis.core.errors import StaleEdit
from stegvis.core.idempotency import once_per_submission
from stegvis.plans.rules import EMPLOYER_ONLY

STILL_TO_COME = (MilestoneStatus.OVERDUE, MilestoneStatus.DUE_SOON, MilestoneStatus.UPCOMING)


@login_required
@require_http_methods(["GET", "POST"])
@once_per_submission()
def my_requests(request: HttpRequest) -> HttpResponse:
    """Her requests and their answers, and the form to ask: for her open sick leave."""
    is_write = request.method == "POST"
    patient = get_self_for(
        request.user,
        category=Category.SICK_LEAVE,
        action=Action.CREATE if is_write else Action.VIEW,
        object_type="sick_leave_request",
    )
    case = services.open_case_of(patient)
    form = None
    if case is not None:
        form = RequestForm(request.POST or None, jurisdiction=case.jurisdiction)
        if is_write and form.is_valid():
            made = services.request_make(actor=patient, case=case, **form.cleaned_data)
            if getattr(made, "crisis", None):
                return crisis_page(request)
            messages.success(request, _("Your request is sent. Your physician answers here."))
            return redirect("sick_leave_requests")
    asked = services.requests_of(patient)
    context = {"case": case, "form": form, "asked": asked}
    status = 422 if is_write else 200
    return render(request, "coordination/sick_leave_requests.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, request_id) -> HttpResponse:
    """The request with its answer; to a physician, the case's deadlines, the guidance and
    the answer form."""
    is_write = request.method == "POST"
    asked = get_record_for(
        request.user,
        SICK_LEAVE_REQUEST,
        request_id,
        action=Action.UPDATE if is_write else Action.VIEW,
        roles=CERTIFIERS if is_write else None,
    )
    case = asked.case
    is_patient = asked.patient_id == request.user.pk
    decision = getattr(asked, "access_decision", None)
    answers = not is_patient and decision is not None and decision.role in CERTIFIERS.roles
    form = (
        AnswerForm(request.POST or None) if answers and asked.status == RequestStatus.OPEN else None
    )
    status = 200
    if is_write and form is not None and form.is_valid():
        try:
            services.request_answer(
                actor=request.user, request=asked, answer=form.cleaned_data["answer"]
            )
        except StaleEdit:
            messages.info(request, _("Someone answered this request while you were writing."))
        else:
            messages.success(request, _("Your answer is sent to the patient."))
        return redirect("sick_leave_request", asked.pk)
    if is_write:
        status = 422
    context = {"asked": asked, "case": case, "is_patient": is_patient, "form": form}
    if not is_patient:
        context["deadlines"] = [
            (entry.title, entry.date, MilestoneStatus(entry.status).label)
            for entry in case_timeline(case, timezone.localdate())
            if entry.status in STILL_TO_COME
        ]
        context["assessment"] = services.guidance_for(case, asked)
    return render(request, "coordination/sick_leave_request.html", context, status=status)


@login_required
@require_POST
def request_draft(request: HttpRequest, request_id) -> HttpResponse:
    """A physician makes a certificate draft from the request, to check and sign."""
    asked = get_record_for(
        request.user, SICK_LEAVE_REQUEST, request_id, action=Action.CREATE, roles=CERTIFIERS
    )
    if asked.kind != RequestKind.EXTEND:
        messages.info(request, _("A request to go back sooner is answered in words."))
        return redirect("sick_leave_request", asked.pk)
    draft = services.request_draft(actor=request.user, request=asked)
    messages.success(
        request, _("A draft for the days asked for. Check it, complete it, then sign.")
    )
    return redirect("certificate_detail", certificate_id=draft.pk)


@login_required
@require_http_methods(["GET", "POST"])
@once_per_submission()
def employer_relay(request: HttpRequest, case_id) -> HttpResponse:
    """The employee's manager passes on her request from the employer's view, with her and
    in her words. The manager sees what they passed on and whether it was answered; the
    answer, like everything about the sick leave itself, is hers and her physician's."""
    is_write = request.method == "POST"
    case = get_case_for(
        request.user,
        case_id,
        category=Category.CAPACITY,
        action=Action.CREATE if is_write else Action.VIEW,
        roles=EMPLOYER_ONLY,
    )
    open_case = case.status in services.OPEN
    form = RelayForm(request.POST or None, jurisdiction=case.jurisdiction) if open_case else None
    if is_write and form is not None and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "employee_asked"}
        services.request_make(actor=request.user, case=case, **data)
        messages.success(request, _("Sent to the employee's physician. The employee is told."))
        return redirect("employer_sick_leave_request", case.pk)
    # What the manager wrote, and whether it was answered: read as the case's capacity.
    relayed = list(services.requests_relayed_by(request.user, case))
    record_of_patient(request.user, case.patient, Category.CAPACITY, [r.pk for r in relayed],
                      object_type="sick_leave_request")  # fmt: skip
    context = {"case": case, "form": form, "relayed": relayed}
    status = 422 if is_write else 200
    return render(request, "coordination/employer_relay.html", context, status=status)
