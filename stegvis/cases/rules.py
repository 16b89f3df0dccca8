"""The cases app's rules (stegvis.access.rules): who writes certificates and marks duties."""

from stegvis.access.rules import declare, only
from stegvis.accounts.roles import Role
from stegvis.cases.deadlines import responsible_for
from stegvis.cases.timelines import roles_that_mark

CERTIFIERS = only(
    "cases.certifiers", [Role.PHYSICIAN], "Only physicians write, sign and correct certificates."
)

CASE_EDITORS = only(
    "cases.case_editors",
    [Role.PHYSICIAN, Role.REHAB_COORDINATOR],
    "Only the physician and the rehabilitation coordinator change a case's details.",
)

WRITTEN_HERE = declare(
    "cases.written_here",
    "A certificate another system issued is corrected there, never here.",
    lambda user, decision, certificate: certificate.created_by_id is not None,
    reason="issued_elsewhere",
    forbidden=True,
)


def _marks_duty(user, decision, case, *, duties) -> bool:
    rule = duties.get(case.jurisdiction)
    return rule is not None and decision.role in roles_that_mark(
        responsible_for(rule, case.employment)
    )


# Given the duty's rule per jurisdiction: MARKS_DUTY.given(duties=…).
MARKS_DUTY = declare(
    "cases.marks_duty",
    "A duty of the rehabilitation chain is marked done by its responsible party (by the "
    "case's country and the patient's employment) or the coordinator.",
    _marks_duty,
    reason="not_responsible_for_duty",
    forbidden=True,
)


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


# Asked of the case the note belongs to (the case page shows whether there is one to read).
NOTE_SHARED_WITH_READER = declare(
    "cases.note_shared_with_reader",
    "The patient shares the capacity note with one employer; no other employer reads it.",
    _note_shared_with_reader,
    reason="note_not_shared",
)
