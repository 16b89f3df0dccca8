# The actor's and the patient's own indexes are covered by (actor, -occurred_at) and
# (patient, -occurred_at), and cost a write on every audited request. Dropped by name: on
# SQLite the ORM would rebuild the whole table for it, and lose its append-only triggers.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "actor_id": "access_accessevent_actor_id_811827e1",
    "patient_id": "access_accessevent_patient_id_831dcd32",
}


def _unindexed(name, related_name):
    return migrations.AlterField(
        model_name="accessevent",
        name=name,
        field=models.ForeignKey(
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.PROTECT,
            related_name=related_name,
            to=settings.AUTH_USER_MODEL,
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                _unindexed("actor", "access_events_made"),
                _unindexed("patient", "access_events_about"),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    f"CREATE INDEX {name} ON access_accessevent ({column})",
                )
                for column, name in INDEXES.items()
            ],
        ),
    ]
