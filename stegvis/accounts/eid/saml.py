"""Stegvis as a SAML 2.0 service provider (pysaml2), for identity providers such as Inera's
that speak SAML rather than OpenID Connect: the request signed, the assertion required to
be signed, its InResponseTo this browser's request (so an answer is taken once, and never
one nobody asked for), and logout sent to the provider too.

pysaml2 rather than allauth's SAML provider: allauth's rides on python3-saml, whose xmlsec
binding must be built against the same libxml2 as lxml's wheels, and the tests need pysaml2
for the identity provider anyway; one library on both sides, verifying with xmlsec1."""

from dataclasses import dataclass
from functools import cache

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, SAMLError
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.s_utils import SamlException
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.sigver import verify_redirect_signature
from saml2.xmldsig import SIG_RSA_SHA256

from stegvis.accounts.eid.oidc import LoginRefused  # one refusal for either protocol

# Where saml.py puts the authentication context (the assurance level) among the claims.
AUTHN_CONTEXT = "authn_context"


@dataclass(frozen=True)
class ServiceProvider:
    """Stegvis as registered with one SAML identity provider."""

    entity_id: str  # also where Stegvis's metadata is read
    acs_url: str  # where the provider posts its answer
    logout_url: str  # where the provider sends the browser back after logout
    key_file: str  # the key Stegvis signs its requests with (PEM)
    cert_file: str  # its certificate, which the provider holds (PEM)
    idp_metadata: str  # the provider's metadata: a file, or a URL read at first use


@dataclass(frozen=True)
class Login:
    claims: dict  # attribute name -> its values; AUTHN_CONTEXT -> the class reference
    name_id: str  # the provider's name for the person, for logging them out there
    session_index: str


def _config(sp: ServiceProvider, *, with_provider: bool = True) -> SPConfig:
    """pysaml2's configuration of Stegvis; `with_provider`, with the provider's metadata."""
    if not with_provider:
        metadata = {}
    elif sp.idp_metadata.startswith(("https://", "http://")):
        metadata = {"remote": [{"url": sp.idp_metadata}]}
    else:
        metadata = {"local": [sp.idp_metadata]}
    return SPConfig().load(
        {
            "entityid": sp.entity_id,
            "service": {
                "sp": {
                    "endpoints": {
                        "assertion_consumer_service": [(sp.acs_url, BINDING_HTTP_POST)],
                        "single_logout_service": [(sp.logout_url, BINDING_HTTP_REDIRECT)],
                    },
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "allow_unsolicited": False,
                    "authn_requests_signed": True,
                    "logout_requests_signed": True,
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                }
            },
            "key_file": sp.key_file,
            "cert_file": sp.cert_file,
            "metadata": metadata,
            "signing_algorithm": SIG_RSA_SHA256,
            # The clocks of Stegvis and the provider may differ by this many seconds.
            "accepted_time_diff": 30,
        }
    )


@cache  # the provider's metadata read once per process
def _client(sp: ServiceProvider) -> Saml2Client:
    return Saml2Client(config=_config(sp))


def metadata(sp: ServiceProvider) -> str:
    """Stegvis's metadata, for the provider's registration (readable while the provider
    itself cannot be reached)."""
    return create_metadata_string(None, config=_config(sp, with_provider=False)).decode()


def _identity_provider(client: Saml2Client) -> str:
    found = list(client.metadata.identity_providers())
    if len(found) != 1:
        raise LoginRefused(f"the metadata names {len(found)} identity providers, not one")
    return found[0]


def begin(sp: ServiceProvider) -> tuple[str, str]:
    """The provider's sign-in address with a signed request, and the request's id."""
    try:
        client = _client(sp)
        request_id, arguments = client.prepare_for_authenticate(
            entityid=_identity_provider(client), binding=BINDING_HTTP_REDIRECT
        )
    except (SAMLError, SamlException) as error:  # the metadata unread, or unfit
        raise LoginRefused(type(error).__name__) from None
    return dict(arguments["headers"])["Location"], request_id


def finish(sp: ServiceProvider, saml_response: str, request_id: str) -> Login:
    """The verified assertion of the answer posted back, which must answer `request_id`."""
    try:
        client = _client(sp)
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={request_id: "/"}
        )
        session = response.session_info()
        name_id = str(session["name_id"].text)
    except Exception as error:  # pysaml2 says "refused" with some thirty exception types
        raise LoginRefused(type(error).__name__) from None
    # pysaml2 keeps each person it has read in memory; Stegvis has what it needs.
    client.users.remove_person(session["name_id"])
    claims: dict[str, list[str]] = {}
    for statement in response.assertion.attribute_statement:
        for attribute in statement.attribute:
            values = [value.text or "" for value in attribute.attribute_value]
            claims.setdefault(attribute.name, []).extend(values)
    classes = [ref for ref, *_rest in response.authn_info()]
    claims[AUTHN_CONTEXT] = classes[0] if classes else ""
    return Login(claims, name_id, session.get("session_index") or "")


def logout_url(sp: ServiceProvider, name_id: str, session_index: str) -> str:
    """Where the browser goes to be signed out at the provider: a signed LogoutRequest."""
    try:
        client = _client(sp)
        provider = _identity_provider(client)
        services = client.metadata.single_logout_service(provider, BINDING_HTTP_REDIRECT, "idpsso")
    except (SAMLError, SamlException) as error:  # no metadata, or no logout by redirect
        raise LoginRefused(type(error).__name__) from None
    destination = services[0]["location"]
    _request_id, request = client.create_logout_request(
        destination,
        provider,
        name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id),
        session_indexes=[session_index] if session_index else None,
        sign=False,  # the Redirect binding signs the query instead
    )
    arguments = client.apply_binding(
        BINDING_HTTP_REDIRECT, str(request), destination, sign=True, sigalg=SIG_RSA_SHA256
    )
    return dict(arguments["headers"])["Location"]


def logout_requested(sp: ServiceProvider, query: dict) -> tuple[str, str]:
    """The provider's signed LogoutRequest (signing the person out everywhere, by the
    Redirect binding): the name id it signs out, and the address of Stegvis's answer."""
    try:
        client = _client(sp)
        # Anyone could otherwise sign anyone out. pysaml2 checks a request's signature
        # at an identity provider only, so Stegvis checks it here.
        signed = {k: query[k] for k in ("SAMLRequest", "RelayState", "SigAlg", "Signature")
                  if k in query}  # fmt: skip
        certificates = client.metadata.certs(_identity_provider(client), "idpsso", "signing")
        if "Signature" not in signed or not any(
            verify_redirect_signature(signed, client.sec.sec_backend, certificate)
            for _name, certificate in certificates
        ):
            raise LoginRefused("a logout request the provider did not sign")
        request = client.parse_logout_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query["Signature"],
        )
        provider = request.message.issuer.text
        answer = client.create_logout_response(request.message, [BINDING_HTTP_REDIRECT])
        service = client.metadata.single_logout_service(provider, BINDING_HTTP_REDIRECT, "idpsso")
        arguments = client.apply_binding(
            BINDING_HTTP_REDIRECT, str(answer), service[0]["location"],
            query.get("RelayState", ""), response=True, sign=True, sigalg=SIG_RSA_SHA256,
        )  # fmt: skip
        return str(request.message.name_id.text), dict(arguments["headers"])["Location"]
    except LoginRefused:
        raise
    except Exception as error:  # pysaml2's many ways of saying the request does not hold
        raise LoginRefused(type(error).__name__) from None
