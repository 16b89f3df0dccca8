"""What Stegvis tells an app about its authorization server: the SMART configuration
(/fhir/.well-known/smart-configuration) and the endpoints the CapabilityStatement names."""

from django.http import HttpRequest
from django.urls import reverse
from oauth2_provider.settings import oauth2_settings

from stegvis.access.smart_scopes import OTHER_SCOPES
from stegvis.smart.assertions import ALGORITHMS
from stegvis.smart.connections import SCOPES_SUPPORTED

# SMART App Launch 2.2's "capabilities" this server has.
CAPABILITIES = [
    "launch-ehr", "launch-standalone",
    "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
    "context-ehr-patient", "context-standalone-patient",
    "sso-openid-connect", "permission-offline",
    "permission-patient", "permission-user", "permission-v1", "permission-v2",
]  # fmt: skip
TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
# The CapabilityStatement's names for the endpoints (SMART's oauth-uris extension).
OAUTH_URIS = {
    "authorize": "authorization_endpoint",
    "token": "token_endpoint",
    "introspect": "introspection_endpoint",
    "revoke": "revocation_endpoint",
    "manage": "management_endpoint",
}


def fhir_base(request) -> str:
    """The FHIR base address of the server `request` (Django's, or oauthlib's in the
    validator) was made to: the issuer is django-oauth-toolkit's address on it, /oauth."""
    return oauth2_settings.oidc_issuer(request).removesuffix("/oauth") + "/fhir/"


def endpoints(request: HttpRequest) -> dict[str, str]:
    """The authorization server's endpoints, absolute."""

    def url(name: str) -> str:
        return request.build_absolute_uri(reverse(name))

    return {
        "authorization_endpoint": url("oauth2_provider:authorize"),
        "token_endpoint": url("oauth2_provider:token"),
        "introspection_endpoint": url("oauth2_provider:introspect"),
        "revocation_endpoint": url("oauth2_provider:revoke-token"),
        "management_endpoint": url("smart_apps"),
    }


def configuration(request: HttpRequest) -> dict:
    discovery = request.build_absolute_uri(reverse("oauth2_provider:oidc-connect-discovery-info"))
    return {
        "issuer": discovery.removesuffix("/.well-known/openid-configuration"),
        "jwks_uri": request.build_absolute_uri(reverse("oauth2_provider:jwks-info")),
        **endpoints(request),
        "userinfo_endpoint": request.build_absolute_uri(reverse("oauth2_provider:user-info")),
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "token_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": [*sorted(OTHER_SCOPES), *SCOPES_SUPPORTED],
        "capabilities": CAPABILITIES,
    }


def capability_security(request: HttpRequest) -> dict:
    """The CapabilityStatement's rest.security: SMART on FHIR, with the same endpoints."""
    found = endpoints(request)
    return {
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }
                ]
            }
        ],
        "extension": [
            {
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": [
                    {"url": name, "valueUri": found[key]} for name, key in OAUTH_URIS.items()
                ],
            }
        ],
        "description": "SMART on FHIR apps (/fhir/.well-known/smart-configuration), a session, "
        "or a personal access token as 'Authorization: Bearer'. Every read is decided by the "
        "access policy, capped at an app's scopes, and recorded on the patient's log.",
    }
