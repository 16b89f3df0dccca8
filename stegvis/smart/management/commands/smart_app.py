"""Register a SMART on FHIR app: `stegvis smart_app "Name" --kind patient --redirect-uri URI`.

A patient's app is registered by Stegvis's administrators; a staff app names the unit
(organisation id) whose manager answers for it. A confidential client's secret is printed
once and kept only as its hash; a client with keys (--jwks-url or --jwks-file) signs an
assertion instead (private_key_jwt).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stegvis.accounts.models import Organisation
from stegvis.smart import registrations
from stegvis.smart.models import AppKind


class Command(BaseCommand):
    help = "Register a SMART on FHIR app and print its client id (and secret, once)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--kind", choices=AppKind.values, default=AppKind.PATIENT)
        parser.add_argument("--redirect-uri", action="append", required=True, dest="redirects")
        parser.add_argument("--launch-url", default="")
        parser.add_argument("--unit", type=int, help="The unit (organisation id) of a staff app.")
        parser.add_argument("--confidential", action="store_true", help="Issue a client secret.")
        parser.add_argument("--description", default="")
        parser.add_argument(
            "--jwks-url",
            default="",
            help="Where the app publishes its public keys (private_key_jwt).",
        )
        parser.add_argument("--jwks-file", help="A file of the app's public keys (a JWKS).")

    def handle(self, *args, name, kind, redirects, launch_url, unit, confidential, description,
               jwks_url, jwks_file, **options):  # fmt: skip
        organisation = Organisation.objects.filter(pk=unit).first() if unit else None
        if kind == AppKind.STAFF and organisation is None:
            raise CommandError("A staff app names its unit: --unit ORGANISATION_ID.")
        jwks = json.loads(Path(jwks_file).read_text()) if jwks_file else None
        registration, secret = registrations.register(
            kind=kind, name=name, redirect_uris=redirects, launch_url=launch_url,
            description=description, confidential=confidential, unit=organisation,
            jwks_url=jwks_url, jwks=jwks,
        )  # fmt: skip
        app = registration.application
        self.stdout.write(f"client_id: {app.client_id}")
        if secret:
            self.stdout.write(f"client_secret: {secret}  (shown once)")
