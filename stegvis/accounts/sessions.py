"""Idle and absolute session limits, per kind of user."""

import time

from django.conf import settings

from stegvis.accounts.models import User

SESSION_STARTED = "stegvis_session_started"
SESSION_LAST_SEEN = "stegvis_last_seen"
# Refresh the idle clock at most this often, so reads do not all write the session row.
LAST_SEEN_RESOLUTION_SECONDS = 30


def limits_for(user: User) -> dict:
    kind = "staff" if user.is_staff_member else "patient"
    return settings.STEGVIS_SESSION_LIMITS[kind]


def session_expired(session, user: User, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    limits = limits_for(user)
    started = session.get(SESSION_STARTED, now)
    last_seen = session.get(SESSION_LAST_SEEN, now)
    return (
        now - last_seen > limits["idle"].total_seconds()
        or now - started > limits["absolute"].total_seconds()
    )


def touch(session, now: float | None = None) -> None:
    now = time.time() if now is None else now
    session.setdefault(SESSION_STARTED, now)
    if now - session.get(SESSION_LAST_SEEN, 0) >= LAST_SEEN_RESOLUTION_SECONDS:
        session[SESSION_LAST_SEEN] = now
