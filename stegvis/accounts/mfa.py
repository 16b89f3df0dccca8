"""When a staff member has proved a second factor."""

from allauth.mfa.models import Authenticator
from django.conf import settings

from stegvis.accounts.models import User
from stegvis.core.prepared import Prepared


def _authenticators(user_id, kind):
    return Authenticator.objects.filter(user_id=user_id, type=kind).values_list("pk")[:1]


# Asked once per request of every staff member (stegvis/core/prepared.py).
AUTHENTICATORS = Prepared(_authenticators)


def mfa_satisfied(user: User) -> bool:
    """For a session begun by e-ID, whether it was at a high assurance level
    (accounts.backends); otherwise, whether the user has an active TOTP authenticator.

    allauth asks every user who has one for the second factor at a password sign-in, and
    activation itself takes a valid code, so a session of such a user has passed MFA.
    """
    if settings.STEGVIS_DEMO and user.is_demo:
        return True
    by_eid = getattr(user, "eid_second_factor", None)  # kept when a reader forgets
    if by_eid is not None:
        return by_eid
    if not hasattr(user, "_mfa_satisfied"):
        user.memberships_cached()  # which also tells, for a user with memberships
    if not hasattr(user, "_mfa_satisfied"):
        found = AUTHENTICATORS.rows(user_id=user.pk, kind=str(Authenticator.Type.TOTP))
        user._mfa_satisfied = bool(found)
    return user._mfa_satisfied
