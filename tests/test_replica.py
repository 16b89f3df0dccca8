"""The replica router (stegvis/core/replica.py). The replica itself, a streaming standby made
with pg_basebackup, is exercised by scripts/topology_drill.py, which CI runs: there the
insights and bulk reads are served by the standby, caught up to the moment each began."""

from stegvis.accounts.models import Organisation
from stegvis.core import replica
from stegvis.core.replica import ReplicaRouter, replica_reads


def test_without_a_replica_the_reads_inside_stay_on_the_primary(db):
    assert not replica.configured()
    with replica_reads():
        assert Organisation.objects.all().db == "default"
        assert not replica.reading_from_replica()


def test_reads_inside_go_to_the_replica_and_every_write_to_the_primary():
    router = ReplicaRouter()
    assert router.db_for_read(Organisation) == "default"
    on = replica._on_replica.set(True)  # as replica_reads sets it once the replica caught up
    try:
        assert router.db_for_read(Organisation) == "replica"
        # A row read on the replica and saved is saved to the primary.
        row = Organisation(name="Vårdcentralen")
        row._state.db = "replica"
        assert router.db_for_write(Organisation, instance=row) == "default"
    finally:
        replica._on_replica.reset(on)
    assert router.db_for_read(Organisation) == "default"


def test_only_the_primary_is_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "accounts")
    assert not router.allow_migrate("replica", "accounts")
