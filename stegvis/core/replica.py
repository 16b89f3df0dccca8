"""Reads that may go to a streaming replica: the insights, their exports and the bulk FHIR
`$export`, the heavy reads that do not need the newest second.

With `DATABASE_REPLICA_URL` set, the reads inside `replica_reads()` (or a view decorated with
`reads_from_replica`) go to the database alias "replica"; every write, and every read
outside, goes to the primary. A replica never answers from before the moment the read began:
it first waits until the replica has replayed the primary's log up to now, so a consent
withdrawn or a membership ended just before is gone there too. If it has not caught up within
`STEGVIS_REPLICA_WAIT` seconds, the reads stay on the primary.
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_on_replica: ContextVar[bool] = ContextVar("stegvis_replica_reads", default=False)


def configured() -> bool:
    return REPLICA in connections.databases


def _caught_up() -> bool:
    """Whether the replica has replayed the primary's log up to this moment (waiting a little)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        now = cursor.fetchone()[0]
    deadline = time.monotonic() + settings.STEGVIS_REPLICA_WAIT
    with connections[REPLICA].cursor() as cursor:
        while True:
            # A database not in recovery (a test's mirror of the primary) is always current.
            cursor.execute(
                "SELECT COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, NOT pg_is_in_recovery())",
                [now],
            )
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)


@contextmanager
def replica_reads():
    """Send the reads inside to the replica, when there is one and it has caught up."""
    if _on_replica.get() or not configured():
        yield
        return
    token = _on_replica.set(_caught_up())
    try:
        yield
    finally:
        _on_replica.reset(token)


def reads_from_replica(view):
    @wraps(view)
    def reading(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return reading


def reading_from_replica() -> bool:
    return _on_replica.get()


class ReplicaRouter:
    """The database router (settings.DATABASE_ROUTERS)."""

    def db_for_read(self, model, **hints):
        return REPLICA if _on_replica.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        # Explicitly the primary: a row read on the replica is saved to the primary.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
