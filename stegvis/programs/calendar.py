"""The participant's program sessions as a calendar file (RFC 5545, built with icalendar).

Like a meeting's invitation it carries no health data: "Session in Stegvis", the time, the
place and a link; not the program's name, the topic or the team, because a calendar is read
on lock screens and shared calendars."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from stegvis.accounts.models import User
from stegvis.coordination.ics import new_calendar, plain_event
from stegvis.programs.selectors import own_sessions

PRODID = "-//Stegvis//Programs//EN"


def program_calendar(patient: User) -> bytes:
    """Every session of the patient's programs; a cancelled one stays, marked cancelled, so
    a calendar that imported it before drops it."""
    link = settings.BASE_URL.rstrip("/") + reverse("my_program")
    calendar = new_calendar(PRODID)
    for session in own_sessions(patient):
        calendar.add_component(
            plain_event(
                uid=session.pk,
                sequence=session.revision,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                summary=_("Session in Stegvis"),
                link=link,
                place=session.place,
                cancelled=session.cancelled,
            )
        )
    return calendar.to_ical()
