"""Who sees which statistics. The analysis extract holds no name or number, but it is
still about people, so who reads it is decided here and recorded like any other access:
a unit manager sees their units' cases, with each physician's figures; a region's analyst
sees the units of the region and never a physician; a physician sees their own figures
against the region, on the pages made for that, and no unit's; nobody else sees any.
(Per-physician figures go no higher than the unit: Inera restricts them the same way.)

Rows, one per case, go only to a reader whose ceiling for pseudonymised rows holds every
category a row holds (categories.PSEUDONYMISED_CEILING): the region's analyst. Such a
reader's figures are computed from the same rows, so that no table can be set against the
rows to find who was left out of them."""

from dataclasses import dataclass

from stegvis.access.categories import PSEUDONYMISED_CEILING, ROLE_CEILING, Action, Category
from stegvis.access.helpers import refuse
from stegvis.accounts.models import Organisation, User
from stegvis.accounts.roles import OrganisationKind, Role
from stegvis.audit import audit
from stegvis.audit.models import Outcome
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


def row_ceiling(role: str) -> frozenset[str]:
    """The categories a role may hold in pseudonymised rows."""
    return PSEUDONYMISED_CEILING.get(role, ROLE_CEILING.get(role, frozenset()))


def _region_units(region_ids) -> frozenset[int]:
    return frozenset(
        Organisation.objects.filter(
            parent_id__in=region_ids, kind=OrganisationKind.CARE_UNIT
        ).values_list("pk", flat=True)
    )


def statistics_scope(user: User) -> StatisticsScope | None:
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


def get_statistics_scope(
    user: User,
    *,
    object_type: str,
    action: str = Action.VIEW,
    detail: str = "",
    own_figures: bool = False,
    holds: frozenset[str] | None = None,
):
    """The reader's scope, recorded as a read (or an export) of statistics with no patient
    named; anyone without one is refused, recorded too, as not found. A physician passes
    only where the page shows them their own figures (`own_figures`). An answer in rows
    names the categories a row `holds`: a reader whose ceiling for pseudonymised rows lacks
    any of them is refused the same way."""
    scope = statistics_scope(user) if user.is_authenticated else None
    if scope is not None and scope.own_physician and not own_figures:
        scope = None
    if scope is None:
        refuse(
            user,
            category=Category.IDENTITY,
            object_type=object_type,
            basis="no_statistics_role",
            action=action,
        )
    if holds is not None and not holds <= row_ceiling(scope.role):
        refuse(
            user,
            category=sorted(holds - row_ceiling(scope.role))[0],
            object_type=object_type,
            basis="rows_beyond_ceiling",
            action=action,
        )
    audit.append(
        [
            audit.new_event(
                actor=user,
                actor_role=scope.role,
                actor_organisation_id=scope.organisation_id,
                patient=None,
                category=Category.IDENTITY,
                action=action,
                outcome=Outcome.ALLOWED,
                basis="statistics:pseudonymised",
                object_type=object_type,
                object_id=detail[:64],
            )
        ]
    )
    return scope
