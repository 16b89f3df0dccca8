"""What the header of every signed-in page counts (unread notifications and messages),
which of its links the reader's roles lead somewhere, and the crisis words a patient's
pages carry."""

from stegvis.accounts.models import User
from stegvis.accounts.roles import NETWORK_ROLES
from stegvis.coaching.guidance import crisis_words
from stegvis.coordination.selectors import unread_in_own_threads
from stegvis.core.prepared import Prepared, counted
from stegvis.notifications.selectors import unread


def _badges(user):
    counts = {"unread_notifications": unread(user), "unread_messages": unread_in_own_threads(user)}
    return (
        User.objects.filter(pk=user)
        .annotate(**{name: counted(rows) for name, rows in counts.items()})
        .values_list(*counts)
    )


# Asked on every page, both counts in one statement (stegvis/core/prepared.py).
BADGES = Prepared(_badges)


def unread_counts(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    found = BADGES.rows(user=user.pk)
    notifications, messages = found[0] if found else (0, 0)
    return {"unread_notifications": notifications, "unread_messages": messages}


def menu(request) -> dict:
    """Messages, meetings and tasks are about one patient's way back: the menu offers them to
    the patient and to those who work with one patient at a time, not to managers, analysts,
    facilitators or representatives."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"works_with_patients": user.is_patient or bool(user.roles & NETWORK_ROLES)}


def crisis_rules(request) -> dict:
    """A patient's every page carries the crisis words (under a kilobyte), so anything she
    writes with no connection still opens the crisis lines at once (core/js/app.js)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_patient:
        return {}
    return {"crisis_words": crisis_words()}
