"""The audit trail partitioned by month on PostgreSQL (region scale: 10^8 events a year).

One partition per calendar month of `occurred_at` (UTC), named access_accessevent_YYYY_MM,
and a default partition that catches an event no month partition holds yet, so an insert
is never refused. The worker creates the coming months ahead (`ensure_partitions`), so the
default partition stays empty; a month can then be detached, archived and dropped whole
when the law's retention period has passed, without touching the append-only trigger of
the months still kept.

A partitioned table's keys must include the partition key: the primary key is
(id, occurred_at) and the seal's uniqueness is (hash, occurred_at). Nothing may refer to an
event by id alone with a foreign key, so the log reviews' link to the events they sampled
keeps its column without the constraint (an event is never deleted: the trigger refuses).
SQLite keeps one table.
"""

import logging
from datetime import UTC, date, datetime

from django.db import OperationalError, transaction
from django.db import connection as default_connection

TABLE = "access_accessevent"
DEFAULT = f"{TABLE}_default"
MONTHS_AHEAD = 3

logger = logging.getLogger(__name__)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_{month.year:04d}_{month.month:02d}"


def is_partitioned(connection=default_connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        return cursor.fetchone() is not None


def existing_partitions(connection=default_connection) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits"
            " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
            " WHERE pg_inherits.inhparent = %s::regclass ORDER BY child.relname",
            [TABLE],
        )
        return [name for (name,) in cursor.fetchall()]


def _held_by_default(cursor, start: date, end: date) -> bool:
    cursor.execute(
        f'SELECT 1 FROM "{DEFAULT}" WHERE occurred_at >= %s AND occurred_at < %s LIMIT 1',  # noqa: S608
        [
            datetime(start.year, start.month, 1, tzinfo=UTC),
            datetime(end.year, end.month, 1, tzinfo=UTC),
        ],
    )
    return cursor.fetchone() is not None


def ensure_partitions(
    today: date | None = None, since: date | None = None, connection=default_connection
) -> list[str]:
    """Create the month partitions from `since` (default: this month) to MONTHS_AHEAD
    months after `today`; returns those created. Nothing on SQLite or an unpartitioned table.

    A month whose events already sit in the default partition (the worker was stopped for
    longer than MONTHS_AHEAD) cannot get its own partition: it is logged and left there,
    kept and verified like any other, until an operator moves it."""
    if not is_partitioned(connection):
        return []
    today = today or datetime.now(UTC).date()
    month = _month_start(since or today)
    last = _month_start(today)
    for _ in range(MONTHS_AHEAD):
        last = _next_month(last)
    existing = set(existing_partitions(connection))
    created = []
    with connection.cursor() as cursor:
        while month <= last:
            name, following = partition_name(month), _next_month(month)
            if name not in existing and _held_by_default(cursor, month, following):
                logger.error("Audit events of %s are in the default partition", name)
            elif name not in existing:
                # The bounds are dates this function made, not input; DDL takes no parameters.
                cursor.execute(
                    f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF "{TABLE}"'
                    f" FOR VALUES FROM ('{month.isoformat()} 00:00+00')"
                    f" TO ('{following.isoformat()} 00:00+00')"
                )
                created.append(name)
            month = following
    return created


