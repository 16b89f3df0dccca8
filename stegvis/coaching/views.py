"""The digital coach's pages: check-in, schedule, trend, weekly summary, strategies, the
thread with the coach, crisis help, and the staff work queue. Each view resolves the
patient through the access helpers (which decide and audit) and calls one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import (
    get_patient_for,
    get_record_for,
    get_self_for,
    may_access,
    record_patients_listed,
    refuse,
)
from stegvis.access.rules import OWN
from stegvis.accounts.roles import Role
from stegvis.coaching import selectors, services
from stegvis.coaching.feedback import message_for
from stegvis.coaching.flags.services import flag_escalate, flag_handle
from stegvis.coaching.flags.urgent import with_triggers
from stegvis.coaching.forms import (
    CheckinForm,
    FlagActionForm,
    MessageForm,
    ScheduleForm,
)
from stegvis.coaching.guidance import (
    crisis_contacts,
    feedback_rules,
    mentions_crisis,
    strategies,
)
from stegvis.coaching.models import CoachFlag
from stegvis.coaching.rules import CHECKIN, FLAG, WORKS_QUEUE
from stegvis.core.errors import StaleEdit
from stegvis.core.idempotency import once_per_submission
from stegvis.core.language import in_language_asked


def _own(request, action=Action.VIEW, category=Category.CHECKINS, object_type="checkins"):
    """The signed-in patient themself, as an audited decision."""
    return get_self_for(request.user, category=category, action=action, object_type=object_type)


@login_required
@require_http_methods(["GET", "POST"])
@once_per_submission()
def checkin(request: HttpRequest) -> HttpResponse:
    is_write = request.method == "POST"
    patient = _own(request, Action.CREATE if is_write else Action.VIEW)
    form = CheckinForm(request.POST or None, initial_values=selectors.last_values(patient))
    if is_write and form.is_valid():
        result = services.checkin_submit(
            actor=patient, values=form.values(), submission_id=form.cleaned_data["submission_id"]
        )
        return redirect("checkin_done", result.checkin.pk)
    context = {"form": form, "window": selectors.open_window(patient)}
    return render(request, "coaching/checkin.html", context, status=422 if is_write else 200)


@login_required
@require_safe
def checkin_done(request: HttpRequest, checkin_id) -> HttpResponse:
    found = get_record_for(request.user, CHECKIN, checkin_id, checks=[OWN])
    rules = {rule.code: rule for rule in feedback_rules()}
    context = {
        "checkin": found,
        "message": message_for(found.feedback_rule, found, timezone.now()),
        "rule": rules.get(found.feedback_rule),
        "strategies": [strategies()[c] for c in found.strategies if c in strategies()],
        "crisis": selectors.crisis_screen(found.patient) if found.crisis else None,
    }
    return render(request, "coaching/checkin_done.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest) -> HttpResponse:
    is_write = request.method == "POST"
    patient = _own(request, Action.UPDATE if is_write else Action.VIEW, object_type="schedule")
    current = selectors.schedule_of(patient)
    initial = {
        "cadence": current.cadence,
        "time_of_day": current.time_of_day,
        "timezone": current.timezone,
        "revision": current.revision,
    }
    form = ScheduleForm(request.POST or None, initial=initial, current_zone=current.timezone)
    conflict = False
    if is_write and form.is_valid():
        try:
            services.schedule_save(
                actor=patient,
                cadence=form.cleaned_data["cadence"],
                time_of_day=form.cleaned_data["time_of_day"],
                timezone_name=form.cleaned_data["timezone"],
                revision=form.cleaned_data["revision"],
            )
        except StaleEdit:
            conflict = True
        else:
            messages.success(request, _("Your check-in times are saved."))
            return redirect("checkin_trend")
    context = {"form": form, "schedule": current, "conflict": conflict}
    status = 409 if conflict else 422 if is_write else 200
    return render(request, "coaching/schedule.html", context, status=status)


def _trend_context(viewer, patient) -> dict:
    with_capacity = may_access(
        viewer, patient, category=Category.CAPACITY, object_type="trend_capacity"
    )
    trend = selectors.trend(patient, with_capacity=with_capacity)
    return {"patient": patient, "trend": trend, "with_capacity": with_capacity}


@login_required
@require_safe
def checkin_trend(request: HttpRequest) -> HttpResponse:
    patient = _own(request, object_type="trend")
    context = _trend_context(request.user, patient)
    context["schedule"] = selectors.schedule_of(patient)
    context["window"] = selectors.open_window(patient)
    return render(request, "coaching/trend.html", context)


@login_required
@require_safe
def weekly_summary(request: HttpRequest) -> HttpResponse:
    patient = _own(request, object_type="weekly_summary")
    return render(request, "coaching/week.html", {"summary": selectors.weekly_summary(patient)})


@login_required
@require_safe
def strategy_library(request: HttpRequest) -> HttpResponse:
    return render(request, "coaching/strategies.html", {"strategies": strategies().values()})


@require_safe
@in_language_asked
def crisis_help(request: HttpRequest) -> HttpResponse:
    """Crisis contacts for everyone, signed in or not: the reader's country first (from
    their case, else their language), the other one below it under its own name."""
    if request.GET.get("after") and request.user.is_authenticated and request.user.is_patient:
        # Where a page sends a patient whose words suggested a crisis: the lines alone.
        context = {"crisis": selectors.crisis_screen(request.user), "after_message": True}
        return render(request, "coaching/help.html", context)
    country = selectors.reader_country(request.user, get_language())
    names = selectors.COUNTRY_NAMES
    countries = sorted(names, key=lambda code: code != country)
    groups = [(code, names[code], crisis_contacts(code)) for code in countries]
    return render(request, "coaching/help.html", {"groups": groups})


def _thread(patient):
    return list(selectors.coach_thread_of(patient))


@login_required
@require_http_methods(["GET", "POST"])
@once_per_submission()
def my_coach(request: HttpRequest) -> HttpResponse:
    is_write = request.method == "POST"
    patient = _own(
        request,
        Action.CREATE if is_write else Action.VIEW,
        category=Category.MESSAGES,
        object_type="coach_thread",
    )
    form = MessageForm(request.POST or None)
    if is_write and form.is_valid():
        message = services.coach_message_post(
            actor=patient,
            patient=patient,
            body=form.cleaned_data["body"],
            submission_id=form.cleaned_data["submission_id"],
        )
        # The same test that raised the safety flag decides to show the lines at once.
        if mentions_crisis(message.body):
            return render(
                request,
                "coaching/help.html",
                {"crisis": selectors.crisis_screen(patient), "after_message": True},
            )
        messages.success(request, _("Your message is sent."))
        return redirect("my_coach")
    return render(request, "coaching/my_coach.html", {"form": form, "thread": _thread(patient)})


@login_required
@require_safe
def coach_queue(request: HttpRequest) -> HttpResponse:
    role = selectors.queue_role(request.user)
    if role is None:
        refuse(
            request.user,
            category=Category.CHECKINS,
            object_type="coach_queue",
            basis="not_on_queue",
        )
    rows = selectors.work_queue(request.user)
    # A coach also sees the patients who need nothing today, below the ones who do.
    others = (
        selectors.patients_without_open_flags(request.user, [row.patient.pk for row in rows])
        if role == Role.COACH
        else []
    )
    record_patients_listed(
        request.user,
        [row.patient for row in rows] + others,
        category=Category.CHECKINS,
        object_type="coach_queue",
    )
    context = {"rows": rows, "others": others, "role": role}
    return render(request, "coaching/queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@once_per_submission()
def coach_patient(request: HttpRequest, patient_id) -> HttpResponse:
    """A patient's check-ins, flags and thread, for staff who may see their check-ins."""
    patient = get_patient_for(
        request.user, patient_id, category=Category.CHECKINS, object_type="coach_patient"
    )
    if patient.pk == request.user.pk:
        return redirect("checkin_trend")
    may_message = may_access(
        request.user,
        patient,
        category=Category.MESSAGES,
        action=Action.CREATE if request.method == "POST" else Action.VIEW,
        object_type="coach_thread",
    )
    form = MessageForm(request.POST or None) if may_message else None
    if request.method == "POST" and form is not None and form.is_valid():
        services.coach_message_post(
            actor=request.user,
            patient=patient,
            body=form.cleaned_data["body"],
            submission_id=form.cleaned_data["submission_id"],
        )
        messages.success(request, _("Your message is sent."))
        return redirect("coach_patient", patient.pk)
    context = _trend_context(request.user, patient)
    context.update(
        {
            "flags": with_triggers(
                request.user,
                list(selectors.flags_of(patient)[:20]),
                decided={(patient.pk, Category.MESSAGES): may_message},
            ),
            "thread": _thread(patient) if may_message else None,
            "form": form,
            "flag_form": FlagActionForm(),
            "role": selectors.queue_role(request.user),
        }
    )
    return render(request, "coaching/patient.html", context)


