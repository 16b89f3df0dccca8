"""Calendar invitations (RFC 5545, built with icalendar) that carry no health data.

The event says only that there is a Stegvis meeting, when, where (the place the organiser
wrote for that purpose) and a link; not the kind of meeting, the patient, or the agenda,
because a calendar entry is read on lock screens and shared calendars.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from stegvis.coordination.models import Meeting, MeetingStatus

PRODID = "-//Stegvis//Meetings//EN"


def new_calendar(prodid: str = PRODID, method: str = "PUBLISH") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def plain_event(
    *, uid, sequence: int, starts_at, ends_at, summary: str, link: str, place: str, cancelled: bool
) -> Event:
    """An event that says only what, when, where and a link: nothing about health."""
    event = Event()
    event.add("uid", f"{uid}@stegvis")
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("description", _("Details in Stegvis: {link}").format(link=link))
    event.add("url", link)
    if place:
        event.add("location", place)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def meeting_calendar(meeting: Meeting) -> bytes:
    link = settings.BASE_URL.rstrip("/") + reverse("meeting_detail", args=[meeting.pk])
    cancelled = meeting.status == MeetingStatus.CANCELLED
    calendar = new_calendar(method="CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(
        plain_event(
            uid=meeting.pk,
            sequence=meeting.revision,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            summary=_("Meeting in Stegvis"),
            link=link,
            place=meeting.place,
            cancelled=cancelled,
        )
    )
    return calendar.to_ical()


def invitation_attachment(notification) -> tuple[str, bytes, str] | None:
    """The outbox's attachment for a meeting notice, rendered when the e-mail is sent."""
    meeting = Meeting.objects.filter(pk=notification.object_id).first()
    if meeting is None:
        return None
    return ("stegvis-meeting.ics", meeting_calendar(meeting), "text/calendar")
