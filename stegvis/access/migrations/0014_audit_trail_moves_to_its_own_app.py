"""The audit trail is its own app (stegvis.audit, migration audit.0001): the access app's
state no longer holds its models, and the log reviews' events are the audit app's. Nothing
in the database changes: the tables keep their names, columns, indexes, partitions and
append-only triggers, and the log reviews' link table keeps its column."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('access', '0013_care_relationship_profession'),
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='logreview',
                    name='events',
                    field=models.ManyToManyField(related_name='reviews', to='audit.accessevent'),
                ),
                migrations.DeleteModel(name='AccessEvent'),
                migrations.DeleteModel(name='AuditChainHead'),
                migrations.DeleteModel(name='AuditChainOrigin'),
            ],
            database_operations=[],
        ),
    ]