def _seen(request: HttpRequest, flag: CoachFlag) -> set[int]:
    """The held texts the handling form showed, of those the handler may read now (a form
    cannot release what its sender was never shown)."""
    sent = {int(value) for value in request.POST.getlist("seen") if value.isdigit()}
    return sent & set(with_triggers(request.user, [flag])[0].shown_held)


@login_required
@require_POST
def flag_action(request: HttpRequest, flag_id) -> HttpResponse:
    flag = get_record_for(request.user, FLAG, flag_id, action=Action.UPDATE, checks=[WORKS_QUEUE])
    form = FlagActionForm(request.POST)
    # Handled from the home page's urgent list, the person goes back there.
    back = (
        ("home",)
        if request.POST.get("next") == reverse("home")
        else ("coach_patient", flag.patient_id)
    )
    if not form.is_valid():
        messages.error(request, _("Write what was done before closing or escalating the flag."))
        return redirect(*back)
    note = form.cleaned_data["note"]
    if form.cleaned_data["escalate_to"]:
        done = flag_escalate(
            actor=request.user, flag=flag, to=form.cleaned_data["escalate_to"], note=note
        )
        success = _("The flag is escalated and the person responsible is told.")
    else:
        done = flag_handle(actor=request.user, flag=flag, note=note, seen=_seen(request, flag))
        success = _("The flag is marked as handled.")
    if done:
        messages.success(request, success)
    else:
        # Two people answered the same flag: the first one's note stands, and says who.
        messages.info(
            request,
            _("%(name)s already handled this flag: %(note)s")
            % {"name": flag.handled_by or _("Someone else"), "note": flag.note},
        )
    return redirect(*back)
