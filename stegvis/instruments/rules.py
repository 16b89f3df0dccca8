"""The instruments app's rules and records (stegvis.access.rules): who asks for a
questionnaire, and how one is read."""

from stegvis.access.categories import Category
from stegvis.access.rules import declare_record, only
from stegvis.accounts.roles import Role
from stegvis.instruments.models import Administration

REQUESTERS = only(
    "instruments.requesters",
    [Role.PHYSICIAN, Role.REHAB_COORDINATOR, Role.MMR_CLINICIAN],
    "The care team asks the patient to answer a questionnaire.",
)

ADMINISTRATION = declare_record(
    "instruments.administration",
    "A questionnaire asked of the patient, and their answers, read as their questionnaires.",
    lambda user: Administration.objects.all(),
    category=Category.QUESTIONNAIRES,
    object_type="administration",
    patient_field="patient",
)
