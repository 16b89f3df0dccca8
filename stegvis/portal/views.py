"""The home page (a patient's cases and next step, a professional's caseload and urgent
flags) and the language switch."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language as django_set_language

from stegvis.access.categories import Category
from stegvis.access.helpers import (
    openable_case_ids,
    record_cases_listed,
    record_patients_listed,
)
from stegvis.access.participation import participation_scope
from stegvis.access.policy import cases_visible_to, own_cases
from stegvis.access.selectors import NEW_ACCESSES_COUNTED
from stegvis.accounts.models import Language
from stegvis.accounts.roles import NETWORK_ROLES, Role, asks_to_join_as
from stegvis.coaching.flags.urgent import urgent_flags_for
from stegvis.portal.duties import duties_for
from stegvis.portal.next_step import next_step_for, what_waits
from stegvis.programs.selectors import home_programs

CASELOAD_PAGE_SIZE = 50


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict = {}
    if user.is_patient:
        cases = own_cases(user)
        record_cases_listed(user, cases, object_type="home")
        context["own_cases"] = cases
        waiting = what_waits(user, cases)
        context["next_step"] = next_step_for(waiting)
        context["programs"] = home_programs(user) if waiting.in_program else []
        context["new_accesses_counted"] = NEW_ACCESSES_COUNTED
        context["new_accesses"] = waiting.new_accesses
    # A caseload for those who work with one patient at a time; a manager, an analyst or a
    # facilitator sees units and figures (their own cards below), never a list of patients.
    if user.roles & NETWORK_ROLES:
        # The nearest deadline first (overdue ones are the nearest); ended cases last.
        caseload = (
            cases_visible_to(user, Category.IDENTITY)
            .exclude(patient=user)
            .select_related("patient", "organisation")
            .order_by(F("next_deadline_on").asc(nulls_last=True), "-opened_on", "pk")
        )
        page = Paginator(caseload, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
        record_cases_listed(user, page.object_list, object_type="caseload")
        context["caseload"] = page
        # A consent to `identity` alone (e.g. Försäkringskassan's) lists the case but does
        # not open its page.
        context["openable_case_ids"] = openable_case_ids(user, page.object_list)
        context["may_open_case"] = bool(user.roles & {Role.PHYSICIAN, Role.REHAB_COORDINATOR})
    context["is_unit_manager"] = Role.UNIT_MANAGER in user.roles
    context["managed_units"] = [
        m.organisation for m in user.memberships_cached() if m.role == Role.UNIT_MANAGER
    ]
    context["participation"] = participation = participation_scope(user)
    context["is_analyst"] = Role.REGION_ANALYST in user.roles
    context["may_ask_to_join"] = bool(asks_to_join_as(user.memberships_cached()))
    context["may_work_queue"] = bool(
        user.roles & {Role.COACH, Role.REHAB_COORDINATOR, Role.PHYSICIAN}
    )
    if context["may_work_queue"]:
        # Urgent flags come first on the home of everyone who must respond to them.
        urgent = urgent_flags_for(user)
        record_patients_listed(
            user,
            [u.flag.patient for u in urgent],
            category=Category.CHECKINS,
            object_type="urgent_flags",
        )
        context["urgent_flags"] = urgent
    context["duties"] = duties_for(
        user,
        scope=participation,
        urgent_shown={u.flag.pk for u in context.get("urgent_flags", [])},
    )
    return render(request, "portal/home.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; a signed-in person keeps the choice on every device."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in Language.values:
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    return response
