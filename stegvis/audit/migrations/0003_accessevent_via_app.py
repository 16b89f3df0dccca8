"""The app that acted for the actor (a SMART on FHIR app), on each event. Part of what an
event says, so never changed once written, sealed or not."""

from importlib import import_module

from django.db import migrations, models

append_only = import_module("stegvis.access.migrations.0002_append_only_audit")
sealed_apart = import_module("stegvis.access.migrations.0010_seal_audit_events_apart")

_changed = " OR ".join(
    f"NEW.{column} IS NOT OLD.{column}" for column in (*sealed_apart.CONTENT, "via_app")
)
SQLITE_CREATE = [
    f"""CREATE TRIGGER access_accessevent_no_update BEFORE UPDATE ON access_accessevent
       WHEN OLD.hash IS NOT NULL OR NEW.hash IS NULL OR {_changed}
       BEGIN SELECT RAISE(ABORT, 'access events are append-only'); END""",
    append_only.SQLITE_CREATE[1],  # no DELETE, as before
]


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_drop_covered_indexes")]

    operations = [
        # Undone last: removing the column may copy the table on SQLite, which loses its
        # triggers, so the earlier ones are made again once it is gone.
        migrations.RunPython(
            migrations.RunPython.noop,
            append_only._run({"sqlite": append_only.SQLITE_DROP + sealed_apart.SQLITE_CREATE}),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="via_app",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        # SQLite adds a column with a default by copying the table, which loses its
        # triggers: add them again, with the new column among what may never change.
        # (PostgreSQL's trigger compares whole rows, the new column with them.)
        migrations.RunPython(
            append_only._run({"sqlite": append_only.SQLITE_DROP + SQLITE_CREATE}),
            # Undone first: a trigger that names the column would keep it from going.
            append_only._run({"sqlite": append_only.SQLITE_DROP + sealed_apart.SQLITE_CREATE}),
        ),
    ]
