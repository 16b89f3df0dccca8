"""The network app's records (stegvis.access.rules): a member of a patient's network and a
consent, each read as the patient's network."""

from stegvis.access.categories import Category
from stegvis.access.rules import declare_record
from stegvis.network.models import Consent
from stegvis.network.selectors import members_with_their_people

NETWORK_MEMBER = declare_record(
    "network.member",
    "A member of a patient's network, with their person and organisation.",
    lambda user: members_with_their_people(),
    category=Category.NETWORK,
    object_type="networkmember",
    patient_field="patient",
)

CONSENT = declare_record(
    "network.consent",
    "A consent the patient granted a member of their network.",
    lambda user: Consent.objects.all(),
    category=Category.NETWORK,
    object_type="consent",
    patient_field="patient",
)
