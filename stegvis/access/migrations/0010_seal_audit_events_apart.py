"""Audit events are written unsealed and sealed into the chain afterwards, in batches, by
one sealer at a time (stegvis/audit/audit.py): a request no longer waits for the chain
head's lock. An event is sealed once: the append-only triggers now let an UPDATE through
only when it seals an unsealed event and changes nothing else."""

from importlib import import_module

from django.db import migrations, models

append_only = import_module("stegvis.access.migrations.0002_append_only_audit")

# What an event says: never changed, sealed or not.
CONTENT = (
    "id", "occurred_at", "actor_id", "actor_role", "actor_organisation_id", "patient_id",
    "category", "action", "outcome", "basis", "object_type", "object_id", "request_id",
    "client_address",
)  # fmt: skip
# What sealing writes, once.
SEAL = ("previous_hash", "hash", "key_id", "chain_position")

_changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in CONTENT)
SQLITE_CREATE = [
    f"""CREATE TRIGGER access_accessevent_no_update BEFORE UPDATE ON access_accessevent
       WHEN OLD.hash IS NOT NULL OR NEW.hash IS NULL OR {_changed}
       BEGIN SELECT RAISE(ABORT, 'access events are append-only'); END""",
    append_only.SQLITE_CREATE[1],  # no DELETE, as before
]
_unsealed = ", ".join(f"'{column}'" for column in SEAL)
POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION access_accessevent_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
            AND to_jsonb(NEW) - ARRAY[{_unsealed}] = to_jsonb(OLD) - ARRAY[{_unsealed}] THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'access events are append-only';
       END; $$ LANGUAGE plpgsql""",
]


class Migration(migrations.Migration):
    dependencies = [("access", "0009_partition_audit_trail_by_month")]

    operations = [
        migrations.AlterField(
            model_name="accessevent",
            name="hash",
            field=models.CharField(max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="accessevent",
            name="previous_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="chain_position",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddIndex(
            model_name="accessevent",
            index=models.Index(fields=["chain_position"], name="access_acce_chain_p_idx"),
        ),
        migrations.AddIndex(
            model_name="accessevent",
            index=models.Index(
                condition=models.Q(hash__isnull=True), fields=["id"], name="access_acce_unsealed_idx"
            ),
        ),
        # SQLite changes a column by copying the table, which loses its triggers.
        migrations.RunPython(
            append_only._run({"sqlite": append_only.SQLITE_DROP + SQLITE_CREATE,
                              "postgresql": POSTGRES_CREATE}),
            append_only._run({"sqlite": append_only.SQLITE_DROP + append_only.SQLITE_CREATE,
                              "postgresql": append_only.POSTGRES_CREATE[:1]}),
        ),  # fmt: skip
    ]
