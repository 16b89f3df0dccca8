"""On PostgreSQL, the audit trail becomes a table partitioned by month (see
stegvis/audit/partitions.py); SQLite keeps one table. Not reversible: a month partition
is archived and dropped whole, never merged back."""

from importlib import import_module

from django.db import migrations

from stegvis.audit.partitions import partition_the_audit_trail

append_only = import_module("stegvis.access.migrations.0002_append_only_audit")


def partition(apps, schema_editor):
    partition_the_audit_trail(schema_editor, append_only.POSTGRES_CREATE)


class Migration(migrations.Migration):
    # The conversion copies every event: in one transaction, so it is whole or not at all.
    atomic = True

    dependencies = [("access", "0008_region_analyst_role")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
