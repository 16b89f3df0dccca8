"""allauth adapters: accounts are created by invitation, never by open sign-up."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render

from stegvis.accounts.models import User


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_login(self, request, user, **kwargs):
        """Where staff sign in by e-ID only (STEGVIS_STAFF_PASSWORD_SIGN_IN off), a
        password is no way in for them; patients keep it, and the demo's people too."""
        password_barred = (
            not settings.STEGVIS_STAFF_PASSWORD_SIGN_IN
            and user.is_staff_member
            and not (settings.STEGVIS_DEMO and user.is_demo)
        )
        if password_barred:
            return render(request, "accounts/eid_only.html", status=403)
        return super().pre_login(request, user, **kwargs)

    def get_logout_redirect_url(self, request):
        """Asked before the session ends: a person who signed in by e-ID goes on to be
        signed out at the provider too, and comes back to the sign-in page."""
        from stegvis.accounts.eid.views import provider_logout_url  # the views need us

        return provider_logout_url(request) or super().get_logout_redirect_url(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        """Link an e-ID login to the existing account with the same national id.

        e-ID gateways send the personal identity number as a claim; its name is set by
        STEGVIS_OIDC_NATIONAL_ID_CLAIM. The number is only hashed, never logged.
        """
        if sociallogin.is_existing:
            return
        claim = getattr(settings, "STEGVIS_OIDC_NATIONAL_ID_CLAIM", "personal_identity_number")
        raw = (sociallogin.account.extra_data or {}).get(claim)
        if not raw:
            return
        country = getattr(settings, "STEGVIS_OIDC_COUNTRY", "SE")
        try:
            user = User.objects.get_by_national_id(str(raw), country)
        except (User.DoesNotExist, ValidationError):
            return
        if user.is_active:
            sociallogin.connect(request, user)
