"""allauth adapters: accounts are created by invitation, never by open sign-up."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError

from stegvis.accounts.models import User


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False


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
