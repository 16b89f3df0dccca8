from django.tasks import task

from stegvis.notifications.outbox import (
    digests_build,
    outbox_dispatch,
    outbox_expire,
    outbox_release_stale,
)


@task
def dispatch_outbox_task() -> dict:
    """Send what is due in the outbox, check-in reminders included (every minute)."""
    return {
        "released": outbox_release_stale(),
        "expired": outbox_expire(),
        "sent": outbox_dispatch(),
    }


@task
def build_digests_task() -> dict:
    """Gather held e-mails into each person's daily summary (hourly; once a day each)."""
    return {"digests": digests_build()}
