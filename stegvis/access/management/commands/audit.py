from django.core.management.base import BaseCommand, CommandError

from stegvis.access.audit import checkpoint, verify
from stegvis.access.sealing import checkpoint_path


class Command(BaseCommand):
    help = (
        "Audit trail tools. `audit verify` checks the sealed hash chain end to end and "
        "against the signed checkpoints; `audit checkpoint` writes a checkpoint now."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "checkpoint"])

    def handle(self, *args, action, **options):
        if action == "checkpoint":
            written = checkpoint()
            if written is None:
                self.stdout.write("No new events since the last checkpoint.")
            else:
                self.stdout.write(f"Checkpoint: {written.count} events up to {written.last_id}.")
            return
        result = verify()
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
        self.stdout.write(f"Audit chain intact: {result.checked} events verified.")
