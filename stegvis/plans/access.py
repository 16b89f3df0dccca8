"""Resolving the capacity note: the case through the access helpers (decided and audited),
then the note's own rule that an employer reads it only when the patient shared it."""

from django.http import Http404

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for
from stegvis.access.policy import Decision
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.cases.models import Case
from stegvis.plans.models import CapacityNote
from stegvis.plans.services import capacity_note_for

# Patient and physician write the note together (domain.md §6).
NOTE_EDITORS = frozenset({Role.PATIENT, Role.PHYSICIAN})


def may_read_note(user: User, decision: Decision, note: CapacityNote | None) -> bool:
    """Only the patient shares the note with an employer: an employer reads it only when
    it is shared with them."""
    if decision.role != Role.EMPLOYER_MANAGER:
        return True
    return bool(
        note and note.shared_at and note.shared_with and note.shared_with.user_id == user.pk
    )


def get_note_for(
    user: User, case_id, *, action: str = Action.VIEW, roles=None
) -> tuple[Case, CapacityNote]:
    case = get_case_for(user, case_id, category=Category.CAPACITY, action=action, roles=roles)
    note = capacity_note_for(case)
    if not may_read_note(user, case.access_decision, note):
        raise Http404
    return case, note
