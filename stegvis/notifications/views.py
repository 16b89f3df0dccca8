from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from stegvis.access.categories import Category
from stegvis.access.helpers import record_cases_listed
from stegvis.access.policy import cases_visible_to
from stegvis.notifications.models import Notification

PAGE_SIZE = 50


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications about cases they may still see; each listed case is audited."""
    notifications = list(
        Notification.objects.filter(
            recipient=request.user,
            case__in=cases_visible_to(request.user, Category.CAPACITY),
        )
        .select_related("case__patient")
        .order_by("read_at", "-created_at")[:PAGE_SIZE]
    )
    cases = {n.case_id: n.case for n in notifications}.values()
    record_cases_listed(
        request.user, cases, category=Category.CAPACITY, object_type="notification_list"
    )
    return render(request, "notifications/list.html", {"notifications": notifications})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("notification_list")
