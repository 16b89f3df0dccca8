"""Django's database sessions, read with a query built once (stegvis/core/prepared.py):
every signed-in page starts by loading its session."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from stegvis.core.prepared import Prepared


def _unexpired(key, now):
    return Session.objects.filter(session_key=key, expire_date__gt=now)


UNEXPIRED_SESSION = Prepared(_unexpired)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        found = UNEXPIRED_SESSION.first(key=self.session_key, now=timezone.now())
        if found is None:
            self._session_key = None
        return found
