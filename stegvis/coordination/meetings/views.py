"""Meeting pages: a case's meetings, calling one, and running it (agenda, SIP plan,
minutes, decisions, held or cancelled)."""

from datetime import datetime, timedelta

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from pydantic import ValidationError as PydanticError

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import (
    get_case_for,
    get_record_for,
    openable_case_ids,
    record_cases_listed,
)
from stegvis.accounts.models import User
from stegvis.coordination import forms, ics, selectors
from stegvis.coordination.kinds import kinds_for_country
from stegvis.coordination.meetings.services import (
    agenda_add,
    decision_add,
    meeting_mark_held,
    meeting_respond,
    meeting_schedule,
    minutes_save,
    sip_plan_save,
)
from stegvis.coordination.meetings.services import (
    meeting_cancel as meeting_cancel_service,
)
from stegvis.coordination.models import (
    Meeting,
    MeetingStatus,
)
from stegvis.coordination.participants import candidates
from stegvis.coordination.rules import (
    INVITATION,
    MEETING,
    RUNNING_MEETING,
    STAFF_CASE,
    may_answer,
    may_run,
    visible_meetings,
)
from stegvis.coordination.sip import PROVIDERS
from stegvis.core.crisis import crisis_page, not_held_from
from stegvis.core.errors import Incomplete, NotAllowed, StaleEdit
from stegvis.core.idempotency import once_per_submission
from stegvis.instruments.definitions import instrument
from stegvis.instruments.services import enabled_codes


@login_required
@require_safe
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
@require_safe
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


def _questionnaire_choices() -> list[tuple[str, str]]:
    return sorted((code, instrument(code).name) for code in enabled_codes())


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest, case_id) -> HttpResponse:
    is_write = request.method == "POST"
    case = get_record_for(
        request.user,
        STAFF_CASE,
        case_id,
        category=Category.MEETINGS,
        action=Action.CREATE if is_write else Action.VIEW,
    )
    people = [p for p in candidates(case.patient, Category.MEETINGS) if p[0] != request.user]
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
            meeting = meeting_schedule(
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
        "agenda": not_held_from(meeting.agenda.select_related("author"), request.user),
        "decisions": meeting.decisions.select_related("owner"),
        "may_run": running,
        "is_patient": meeting.case.patient_id == request.user.pk,
        "providers": PROVIDERS,
        "agenda_form": bound.get("agenda_form") or forms.AgendaForm(),
        # The seat the reader answers from, when INVITED_TO_MEETING lets them answer.
        "my_seat": next(
            (p for p in participants if p.user_id == request.user.pk),
            None,
        )
        if may_answer(request.user, meeting)
        else None,
    }
    if context["my_seat"] is not None:
        seat = context["my_seat"]
        context["response_form"] = bound.get("response_form") or forms.ResponseForm(
            initial={"response": seat.response, "note": seat.response_note}
        )
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
@require_safe
def meeting_detail(request: HttpRequest, meeting_id) -> HttpResponse:
    return _meeting_page(request, get_record_for(request.user, MEETING, meeting_id))


@login_required
@require_safe
def meeting_calendar(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_record_for(request.user, MEETING, meeting_id)
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
@once_per_submission()
def meeting_agenda(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_record_for(request.user, MEETING, meeting_id, action=Action.CREATE)
    form = forms.AgendaForm(request.POST)
    if not form.is_valid():
        return _meeting_page(request, meeting, 422, agenda_form=form)
    item = agenda_add(
        actor=request.user,
        meeting=meeting,
        text=form.cleaned_data["text"],
        submission_id=form.cleaned_data["submission_id"],
    )
    if item.crisis:
        return crisis_page(request)
    flash.success(request, _("Your point is on the agenda."))
    return redirect("meeting_detail", meeting.pk)


@login_required
@require_POST
def meeting_answer(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_record_for(request.user, INVITATION, meeting_id, action=Action.CREATE)
    if meeting.status != MeetingStatus.PLANNED:
        flash.info(request, _("This meeting is no longer planned: there is nothing to answer."))
        return redirect("meeting_detail", meeting.pk)
    form = forms.ResponseForm(request.POST)
    if not form.is_valid():
        return _meeting_page(request, meeting, 422, response_form=form)
    meeting_respond(
        actor=request.user,
        meeting=meeting,
        response=form.cleaned_data["response"],
        note=form.cleaned_data["note"],
    )
    flash.success(request, _("Your answer is saved. The organiser sees it on this page."))
    return redirect("meeting_detail", meeting.pk)


@login_required
@require_POST
def meeting_sip(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_record_for(request.user, RUNNING_MEETING, meeting_id, action=Action.UPDATE)
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
        sip_plan_save(
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


def _running_change(request, meeting_id, form_class, change, done: str, on_invalid):
    """The one skeleton of a change to a running meeting: resolve it (the organiser or the
    care team, audited), validate, write against the revision the form was read at, and
    say what happened. A stale revision shows what is saved now; a change the process
    refuses (a SIP held without its plan) says why."""
    meeting = get_record_for(request.user, RUNNING_MEETING, meeting_id, action=Action.UPDATE)
    form = form_class(request.POST)
    if not form.is_valid():
        return on_invalid(meeting, form)
    try:
        change(meeting, form.cleaned_data)
    except StaleEdit:
        return _stale(request, meeting)
    except Incomplete as missing:
        flash.error(request, str(missing))
    else:
        flash.success(request, done)
    return redirect("meeting_detail", meeting.pk)


def _form_refused(meeting, form) -> HttpResponse:
    # The buttons' forms carry only the revision: nothing a person could correct.
    return HttpResponseBadRequest()


@login_required
@require_POST
def meeting_minutes(request: HttpRequest, meeting_id) -> HttpResponse:
    return _running_change(
        request,
        meeting_id,
        forms.MinutesForm,
        lambda meeting, data: minutes_save(
            actor=request.user,
            meeting=meeting,
            minutes=data["minutes"],
            follow_up_on=data["follow_up_on"],
            revision=data["revision"],
        ),
        _("The minutes are saved."),
        lambda meeting, form: _meeting_page(request, meeting, 422, minutes_form=form),
    )


@login_required
@require_POST
@once_per_submission()
def meeting_decision(request: HttpRequest, meeting_id) -> HttpResponse:
    meeting = get_record_for(request.user, RUNNING_MEETING, meeting_id, action=Action.UPDATE)
    participants = list(meeting.participants.select_related("user"))
    form = forms.DecisionForm(request.POST, participants=participants)
    if form.is_valid():
        owner = next(p.user for p in participants if str(p.user_id) == form.cleaned_data["owner"])
        try:
            decision_add(
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


def _meeting_button(change, done: str):
    """A running meeting's button (held, cancelled): the one skeleton, with its service."""

    @login_required
    @require_POST
    def view(request: HttpRequest, meeting_id) -> HttpResponse:
        return _running_change(
            request,
            meeting_id,
            forms.RevisionForm,
            lambda meeting, data: change(
                actor=request.user, meeting=meeting, revision=data["revision"]
            ),
            done,
            _form_refused,
        )

    return view


meeting_held = _meeting_button(meeting_mark_held, gettext_lazy("The meeting is marked as held."))
meeting_cancel = _meeting_button(
    meeting_cancel_service, gettext_lazy("The meeting is cancelled and everyone is told.")
)
