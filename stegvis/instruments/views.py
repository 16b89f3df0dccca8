"""Questionnaire pages: the patient answers and sees scores over time; a clinician sees
results and gives questionnaires; an administrator enables instruments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for, get_record_for, get_self_for
from stegvis.access.rules import ANSWERED_BY_THE_PATIENT
from stegvis.accounts.roles import Role
from stegvis.coaching.charts import chart
from stegvis.core.idempotency import once_per_submission
from stegvis.instruments import selectors, services
from stegvis.instruments.definitions import instrument, instruments, metadata_only
from stegvis.instruments.forms import AnswerForm, RequestForm
from stegvis.instruments.models import AdministrationStatus
from stegvis.instruments.rules import ADMINISTRATION, REQUESTERS
from stegvis.instruments.scoring import AnswerErrors


def score_charts(patient) -> list:
    """Scores over time, one chart per instrument answered."""
    done = list(selectors.completed_of(patient).order_by("completed_at"))
    if not done:
        return []
    start = min(a.completed_at for a in done).date()
    end = max(timezone.localdate(), start)
    charts = []
    for code in dict.fromkeys(a.instrument_code for a in done):
        definition = instrument(code)
        low, high = definition.score_range
        values = [
            (timezone.localdate(a.completed_at), a.total) for a in done if a.instrument_code == code
        ]
        charts.append(chart(definition.name, values, start, end, low=low, high=high))
    return charts


@login_required
@require_safe
def my_questionnaires(request: HttpRequest) -> HttpResponse:
    patient = get_self_for(
        request.user,
        category=Category.QUESTIONNAIRES,
        object_type="questionnaires",
    )
    context = {
        "pending": [(a, instrument(a.instrument_code)) for a in services.pending_for(patient)],
        "done": selectors.completed_of(patient).order_by("-completed_at")[:50],
        "charts": score_charts(patient),
    }
    return render(request, "instruments/mine.html", context)


def crisis_items(definition) -> list[dict]:
    """The answers that open the crisis lines (PHQ-9's item 9 above 0), for the page to
    check by itself when the answers are kept offline."""
    return [
        {"field": f"item_{flag.item}", "above": flag.above}
        for flag in definition.flags
        if flag.code in services.CRISIS_FLAGS
    ]


@login_required
@require_http_methods(["GET", "POST"])
@once_per_submission()
def answer(request: HttpRequest, administration_id) -> HttpResponse:
    is_write = request.method == "POST"
    administration = get_record_for(
        request.user,
        ADMINISTRATION,
        administration_id,
        action=Action.UPDATE if is_write else Action.VIEW,
        checks=[ANSWERED_BY_THE_PATIENT],
    )
    definition = instrument(administration.instrument_code)
    if administration.status == AdministrationStatus.COMPLETED:
        crisis = services.crisis_after(administration)
        context = {"administration": administration, "instrument": definition, "crisis": crisis}
        return render(request, "instruments/result.html", context)
    if administration.status != AdministrationStatus.PENDING:
        messages.info(request, _("This questionnaire is closed. Nothing is missing because of it."))
        return redirect("my_questionnaires")
    form = AnswerForm(definition, request.POST or None)
    if is_write and form.is_valid():
        try:
            services.administration_complete(
                actor=request.user,
                administration=administration,
                answers=form.answers(),
                activity_names=form.activity_names(),
            )
        except AnswerErrors as errors:
            for item, why in errors.errors.items():
                form.add_error(f"item_{item}" if item.isdigit() else None, why)
        except services.AlreadyAnswered:
            messages.info(request, _("You had already answered this questionnaire."))
        else:
            return redirect("questionnaire_answer", administration.pk)
    context = {
        "administration": administration,
        "instrument": definition,
        "form": form,
        # The rule travels with the page (the crisis words with every patient's page): offline,
        # the crisis lines still show at once.
        "crisis_items": crisis_items(definition),
    }
    return render(request, "instruments/answer.html", context, status=422 if is_write else 200)


@login_required
@require_http_methods(["GET", "POST"])
def case_questionnaires(request: HttpRequest, case_id) -> HttpResponse:
    """Results over time for a case's patient; clinicians give questionnaires here."""
    is_write = request.method == "POST"
    # Giving questionnaires is for the requesting roles: a reader in another role is
    # refused in the one decision recorded, never allowed first and refused after.
    case = get_case_for(
        request.user,
        case_id,
        category=Category.QUESTIONNAIRES,
        action=Action.CREATE if is_write else Action.VIEW,
        roles=REQUESTERS if is_write else None,
    )
    may_request = case.access_decision.role in REQUESTERS.roles
    enabled = [instruments()[c] for c in instruments() if c in services.enabled_codes()]
    form = RequestForm(request.POST or None, enabled=enabled) if may_request else None
    if is_write and form.is_valid():
        try:
            services.occasion_schedule(
                actor=request.user,
                case=case,
                occasion=form.cleaned_data["occasion"],
                due_on=form.cleaned_data["due_on"],
                codes=form.cleaned_data["codes"] or None,
            )
        except services.InstrumentDisabled as disabled:
            form.add_error("codes", _("Not enabled: {codes}").format(codes=disabled))
        else:
            messages.success(request, _("The questionnaires are given to the patient."))
            return redirect("case_questionnaires", case.pk)
    context = {
        "case": case,
        "form": form,
        "administrations": selectors.administrations_of(case.patient)[:100],
        "charts": score_charts(case.patient),
    }
    return render(request, "instruments/case.html", context, status=422 if is_write else 200)


@login_required
@require_safe
def instrument_list(request: HttpRequest) -> HttpResponse:
    """Every instrument with its source and licence; an administrator switches them."""
    if not request.user.is_staff_member:
        raise Http404
    enabled = services.enabled_codes()
    rows = [(definition, definition.code in enabled) for definition in instruments().values()]
    is_admin = Role.ADMIN in request.user.roles
    return render(
        request,
        "instruments/list.html",
        {"rows": rows, "is_admin": is_admin, "metadata_only": metadata_only().values()},
    )


@login_required
@require_POST
def instrument_switch(request: HttpRequest, code: str) -> HttpResponse:
    if Role.ADMIN not in request.user.roles:
        raise PermissionDenied
    if instrument(code) is None:
        raise Http404
    enabled = request.POST.get("enabled") == "1"
    services.instrument_setting_set(
        actor=request.user, code=code, enabled=enabled, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("Saved."))
    return redirect("instrument_list")
