"""How a signed-in person is read on each request: allauth's backend, with the person's
memberships read in the same statement as the person."""

from allauth.account.auth_backends import AuthenticationBackend
from django.core.exceptions import ValidationError

from stegvis.accounts.models import User, memberships_of
from stegvis.core.prepared import Prepared

# Asked on every request of a signed-in user (stegvis/core/prepared.py): what they may do
# is asked on nearly every page, so it comes with them.
MEMBERSHIPS_WITH_USER = Prepared(
    memberships_of, related=("user", "organisation"), annotations=("has_totp",)
)


class Backend(AuthenticationBackend):
    def get_user(self, user_id):
        try:  # as the session keeps it, a string
            user_id = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        memberships = MEMBERSHIPS_WITH_USER.instances(user=user_id)
        if not memberships:  # someone with no role anywhere: the person alone
            user = super().get_user(user_id)
            if user is not None:
                user.memberships_found([])
            return user
        user = memberships[0].user
        if not self.user_can_authenticate(user):
            return None
        user.memberships_found(memberships)
        return user


class EidBackend(Backend):
    """The session of a person signed in by national e-ID (stegvis/accounts/eid) below a
    high assurance level. It authenticates no credentials of its own: the e-ID view signs
    the person in with it, so each request knows how they signed in. No one-time code was
    asked at that sign-in, so the session has proved no second factor (accounts.mfa), even
    for someone who has one set up."""

    second_factor = False

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        user = super().get_user(user_id)
        if user is not None:
            user.eid_second_factor = self.second_factor
        return user


class HighAssuranceEidBackend(EidBackend):
    """Signed in by e-ID at a high assurance level (BankID, SITHS, HelseID, MinID high):
    itself two factors, so the session has proved a second factor."""

    second_factor = True
