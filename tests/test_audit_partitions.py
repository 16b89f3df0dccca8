"""The audit trail partitioned by month on PostgreSQL: the migration, the worker's months
ahead, and every event in the partition of its month. On SQLite one table stays."""

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from stegvis.audit import audit, partitions
from stegvis.audit.models import AccessEvent, AuditChainOrigin, Outcome


def test_month_partitions_are_named_and_counted_by_calendar_month():
    assert partitions.partition_name(date(2026, 12, 1)) == "access_accessevent_2026_12"
    assert partitions._next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert partitions._next_month(date(2027, 1, 1)) == date(2027, 2, 1)


def _event(patient, at: datetime) -> AccessEvent:
    return audit.new_event(
        actor=None, actor_role="system", patient=patient, category="identity", action="view",
        outcome=Outcome.ALLOWED, basis="test", object_type="patient", object_id=patient.pk,
        occurred_at=at,
    )  # fmt: skip


def _partition_of(event: AccessEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM access_accessevent WHERE id = %s", [event.pk]
        )
        return cursor.fetchone()[0]


if connection.vendor != "postgresql":

    def test_sqlite_keeps_one_table_and_the_worker_has_nothing_to_make():
        assert not partitions.is_partitioned()
        assert partitions.ensure_partitions() == []

