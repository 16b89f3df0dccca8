"""After each refresh of the extract, a worker computes the figures every reader of insights
will ask for, so that the first reader of a new version waits no longer than the second.

A figure is remembered under the extract's version and the reader's scope (remembered.py),
so the worker needs the scopes only: every unit manager's and region analyst's, each
distinct one once. Nothing is read about any patient beyond the pseudonymised extract, and
nothing is shown to anyone, so nothing is recorded; each reader's own reading still is.
"""

from stegvis.access.statistics import statistics_scope
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.insights import published, release
from stegvis.insights.rules import StatisticsScope
from stegvis.insights.variation import INDICATORS

READERS = (Role.UNIT_MANAGER, Role.REGION_ANALYST)


def readers_scopes() -> list[StatisticsScope]:
    """The scope of each active unit manager and region analyst, the same scope once."""
    people = User.objects.filter(is_active=True, memberships__role__in=READERS).distinct()
    found: dict[tuple, StatisticsScope] = {}
    for person in people.order_by("pk"):
        scope = statistics_scope(person)
        if scope is not None:
            key = (scope.units, scope.physicians, scope.region_units, scope.rows)
            found.setdefault(key, scope)
    return list(found.values())


def warm() -> int:
    """Compute what the insights pages read for every reader's scope; how many scopes."""
    scopes = readers_scopes()
    for scope in scopes:
        release.level_of(scope)
        published.figures(scope)
        published.curves(scope)
        for code in INDICATORS:
            for by_physician in {False, scope.physicians}:
                published.variation_of(scope, code, by_physician)
    return len(scopes)
