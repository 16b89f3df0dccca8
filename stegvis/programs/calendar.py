"""The participant's program sessions as a calendar file (RFC 5545, built with icalendar).

Like a meeting's invitation it carries no health data: "Session in Stegvis", the time, the
place and a link; not the program's name, the topic or the team, because a calendar is read
on lock screens and shared calendars."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from stegvis.accounts.models import User
from stegvis.programs.selectors import own_sessions

PRODID = "-//Stegvis//Programs//EN"


def program_calendar(patient: User) -> bytes:
    link = settings.BASE_URL.rstrip("/") + reverse("my_program")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    stamp = timezone.now()
    for session in own_sessions(patient):
        event = Event()
        event.add("uid", f"{session.pk}@stegvis")
        event.add("sequence", session.revision)
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", _("Session in Stegvis"))
        event.add("description", _("Details in Stegvis: {link}").format(link=link))
        event.add("url", link)
        if session.place:
            event.add("location", session.place)
        calendar.add_component(event)
    return calendar.to_ical()
