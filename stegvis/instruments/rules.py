"""The instruments app's rules (stegvis.access.rules): who asks for a questionnaire."""

from stegvis.access.rules import only
from stegvis.accounts.roles import Role

REQUESTERS = only(
    "instruments.requesters",
    [Role.PHYSICIAN, Role.REHAB_COORDINATOR, Role.MMR_CLINICIAN],
    "The care team asks the patient to answer a questionnaire.",
)
