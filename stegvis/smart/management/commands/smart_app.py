"""Register a SMART on FHIR app: `stegvis smart_app "Name" --kind patient --redirect-uri URI`.

A patient's app is registered by Stegvis's administrators; a staff app names the unit
(organisation id) whose manager answers for it. A confidential client's secret is printed
once and kept only as its hash.
"""

import secrets

from django.core.management.base import BaseCommand, CommandError
from oauth2_provider.models import Application

from stegvis.accounts.models import Organisation
from stegvis.audit import audit
from stegvis.smart.models import AppKind, AppRegistration


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

    def handle(self, *args, name, kind, redirects, launch_url, unit, confidential, description,
               **options):  # fmt: skip
        organisation = Organisation.objects.filter(pk=unit).first() if unit else None
        if kind == AppKind.STAFF and organisation is None:
            raise CommandError("A staff app names its unit: --unit ORGANISATION_ID.")
        secret = secrets.token_urlsafe(32) if confidential else ""
        with audit.atomic():
            app = Application.objects.create(
                name=name,
                client_type=(
                    Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC
                ),
                authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
                redirect_uris=" ".join(redirects),
                client_secret=secret,
                algorithm=Application.RS256_ALGORITHM,
            )
            AppRegistration.objects.create(
                application=app, kind=kind, organisation=organisation,
                launch_url=launch_url, description=description,
            )  # fmt: skip
        self.stdout.write(f"client_id: {app.client_id}")
        if secret:
            self.stdout.write(f"client_secret: {secret}  (shown once)")
