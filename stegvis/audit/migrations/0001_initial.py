"""The audit trail's models, moved from the access app with their tables as they are.

The tables were made and changed by access.0001 to access.0012 (the append-only triggers,
the keyed chain, the monthly partitions on PostgreSQL, the chain's origin) and keep their
names (`db_table`), so this only tells Django's state that the models are now the audit
app's; the database is not touched. access.0014 removes them from the access app's state."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        # The last access migration to touch these tables.
        ('access', '0012_audit_chain_origin'),
        ('accounts', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditChainHead',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('last_hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
                        ('last_event_id', models.BigIntegerField(default=0)),
                        ('event_count', models.BigIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'access_auditchainhead',
                    },
                ),
                migrations.CreateModel(
                    name='AuditChainOrigin',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('installation_id', models.UUIDField(default=uuid.uuid4, editable=False)),
                        ('unkeyed_start', models.JSONField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'access_auditchainorigin',
                    },
                ),
                migrations.CreateModel(
                    name='AccessEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('occurred_at', models.DateTimeField()),
                        ('actor_role', models.CharField(blank=True, max_length=32)),
                        ('category', models.CharField(choices=[('identity', 'Name and contact details'), ('sick_leave', 'Sick leave and diagnosis'), ('capacity', 'Work capacity'), ('plan', 'Return-to-work plan'), ('checkins', 'Check-ins'), ('questionnaires', 'Questionnaires'), ('messages', 'Messages'), ('meetings', 'Meetings'), ('clinical_notes', 'Clinical notes'), ('access_log', 'Who has seen the data'), ('network', 'Network and consents')], max_length=20)),
                        ('action', models.CharField(choices=[('view', 'viewed'), ('create', 'created'), ('update', 'changed'), ('delete', 'deleted'), ('export', 'exported'), ('share', 'shared with them')], max_length=10)),
                        ('outcome', models.CharField(choices=[('allowed', 'allowed'), ('denied', 'refused')], max_length=10)),
                        ('basis', models.CharField(max_length=40)),
                        ('object_type', models.CharField(max_length=40)),
                        ('object_id', models.CharField(blank=True, max_length=64)),
                        ('request_id', models.CharField(blank=True, max_length=64)),
                        ('client_address', models.GenericIPAddressField(blank=True, null=True)),
                        ('previous_hash', models.CharField(blank=True, default='', max_length=64)),
                        ('hash', models.CharField(max_length=64, null=True, unique=True)),
                        ('key_id', models.CharField(blank=True, default='', max_length=20)),
                        ('chain_position', models.BigIntegerField(null=True)),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='access_events_made', to=settings.AUTH_USER_MODEL)),
                        ('actor_organisation', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation')),
                        ('patient', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='access_events_about', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'access_accessevent',
                        'indexes': [models.Index(fields=['patient', '-occurred_at'], name='access_acce_patient_4649e2_idx'), models.Index(fields=['actor', '-occurred_at'], name='access_acce_actor_i_b1b727_idx'), models.Index(fields=['occurred_at'], name='access_acce_occurre_41d5a9_idx'), models.Index(fields=['chain_position'], name='access_acce_chain_p_idx'), models.Index(condition=models.Q(('hash__isnull', True)), fields=['id'], name='access_acce_unsealed_idx'), models.Index(condition=models.Q(('outcome', 'allowed'), models.Q(('actor', models.F('patient')), _negated=True)), fields=['patient', 'occurred_at'], name='access_acce_by_others_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
