"""How the audit chain began (AuditChainOrigin): a random id for this database, which its
checkpoints name, and a signed checkpoint of the events sealed before the chain was keyed
(migration access.0005), if there are any. From here on `audit verify` accepts an unkeyed
event only among those, so a chain rewritten with plain SHA-256 by someone without the key
is found even where no checkpoint file is kept."""

import uuid
from dataclasses import asdict

from django.db import migrations, models
from django.utils import timezone

from stegvis.audit import sealing


def record_the_origin(apps, schema_editor):
    """The unkeyed events are the chain's first ones: sealed under the head's lock (no
    position, in id order) before the first keyed event."""
    sealed_in_id_order = (
        apps.get_model("access", "AccessEvent")
        .objects.filter(chain_position__isnull=True, hash__isnull=False)
        .order_by("pk")
        .values_list("pk", "hash", "key_id")
    )
    count, last_id, last_hash = 0, None, None
    for pk, hash_, key_id in sealed_in_id_order.iterator(chunk_size=5000):
        if key_id != sealing.UNKEYED:
            break
        count, last_id, last_hash = count + 1, pk, hash_
    unkeyed_start = None
    if count:
        unkeyed_start = asdict(sealing.Checkpoint(
            last_id=last_id,
            head_hash=last_hash,
            count=count,
            at=timezone.now().isoformat(),
            key_id=sealing.current_key_id(),
        ).signed())
    apps.get_model("access", "AuditChainOrigin").objects.update_or_create(
        pk=1, defaults={"installation_id": uuid.uuid4(), "unkeyed_start": unkeyed_start}
    )


class Migration(migrations.Migration):

    dependencies = [
        ("access", "0011_others_accesses_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainOrigin",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("installation_id", models.UUIDField(default=uuid.uuid4, editable=False)),
                ("unkeyed_start", models.JSONField(blank=True, null=True)),
            ],
        ),
        migrations.RunPython(record_the_origin, migrations.RunPython.noop),
    ]
