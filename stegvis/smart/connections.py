"""Connections: a person letting an app act for them, and the credential an app's token is.

A patient's app reads and writes the patient's own data only (patient/ scopes, the patient
in context). A staff app is opened from a patient's page (an EHR launch) with that patient
in context, and may ask user/ scopes for what its person reaches besides. A region's
system asks system/ scopes to read, as its own account, with no patient in context. No
scope ever reaches further than the person's role could (an employer's app never carries a
clinical scope), and the policy decides each read as for the person themselves
(stegvis.access.credentials).
"""

import hashlib
from dataclasses import replace
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken, RefreshToken

from stegvis.access import systems
from stegvis.access.categories import ROLE_CEILING, SYSTEM_ROLES
from stegvis.access.credentials import CATEGORY_RESOURCES, AppCredential
from stegvis.access.smart_scopes import InvalidScope, Scope, Scopes, parse
from stegvis.audit import audit
from stegvis.smart.models import AppKind, Connection, IssuedToken

# Which scope contexts each kind of app may ask for.
KIND_CONTEXTS = {
    AppKind.PATIENT: {"patient"},
    AppKind.STAFF: {"patient", "user"},
    AppKind.SYSTEM: {"system"},
}
# What a system does: read and search.
SYSTEM_LETTERS = frozenset("rs")
# How often a connection's last use is written: once in a while is enough to show it.
LAST_USED_RESOLUTION = timedelta(minutes=5)
EVERY_RESOURCE = frozenset().union(*CATEGORY_RESOURCES.values())
# What is no one's data: the questionnaires themselves.
OPEN_RESOURCES = frozenset({"Questionnaire"})


def reachable_resources(user, kind: str) -> frozenset[str]:
    """The resource types `user` could ever read through an app of `kind`: a patient all
    of their own; staff those of their roles' ceilings."""
    if kind == AppKind.PATIENT:
        return EVERY_RESOURCE if user.is_patient else frozenset()
    if kind == AppKind.SYSTEM:  # what its region's country's law lets it read
        categories = set().union(*(
            systems.basis_for(m.organisation.jurisdiction).categories
            for m in user.memberships_cached() if m.role in SYSTEM_ROLES
        ))  # fmt: skip
        return frozenset().union(*(CATEGORY_RESOURCES[c] for c in categories))
    categories = set().union(*(ROLE_CEILING.get(role, frozenset()) for role in user.roles))
    return frozenset().union(*(CATEGORY_RESOURCES[c] for c in categories))


def scopes_refusal(application, scopes, user=None) -> str | None:
    """Why an app may not be granted `scopes` (a list), or None. With `user` (the person
    answering the consent screen), a scope that reaches further than they could is refused."""
    registration = getattr(application, "registration", None)
    if registration is None:
        return _("The app is not registered for SMART on FHIR.")
    try:
        parsed = [parse(scope) for scope in scopes]
    except InvalidScope as error:
        return _("The app asked for a permission Stegvis does not know: %(scope)s.") % {
            "scope": error.scope
        }
    clinical = [scope for scope in parsed if isinstance(scope, Scope)]
    allowed_contexts = KIND_CONTEXTS[registration.kind]
    for scope in clinical:
        if scope.context not in allowed_contexts:
            return _("This kind of app may not ask for %(scope)s.") % {"scope": scope}
    if registration.kind == AppKind.SYSTEM:
        return _system_scopes_refusal(parsed, registration.account)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return _beyond_reach(clinical, user, registration.kind)


def _system_scopes_refusal(parsed, account) -> str | None:
    """A system asks for system/ scopes to read, none reaching further than its account."""
    if not parsed:
        return _("A system names the system/ scopes it reads.")
    for scope in parsed:
        if not isinstance(scope, Scope):
            return _("A system has no person to sign in: %(scope)s is not for it.") % {
                "scope": scope
            }
        if not scope.actions <= SYSTEM_LETTERS:
            return _("A system only reads: %(scope)s is not for it.") % {"scope": scope}
    # Its `*` is read as the types its account reads (system_grant).
    return _beyond_reach([s for s in parsed if s.resource != "*"], account, AppKind.SYSTEM)


def system_grant(registration, scopes: list[str]) -> list[str]:
    """What a system is granted of `scopes` (already allowed): `*` as each type its account
    reads, so its token names no type it could never read (RFC 6749 lets the answer's
    scope be narrower than the request's, and says so)."""
    readable = sorted(reachable_resources(registration.account, AppKind.SYSTEM) | OPEN_RESOURCES)
    granted: list[str] = []
    for text in scopes:
        scope = parse(text)
        if scope.resource == "*":
            granted += [str(replace(scope, resource=resource)) for resource in readable]
        else:
            granted.append(text)
    return list(dict.fromkeys(granted))


