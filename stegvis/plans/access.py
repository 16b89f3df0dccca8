"""Resolving the capacity note through the access helpers (decided and audited)."""

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for
from stegvis.accounts.models import User
from stegvis.cases.models import Case
from stegvis.cases.rules import NOTE_SHARED_WITH_READER
from stegvis.plans.models import CapacityNote
from stegvis.plans.selectors import capacity_note_of


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
