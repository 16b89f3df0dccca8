"""When a staff member has proved a second factor."""

from allauth.mfa.models import Authenticator
from django.conf import settings

from stegvis.accounts.models import User


def mfa_satisfied(user: User) -> bool:
    """True for a user with an active TOTP authenticator.

    allauth asks every user who has one for the second factor at login, and activation
    itself takes a valid code, so a session of such a user has passed MFA.
    """
    if settings.STEGVIS_DEMO and user.is_demo:
        return True
    if not hasattr(user, "_mfa_satisfied"):
        user._mfa_satisfied = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists()
    return user._mfa_satisfied
