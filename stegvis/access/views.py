from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from stegvis.access import services
from stegvis.access.categories import Category
from stegvis.access.forms import ReviewOutcomeForm, SampleForm
from stegvis.access.helpers import get_patient_for, refuse
from stegvis.access.models import AccessEvent, LogReview
from stegvis.accounts.models import User

EVENTS_PAGE_SIZE = 50


@login_required
def my_access_log(request: HttpRequest) -> HttpResponse:
    """Who has seen my data: every decision about the signed-in patient's data."""
    patient = get_patient_for(
        request.user, request.user.pk, category=Category.ACCESS_LOG, object_type="access_log"
    )
    include_own = request.GET.get("own") == "1"
    events = AccessEvent.objects.filter(patient=patient).select_related("actor_organisation")
    if not include_own:
        events = events.exclude(actor=patient)
    page = Paginator(events.order_by("-occurred_at", "-pk"), EVENTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    User.objects.filter(pk=patient.pk).update(access_log_seen_at=timezone.now())
    return render(request, "access/my_access_log.html", {"page": page, "include_own": include_own})


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
