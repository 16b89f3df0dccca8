"""The coaching app's rules (stegvis.access.rules): who works the coach queue."""

from stegvis.access.rules import only
from stegvis.accounts.roles import Role

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
