"""How an outbox row becomes an e-mail or a text message, rendered when it is sent.

Rendering happens in the recipient's language of the moment of sending, from the kind of
notification and its link alone: nothing else of the event reaches the message, so no
diagnosis, check-in value or free text can leak into an inbox or onto a phone's lock screen.

Text messages go through a pluggable backend (settings.STEGVIS_SMS_BACKEND, a dotted path
to a class with `send_text(number, text)`). None is bundled for a real provider; without
one the channel is simply not offered.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from stegvis.notifications.models import OutboxMessage

# Files attached to an e-mail of a kind of notification, `fn(notification) -> (name,
# content, mimetype) | None`; the attachment must carry no health data either. Filled in
# the apps' AppConfig.ready (coordination's calendar invitations).
ATTACHMENTS: dict[str, Callable] = {}


@dataclass
class Rendered:
    subject: str
    body: str
    link: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def absolute(path: str) -> str:
    return settings.BASE_URL.rstrip("/") + path


# How a message of another app's kind is written, by kind; filled in the apps'
# AppConfig.ready (the coach's check-in reminder). Same rule: a link, no health data.
RENDERERS: dict[str, Callable[[OutboxMessage], Rendered]] = {}


def render(message: OutboxMessage) -> Rendered:
    """The message in the recipient's current language."""
    with override(message.recipient.preferred_language):
        if message.is_digest:
            return _render_digest(message)
        if message.kind in RENDERERS:
            return RENDERERS[message.kind](message)
        notification = message.notification
        link = absolute(notification.link or reverse("notification_list"))
        context = {
            "kind": notification.get_kind_display(),
            "link": link,
            "urgent": notification.urgent,
        }
        subject = _("Stegvis: {what}").format(what=notification.get_kind_display())
        body = render_to_string("notifications/email/notification.txt", context)
        attachments = []
        maker = ATTACHMENTS.get(notification.kind)
        if maker and message.channel == "email":
            attachment = maker(notification)
            if attachment:
                attachments.append(attachment)
        return Rendered(subject, body, link, attachments)


def _render_digest(message: OutboxMessage) -> Rendered:
    counts: dict[str, int] = {}
    for row in message.digested.select_related("notification"):
        label = row.notification.get_kind_display()
        counts[label] = counts.get(label, 0) + 1
    link = absolute(reverse("notification_list"))
    body = render_to_string(
        "notifications/email/digest.txt", {"counts": sorted(counts.items()), "link": link}
    )
    return Rendered(_("Stegvis: your daily summary"), body, link)


def email_for(message: OutboxMessage, rendered: Rendered) -> EmailMessage:
    # One Message-ID per outbox row, whichever worker sends it: a mail program shows a
    # message that arrives twice once, and a receiver can count what it got.
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "stegvis.invalid"
    email = EmailMessage(
        rendered.subject,
        rendered.body,
        settings.DEFAULT_FROM_EMAIL,
        [message.recipient.email],
        headers={"Message-ID": f"<outbox-{message.pk}@{domain}>"},
    )
    for name, content, mimetype in rendered.attachments:
        email.attach(name, content, mimetype)
    return email


def sms_text(rendered: Rendered) -> str:
    return f"{rendered.subject} {rendered.link}"


def sms_backend():
    """The configured text-message backend, or None when the channel is not set up."""
    path = settings.STEGVIS_SMS_BACKEND
    return import_string(path)() if path else None


class LocmemSmsBackend:
    """Keeps text messages in memory (`LocmemSmsBackend.outbox`), like Django's locmem
    e-mail backend: for development and tests, never for patients."""

    outbox: list[tuple[str, str]] = []

    def send_text(self, number: str, text: str) -> None:
        type(self).outbox.append((number, text))
