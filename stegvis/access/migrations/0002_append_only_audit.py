"""Make the audit trail append-only in the database itself, and start the hash chain.

Triggers reject UPDATE and DELETE on access_accessevent whatever the caller: the
application, a shell, or a mistaken migration. Retention purges (after the years the
law requires) are a deliberate operation that drops and recreates the triggers.
"""

from django.db import migrations

SQLITE_CREATE = [
    """CREATE TRIGGER access_accessevent_no_update BEFORE UPDATE ON access_accessevent
       BEGIN SELECT RAISE(ABORT, 'access events are append-only'); END""",
    """CREATE TRIGGER access_accessevent_no_delete BEFORE DELETE ON access_accessevent
       BEGIN SELECT RAISE(ABORT, 'access events are append-only'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS access_accessevent_no_update",
    "DROP TRIGGER IF EXISTS access_accessevent_no_delete",
]
POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION access_accessevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'access events are append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER access_accessevent_append_only BEFORE UPDATE OR DELETE
       ON access_accessevent FOR EACH ROW EXECUTE FUNCTION access_accessevent_append_only()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS access_accessevent_append_only ON access_accessevent",
    "DROP FUNCTION IF EXISTS access_accessevent_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def create_chain_head(apps, schema_editor):
    apps.get_model("access", "AuditChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
    ]
