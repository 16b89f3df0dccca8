"""API authentication: the browser's session, or a personal access token."""

from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from stegvis.accounts.models import PersonalAccessToken, TokenScope, hash_token
from stegvis.core.errors import ApiError
from stegvis.core.prepared import Prepared

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _usable_token(token_hash, now):
    return (
        PersonalAccessToken.objects.usable(now).select_related("user").filter(token_hash=token_hash)
    )


# Asked on every API request (stegvis/core/prepared.py).
USABLE_TOKEN = Prepared(_usable_token, related=("user",))


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        now = timezone.now()
        found = USABLE_TOKEN.first(token_hash=hash_token(token), now=now)
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
