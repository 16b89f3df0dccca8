"""django-oauth-toolkit's validator with what SMART on FHIR adds: scopes read by SMART's
grammar and held to what the person (or a system's account) can ever reach, the connection
a grant belongs to (the patient in context), a system's client credentials grant, `patient`
in the token response and `fhirUser` in the ID token."""

from oauth2_provider.models import AccessToken, Grant, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings

from stegvis.smart import assertions, connections
from stegvis.smart.discovery import fhir_base
from stegvis.smart.models import AppKind, IssuedToken

# A system's token lives five minutes, as SMART's backend services recommend: it asks
# again with a fresh assertion, so a removed key or registration stops it soon.
SYSTEM_TOKEN_SECONDS = 300


def _system(client):
    registration = getattr(client, "registration", None)
    return registration if registration and registration.kind == AppKind.SYSTEM else None


class SmartValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "fhirUser": "fhirUser"}

    def authenticate_client(self, request, *args, **kwargs):
        """A signed assertion (private_key_jwt) where the client sends one; else a secret,
        as django-oauth-toolkit checks it."""
        sent = dict(request.decoded_body or ())
        if sent.get("client_assertion_type") != assertions.ASSERTION_TYPE:
            # A client with keys proves itself by them alone, never by a secret.
            return super().authenticate_client(request, *args, **kwargs) and not (
                assertions.has_keys(request.client)
            )
        endpoint = oauth2_settings.oidc_issuer(request) + "/token/"
        try:
            client = assertions.client_of(sent.get("client_assertion", ""), endpoint)
        except assertions.AssertionRefused:
            return False
        if sent.get("client_id", client.client_id) != client.client_id:
            return False
        request.client, request.client_id = client, client.client_id
        return True

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        """Every scope is one SMART's grammar reads and the app's kind may ask; once the
        person is known (they are answering the consent screen), none reaches further than
        they ever could."""
        user = getattr(request, "user", None)
        if connections.scopes_refusal(client, scopes, user) is not None:
            return False
        if system := _system(client):
            request.scopes = connections.system_grant(system, scopes)
        return True

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        # A system names what it reads; a person's app is at least told who they are.
        return [] if _system(request.client) else ["openid", "fhirUser"]

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        grant = self._create_authorization_code(request, code)
        connection = connections.let_in(
            user=request.user,
            application=request.client,
            patient_id=getattr(request, "smart_patient", None) or request.user.pk,
            scope=" ".join(request.scopes),
        )
        IssuedToken.objects.create(connection=connection, grant=grant)

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        request.smart_connection = connections.of_issued(
            grant=Grant.objects.filter(code=code, application=client)
        )
        return request.smart_connection is not None

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        request.smart_connection = connections.of_issued(
            refresh_token=RefreshToken.objects.filter(pk=request.refresh_token_instance.pk)
        )
        return request.smart_connection is not None

    def _save_bearer_token(self, token, request, *args, **kwargs):
        # Access beyond the hour only when the person let the app keep it (offline_access).
        if "offline_access" not in token["scope"].split():
            token.pop("refresh_token", None)
        if request.grant_type == "client_credentials":
            system = _system(request.client)
            token["expires_in"] = SYSTEM_TOKEN_SECONDS
            request.smart_connection = connections.let_in(
                user=system.account, application=request.client, patient_id=None,
                scope=token["scope"],
            )  # fmt: skip
        super()._save_bearer_token(token, request, *args, **kwargs)
        connection = request.smart_connection
        access = AccessToken.objects.get(token_checksum=connections.checksum(token["access_token"]))
        IssuedToken.objects.get_or_create(access_token=access, defaults={"connection": connection})
        if token.get("refresh_token"):
            refresh = RefreshToken.objects.filter(
                token_checksum=connections.checksum(token["refresh_token"]), revoked__isnull=True
            ).first()
            if refresh is not None:
                IssuedToken.objects.get_or_create(
                    refresh_token=refresh, defaults={"connection": connection}
                )
        # The launch context, beside the token (SMART App Launch: "patient").
        if {"launch", "launch/patient"} & set(token["scope"].split()):
            token["patient"] = str(connection.patient_id)

    def get_additional_claims(self, request):
        return {"fhirUser": fhir_base(request) + connections.fhir_user(request.user)}
