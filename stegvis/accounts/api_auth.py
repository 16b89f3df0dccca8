"""API authentication: the browser's session, or a personal access token."""

from datetime import timedelta

from django.db.models import Subquery
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from stegvis.accounts.models import PersonalAccessToken, TokenScope, hash_token, memberships_of
from stegvis.core.errors import ApiError
from stegvis.core.prepared import Prepared

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _usable_token(token_hash, now):
    return (
        PersonalAccessToken.objects.usable(now).select_related("user").filter(token_hash=token_hash)
    )


def _token_memberships(token_hash, now):
    """The memberships of a usable token's holder, each with the holder and the token's
    own fields: the person, what they may do and the credential in one round trip."""
    tokens = _usable_token(token_hash, now)
    return memberships_of(Subquery(tokens.values("user_id")[:1])).annotate(
        **{f"token_{name}": Subquery(tokens.values(name)[:1]) for name in TOKEN_FIELDS}
    )


TOKEN_FIELDS = ("id", "scope", "last_used_at")
# Asked on every API request (stegvis/core/prepared.py); the token alone for a holder
# with no membership.
TOKEN_MEMBERSHIPS = Prepared(
    _token_memberships,
    related=("user", "organisation"),
    annotations=("has_totp", *(f"token_{name}" for name in TOKEN_FIELDS)),
)
USABLE_TOKEN = Prepared(_usable_token, related=("user",))


def usable_token(raw: str, now) -> PersonalAccessToken | None:
    """The token, with its holder and the holder's memberships known."""
    token_hash = hash_token(raw)
    memberships = TOKEN_MEMBERSHIPS.instances(token_hash=token_hash, now=now)
    if not memberships:
        return USABLE_TOKEN.first(token_hash=token_hash, now=now)
    first = memberships[0]
    first.user.memberships_found(memberships)
    fields = {name: getattr(first, f"token_{name}") for name in TOKEN_FIELDS}
    return PersonalAccessToken(user=first.user, **fields)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        now = timezone.now()
        found = usable_token(token, now)
        if found is None:
            return None
        if request.method not in SAFE_METHODS and found.scope != TokenScope.WRITE:
            raise ApiError(403, "insufficient_scope", "This token may only read.")
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            PersonalAccessToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        # The reader (stegvis.access.reader) caps what it decides at the token's scope.
        request.token = found
        return found.user


api_auth = [TokenAuth(), django_auth]
