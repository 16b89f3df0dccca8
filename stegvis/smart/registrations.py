"""Registering apps: a staff app by the manager of the unit that uses it (never by a
patient), a region's system by Stegvis's administrators; which apps a member of staff may
open with a patient."""

import secrets
from urllib.parse import urlsplit

from oauth2_provider.models import Application

from stegvis.accounts.models import Membership, User
from stegvis.accounts.roles import STAFF_ROLES, OrganisationKind, Role
from stegvis.audit import audit
from stegvis.smart import cors
from stegvis.smart.models import AppKind, AppRegistration


def staff_apps_of(user) -> list[AppRegistration]:
    """The staff apps of the units where `user` works."""
    units = [m.organisation_id for m in user.memberships_cached() if m.role in STAFF_ROLES]
    if not units:
        return []
    return list(
        AppRegistration.objects.filter(kind=AppKind.STAFF, organisation_id__in=units)
        .select_related("application")
        .order_by("application__name")
    )


def staff_app(user, client_id: str) -> AppRegistration | None:
    return next((r for r in staff_apps_of(user) if r.application.client_id == client_id), None)


def managed_units(user) -> list:
    return [m.organisation for m in user.memberships_cached() if m.role == Role.UNIT_MANAGER]


def apps_of_unit(unit) -> list[AppRegistration]:
    return list(
        AppRegistration.objects.filter(kind=AppKind.STAFF, organisation=unit)
        .select_related("application", "registered_by")
        .order_by("application__name")
    )


def register(*, kind: str, name: str, redirect_uris: list[str], launch_url: str = "",
             description: str = "", confidential: bool = False, unit=None,
             by=None, jwks_url: str = "", jwks: dict | None = None,
             ) -> tuple[AppRegistration, str]:  # fmt: skip
    """A new app, and its client secret (empty for a public client), which is shown once
    and kept only as its hash."""
    keyed = bool(jwks_url or jwks)
    secret = secrets.token_urlsafe(32) if confidential and not keyed else ""
    # A secret nobody holds: a keyed client proves itself by its keys, a public one not at
    # all (django-oauth-toolkit would keep an empty secret as the hash of "").
    stored = secret or secrets.token_urlsafe(32)
    with audit.atomic():
        application = Application.objects.create(
            name=name,
            client_type=(
                Application.CLIENT_CONFIDENTIAL if secret or keyed else Application.CLIENT_PUBLIC
            ),
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(redirect_uris),
            allowed_origins=" ".join(origins_of([*redirect_uris, launch_url])),
            client_secret=stored,
            algorithm=Application.RS256_ALGORITHM,
        )
        registration = AppRegistration.objects.create(
            application=application, kind=kind, organisation=unit, registered_by=by,
            launch_url=launch_url, description=description, jwks_url=jwks_url, jwks=jwks,
        )  # fmt: skip
    return registration, secret


class NotARegion(ValueError):
    pass


def register_system(*, name: str, region, jwks_url: str = "", jwks: dict | None = None,
                    description: str = "") -> AppRegistration:  # fmt: skip
    """A region's system (a SMART backend service): it gets tokens by the client
    credentials grant, proving itself by a key alone, and acts as an account of its own,
    a member of the region in the system role, which never signs in."""
    if region is None or region.kind != OrganisationKind.REGION:
        raise NotARegion(name)
    if not (jwks_url or jwks):
        raise ValueError("A system proves itself by its keys: give their address or a JWKS.")
    with audit.atomic():
        application = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            redirect_uris="",
            client_secret=secrets.token_urlsafe(32),  # one nobody holds
        )
        # An address that receives nothing (.invalid), and no password: no way to sign in.
        account = User.objects.create_user(
            f"system-{application.client_id.lower()}@systems.invalid", given_name=name[:150]
        )
        Membership.objects.create(user=account, organisation=region, role=Role.REGISTERED_SYSTEM)
        return AppRegistration.objects.create(
            application=application, kind=AppKind.SYSTEM, organisation=region,
            description=description, jwks_url=jwks_url, jwks=jwks, account=account,
        )  # fmt: skip


def origins_of(addresses) -> list[str]:
    """The origins of `addresses`: a browser app calls Stegvis from these (a loopback one
    from any port: stegvis/smart/cors.py)."""
    found = {cors.without_loopback_port("{0.scheme}://{0.netloc}".format(urlsplit(a)))
             for a in addresses if a}  # fmt: skip
    return sorted(found)


def remove(registration: AppRegistration) -> None:
    """The app and every token it holds, gone. A system's account stays, inactive, for the
    audit events that name it."""
    with audit.atomic():
        if registration.account_id:
            User.objects.filter(pk=registration.account_id).update(is_active=False)
        registration.application.delete()
