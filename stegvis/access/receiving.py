"""Records another system sends a unit about a patient (a certificate its record system
issued): the unit receives them only for a patient registered there, and each one received
is on the patient's log, named by the unit that received it."""

from stegvis.access.categories import Action, Category
from stegvis.accounts import national_id
from stegvis.accounts.models import Organisation, User
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.audit.models import Outcome

RECEIVED_BASIS = "received_from_system"


def registered_patient(unit: Organisation, number: national_id.NationalId) -> User | None:
    """The patient with this identity number if registered at `unit`, else None (whether
    the person is registered elsewhere or unknown, which the sender never learns)."""
    return (
        User.objects.filter(
            national_id_hash=national_id.lookup_hash(number),
            is_active=True,
            memberships__organisation=unit,
            memberships__role=Role.PATIENT,
        )
        .distinct()
        .first()
    )


def record_received(unit: Organisation, patient: User, *, object_type: str, object_id) -> None:
    """The unit received `object_id` about `patient` from another system: recorded in the
    caller's transaction, named by the unit."""
    audit.append(
        [
            audit.new_event(
                actor=None,
                actor_role="system",
                actor_organisation=unit,
                patient=patient,
                category=Category.SICK_LEAVE,
                action=Action.CREATE,
                outcome=Outcome.ALLOWED,
                basis=RECEIVED_BASIS,
                object_type=object_type,
                object_id=str(object_id),
            )
        ]
    )
