"""Web Push: a notification on the phone or computer a person let Stegvis notify.

The browser gives a subscription (its push service's address and two keys); pywebpush
encrypts each message for that device (RFC 8291) and signs the request with Stegvis's VAPID
key (RFC 8292), so the push service can read neither the message nor who sent it to whom.
The message holds no health data at all: one sentence saying something new is waiting, in
the person's language, and the page to open. A push service that answers 404 or 410 has
forgotten the device: its subscription is dropped.

Only known push services are written to (settings.STEGVIS_PUSH_SERVICES): the address comes
from a browser, and Stegvis must not be made to post to whatever address someone gives.
"""

import base64
import fnmatch
import functools
import json
from datetime import datetime
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from stegvis.notifications.models import OutboxMessage, PushSubscription

# How long a push service keeps a message for a device that is switched off.
DEFAULT_TTL_SECONDS = 24 * 60 * 60
GONE = (404, 410)


class DevicesGone(Exception):
    """None of the person's devices can be notified any more: the message expires."""


@functools.cache
def _vapid(pem: str) -> Vapid:
    return Vapid.from_pem(pem.encode())


def vapid() -> Vapid:
    return _vapid(settings.STEGVIS_VAPID_PRIVATE_KEY)


def application_server_key() -> str:
    """The public key a browser subscribes with (base64url, uncompressed point)."""
    raw = vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def allowed_endpoint(url: str) -> bool:
    """A push service Stegvis writes to: "scheme://host" matches one of the patterns."""
    parts = urlsplit(url)
    if not parts.hostname or parts.username or parts.password:
        return False
    origin = f"{parts.scheme}://{parts.hostname}"
    return any(fnmatch.fnmatchcase(origin, pattern) for pattern in settings.STEGVIS_PUSH_SERVICES)


def payload(link: str, language: str) -> bytes:
    """What the device is told: that something is waiting, and where (a path in Stegvis)."""
    path = urlsplit(link).path or "/"
    with override(language):
        body = _("You have something new in Stegvis")
    return json.dumps({"title": "Stegvis", "body": body, "url": path}, ensure_ascii=False).encode()


def _ttl(expires_at: datetime | None, now: datetime) -> int:
    if expires_at is None:
        return DEFAULT_TTL_SECONDS
    return max(0, min(DEFAULT_TTL_SECONDS, int((expires_at - now).total_seconds())))


def send(message: OutboxMessage, link: str, urgent: bool = False) -> None:
    """Send to each of the recipient's devices. Raises DevicesGone when none is left, or
    the first error when no device could be reached (the worker tries again later)."""
    now = timezone.now()
    data = payload(link, message.recipient.preferred_language)
    reached, errors = 0, []
    for device in PushSubscription.objects.filter(user_id=message.recipient_id):
        if not allowed_endpoint(device.endpoint):
            device.delete()
            continue
        try:
            webpush(
                subscription_info={
                    "endpoint": device.endpoint,
                    "keys": {"p256dh": device.p256dh, "auth": device.auth},
                },
                data=data,
                vapid_private_key=vapid(),
                # A fresh dict each time: pywebpush writes the audience and expiry into it.
                vapid_claims={"sub": settings.STEGVIS_VAPID_SUBJECT},
                ttl=_ttl(message.expires_at, now),
                timeout=10,
                headers={"Urgency": "high" if urgent else "normal"},
            )
        except WebPushException as error:
            response = error.response
            if response is not None and getattr(response, "status_code", None) in GONE:
                device.delete()
            else:
                errors.append(error)
            continue
        except requests.RequestException as error:
            errors.append(error)
            continue
        reached += 1
        PushSubscription.objects.filter(pk=device.pk).update(last_sent_at=now)
    # Reached on one device, failed on another: sent. A retry would notify the first twice,
    # and the person has the news.
    if reached:
        return
    if errors:
        raise errors[0]
    raise DevicesGone("every device has unsubscribed")
