"""`stegvis agency export --format {lisjp,ag7804,sm2013} --as EMAIL CERTIFICATE_ID`: a signed
certificate as its agency's message, on standard output.

The export goes through the access policy as the person named by `--as` and is recorded on
the patient's log like any other read; a refusal is one line on standard error and a
non-zero exit.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from stegvis.accounts.models import User
from stegvis.agency import services


class Command(BaseCommand):
    help = "Write a signed certificate as its agency's message (LISJP, AG 7804 or SM2013)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        export = commands.add_parser("export", help="Print a certificate's message.")
        export.add_argument("certificate_id")
        export.add_argument("--format", choices=["lisjp", "ag7804", "sm2013"])
        export.add_argument(
            "--as", dest="actor", required=True, help="E-mail of the person exporting."
        )

    def handle(self, *args, **options):
        actor = User.objects.filter(email=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {options['actor']}.")
        try:
            message = services.export(actor, options["certificate_id"], options["format"])
        except Http404:
            raise CommandError("No such certificate, or not one this person may read.") from None
        except services.NotExportable as refused:
            raise CommandError(refused.message) from None
        sys.stdout.buffer.write(message)
        sys.stdout.flush()
