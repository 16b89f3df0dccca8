"""The agencies' messages from the command line.

- `stegvis agency export --format {lisjp,ag7804,sm2013} --as EMAIL CERTIFICATE_ID`: a signed
  certificate as its agency's message, on standard output. Through the access policy as the
  person named by `--as`, recorded on the patient's log like any other read; a refusal is
  one line on standard error and a non-zero exit.
- `stegvis agency import --unit UNIT FILE...`: certificates other systems issued, taken in
  at UNIT (its id, HSA-id or HER-id). One JSON line per file; non-zero exit if any was
  refused.
- `stegvis agency integration --unit UNIT --name NAME`: a token for the unit's record
  system to send certificates to `POST /api/v1/agency/messages`, printed once;
  `--revoke HINT` ends the token whose first characters are HINT.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from stegvis.accounts.models import Organisation, User
from stegvis.agency import importing, services
from stegvis.agency.models import UnitIntegration
from stegvis.agency.validation import MAX_MESSAGE_BYTES, Problem


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

        taken = commands.add_parser("import", help="Take in certificates other systems issued.")
        taken.add_argument("--unit", required=True, help="The unit's id, HSA-id or HER-id.")
        taken.add_argument("files", nargs="+", type=Path)
        integration = commands.add_parser(
            "integration", help="Issue a token for a unit's record system."
        )
        integration.add_argument("--unit", required=True, help="The unit's id, HSA-id or HER-id.")
        which = integration.add_mutually_exclusive_group(required=True)
        which.add_argument("--name", help="Issue a token for this system, named in words.")
        which.add_argument("--revoke", metavar="HINT", help="End the token starting with HINT.")

    def handle(self, *args, **options):
        return getattr(self, f"_{options['command']}")(options)

    def _unit(self, key: str) -> Organisation:
        match = Q(hsa_id=key) | Q(her_id=key)
        if key.isdigit():
            match |= Q(pk=int(key))
        units = list(Organisation.objects.filter(match)[:2])
        if len(units) != 1:
            raise CommandError(f"No single unit {key}.")
        return units[0]

    def _import(self, options) -> None:
        unit = self._unit(options["unit"])
        refused = 0
        for path in options["files"]:
            data = _read(path)
            if data is None:
                unreadable = Problem("file", "The file cannot be read.")
                received = importing.Received(accepted=False, refused=[unreadable])
            else:
                received = importing.receive(unit, data, via="command")
            refused += not received.accepted
            line = {"file": str(path), **received.as_dict()}
            self.stdout.write(json.dumps(line, ensure_ascii=False))
        if refused:
            raise CommandError(f"{refused} of {len(options['files'])} refused.")

    def _integration(self, options) -> None:
        unit = self._unit(options["unit"])
        if options["revoke"]:
            ended = UnitIntegration.objects.filter(
                organisation=unit, hint=options["revoke"], revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
            if not ended:
                raise CommandError(f"No token {options['revoke']} at this unit.")
            self.stdout.write(f"Revoked {ended}.")
            return
        _, raw = UnitIntegration.issue(organisation=unit, name=options["name"])
        self.stdout.write(raw)

    def _export(self, options) -> None:
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


def _read(path: Path) -> bytes | None:
    """The file's bytes, or as many as show it is too large (never a 50 MB read); None
    when it cannot be read."""
    try:
        with path.open("rb") as file:
            return file.read(MAX_MESSAGE_BYTES + 1)
    except OSError:
        return None
