"""Norway's sykmelding (SM2013): its own fields on the certificate and on each period.

SQLite adds these columns by rebuilding the tables, which it refuses while the triggers of
0003 (signed certificates never change) name them: as in 0004, they are dropped for the
rebuild and made again after it, unchanged. Periods signed before this migration keep a
blank activity; their degree says what it was (100: no activity possible, else graded)."""

import importlib

from django.db import migrations, models

signed = importlib.import_module("stegvis.cases.migrations.0003_signed_certificates_never_change")
on_sqlite = importlib.import_module("stegvis.cases.migrations.0004_submission_id_per_author")._on_sqlite


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_submission_id_per_author'),
    ]

    operations = [
        migrations.RunPython(
            on_sqlite(signed._sqlite_drop()), on_sqlite(signed._sqlite_create())
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_answers',
            field=models.JSONField(blank=True, default=dict, verbose_name='further information'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_backdating_reason',
            field=models.TextField(blank=True, verbose_name='reason for backdating'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_contact_on',
            field=models.DateField(blank=True, null=True, verbose_name='first contact with the patient'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_employer',
            field=models.CharField(blank=True, choices=[('one', 'One employer'), ('several', 'Several employers'), ('none', 'No employer')], max_length=10, verbose_name='employer'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_employer_name',
            field=models.CharField(blank=True, max_length=200, verbose_name="employer's name"),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_fit_after_period',
            field=models.BooleanField(blank=True, null=True, verbose_name='fit for work after this period'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_measures_nav',
            field=models.TextField(blank=True, verbose_name='measures by Nav'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_measures_other',
            field=models.TextField(blank=True, verbose_name='other measures'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_measures_workplace',
            field=models.TextField(blank=True, verbose_name='measures at the workplace'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_nav_assistance',
            field=models.BooleanField(default=False, verbose_name='Nav should act at once'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_nav_assistance_text',
            field=models.TextField(blank=True, verbose_name='why Nav should act at once'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_occupational_injury',
            field=models.BooleanField(default=False, verbose_name='may be an occupational injury or disease'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_other_absence_reason',
            field=models.CharField(blank=True, max_length=2, verbose_name='other statutory reason for absence'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_other_absence_text',
            field=models.TextField(blank=True, verbose_name='the other reason, described'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_other_work_later',
            field=models.BooleanField(blank=True, null=True, verbose_name='can take other work in time'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_own_work_from',
            field=models.DateField(blank=True, null=True, verbose_name='from about'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_own_work_later',
            field=models.BooleanField(blank=True, null=True, verbose_name='can return to own work in time'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_position_percent',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='position (%)'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_pregnancy_related',
            field=models.BooleanField(default=False, verbose_name='related to pregnancy'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_screened_from_patient',
            field=models.BooleanField(default=False, verbose_name='medical details withheld from the patient (skjermes)'),
        ),
        migrations.AddField(
            model_name='certificate',
            name='no_workplace_considerations',
            field=models.TextField(blank=True, verbose_name='considerations at the workplace'),
        ),
        migrations.AddField(
            model_name='certificateperiod',
            name='activity',
            field=models.CharField(blank=True, choices=[('graded', 'Graded: partly at work'), ('no_activity', 'No activity possible (100 %)'), ('waiting', 'Waiting (avventende): the employer adapts first'), ('treatment_days', 'Treatment days'), ('travel_grant', 'Travel grant: full work with travel support')], max_length=20),
        ),
        migrations.AddField(
            model_name='certificateperiod',
            name='employer_input',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='certificateperiod',
            name='medical_reason_text',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='certificateperiod',
            name='medical_reasons',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='certificateperiod',
            name='travel_grant',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='certificateperiod',
            name='treatment_days',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='certificateperiod',
            name='workplace_reason_text',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='certificateperiod',
            name='workplace_reasons',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(
            on_sqlite(signed._sqlite_create()), on_sqlite(signed._sqlite_drop())
        ),
    ]
