"""A certificate another system issued and sent in has no author in Stegvis (its issuer is
recorded with the message, stegvis/agency). As in 0005, SQLite rebuilds the table, so the
triggers of 0003 are dropped for the rebuild and made again after it, unchanged."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

signed = importlib.import_module("stegvis.cases.migrations.0003_signed_certificates_never_change")
on_sqlite = importlib.import_module("stegvis.cases.migrations.0004_submission_id_per_author")._on_sqlite


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_norwegian_sykmelding'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(
            on_sqlite(signed._sqlite_drop()), on_sqlite(signed._sqlite_create())
        ),
        migrations.AlterField(
            model_name='certificate',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(
            on_sqlite(signed._sqlite_create()), on_sqlite(signed._sqlite_drop())
        ),
    ]
