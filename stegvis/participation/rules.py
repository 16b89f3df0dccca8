"""The participation app's scope (stegvis.access.rules): where each person takes part in
developing the service. Patients propose to the units where they are patients,
representatives to the units of their network, staff to the units where they work, and a
participation facilitator runs the network of their unit or region and answers for its
units. The audited helpers that apply it are stegvis/access/participation.py."""

from dataclasses import dataclass

from stegvis.access.categories import CARE_ROLES, LOG_REVIEW_ROLES
from stegvis.access.rules import declare_scope
from stegvis.accounts.models import Organisation, User
from stegvis.accounts.roles import OrganisationKind, Role

STAFF_WHO_PROPOSE = CARE_ROLES | LOG_REVIEW_ROLES


@dataclass(frozen=True)
class ParticipationScope:
    kind: str  # "patient", "representative" or "staff" (facilitators are staff)
    units: frozenset[int]  # whose proposals and results the reader sees and may propose to
    facilitates: frozenset[int]  # the networks (unit or region) the reader facilitates
    answers_for: frozenset[int]  # units whose proposals the reader answers
    # Units where the reader works (a care or log-review role, or facilitating): the only
    # readers who may be shown an author's name, and only when the author allowed it.
    staff_at: frozenset[int] = frozenset()

    @property
    def is_facilitator(self) -> bool:
        return bool(self.facilitates)

    def is_staff_at(self, unit_id: int) -> bool:
        return unit_id in self.staff_at


def _units_under(organisation_ids) -> frozenset[int]:
    """The care units an organisation stands for: itself, or a region's units."""
    ids = set(organisation_ids)
    children = Organisation.objects.filter(
        parent_id__in=ids, kind=OrganisationKind.CARE_UNIT
    ).values_list("pk", flat=True)
    units = Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.CARE_UNIT).values_list(
        "pk", flat=True
    )
    return frozenset(children) | frozenset(units)


def _scope_of(user: User) -> ParticipationScope | None:
    memberships = user.memberships_cached()
    facilitates = frozenset(
        m.organisation_id for m in memberships if m.role == Role.PARTICIPATION_FACILITATOR
    )
    staff = frozenset(m.organisation_id for m in memberships if m.role in STAFF_WHO_PROPOSE)
    if facilitates:
        units = _units_under(facilitates)
        return ParticipationScope("staff", units, facilitates, units, units | staff)
    representative = getattr(user, "representative", None) if _has_representative(user) else None
    if representative is not None and representative.active:
        units = _units_under([representative.organisation_id])
        return ParticipationScope("representative", units, frozenset(), frozenset(), staff)
    if staff:
        return ParticipationScope("staff", staff, frozenset(), frozenset(), staff)
    patient_at = frozenset(m.organisation_id for m in memberships if m.role == Role.PATIENT)
    if patient_at:
        return ParticipationScope("patient", patient_at, frozenset(), frozenset())
    return None


def _has_representative(user: User) -> bool:
    return any(m.role == Role.PATIENT_REPRESENTATIVE for m in user.memberships_cached())


SCOPE = declare_scope(
    "participation.scope",
    "Patients take part at their units, representatives at their network's, staff where "
    "they work; a facilitator runs the network of their unit or region.",
    _scope_of,
)
