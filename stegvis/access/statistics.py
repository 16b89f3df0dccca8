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

from stegvis.access.categories import PSEUDONYMISED_CEILING, ROLE_CEILING, Action, Category
from stegvis.access.helpers import refuse
from stegvis.access.reader import reader_for
from stegvis.accounts.models import User
from stegvis.audit import audit
from stegvis.audit.models import Outcome


def row_ceiling(role: str) -> frozenset[str]:
    """The categories a role may hold in pseudonymised rows."""
    return PSEUDONYMISED_CEILING.get(role, ROLE_CEILING.get(role, frozenset()))


STATISTICS = "insights.scope"  # declared by stegvis/insights/rules.py


def statistics_scope(user: User):
    """Whose figures the reader sees (insights.rules.StatisticsScope), or None."""
    return reader_for(user).scope(STATISTICS)


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
    scope = statistics_scope(user)
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
