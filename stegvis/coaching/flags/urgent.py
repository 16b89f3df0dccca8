"""Urgent flags as a person responsible reads them: every word of crisis the patient wrote
under the flag, so that handling it releases only what the handler has seen.

A safety flag is raised by the first signal (a check-in, a message, a proposal…); a second
signal while it is open renews it and is answered under the same flag (stegvis.core.models
.HeldText keeps which flag). The card shows each of them the reader may read; the handling
form sends back the held texts it showed, and those alone are released
(flags.services.flag_handle).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.access.helpers import may_access
from stegvis.accounts.models import User
from stegvis.coaching.flags import OPEN, queue_filter_for_role
from stegvis.coaching.guidance import flag_rules
from stegvis.coaching.models import CheckIn, CoachFlag, CoachMessage
from stegvis.coaching.selectors import queue_patients, queue_role
from stegvis.core.crisis import object_id
from stegvis.core.models import HeldText


@dataclass(frozen=True)
class Trigger:
    """What can raise an urgent flag: its model, how to show what it said, and the category
    of the patient's data those words belong to (only a reader who may see that category
    reads them)."""

    model: type
    describe: Callable[[object], str]
    category: str


# Apps above the coach add their own (questionnaires register theirs when they are ready).
TRIGGERS = {
    "checkin": Trigger(CheckIn, lambda checkin: checkin.note, Category.CHECKINS),
    "coach_message": Trigger(CoachMessage, lambda message: message.body, Category.MESSAGES),
}


@dataclass
class UrgentFlag:
    """An open flag with what raised it and what came after, as one reader may see it."""

    flag: CoachFlag
    # The patient's own words, or the questionnaire answer, under the flag, oldest first
    # (only those the reader may read; empty when they are gone).
    triggers: list[str] = field(default_factory=list)
    # The held texts among them (HeldText pks): handling the flag releases these.
    shown_held: list[int] = field(default_factory=list)
    # What to do, when some of what raised it is not for this reader ("" otherwise).
    what_to_do: str = ""

    @property
    def overdue(self) -> bool:
        return self.flag.respond_by < timezone.now()


@dataclass(frozen=True)
class _Signal:
    kind: str
    source_id: str
    held: HeldText | None


def _signals(flags: list[CoachFlag]) -> dict[int, list[_Signal]]:
    """Per flag, what raised it and every later text answered under it, oldest first."""
    later = defaultdict(list)
    for held in HeldText.objects.filter(flag_id__in=[str(f.pk) for f in flags]).order_by(
        "held_at", "pk"
    ):
        later[held.flag_id].append(held)
    signals = {}
    for flag in flags:
        rows = later[str(flag.pk)]
        first = next(
            (h for h in rows if (h.source_type, h.source_id) == (flag.source_type, flag.source_id)),
            None,
        )
        found = [_Signal(flag.source_type, flag.source_id, first)]
        found += [_Signal(h.source_type, h.source_id, h) for h in rows if h is not first]
        signals[flag.pk] = [s for s in found if s.kind in TRIGGERS]
    return signals


def with_triggers(user: User, flags: list[CoachFlag], decided: dict | None = None):
    """`flags` as `user` reads them: each signal's words if `user` may see the part of the
    patient's data they belong to. One decision per patient and category (check-ins need
    none: only those who see them work flags); `decided` holds any the caller made."""
    decided = {} if decided is None else dict(decided)
    signals = _signals(flags)

    def readable(flag: CoachFlag, category: str) -> bool:
        key = (flag.patient_id, category)
        if category == Category.CHECKINS:
            return True
        if key not in decided:
            decided[key] = may_access(user, flag.patient, category=category,
                                      object_type="urgent_flags")  # fmt: skip
        return decided[key]

    wanted = defaultdict(set)
    for flag in flags:
        for signal in signals[flag.pk]:
            if readable(flag, TRIGGERS[signal.kind].category):
                wanted[signal.kind].add(object_id(signal.source_id))
    texts = {
        (kind, str(source.pk)): TRIGGERS[kind].describe(source)
        for kind, ids in wanted.items()
        for source in TRIGGERS[kind].model.objects.filter(pk__in=ids)
    }
    advice = flag_rules().what_to_do
    shown = []
    for flag in flags:
        urgent = UrgentFlag(flag)
        described = set()  # a text edited in place is shown once, as it stands now
        for signal in signals[flag.pk]:
            if object_id(signal.source_id) not in wanted[signal.kind]:
                urgent.what_to_do = str(advice.get(flag.kind, ""))
                continue
            key = (signal.kind, object_id(signal.source_id))
            if texts.get(key) and key not in described:
                urgent.triggers.append(texts[key])
                described.add(key)
            if signal.held is not None and signal.held.held:
                urgent.shown_held.append(signal.held.pk)
        shown.append(urgent)
    return shown


def urgent_flags_for(user: User) -> list[UrgentFlag]:
    """Open urgent flags on the user's work queue, the earliest response target first,
    each with what raised it (a fixed number of queries)."""
    return with_triggers(user, list(queue_flags(user).filter(urgent=True)[:20]))


def queue_flags(user: User):
    """The open flags on the user's work queue, the earliest response target first (none
    for a reader without a queue)."""
    role = queue_role(user)
    if role is None:
        return CoachFlag.objects.none()
    return (
        CoachFlag.objects.filter(
            Q(status__in=OPEN) & queue_filter_for_role(role),
            patient__in=queue_patients(user).values("pk"),
        )
        .select_related("patient")
        .order_by("respond_by")
    )
