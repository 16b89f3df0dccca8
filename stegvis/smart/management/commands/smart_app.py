"""Register a SMART on FHIR app: `stegvis smart_app "Name" --kind patient --redirect-uri URI`.

A patient's app is registered by Stegvis's administrators; a staff app names the unit
(organisation id) whose manager answers for it; a region's system (a backend service, no
person present) names its region and its keys. A confidential client's secret is printed
once and kept only as its hash; a client with keys (--jwks-url or --jwks-file) signs an
assertion instead (private_key_jwt).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from stegvis.accounts.models import Organisation
from stegvis.accounts.roles import OrganisationKind
from stegvis.smart import registrations
from stegvis.smart.models import AppKind, AppRegistration


def _region(given: str | None):
    """The region `given` names, by id or by a name only one region has (a system reads
    under its region's country's law: never a guess between two)."""
    if not given:
        return None
    regions = Organisation.objects.filter(kind=OrganisationKind.REGION)
    by_id = Q(pk=int(given)) if given.isdigit() else Q(pk__in=[])
    found = list(regions.filter(by_id | Q(name=given)))
    return found[0] if len(found) == 1 else None


class Command(BaseCommand):
    help = "Register a SMART on FHIR app and print its client id (and secret, once)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--kind", choices=AppKind.values, default=AppKind.PATIENT)
        parser.add_argument("--redirect-uri", action="append", default=[], dest="redirects")
        parser.add_argument("--launch-url", default="")
        parser.add_argument("--unit", type=int, help="The unit (organisation id) of a staff app.")
        parser.add_argument("--region", help="The region of a system: its organisation id or name.")
        parser.add_argument("--confidential", action="store_true", help="Issue a client secret.")
        parser.add_argument("--description", default="")
        parser.add_argument(
            "--jwks-url",
            default="",
            help="Where the app publishes its public keys (private_key_jwt).",
        )
        parser.add_argument("--jwks-file", help="A file of the app's public keys (a JWKS).")
        parser.add_argument(
            "--remove", action="store_true",
            help="Remove the app whose client id is given as NAME: its tokens stop at once.",
        )  # fmt: skip

    def handle(self, *args, name, kind, redirects, launch_url, unit, region, confidential,
               description, jwks_url, jwks_file, remove, **options):  # fmt: skip
        if remove:
            found = AppRegistration.objects.filter(application__client_id=name).first()
            if found is None:
                raise CommandError(f"No app has the client id {name}.")
            registrations.remove(found)
            self.stdout.write(f"removed: {name}")
            return
        jwks = json.loads(Path(jwks_file).read_text()) if jwks_file else None
        if kind == AppKind.SYSTEM:
            try:
                registration = registrations.register_system(
                    name=name, region=_region(region),
                    jwks_url=jwks_url, jwks=jwks, description=description,
                )  # fmt: skip
            except registrations.NotARegion:
                raise CommandError(
                    "A system names its region: --region ID or a name one region has."
                ) from None
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"client_id: {registration.application.client_id}")
            return
        if not redirects:
            raise CommandError("An app that people sign in to names its --redirect-uri.")
        organisation = Organisation.objects.filter(pk=unit).first() if unit else None
        if kind == AppKind.STAFF and organisation is None:
            raise CommandError("A staff app names its unit: --unit ORGANISATION_ID.")
        registration, secret = registrations.register(
            kind=kind, name=name, redirect_uris=redirects, launch_url=launch_url,
            description=description, confidential=confidential, unit=organisation,
            jwks_url=jwks_url, jwks=jwks,
        )  # fmt: skip
        app = registration.application
        self.stdout.write(f"client_id: {app.client_id}")
        if secret:
            self.stdout.write(f"client_secret: {secret}  (shown once)")
