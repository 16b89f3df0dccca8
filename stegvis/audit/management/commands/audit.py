from datetime import UTC, date, datetime

from django.core.management.base import BaseCommand, CommandError

from stegvis.audit.audit import checkpoint, verify
from stegvis.audit.sealing import checkpoint_path

# `audit verify`'s exit status when nothing is wrong with the chain but no checkpoint of
# this database proves its age (a broken chain exits with 1, CommandError's own).
AGE_UNPROVEN = 3


class Command(BaseCommand):
    help = (
        "Audit trail tools. `audit verify` checks the sealed hash chain end to end and "
        "against the signed checkpoints (exit status 1: broken; 3: consistent, but no "
        "checkpoint of this database proves its age); `audit checkpoint` writes a checkpoint now."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "checkpoint"])
        parser.add_argument(
            "--since",
            metavar="YYYY-MM-DD",
            help="verify: take the chain up from the newest checkpoint written before this "
            "day (UTC) instead of its start (a nightly run: since yesterday)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="verify: recompute the chain in this many processes at once, each from a "
            "checkpoint to a later one (PostgreSQL; about one per core)",
        )

    def _since(self, value: str | None) -> datetime | None:
        if value is None:
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--since takes a day as YYYY-MM-DD, not {value!r}.") from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    def handle(self, *args, action, since=None, workers=1, **options):
        if action == "checkpoint":
            written = checkpoint()
            if written is None:
                self.stdout.write("No new events since the last checkpoint.")
            else:
                self.stdout.write(f"Checkpoint: {written.count} events up to {written.last_id}.")
            return
        if workers < 1:
            raise CommandError("--workers takes a number of processes, 1 or more.")
        result = verify(since=self._since(since), workers=workers)
        if result.other_databases_checkpoints:
            self.stdout.write(
                f"{result.other_databases_checkpoints} checkpoints of another database in "
                f"{checkpoint_path()} were left aside."
            )
        if not result.ok:
            where = f"event {result.broken_event_id}" if result.broken_event_id else "the end"
            raise CommandError(
                f"Audit chain broken at {where} after {result.checked} good events: "
                f"{result.reason}."
            )
        if not result.age_proven:
            raise CommandError(
                f"Audit chain consistent but its age cannot be proven: no checkpoint of this "
                f"database in {checkpoint_path()}, so events removed from its end would not "
                f"show ({result.checked} events checked). The worker writes one every 15 "
                f"minutes: find out why there is none.",
                returncode=AGE_UNPROVEN,
            )
        start = f" since the checkpoint of {result.since.at}" if result.since else ""
        self.stdout.write(
            f"Audit chain intact: {result.checked} events verified{start}, "
            f"against {result.checkpoints} checkpoints."
        )
