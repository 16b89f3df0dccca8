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


def meeting_calendar(meeting: Meeting) -> bytes:
    link = settings.BASE_URL.rstrip("/") + reverse("meeting_detail", args=[meeting.pk])
    cancelled = meeting.status == MeetingStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"{meeting.pk}@stegvis")
    event.add("sequence", meeting.revision)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", _("Meeting in Stegvis"))
    event.add("description", _("Details in Stegvis: {link}").format(link=link))
    event.add("url", link)
    if meeting.place:
        event.add("location", meeting.place)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def invitation_attachment(notification) -> tuple[str, bytes, str] | None:
    """The outbox's attachment for a meeting notice, rendered when the e-mail is sent."""
    meeting = Meeting.objects.filter(pk=notification.object_id).first()
    if meeting is None:
        return None
    return ("stegvis-meeting.ics", meeting_calendar(meeting), "text/calendar")
