import logging
from datetime import timedelta

from django.core.mail import mail_admins
from django.tasks import task
from django.utils import timezone

from stegvis.audit import partitions
from stegvis.audit.audit import checkpoint, seal, verify

logger = logging.getLogger(__name__)


# The nightly verification takes the chain up from a checkpoint two days back, so that the
# nights' stretches overlap: at a region's 10^8 events a year, recomputing ten years of
# chain every night would take hours (bench/audit_scale.py). The whole chain is recomputed
# weekly.
RECENT = timedelta(days=2)


@task
def verify_audit_chain() -> dict:
    """Check the audit trail's whole hash chain (weekly)."""
    return _verify_and_alert(since=None)


@task
def verify_recent_audit_chain() -> dict:
    """Check the chain since the checkpoint two days back (nightly)."""
    return _verify_and_alert(since=timezone.now() - RECENT)


def _verify_and_alert(since) -> dict:
    """Verify, and alert on a break, and when no checkpoint of this database proves the
    chain's age: the checkpoints are written every 15 minutes, so their file is missing,
    moved or not this database's."""
    result = verify(since=since)
    if not result.ok:
        logger.error("Audit chain broken at event %s: %s", result.broken_event_id, result.reason)
        mail_admins(
            "Stegvis audit chain broken",
            f"Event {result.broken_event_id}: {result.reason}. Run `stegvis audit verify`.",
        )
    elif not result.age_proven:
        logger.error("Audit chain unproven: no checkpoint of this database")
        mail_admins(
            "Stegvis audit chain unproven",
            "The audit chain is consistent, but no checkpoint of this database proves its age: "
            "events removed from its end would not show. Run `stegvis audit verify`.",
        )
    return {
        "ok": result.ok,
        "age_proven": result.age_proven,
        "checked": result.checked,
        "broken_event_id": result.broken_event_id,
        "since_checkpoint": result.since.last_id if result.since else None,
    }


@task
def seal_audit_events() -> dict:
    """Seal the events requests wrote into the audit chain (every minute)."""
    return {"sealed": seal()}


@task
def checkpoint_audit_chain() -> dict:
    """Write a signed checkpoint of the audit chain outside the database."""
    written = checkpoint()
    return {"last_id": written.last_id if written else None}


@task
def ensure_audit_partitions() -> dict:
    """Create the audit trail's coming month partitions on PostgreSQL (daily)."""
    return {"created": partitions.ensure_partitions()}
