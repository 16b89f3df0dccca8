"""Stable pseudonyms: a keyed hash (HMAC-SHA-256) of what a row is about, so the same person
has the same pseudonym in every export, and nobody without the installation's key can
reverse one or test a guess (STEGVIS_PSEUDONYM_KEY; development derives one)."""

import hashlib
import hmac

from django.conf import settings


def pseudonym(kind: str, value) -> str:
    """16 hex digits for `value`; `kind` ("patient", "physician") keeps the namespaces apart."""
    key = (settings.STEGVIS_PSEUDONYM_KEY or f"pseudonym:{settings.SECRET_KEY}").encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:16]
