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
def dispatch_urgent_task(message_ids: list[str]) -> dict:
    """Send an urgent notice's messages now, queued by `notify` when its transaction commits."""
    return {"sent": outbox_dispatch(only_ids=message_ids)}


@task
def build_digests_task() -> dict:
    """Gather held e-mails into each person's daily summary (hourly; once a day each)."""
    return {"digests": digests_build()}
