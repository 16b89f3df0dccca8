"""The e-ID providers this installation is registered with (settings.STEGVIS_EID_PROVIDERS)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from stegvis.accounts.eid.oidc import Client
from stegvis.accounts.eid.profiles import Profile, profile

REQUIRED = {"slug", "name", "profile", "issuer", "client_id", "key_file"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Provider:
    slug: str  # in the addresses: /account/eid/<slug>/...
    name: str  # on the sign-in page: "BankID", "HelseID", "ID-porten"
    profile: Profile
    client: Client


@cache
def _key(path: str) -> RSAKey | ECKey:
    """The client's private key: a JWK (JSON, with the `kid` the provider knows it by) or
    a PEM file (known by the file's name)."""
    text = Path(path).read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        value, parameters = json.loads(text), None
    else:
        value, parameters = text, {"kid": Path(path).stem}
    for kind in (RSAKey, ECKey):
        try:
            return kind.import_key(value, parameters=parameters)
        except (ValueError, TypeError, JoseError):
            continue
    raise ValueError(f"{path} holds no RSA or EC private key")


def providers() -> list[Provider]:
    return [_provider(entry) for entry in settings.STEGVIS_EID_PROVIDERS]


def configuration_problems() -> list[tuple[str, str]]:
    """(slug, what is wrong) for each provider whose configuration does not hold."""
    problems = []
    for entry in settings.STEGVIS_EID_PROVIDERS:
        slug = entry.get("slug", "?")
        missing = REQUIRED - set(entry)
        if missing:
            problems.append((slug, f"missing {', '.join(sorted(missing))}"))
            continue
        issuer = urlsplit(entry["issuer"])
        if issuer.scheme != "https" and issuer.hostname not in LOOPBACK:
            problems.append((slug, "the issuer is not reached over HTTPS"))
        try:
            profile(entry["profile"])
            _key(entry["key_file"])
        except (KeyError, OSError, ValueError) as error:
            problems.append((slug, str(error)))
    return problems


def provider_named(slug: str) -> Provider | None:
    return next((p for p in providers() if p.slug == slug), None)


def _provider(entry: dict) -> Provider:
    key = _key(entry["key_file"])
    redirect = settings.BASE_URL.rstrip("/") + reverse("eid_callback", args=[entry["slug"]])
    client = Client(
        issuer=entry["issuer"],
        client_id=entry["client_id"],
        private_key=key,
        redirect_uri=redirect,
        scope=entry.get("scope", "openid"),
        algorithm="ES256" if isinstance(key, ECKey) else "RS256",
        acr_values=entry.get("acr_values", ""),
    )
    return Provider(entry["slug"], entry["name"], profile(entry["profile"]), client)
