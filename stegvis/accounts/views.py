from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stegvis.accounts import opening_hours
from stegvis.accounts.eid import assignments
from stegvis.accounts.forms import OpeningHoursForm, PreferencesForm, TokenForm
from stegvis.accounts.models import PersonalAccessToken
from stegvis.accounts.roles import Role


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    preferences = PreferencesForm(
        request.POST if "preferences" in request.POST else None,
        initial={"preferred_language": user.preferred_language},
    )
    if preferences.is_bound and preferences.is_valid():
        user.preferred_language = preferences.cleaned_data["preferred_language"]
        user.save(update_fields=["preferred_language"])
        messages.success(request, _("Saved."))
        return redirect("account_settings")
    token_form = TokenForm(request.POST if "token" in request.POST else None)
    new_token = None
    if token_form.is_bound and token_form.is_valid():
        _token, new_token = PersonalAccessToken.issue(user=user, **token_form.cleaned_data)
        token_form = TokenForm()
    return render(
        request,
        "accounts/settings.html",
        {
            "preferences": preferences,
            "token_form": token_form,
            "new_token": new_token,
            "tokens": user.access_tokens.all(),
            # Signed in by SITHS with several assignments: the one worked under can change.
            "assignments_to_choose": assignments.several(request.session),
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(PersonalAccessToken, pk=token_id, user=request.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        messages.success(request, _("The token no longer works."))
    return redirect("account_settings")


@login_required
@require_http_methods(["GET", "POST"])
def unit_opening_hours(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A unit's opening hours, set by its manager: the safety flags' response targets and
    what the crisis screen promises follow them (accounts/opening_hours.py)."""
    unit = next(
        (
            m.organisation
            for m in request.user.memberships_cached()
            if m.role == Role.UNIT_MANAGER and m.organisation_id == unit_id
        ),
        None,
    )
    if unit is None:
        raise Http404
    shown = opening_hours.version_of(unit)
    form = OpeningHoursForm(request.POST or None, initial=opening_hours.initial(unit, shown))
    status = 200
    if request.method == "POST":
        status = 400
        if not form.is_valid():
            pass
        elif form.cleaned_data["shown"] != shown:
            # What was written is kept; saving again after a look replaces the new hours.
            data = request.POST.copy()
            data["shown"] = shown
            form = OpeningHoursForm(data)
            form.is_valid()
            changed = _(
                "Someone else changed the hours meanwhile (they are listed below as they are "
                "now). Check yours and save again."
            )
            form.add_error(None, changed)
        else:
            opening_hours.hours_set(unit, form.periods())
            messages.success(request, _("Saved."))
            return redirect("unit_opening_hours", unit_id=unit.pk)
    context = {
        "unit": unit,
        "form": form,
        "own": unit.opening_hours.exists(),
        "current": [
            (WEEKDAYS[weekday - 1], periods)
            for weekday, periods in sorted(opening_hours.schedule_for(unit).periods.items())
        ],
    }
    return render(request, "accounts/opening_hours.html", context, status=status)
