"""The e-ID providers this installation is registered with (settings.STEGVIS_EID_PROVIDERS)."""

import json
import shutil
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
from stegvis.accounts.eid.saml import ServiceProvider

REQUIRED = {
    "oidc": {"slug", "name", "profile", "issuer", "client_id", "key_file"},
    # A SAML provider's sign-in page is named in its metadata, read after the settings;
    # its origin (for the pages' form-action) is given.
    "saml": {"slug", "name", "profile", "idp_metadata", "key_file", "cert_file",
             "authorization_origin"},
}  # fmt: skip
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Provider:
    slug: str  # in the addresses: /account/eid/<slug>/...
    name: str  # on the sign-in page: "BankID", "HelseID", "ID-porten"
    profile: Profile
    client: Client | ServiceProvider

    @property
    def protocol(self) -> str:
        return self.profile.protocol


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
        try:
            protocol = profile(entry.get("profile", "")).protocol
        except KeyError as error:
            problems.append((slug, str(error)))
            continue
        missing = REQUIRED[protocol] - set(entry)
        if missing:
            problems.append((slug, f"missing {', '.join(sorted(missing))}"))
            continue
        for address in (entry.get("issuer"), entry.get("idp_metadata")):
            if address and not _safe(address):
                problems.append((slug, f"{address} is not reached over HTTPS"))
        try:
            if protocol == "saml":
                _saml_files(entry)
            else:
                _key(entry["key_file"])
        except (OSError, ValueError) as error:
            problems.append((slug, str(error)))
    return problems


def _safe(address: str) -> bool:
    """An address is reached over HTTPS, or on this machine (a file, or loopback)."""
    parts = urlsplit(address)
    return parts.scheme in ("https", "") or parts.hostname in LOOPBACK


def _saml_files(entry: dict) -> None:
    if shutil.which("xmlsec1") is None:  # pysaml2 signs and verifies with it
        raise ValueError("xmlsec1 is not installed (Debian: apt-get install xmlsec1)")
    for name in ("key_file", "cert_file"):
        Path(entry[name]).read_text(encoding="utf-8")
    if "://" not in entry["idp_metadata"]:
        Path(entry["idp_metadata"]).read_text(encoding="utf-8")


def provider_named(slug: str) -> Provider | None:
    return next((p for p in providers() if p.slug == slug), None)


def address(name: str, slug: str) -> str:
    return settings.BASE_URL.rstrip("/") + reverse(name, args=[slug])


def _provider(entry: dict) -> Provider:
    found = profile(entry["profile"])
    if found.protocol == "saml":
        sp = ServiceProvider(
            entity_id=address("eid_saml_metadata", entry["slug"]),
            acs_url=address("eid_saml_acs", entry["slug"]),
            logout_url=address("eid_logged_out", entry["slug"]),
            key_file=entry["key_file"],
            cert_file=entry["cert_file"],
            idp_metadata=entry["idp_metadata"],
        )
        return Provider(entry["slug"], entry["name"], found, sp)
    key = _key(entry["key_file"])
    redirect = address("eid_callback", entry["slug"])
    client = Client(
        issuer=entry["issuer"],
        client_id=entry["client_id"],
        private_key=key,
        redirect_uri=redirect,
        scope=entry.get("scope", "openid"),
        algorithm="ES256" if isinstance(key, ECKey) else "RS256",
        acr_values=entry.get("acr_values", ""),
    )
    return Provider(entry["slug"], entry["name"], found, client)
