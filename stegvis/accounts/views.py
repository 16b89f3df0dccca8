from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stegvis.accounts.forms import PreferencesForm, TokenForm
from stegvis.accounts.models import PersonalAccessToken


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
