"""The plans app's rules and records (stegvis.access.rules): who writes the capacity
note, and how it is read."""

from stegvis.access.categories import Category
from stegvis.access.helpers import readable_cases
from stegvis.access.rules import NOT_HELD_BACK, PATIENT_ONLY, declare_record, only
from stegvis.accounts.roles import Role
from stegvis.cases.rules import NOTE_SHARED_WITH_READER
from stegvis.plans.models import PlanProposal
from stegvis.plans.selectors import versions_marked_held

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

CAPACITY_NOTE = declare_record(
    "plans.capacity_note",
    "A case's capacity note (looked for by its case), read as the patient's capacity; an "
    "employer reads it only when the patient shared it with them.",
    lambda user: readable_cases(),
    category=Category.CAPACITY,
    object_type="case",
    patient_field="patient",
    checks=[NOTE_SHARED_WITH_READER],
)

PLAN_VERSION = declare_record(
    "plans.version",
    "An earlier version of the plan, read as the patient's plan; one holding words of "
    "crisis waits for a person responsible.",
    lambda user: versions_marked_held(),
    category=Category.PLAN,
    object_type="plan_version",
    patient_field="plan__case__patient",
    checks=[NOT_HELD_BACK],
)

PROPOSAL_TO_ANSWER = declare_record(
    "plans.proposal_to_answer",
    "A change proposed to the plan, which only the patient accepts or declines.",
    lambda user: PlanProposal.objects.all(),
    category=Category.PLAN,
    object_type="plan_proposal",
    patient_field="plan__case__patient",
    checks=[PATIENT_ONLY],
)