def _beyond_reach(clinical, user, kind) -> str | None:
    reachable = reachable_resources(user, kind) | OPEN_RESOURCES
    for scope in clinical:
        wanted = EVERY_RESOURCE if scope.resource == "*" else {scope.resource}
        if not wanted <= reachable:
            return _("The app asked for %(scope)s, which reaches further than you can.") % {
                "scope": scope
            }
    return None


def let_in(*, user, application, patient_id, scope: str) -> Connection:
    """The person's connection to the app for this patient, with the scope just granted."""
    with audit.atomic():
        connection, created = Connection.objects.active().get_or_create(
            user=user, application=application, patient_id=patient_id, defaults={"scope": scope}
        )
        if not created and connection.scope != scope:
            connection.scope = scope
            connection.save(update_fields=["scope"])
    return connection


def of_issued(**token) -> Connection | None:
    """The active connection a grant or token (a queryset of one, by name) was issued for."""
    field, rows = next(iter(token.items()))
    link = (
        IssuedToken.objects.filter(**{f"{field}__in": rows}, connection__revoked_at__isnull=True)
        .select_related("connection")
        .first()
    )
    return None if link is None else link.connection


def fhir_user(user) -> str:
    """The person's FHIR resource, relative to the base (SMART's fhirUser)."""
    return f"Patient/{user.pk}" if not user.is_staff_member else f"Practitioner/{user.pk}"


def checksum(raw: str) -> str:
    """How django-oauth-toolkit finds a token it keeps only the hash of."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _issued(raw: str) -> IssuedToken | None:
    """The usable app token `raw` is, with its connection; None when it is none, has
    expired or its connection was revoked."""
    return (
        IssuedToken.objects.filter(
            access_token__token_checksum=checksum(raw),
            access_token__expires__gt=timezone.now(),
            connection__revoked_at__isnull=True,
            connection__user__is_active=True,
        )
        .select_related("connection__user", "access_token__application__registration")
        .first()
    )


def credential(raw: str):
    """The usable app token `raw` is, as (its person, their AppCredential); None when it
    is none, has expired or its connection was revoked. Its use is the connection's last."""
    link = _issued(raw)
    if link is None:
        return None
    connection, token = link.connection, link.access_token
    now = timezone.now()
    if connection.last_used_at is None or now - connection.last_used_at > LAST_USED_RESOLUTION:
        Connection.objects.filter(pk=connection.pk).update(last_used_at=now)
    return connection.user, AppCredential(
        app_name=token.application.name,
        client_id=token.application.client_id,
        connection_id=connection.pk,
        scopes=Scopes.parse(token.scope),
        patient_id=connection.patient_id,
        system=token.application.registration.kind == AppKind.SYSTEM,
    )


def revoke(connection: Connection) -> None:
    """End the connection: every token it issued stops now."""
    with audit.atomic():
        Connection.objects.filter(pk=connection.pk).update(revoked_at=timezone.now())
        issued = IssuedToken.objects.filter(connection=connection)
        AccessToken.objects.filter(pk__in=issued.values("access_token")).delete()
        RefreshToken.objects.filter(pk__in=issued.values("refresh_token")).update(
            revoked=timezone.now()
        )


# What the discovery document lists: read and search of each resource type for a patient's
# own app and for staff, and what a patient's app may write.
SCOPES_SUPPORTED = [
    *(f"{context}/{resource}.rs" for context in ("patient", "user")
      for resource in sorted(EVERY_RESOURCE)),
    "patient/QuestionnaireResponse.cruds",
    "patient/Observation.cruds",
    "system/*.rs",
]  # fmt: skip


def connections_of(person) -> list[Connection]:
    """The apps `person` has let in, newest first, ended ones after."""
    return list(
        Connection.objects.filter(user=person)
        .select_related("application", "application__registration", "patient")
        .order_by("revoked_at", "-created_at")
    )


def connection_of(person, connection_id) -> Connection | None:
    return (
        Connection.objects.active()
        .select_related("application")
        .filter(user=person, pk=connection_id)
        .first()
    )


def introspection(raw: str, client, fhir_base: str) -> dict:
    """RFC 7662's answer about `raw` to `client`: active only for its own usable token.
    Asking about a token is not using it: the last use stays as it was."""
    link = _issued(raw)
    if link is None or link.access_token.application_id != client.pk:
        return {"active": False}
    connection, token = link.connection, link.access_token
    answer = {
        "active": True,
        "scope": token.scope,
        "client_id": client.client_id,
        "exp": int(token.expires.timestamp()),
        "sub": str(connection.user_id),
    }
    if connection.patient_id:  # a system has no patient in context, nor a person
        answer["patient"] = str(connection.patient_id)
        answer["fhirUser"] = fhir_base + fhir_user(connection.user)
    return answer
