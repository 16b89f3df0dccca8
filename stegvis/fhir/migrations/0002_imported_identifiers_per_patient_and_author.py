# An imported identifier was known across patients: the same (system, value) sent for a
# second patient found, and changed, the first patient's record. Each row now names the
# patient it is about and who sent it, taken from what the row made.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _owners(apps, row) -> tuple | None:
    """(patient id, author id) of what the row made; None when it is gone."""
    if row.resource_type == "Observation":
        # A check-in is imported by the patient themself.
        found = apps.get_model("coaching", "CheckIn").objects.filter(pk=row.object_id)
        return found.values_list("patient_id", "patient_id").first()
    if row.resource_type == "QuestionnaireResponse":
        found = apps.get_model("instruments", "Administration").objects.filter(pk=row.object_id)
        return found.values_list("patient_id", "requested_by_id").first()
    if row.resource_type == "Appointment":
        found = apps.get_model("coordination", "Meeting").objects.filter(pk=row.object_id)
        return found.values_list("case__patient_id", "organiser_id").first()
    return None


def name_patient_and_author(apps, schema_editor):
    ImportedResource = apps.get_model("fhir", "ImportedResource")
    for row in ImportedResource.objects.order_by("pk").iterator(chunk_size=1000):
        owners = _owners(apps, row)
        if owners is None or None in owners:
            # Nothing left to find again (or no one who sent it): a resend makes it anew.
            row.delete()
            continue
        row.patient_id, row.author_id = owners
        row.save(update_fields=["patient", "author"])


class Migration(migrations.Migration):

    dependencies = [
        ('fhir', '0001_initial'),
        ('coaching', '0003_reminders_through_the_outbox'),
        ('coordination', '0001_initial'),
        ('instruments', '0002_program_occasions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='importedresource',
            name='one_import_per_identifier',
        ),
        migrations.AddField(
            model_name='importedresource',
            name='author',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='importedresource',
            name='patient',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(name_patient_and_author, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='importedresource',
            name='author',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='importedresource',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='importedresource',
            constraint=models.UniqueConstraint(fields=('patient', 'author', 'resource_type', 'system', 'value'), name='one_import_per_identifier_of_patient_and_author'),
        ),
    ]
