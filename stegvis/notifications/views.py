from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stegvis.access.categories import Category
from stegvis.access.helpers import record_cases_listed, record_patients_listed
from stegvis.notifications import channels, push, selectors
from stegvis.notifications.forms import DeviceForm, PreferenceForm
from stegvis.notifications.models import NotificationPreference, PushSubscription
from stegvis.notifications.signals import SESSION_DEVICES, channels_changed

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
    """How the user wants to be told, and the devices they turned on; their own settings,
    not patient data."""
    current = NotificationPreference.objects.filter(user=request.user).first()
    current = current or NotificationPreference(user=request.user)
    devices = list(PushSubscription.objects.filter(user=request.user).order_by("created_at"))
    form = PreferenceForm(
        request.POST or None,
        instance=current,
        sms_available=channels.sms_backend() is not None,
        has_devices=bool(devices),
    )
    context = {
        "form": form,
        "devices": devices,
        "this_session": set(request.session.get(SESSION_DEVICES, [])),
        "device_form": DeviceForm(),
        "application_server_key": push.application_server_key(),
    }
    if request.method == "POST":
        if form.is_valid():
            form.save()
            channels_changed.send(sender=NotificationPreference, user=request.user)
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notification_preferences")
        return render(request, "notifications/preferences.html", context, status=422)
    return render(request, "notifications/preferences.html", context)


@login_required
@require_POST
def device_add(request: HttpRequest) -> HttpResponse:
    """The browser's subscription, posted by the settings page once the person allowed
    notifications: this device is told from now on."""
    form = DeviceForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for field in form.errors.values() for e in field)
        messages.error(request, _("Notifications could not be turned on: {why}").format(why=errors))
        return redirect("notification_preferences")
    device = form.save(request.user)
    request.session[SESSION_DEVICES] = [*request.session.get(SESSION_DEVICES, []), str(device.pk)]
    channels_changed.send(sender=PushSubscription, user=request.user)
    messages.success(request, _("Notifications are on for this device."))
    return redirect("notification_preferences")


@login_required
@require_POST
def device_remove(request: HttpRequest, device_id) -> HttpResponse:
    get_object_or_404(PushSubscription, pk=device_id, user=request.user).delete()
    channels_changed.send(sender=PushSubscription, user=request.user)
    messages.success(request, _("That device is no longer notified."))
    return redirect("notification_preferences")
