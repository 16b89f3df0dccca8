"""A certificate's client token belongs to its author: unique per physician, not across
all of them, so another physician sending the same token drafts their own certificate.

SQLite drops a column's UNIQUE only by rebuilding the table, and it refuses to rename the
rebuilt table while the triggers of 0003 (signed certificates never change) name it; so on
SQLite those triggers are dropped for the rebuild and made again after it, unchanged."""

import importlib

from django.conf import settings
from django.db import migrations, models

signed = importlib.import_module("stegvis.cases.migrations.0003_signed_certificates_never_change")


def _on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_signed_certificates_never_change"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(
            _on_sqlite(signed._sqlite_drop()), _on_sqlite(signed._sqlite_create())
        ),
        migrations.AlterField(
            model_name="certificate",
            name="client_token",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name="certificate",
            constraint=models.UniqueConstraint(
                fields=("client_token", "created_by"), name="client_token_per_author"
            ),
        ),
        migrations.RunPython(
            _on_sqlite(signed._sqlite_create()), _on_sqlite(signed._sqlite_drop())
        ),
    ]
