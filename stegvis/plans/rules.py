"""The plans app's rules (stegvis.access.rules): who writes the capacity note."""

from stegvis.access.rules import only
from stegvis.accounts.roles import Role

# Patient and physician write the note together (docs/law-and-guidance.md §6).
NOTE_EDITORS = only(
    "plans.note_editors",
    [Role.PATIENT, Role.PHYSICIAN],
    "The patient and the physician write the capacity note together; others read it.",
)

EMPLOYER_ONLY = only(
    "plans.employer_only",
    [Role.EMPLOYER_MANAGER],
    "Only the patient's employer completes the employer's part of the plan.",
)
