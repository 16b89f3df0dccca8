"""Object-level rules: asked about one object after the policy allowed its category.

The policy decides categories (may this reader see the patient's capacity at all?); some
objects add a rule of their own (the capacity note reaches an employer only when the patient
shared it with them). A failed check turns the decision into a refusal with the check's
reason, recorded once with that real outcome by the audited helpers.

Checks read attributes only, so this module imports no app's models.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from stegvis.access.categories import CARE_ROLES
from stegvis.accounts.roles import Role


@dataclass(frozen=True)
class Check:
    reason: str
    holds: Callable  # (user, decision, obj) -> bool
    # Refused as forbidden (403): the reader may see the object but not do this to it.
    # Otherwise refused as not found (404), so the object's existence does not leak.
    forbidden: bool = False


def role_in(roles: Iterable[str], reason="role_not_permitted", *, forbidden=True) -> Check:
    """Only these roles do the action (only physicians sign certificates)."""
    allowed = frozenset(roles)
    return Check(reason, lambda user, decision, obj: decision.role in allowed, forbidden)


def _note_shared_with_reader(user, decision, case) -> bool:
    if decision.role != Role.EMPLOYER_MANAGER:
        return True
    note = getattr(case, "capacity_note", None)
    # While the patient's words of crisis in it wait for the care team, it is not shared.
    held = getattr(case, "capacity_note_held", False)
    return bool(
        note
        and note.shared_at
        and note.shared_with
        and note.shared_with.user_id == user.pk
        and not held
    )


# The patient shares the capacity note with one employer; no other employer reads it.
NOTE_SHARED_WITH_READER = Check("note_not_shared", _note_shared_with_reader)

# The organiser and the care team run a meeting (minutes, the SIP plan, decisions).
RUNS_MEETING = Check(
    "not_running_meeting",
    lambda user, decision, meeting: meeting.organiser_id == user.pk or decision.role in CARE_ROLES,
    forbidden=True,
)


# A professional invited to a meeting answers the invitation (a fastlege may decline
# dialogue meeting 1); its organiser does not, and the patient's own say is in the meeting.
INVITED_TO_MEETING = Check(
    "not_invited",
    lambda user, decision, meeting: (
        decision.basis != "self"
        and meeting.organiser_id != user.pk
        and meeting.participants.filter(user=user).exists()
    ),
    forbidden=True,
)


# The object belongs to the reader themself (their own check-in, their own thread).
def _is_own(user, decision, obj) -> bool:
    return decision.basis == "self"


OWN = Check("not_own", _is_own)

# Only the patient answers their questionnaires; the care team sees them, answers none.
ANSWERED_BY_THE_PATIENT = Check("not_the_patient", _is_own, forbidden=True)

# Professionals' work on a case (calling meetings, setting tasks): not the patient's.
STAFF_ONLY = Check("patient_not_permitted", lambda user, decision, obj: decision.basis != "self")

# A patient's words of crisis are held back from everyone else until a person responsible
# has seen them (the object is marked `held_back`).
NOT_HELD_BACK = Check(
    "held_back", lambda user, decision, obj: decision.basis == "self" or not obj.held_back
)

# Who works the coach queue and handles its flags.
QUEUE_ROLES = (Role.COACH, Role.REHAB_COORDINATOR, Role.PHYSICIAN)
WORKS_QUEUE = role_in(QUEUE_ROLES, "not_on_queue", forbidden=False)
