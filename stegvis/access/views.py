from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stegvis.access import care, selectors, services
from stegvis.access.categories import Action, Category
from stegvis.access.forms import EstablishForm, RefusalForm, ReviewOutcomeForm, SampleForm
from stegvis.access.helpers import (
    get_patient_for,
    get_self_for,
    record_patients_listed,
    refuse,
)
from stegvis.access.models import CareReason, LogReview
from stegvis.accounts.models import User
from stegvis.core.errors import NotAllowed

EVENTS_PAGE_SIZE = 50


@login_required
@require_safe
def my_access_log(request: HttpRequest) -> HttpResponse:
    """Who has seen my data: every decision about the signed-in patient's data."""
    patient = get_patient_for(
        request.user, request.user.pk, category=Category.ACCESS_LOG, object_type="access_log"
    )
    include_own = request.GET.get("own") == "1"
    events = selectors.access_events_of(patient)
    if not include_own:  # what an app did for her is shown all the same
        events = events.exclude(actor=patient, via_app="")
    page = Paginator(events, EVENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    User.objects.filter(pk=patient.pk).update(access_log_seen_at=timezone.now())
    care.attach_relationships(patient, page)
    refusal = RefusalForm(initial={"refuse": care.refuses(patient)})
    return render(
        request,
        "access/my_access_log.html",
        {"page": page, "include_own": include_own, "refusal": refusal},
    )


@login_required
@require_POST
def care_refusal(request: HttpRequest) -> HttpResponse:
    """The patient's refusal (spärr) of access outside their named care team, on or off."""
    patient = get_self_for(
        request.user, category=Category.NETWORK, action=Action.UPDATE, object_type="care_refusal"
    )
    form = RefusalForm(request.POST)
    form.is_valid()
    care.refusal_set(patient=patient, refuse=form.cleaned_data.get("refuse", False))
    messages.success(request, _("Saved."))
    return redirect("my_access_log")


@login_required
@require_http_methods(["GET", "POST"])
def care_establish(request: HttpRequest) -> HttpResponse:
    """Take part in a patient's care at the unit: state why, for a limited time."""
    memberships = care.care_units(request.user)
    if not memberships:
        refuse(
            request.user,
            category=Category.IDENTITY,
            object_type=care.EVENT_OBJECT,
            basis="not_care_staff",
        )
    units = [m.organisation for m in memberships]
    form = EstablishForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        membership = next(
            m for m in memberships if m.organisation_id == form.cleaned_data["organisation"]
        )
        patient = care.patients_at(membership.organisation, form.cleaned_data["patient"])
        if patient is None:
            form.add_error("patient", _("No patient of this unit has that e-mail or number."))
        else:
            reason = form.cleaned_data["reason"]
            try:
                care.establish(
                    actor=request.user,
                    membership=membership,
                    patient=patient,
                    reason=reason,
                    reason_text=form.cleaned_data["reason_text"],
                    hours=form.cleaned_data["hours"],
                    emergency=reason == CareReason.EMERGENCY,
                )
            except NotAllowed as refusal:
                form.add_error(None, str(refusal))
            else:
                case = selectors.latest_case_at(patient, membership.organisation)
                return redirect("case_detail", case_id=case.pk)
    running = care.active_for(request.user)
    if running:
        record_patients_listed(
            request.user,
            [r.patient for r in running],
            category=Category.IDENTITY,
            object_type="care_relationships",
        )
    return render(request, "access/care_establish.html", {"form": form, "running": running})


def _managed_units_or_404(user: User) -> list:
    units = services.managed_units(user)
    if not units:
        refuse(
            user, category=Category.ACCESS_LOG, object_type="log_review", basis="not_unit_manager"
        )
    return units


@login_required
@require_http_methods(["GET", "POST"])
def log_reviews(request: HttpRequest) -> HttpResponse:
    units = _managed_units_or_404(request.user)
    form = SampleForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in units if u.pk == form.cleaned_data["organisation"])
        review = services.log_review_create(
            reviewer=request.user,
            organisation=unit,
            kind=form.cleaned_data["kind"],
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            sample_size=form.cleaned_data["sample_size"],
            criteria=form.criteria(),
        )
        return redirect("log_review", review_id=review.pk)
    reviews = LogReview.objects.filter(organisation__in=units).select_related("organisation")
    return render(request, "access/log_reviews.html", {"form": form, "reviews": reviews[:50]})


@login_required
@require_http_methods(["GET", "POST"])
def log_review(request: HttpRequest, review_id: int) -> HttpResponse:
    units = _managed_units_or_404(request.user)
    review = LogReview.objects.filter(pk=review_id, organisation__in=units).first()
    if review is None:
        refuse(
            request.user,
            category=Category.ACCESS_LOG,
            object_type="log_review",
            object_id=review_id,
        )
    form = ReviewOutcomeForm(
        request.POST or None, initial={"outcome": review.outcome, "notes": review.notes}
    )
    if request.method == "POST" and form.is_valid():
        services.log_review_complete(
            reviewer=request.user,
            review=review,
            outcome=form.cleaned_data["outcome"],
            notes=form.cleaned_data["notes"],
        )
        return redirect("log_review", review_id=review.pk)
    events = list(
        review.events.select_related("actor", "actor_organisation", "patient").order_by(
            "-occurred_at"
        )
    )
    services.record_review_read(request.user, review, events)
    return render(
        request, "access/log_review.html", {"review": review, "events": events, "form": form}
    )
