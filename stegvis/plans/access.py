"""Resolving the capacity note through the access helpers (decided and audited)."""

from stegvis.access.categories import Action, Category
from stegvis.access.checks import NOTE_SHARED_WITH_READER
from stegvis.access.helpers import get_case_for
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case
from stegvis.plans.models import CapacityNote
from stegvis.plans.selectors import capacity_note_of

# Patient and physician write the note together (docs/law-and-guidance.md §6).
NOTE_EDITORS = frozenset({Role.PATIENT, Role.PHYSICIAN})


def get_note_for(
    user: User, case_id, *, action: str = Action.VIEW, roles=None
) -> tuple[Case, CapacityNote]:
    """The case and its capacity note, one recorded decision: the policy's, then the
    note's own rule that only the employer the patient shared it with reads it."""
    case = get_case_for(
        user,
        case_id,
        category=Category.CAPACITY,
        action=action,
        roles=roles,
        checks=[NOTE_SHARED_WITH_READER],
    )
    return case, capacity_note_of(case)
