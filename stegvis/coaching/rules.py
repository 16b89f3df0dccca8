"""The coaching app's rules and records (stegvis.access.rules): who works the coach queue,
and how a check-in and a flag are read."""

from stegvis.access.categories import Category
from stegvis.access.rules import declare_record, only
from stegvis.accounts.roles import Role
from stegvis.coaching.models import CheckIn, CoachFlag

# In this order a person working the queue is taken to work it (coach first).
QUEUE_ROLES = (Role.COACH, Role.REHAB_COORDINATOR, Role.PHYSICIAN)

WORKS_QUEUE = only(
    "coaching.works_queue",
    QUEUE_ROLES,
    "The coach, the rehabilitation coordinator and the physician work the coach queue and "
    "handle its flags.",
    reason="not_on_queue",
    forbidden=False,
)

CHECKIN = declare_record(
    "coaching.checkin",
    "A check-in with the digital coach, read as the patient's check-ins.",
    lambda user: CheckIn.objects.all(),
    category=Category.CHECKINS,
    object_type="checkin",
    patient_field="patient",
)

FLAG = declare_record(
    "coaching.flag",
    "A flag on the coach queue (a missed check-in, a worsening, words of crisis), read as "
    "the patient's check-ins.",
    lambda user: CoachFlag.objects.all(),
    category=Category.CHECKINS,
    object_type="coach_flag",
    patient_field="patient",
)
