"""Figures from the extract stay the same until its next refresh, so each is computed once
and kept in the cache under the extract's version, the reader's scope and the question asked.

The door is passed first on every request (the views ask `get_statistics_scope`, which
records the reading); only the arithmetic is remembered. Cached answers hold no words, only
keys and numbers, so one answer serves every language.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import cache

from stegvis.insights.models import ExtractState
from stegvis.insights.rules import StatisticsScope

# The worker refreshes hourly; an answer outliving its version is never read again.
KEEP_SECONDS = 2 * 60 * 60


def extract_version() -> int:
    return ExtractState.objects.values_list("version", flat=True).first() or 0


def remembered[T](
    name: str, scope: StatisticsScope, question: tuple, compute: Callable[[], T]
) -> T:
    """`compute()`'s answer for this scope and question at the extract's current version."""
    signature = repr(
        (
            name,
            extract_version(),
            sorted(scope.units),
            scope.physicians,
            sorted(scope.region_units),
            scope.rows,
            question,
        )
    )
    key = "insights:" + hashlib.sha256(signature.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, KEEP_SECONDS)
    return found
