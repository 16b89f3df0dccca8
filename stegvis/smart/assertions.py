"""A client's signed assertion instead of a secret (`private_key_jwt`, RFC 7523, as SMART's
confidential asymmetric clients and backend services use it): signed with RS384 or ES384 by
a key the client registered (its JWKS, or the address it publishes them at), naming the
client as issuer and subject and the token endpoint as audience, living at most five
minutes, and used once."""

import hashlib
import json
import time

import requests
from django.core.cache import cache
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from oauth2_provider.models import Application

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ["RS384", "ES384"]
LIFETIME = 300  # seconds: the most SMART lets an assertion live
LEEWAY = 30
JWKS_CACHE_SECONDS = 600
TIMEOUT = 5


class AssertionRefused(ValueError):
    """Why an assertion does not authenticate its client."""


def client_of(assertion: str, token_endpoint: str) -> Application:
    """The registered client `assertion` proves itself to be; else AssertionRefused."""
    try:
        claimed = json.loads(jws.extract_compact(assertion.encode()).payload).get("iss", "")
    except (JoseError, ValueError, TypeError, AttributeError):
        raise AssertionRefused("not a signed JWT") from None
    client = (
        Application.objects.select_related("registration").filter(client_id=str(claimed)).first()
    )
    registration = getattr(client, "registration", None)
    if registration is None or not (registration.jwks or registration.jwks_url):
        raise AssertionRefused("no such client with keys")
    now = int(time.time())
    try:
        token = jwt.decode(assertion, _keys(registration), algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            now=now,
            leeway=LEEWAY,
            iss={"essential": True, "value": client.client_id},
            sub={"essential": True, "value": client.client_id},
            aud={"essential": True, "value": token_endpoint},
            exp={"essential": True},
            jti={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError, TypeError, KeyError, requests.RequestException) as error:
        raise AssertionRefused(error.__class__.__name__) from None
    claims = token.claims
    if claims["exp"] > now + LIFETIME + LEEWAY or now - claims.get("iat", now) > LIFETIME:
        raise AssertionRefused("lives longer than five minutes")
    # Once: remembered until it would have expired, by every node (the shared cache).
    seen = hashlib.sha256(f"{client.client_id}:{claims['jti']}".encode()).hexdigest()
    if not cache.add(f"smart-jti:{seen}", 1, timeout=claims["exp"] - now + LEEWAY):
        raise AssertionRefused("used before")
    return client


def has_keys(application) -> bool:
    registration = getattr(application, "registration", None)
    return bool(registration and (registration.jwks or registration.jwks_url))


def _keys(registration) -> KeySet:
    if registration.jwks:
        return KeySet.import_key_set(registration.jwks)
    key = f"smart-jwks:{registration.pk}"
    found = cache.get(key)
    if found is None:
        found = requests.get(registration.jwks_url, timeout=TIMEOUT).json()
        cache.set(key, found, JWKS_CACHE_SECONDS)
    return KeySet.import_key_set(found)
