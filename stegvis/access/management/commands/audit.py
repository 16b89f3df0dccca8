from django.core.management.base import BaseCommand, CommandError

from stegvis.access.audit import verify


class Command(BaseCommand):
    help = "Audit trail tools. `audit verify` checks the hash chain end to end."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        result = verify()
        if not result.ok:
            where = f"event {result.broken_event_id}" if result.broken_event_id else "the end"
            raise CommandError(
                f"Audit chain broken at {where} after {result.checked} good events: "
                f"{result.reason}."
            )
        self.stdout.write(f"Audit chain intact: {result.checked} events verified.")