# The unpartitioned table becomes the partitioned one: same columns, defaults and identity.
CONVERT = [
    f'ALTER TABLE "{TABLE}" RENAME TO "{TABLE}_unpartitioned"',
    f'CREATE TABLE "{TABLE}" (LIKE "{TABLE}_unpartitioned" INCLUDING DEFAULTS'
    " INCLUDING IDENTITY INCLUDING CONSTRAINTS) PARTITION BY RANGE (occurred_at)",
    f'ALTER TABLE "{TABLE}" ADD PRIMARY KEY (id, occurred_at)',
    f'CREATE TABLE "{DEFAULT}" PARTITION OF "{TABLE}" DEFAULT',
]
COPY = [
    # The names are this module's constants, never input (S608).
    f'INSERT INTO "{TABLE}" OVERRIDING SYSTEM VALUE SELECT * FROM "{TABLE}_unpartitioned"',  # noqa: S608
    f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'),"  # noqa: S608
    f' (SELECT COALESCE(MAX(id), 0) + 1 FROM "{TABLE}"), false)',
    # CASCADE drops the log reviews' foreign key to the old table (see the module's text).
    f'DROP TABLE "{TABLE}_unpartitioned" CASCADE',
]
# Built after the copy (faster), under the names Django gave them on the old table.
INDEXES = [
    f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_hash_key" UNIQUE (hash, occurred_at)',
    f'CREATE INDEX access_acce_patient_4649e2_idx ON "{TABLE}" (patient_id, occurred_at DESC)',
    f'CREATE INDEX access_acce_actor_i_b1b727_idx ON "{TABLE}" (actor_id, occurred_at DESC)',
    f'CREATE INDEX access_acce_occurre_41d5a9_idx ON "{TABLE}" (occurred_at)',
    f'CREATE INDEX "{TABLE}_actor_organisation_id" ON "{TABLE}" (actor_organisation_id)',
    *(
        f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_{column}_fk" FOREIGN KEY ({column})'
        f" REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
        for column, target in (
            ("actor_id", "accounts_user"),
            ("patient_id", "accounts_user"),
            ("actor_organisation_id", "accounts_organisation"),
        )
    ),
]


def partition_the_audit_trail(schema_editor, append_only: list[str]) -> None:
    """The migration's work on PostgreSQL: convert the table, create a partition for every
    month from the oldest event's to MONTHS_AHEAD ahead, move the events, index them, and
    make every partition, present and future, append-only again (`append_only`: the
    statements creating the trigger, which now sits on the partitioned table)."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or is_partitioned(connection):
        return
    for statement in CONVERT:
        schema_editor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT MIN(occurred_at) FROM "{TABLE}_unpartitioned"')  # noqa: S608
        (oldest,) = cursor.fetchone()
    since = oldest.astimezone(UTC).date() if oldest else None
    ensure_partitions(since=since, connection=connection)
    for statement in [*COPY, *INDEXES, *append_only]:
        schema_editor.execute(statement)


def detach_month(
    month: date,
    connection=default_connection,
    lock_timeout: str = "2s",
    attempts: int = 30,
    on_detached=None,
) -> str:
    """Detach a past month's partition from the trail, to be archived (`pg_dump -t`) and
    dropped by an operator once its retention period has passed; returns its table's name.

    DETACH takes the trail's strongest lock for an instant, and cannot be done
    CONCURRENTLY while a default partition exists. Every request that audits would queue
    behind a DETACH waiting for that lock, so it waits at most `lock_timeout` at a time and
    tries again. Only the oldest month goes, so that what is kept is one stretch of the
    chain; `on_detached(name)` runs in the DETACH's transaction (the chain's record of where
    the kept chain begins: `audit.detach_oldest_month`)."""
    if not is_partitioned(connection):
        raise ValueError("Only a partitioned audit trail (PostgreSQL) has months to detach.")
    if month >= _month_start(datetime.now(UTC).date()):
        raise ValueError("Only a month that has ended can be detached.")
    name = partition_name(_month_start(month))
    months = [p for p in existing_partitions(connection) if p != DEFAULT]
    if name not in months:
        raise ValueError(f"{name} is not a partition of the audit trail.")
    if name != months[0]:
        raise ValueError(f"Detach the oldest month first ({months[0]}): the chain is kept whole.")

    def detach() -> str:
        # SET LOCAL: the timeout ends with the transaction (behind a pooler too).
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{lock_timeout}'")
            cursor.execute(f'ALTER TABLE "{TABLE}" DETACH PARTITION "{name}"')
            if on_detached:
                on_detached(name)
        return name

    for _attempt in range(attempts - 1):
        try:
            return detach()
        except OperationalError:  # the lock was not had in time: someone held the trail
            logger.warning("Detaching %s waited %s for the trail's lock", name, lock_timeout)
    return detach()  # the last attempt's error is the caller's
