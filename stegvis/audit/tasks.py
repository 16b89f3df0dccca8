import logging

from django.core.mail import mail_admins
from django.tasks import task

from stegvis.audit import partitions
from stegvis.audit.audit import checkpoint, seal, verify

logger = logging.getLogger(__name__)


@task
def verify_audit_chain() -> dict:
    """Check the audit trail's hash chain (run nightly by the worker); alert on a break, and
    when no checkpoint of this database proves the chain's age: the checkpoints are written
    every 15 minutes, so their file is missing, moved or not this database's."""
    result = verify()
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