else:

    def test_each_event_lands_in_the_partition_of_its_month(personas):
        now = datetime.now(UTC)
        assert partitions.is_partitioned()
        names = set(partitions.existing_partitions())
        assert partitions.partition_name(now.date().replace(day=1)) in names
        assert partitions.DEFAULT in names
        (current,) = audit.append([_event(personas.patient, now)])
        assert _partition_of(current) == partitions.partition_name(now.date())
        # A month no partition holds yet is kept, in the default partition, never refused.
        (old,) = audit.append([_event(personas.patient, datetime(1999, 5, 2, tzinfo=UTC))])
        assert _partition_of(old) == partitions.DEFAULT
        assert audit.verify().ok

    def test_the_worker_makes_the_coming_months_once(db):
        far = date(2031, 2, 14)
        created = partitions.ensure_partitions(today=far)
        assert created == [
            partitions.partition_name(date(2031, month, 1)) for month in (2, 3, 4, 5)
        ]
        assert partitions.ensure_partitions(today=far) == []

    def test_a_month_already_in_the_default_partition_is_left_there(personas, caplog):
        # The worker was stopped for longer than the months it makes ahead.
        (late,) = audit.append([_event(personas.patient, datetime(2040, 3, 5, tzinfo=UTC))])
        assert _partition_of(late) == partitions.DEFAULT
        created = partitions.ensure_partitions(today=date(2040, 2, 20))
        assert created == [partitions.partition_name(date(2040, month, 1)) for month in (2, 4, 5)]
        assert "access_accessevent_2040_03 are in the default partition" in caplog.text
        assert _partition_of(late) == partitions.DEFAULT
        assert audit.verify().ok

    def test_every_partition_stays_append_only(personas):
        (event,) = audit.append([_event(personas.patient, datetime.now(UTC))])
        for sealed in (False, True):  # before the sealer has been, and after
            with pytest.raises(DatabaseError), transaction.atomic():
                AccessEvent.objects.filter(pk=event.pk).update(outcome="denied")
            with pytest.raises(DatabaseError), transaction.atomic():
                AccessEvent.objects.filter(pk=event.pk).delete()
            assert audit.seal() == (0 if sealed else 1)

    def test_the_oldest_month_is_detached_whole_and_the_kept_chain_verifies(
        personas, audit_checkpoints
    ):
        partitions.ensure_partitions(today=date(2019, 5, 20), since=date(2019, 4, 1))
        april = [_event(personas.patient, datetime(2019, 4, day, tzinfo=UTC)) for day in (8, 9)]
        may = _event(personas.patient, datetime(2019, 5, 3, tzinfo=UTC))
        (old, older, kept_in_may) = audit.append([*april, may])
        (kept,) = audit.append([_event(personas.patient, datetime.now(UTC))])
        audit.checkpoint()  # seals them, April's first
        with pytest.raises(ValueError, match="oldest month first"):
            partitions.detach_month(date(2019, 5, 1))
        assert audit.detach_oldest_month(date(2019, 4, 1)) == "access_accessevent_2019_04"
        assert "access_accessevent_2019_04" not in partitions.existing_partitions()
        assert set(AccessEvent.objects.filter(patient=personas.patient)) == {kept_in_may, kept}
        with connection.cursor() as cursor:  # kept as a table of its own, to be archived
            cursor.execute("SELECT id FROM access_accessevent_2019_04 ORDER BY id")
            assert cursor.fetchall() == [(old.pk,), (older.pk,)]
        # The whole chain is verified from the newest event detached, against the
        # checkpoints after it.
        origin = AuditChainOrigin.objects.get()
        assert origin.kept_from["last_id"] == older.pk
        result = audit.verify()
        assert result.ok and result.checked == AccessEvent.objects.count()
        # That record is signed: moved on, it is found.
        AuditChainOrigin.objects.update(kept_from={**origin.kept_from, "count": 1})
        assert "not signed" in audit.verify().reason
        with pytest.raises(DatabaseError), transaction.atomic():
            AccessEvent.objects.filter(pk=kept.pk).delete()
        with pytest.raises(ValueError, match="has ended"):
            partitions.detach_month(datetime.now(UTC).date())

    def test_what_a_detached_month_leaves_before_the_cut_is_signed_into_it(
        personas, audit_checkpoints
    ):
        partitions.ensure_partitions(today=date(2019, 5, 20), since=date(2019, 4, 1))
        # May's first event is sealed before April's: it stays, before the cut in the chain.
        (early_in_may,) = audit.append([_event(personas.patient, datetime(2019, 5, 2, tzinfo=UTC))])
        audit.seal()
        april = [_event(personas.patient, datetime(2019, 4, day, tzinfo=UTC)) for day in (8, 9)]
        audit.append(april)
        with pytest.raises(ValueError, match="not yet sealed"):
            audit.detach_oldest_month(date(2019, 4, 1))
        assert "access_accessevent_2019_04" in partitions.existing_partitions()
        audit.checkpoint()  # at April's last event: where the cut will be
        audit.append([_event(personas.patient, datetime.now(UTC))])
        audit.checkpoint()
        audit.detach_oldest_month(date(2019, 4, 1))
        kept_from = AuditChainOrigin.objects.get().kept_from
        assert kept_from["count"] == 3 and kept_from["left_behind"].startswith("1:")
        result = audit.verify()
        # The newest event is recomputed from the cut, against the one checkpoint after it.
        assert result.ok and (result.checked, result.checkpoints) == (1, 1), result
        # An event slipped in before the cut, fitting its own seal, is found.
        row = AccessEvent.objects.filter(pk=early_in_may.pk).values(*audit.CHAIN_FIELDS).get()
        forged = {**row, "object_id": "slipped in", "previous_hash": row["hash"]}
        forged["hash"] = audit.event_digest(forged["previous_hash"], forged, row["key_id"])
        del forged["pk"]
        AccessEvent.objects.create(**forged, chain_position=2)
        assert "added or removed" in audit.verify().reason

    # Before the migration: events of three months, sealed as the code of the time sealed
    # them (in id order, under the head's lock), with the models of the time.
    WRITE_EVENTS = """
import django, json
django.setup()
from datetime import datetime, UTC
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from stegvis.audit import audit, sealing
from stegvis.audit.models import GENESIS_HASH
state = MigrationLoader(connection).project_state(("access", "0008_region_analyst_role"))
Event = state.apps.get_model("access", "AccessEvent")
previous, key, ids = GENESIS_HASH, sealing.current_key_id(), []
# Only the access app and what it needs are migrated yet: events about no one.
for at in (datetime(2025, 3, 9, tzinfo=UTC), datetime(2026, 1, 31, 23, 30, tzinfo=UTC),
           datetime.now(UTC)):
    content = dict(occurred_at=at, actor_id=None, actor_role="system", patient_id=None,
                   actor_organisation_id=None, category="identity", action="view",
                   outcome="allowed", basis="test", object_type="test", object_id="before",
                   request_id="", client_address=None)
    digest = audit.event_digest(previous, content, key)
    ids.append(Event.objects.create(previous_hash=previous, hash=digest, key_id=key,
                                    **content).pk)
    previous = digest
state.apps.get_model("access", "AuditChainHead").objects.filter(pk=1).update(
    last_hash=previous, last_event_id=ids[-1], event_count=len(ids))
print(json.dumps(ids))
"""
    # After it: where they are, whether the chain still holds, and that writing goes on.
    CHECK = """
import django, json
django.setup()
from datetime import datetime, UTC
from django.db import connection
from stegvis.access.models import LogReview
from stegvis.accounts.models import Organisation, User
from stegvis.audit import audit, partitions
from stegvis.audit.models import AccessEvent
patient = User.objects.create(email="p@example.org")
(new,) = audit.append([audit.new_event(
    actor=None, actor_role="system", patient=patient, category="identity", action="view",
    outcome="allowed", basis="test", object_type="patient", object_id=patient.pk)])
review = LogReview.objects.create(
    kind="random", organisation=Organisation.objects.create(name="Unit"), reviewer=patient)
review.events.add(new)
with connection.cursor() as cursor:
    cursor.execute("SELECT id, tableoid::regclass::text FROM access_accessevent ORDER BY id")
    where = cursor.fetchall()
verified = audit.verify()
print(json.dumps({"partitioned": partitions.is_partitioned(), "where": where,
                  "new_id": new.pk, "verified": verified.ok, "checked": verified.checked}))
"""

    @pytest.mark.django_db(transaction=True)
    def test_the_migration_moves_every_event_into_its_month():
        """A database at the migration before, with events in it, migrated for real."""
        settings = connection.settings_dict
        server = (
            f"postgresql://{settings['USER']}:{settings['PASSWORD']}"
            f"@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
        )
        name = f"stegvis_partitions_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        env = {**os.environ, "DATABASE_URL": f"{server}/{name}"}
        env["DJANGO_SETTINGS_MODULE"] = "stegvis.settings"

        def run(*args):
            done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            return done.stdout

        try:
            run("-m", "stegvis", "migrate", "-v0", "access", "0008")
            before = json.loads(run("-c", WRITE_EVENTS))
            run("-m", "stegvis", "migrate", "-v0")
            after = json.loads(run("-c", CHECK))
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        today = datetime.now(UTC).date()
        # The events sealed before come first in the chain, the new one, sealed apart, after.
        assert after["partitioned"] and after["verified"] and after["checked"] == 4
        assert dict(after["where"]) == {
            before[0]: "access_accessevent_2025_03",
            before[1]: "access_accessevent_2026_01",
            before[2]: partitions.partition_name(today),
            after["new_id"]: partitions.partition_name(today),
        }
        assert after["new_id"] > max(before)
