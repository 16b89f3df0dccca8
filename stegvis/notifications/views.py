from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stegvis.access.categories import Category
from stegvis.access.helpers import record_cases_listed, record_patients_listed
from stegvis.notifications import channels, selectors
from stegvis.notifications.forms import PreferenceForm
from stegvis.notifications.models import (
    NotificationPreference,
)

PAGE_SIZE = 50


@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications about patients they may still see; each listed case or
    patient is audited. How each was delivered is shown beside it."""
    user = request.user
    notifications = selectors.inbox_of(user, PAGE_SIZE)
    cases = {n.case_id: n.case for n in notifications if n.case_id}.values()
    record_cases_listed(user, cases, category=Category.CAPACITY, object_type="notification_list")
    patients = {n.patient_id: n.patient for n in notifications if not n.case_id and n.patient_id}
    if patients:
        record_patients_listed(user, list(patients.values()), object_type="notification_list")
    return render(request, "notifications/list.html", {"notifications": notifications})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    selectors.unread(request.user.pk).update(read_at=timezone.now())
    return redirect("notification_list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """How the user wants to be told; their own settings, not patient data."""
    current = NotificationPreference.objects.filter(user=request.user).first()
    current = current or NotificationPreference(user=request.user)
    sms_available = channels.sms_backend() is not None
    form = PreferenceForm(request.POST or None, instance=current, sms_available=sms_available)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notification_preferences")
        return render(request, "notifications/preferences.html", {"form": form}, status=422)
    return render(request, "notifications/preferences.html", {"form": form})
