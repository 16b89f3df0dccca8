"""The insights app's scope (stegvis.access.rules): whose figures each person reads. A
unit manager reads their units' figures, with each physician's (pseudonymous); a region's
analyst the region's units and never a physician; a physician their own figures against
the region's. The audited helper that applies it is stegvis/access/statistics.py."""

from dataclasses import dataclass

from stegvis.access.categories import PSEUDONYMISED_CEILING
from stegvis.access.rules import declare_scope
from stegvis.accounts.models import Organisation, User
from stegvis.accounts.roles import OrganisationKind, Role
from stegvis.core.pseudonyms import pseudonym


@dataclass(frozen=True)
class StatisticsScope:
    role: str
    organisation_id: int
    units: frozenset[int]  # whose figures the reader sees, by name
    physicians: bool  # per-physician figures (pseudonymous) within those units
    # The region's units a comparison is made against (shown as unnamed points).
    region_units: frozenset[int]
    # A physician reading their own figures: their pseudonym in the extract.
    own_physician: str = ""
    # Holds the region's pseudonymised rows, and sees figures computed from those rows.
    rows: bool = False


def _region_units(region_ids) -> frozenset[int]:
    return frozenset(
        Organisation.objects.filter(
            parent_id__in=region_ids, kind=OrganisationKind.CARE_UNIT
        ).values_list("pk", flat=True)
    )


def unit_scope(unit_id: int) -> StatisticsScope:
    """The figures of one unit as its own manager reads them: for a reader of figures about
    the unit who holds no scope of their own (the participation facilitator's impact report),
    so that they read only what that protected table already shows."""
    parent = Organisation.objects.filter(pk=unit_id).values_list("parent_id", flat=True).first()
    units = frozenset({unit_id})
    around = _region_units([parent]) if parent else frozenset()
    return StatisticsScope(Role.UNIT_MANAGER, unit_id, units, True, units | around)


def _scope_of(user: User) -> StatisticsScope | None:
    memberships = user.memberships_cached()
    managed = [m.organisation for m in memberships if m.role == Role.UNIT_MANAGER]
    if managed:
        units = frozenset(unit.pk for unit in managed)
        regions = {unit.parent_id for unit in managed if unit.parent_id}
        return StatisticsScope(
            Role.UNIT_MANAGER, managed[0].pk, units, True, units | _region_units(regions)
        )
    regions = [m.organisation_id for m in memberships if m.role == Role.REGION_ANALYST]
    if regions:
        units = _region_units(regions)
        return StatisticsScope(
            Role.REGION_ANALYST,
            regions[0],
            units,
            False,
            units,
            rows=Role.REGION_ANALYST in PSEUDONYMISED_CEILING,
        )
    practices = [m.organisation for m in memberships if m.role == Role.PHYSICIAN]
    if practices:
        regions = {unit.parent_id for unit in practices if unit.parent_id}
        around = frozenset(unit.pk for unit in practices) | _region_units(regions)
        return StatisticsScope(
            Role.PHYSICIAN,
            practices[0].pk,
            frozenset(),
            False,
            around,
            own_physician=pseudonym("physician", user.pk),
        )
    return None


SCOPE = declare_scope(
    "insights.scope",
    "A unit manager reads their units' figures, an analyst the region's without physicians, "
    "a physician their own against the region.",
    _scope_of,
)
