"""The audit trail's tables. They were made by the access app's migrations (access.0001 to
access.0012) and keep their names, so the models name their tables: the trail moved, its
rows did not (audit.0001, access.0014)."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from stegvis.accounts.models import Organisation, User
from stegvis.accounts.roles import Role, role_title
from stegvis.audit.categories import Action, Category

GENESIS_HASH = "0" * 64


class Outcome(models.TextChoices):
    ALLOWED = "allowed", _("allowed")
    DENIED = "denied", _("refused")


# Someone else's access to a patient's data, or the system's: what the patient's home counts
# as new. Its own index, since a patient's own page views outnumber these many times over.
BY_OTHERS = Q(outcome="allowed") & ~Q(actor=F("patient"))


class AccessEvent(models.Model):
    """One decision about one patient's data. Append-only (database triggers) and
    hash-chained: each row's hash covers its content and the previous row's hash.

    An event is written unsealed (no hash) with the request it records, and sealed into
    the chain soon after by the sealer (stegvis/audit/audit.py), so no request waits for
    the chain's head; sealing is the one change the triggers let through."""

    occurred_at = models.DateTimeField()
    # No index of their own on actor and patient: (actor, -occurred_at) and (patient,
    # -occurred_at) below serve every lookup by either, and each index is one more write
    # on every audited request.
    actor = models.ForeignKey(
        User,
        null=True,
        on_delete=models.PROTECT,
        related_name="access_events_made",
        db_index=False,
    )
    actor_role = models.CharField(max_length=32, blank=True)
    actor_organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        User,
        null=True,
        on_delete=models.PROTECT,
        related_name="access_events_about",
        db_index=False,
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    action = models.CharField(max_length=10, choices=Action.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # Why access was allowed or refused: "self", "care:named", "care:established",
    # "care:emergency", "log_review", "consent:<purpose>", "no_relation", ...
    basis = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # The app that acted for the actor (a SMART on FHIR app, by its registered name), if any.
    via_app = models.CharField(max_length=255, blank=True, default="")
    client_address = models.GenericIPAddressField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True, default="")
    # None until sealed: unique, so the many unsealed ones must be NULL, not "".
    hash = models.CharField(max_length=64, unique=True, null=True)  # noqa: DJ001
    # Which of STEGVIS_AUDIT_KEYS sealed `hash` (empty: written before the chain was keyed).
    key_id = models.CharField(max_length=20, blank=True, default="")
    # The order of sealing, which the chain follows (None: sealed in id order under the
    # head's lock, before events were sealed apart; those come first).
    chain_position = models.BigIntegerField(null=True)

    class Meta:
        db_table = "access_accessevent"
        indexes = [
            models.Index(fields=["patient", "-occurred_at"]),
            models.Index(fields=["actor", "-occurred_at"]),
            models.Index(fields=["occurred_at"]),
            models.Index(fields=["chain_position"], name="access_acce_chain_p_idx"),
            models.Index(
                fields=["id"], condition=Q(hash__isnull=True), name="access_acce_unsealed_idx"
            ),
            models.Index(
                fields=["patient", "occurred_at"],
                condition=BY_OTHERS,
                name="access_acce_by_others_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_role} {self.action} {self.category}"

    @property
    def actor_role_label(self) -> str:
        if self.actor_role == "system":
            return _("Stegvis (automatic)")
        if self.actor_role not in Role.values:
            return "—"
        # As the actor's organisation calls the role (a Nav veileder, not an insurer's).
        return role_title(self.actor_role, self.actor_organisation)


class AuditChainHead(models.Model):
    """The newest hash of the chain: one row, locked while events are sealed, so two
    sealers (on PostgreSQL) cannot fork the chain."""

    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    last_event_id = models.BigIntegerField(default=0)
    # The chain's length, for checkpoints (counting 10^8 rows would take minutes).
    event_count = models.BigIntegerField(default=0)

    class Meta:
        db_table = "access_auditchainhead"

    def __str__(self) -> str:
        return self.last_hash


class AuditChainOrigin(models.Model):
    """How this database's audit chain began: one row, written by the migration that
    introduced it (access.0012), or anew, with nothing unkeyed, in a database emptied since."""

    # Named in every checkpoint, so that two databases sharing a checkpoint file are each
    # held to their own checkpoints only.
    installation_id = models.UUIDField(default=uuid.uuid4, editable=False)
    # A signed checkpoint (stegvis/audit/sealing.py) of the events sealed before the chain
    # was keyed (migration access.0005): the only unkeyed events `audit verify` accepts.
    # None: the chain began keyed.
    unkeyed_start = models.JSONField(null=True, blank=True)
    # A signed checkpoint of the newest event detached with the oldest months of the trail
    # (partitions archived and dropped when their retention ended): the kept chain is
    # verified from here. None: nothing was ever detached.
    kept_from = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "access_auditchainorigin"

    def __str__(self) -> str:
        return str(self.installation_id)
