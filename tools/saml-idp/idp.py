"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP, answering as Inera's IdP
would for a service that asked for the HSA attributes (the person's HSA-id, their title and
their assignments, medarbetaruppdrag). People sign in on its own page with their account
name; what the assertion says about them comes from the configuration file.

    python idp.py config.json   ->  prints "listening <base>" once it answers

config.json: {"base": "http://127.0.0.1:PORT", "port": PORT, "work": "<folder of its own>",
  "sp_metadata": "<the service provider's metadata, a file>",
  "accounts": {"<account>": {"attributes": {"<name>": ["value", ...]},
                             "authn_context": "<LoA URI>", "sign": true}}}

An account with "sign": false is answered with an unsigned assertion (a test of the
service provider, which must refuse it).
"""

import html
import json
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import SIG_RSA_SHA256

LOGIN_PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Inloggning – test-IdP</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Logga in med SITHS eID</h1>
<form method="post" action="/login">
<input type="hidden" name="key" value="{key}">
<label for="login">Konto</label> <input id="login" name="login" autocomplete="off">
<label for="password">Lösenord</label> <input id="password" name="password" type="password">
<button type="submit">Logga in</button>
</form></main></body></html>"""


def self_signed(folder: Path, name: str) -> tuple[str, str]:
    """A key and a certificate of its own (a test IdP's, made at each start)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


def idp_config(config: dict) -> IdPConfig:
    base = config["base"]
    key_file, cert_file = self_signed(Path(config["work"]), "idp")
    return IdPConfig().load(
        {
            "entityid": f"{base}/metadata",
            "service": {
                "idp": {
                    "name": "Test-IdP (SITHS)",
                    "endpoints": {
                        "single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(f"{base}/slo/redirect", BINDING_HTTP_REDIRECT)],
                    },
                    "policy": {
                        "default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_URI}
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    # Stegvis signs its requests (the Redirect binding's query signature).
                    "want_authn_requests_signed": True,
                }
            },
            "key_file": key_file,
            "cert_file": cert_file,
            "metadata": {"local": [config["sp_metadata"]]},
        }
    )


class IdentityProvider:
    def __init__(self, config: dict):
        self.accounts = config["accounts"]
        self.server = Server(config=idp_config(config))
        self.pending: dict[str, tuple] = {}  # login form key -> (request, relay state)

    def __call__(self, environ, start_response):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            if path == "/metadata":
                body = create_metadata_string(None, config=self.server.config, sign=False)
                return self._answer(start_response, body, "application/samlmetadata+xml")
            if path == "/sso/redirect":
                return self._login_page(start_response, query)
            if path == "/login" and method == "POST":
                size = int(environ.get("CONTENT_LENGTH") or 0)
                form = {
                    k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()
                }
                return self._log_in(start_response, form)
            if path == "/slo/redirect" and "SAMLResponse" in query:
                return self._answer(start_response, "utloggad", "text/plain")
            if path == "/slo/redirect":
                return self._log_out(start_response, query)
            if path == "/logout-everywhere":
                return self._log_out_everywhere(start_response, query)
        except Exception as error:  # a test IdP says what went wrong, in its answer
            return self._answer(start_response, f"error: {error}", "text/plain", "400 Bad Request")
        return self._answer(start_response, "not found", "text/plain", "404 Not Found")

    def _answer(self, start_response, body, kind="text/html", status="200 OK", headers=()):
        data = body.encode() if isinstance(body, str) else body
        start_response(status, [("Content-Type", f"{kind}; charset=utf-8"), *headers])
        return [data]

    def _redirect(self, start_response, arguments):
        """The browser sent on with a message by the Redirect binding."""
        location = dict(arguments["headers"])["Location"]
        return self._answer(start_response, "", status="303 See Other",
                            headers=[("Location", location)])  # fmt: skip

    @staticmethod
    def _signed(parse, query):
        """A request by the Redirect binding, its query signature checked by `parse`."""
        return parse(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )

    def _login_page(self, start_response, query):
        request = self._signed(self.server.parse_authn_request, query)
        key = secrets.token_urlsafe(16)
        self.pending[key] = (request.message, query.get("RelayState", ""))
        return self._answer(start_response, LOGIN_PAGE.format(key=html.escape(key)))

    def _log_in(self, start_response, form):
        request, relay_state = self.pending.pop(form["key"])
        account = self.accounts[form["login"]]
        attributes = account["attributes"]
        name_id = NameID(format=NAMEID_FORMAT_PERSISTENT, text=form["login"])
        destination = request.assertion_consumer_service_url
        response = self.server.create_authn_response(
            identity=attributes,
            in_response_to=request.id,
            destination=destination,
            sp_entity_id=request.issuer.text,
            name_id=name_id,
            authn={
                "class_ref": account["authn_context"],
                "authn_auth": self.server.config.entityid,
            },
            sign_assertion=account.get("sign", True),
            sign_response=False,
        )
        arguments = self.server.apply_binding(
            BINDING_HTTP_POST, str(response), destination, relay_state, response=True
        )
        return self._answer(start_response, arguments["data"])

    def _log_out(self, start_response, query):
        request = self._signed(self.server.parse_logout_request, query)
        response = self.server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT])
        arguments = self.server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            self.server.metadata.single_logout_service(
                request.message.issuer.text, BINDING_HTTP_REDIRECT, "spsso"
            )[0]["location"],
            query.get("RelayState", ""),
            response=True,
        )
        return self._redirect(start_response, arguments)

    def _log_out_everywhere(self, start_response, query):
        """The person signs out at the IdP: each service is told, by a LogoutRequest the
        browser takes to it (signed, unless ?unsigned=1)."""
        sp = next(iter(self.server.metadata.service_providers()))
        destination = self.server.metadata.single_logout_service(
            sp, BINDING_HTTP_REDIRECT, "spsso"
        )[0]["location"]
        name_id = NameID(format=NAMEID_FORMAT_PERSISTENT, text=query["login"])
        _id, request = self.server.create_logout_request(destination, sp, name_id=name_id,
                                                         sign=False)  # fmt: skip
        arguments = self.server.apply_binding(
            BINDING_HTTP_REDIRECT, str(request), destination,
            sign="unsigned" not in query, sigalg=SIG_RSA_SHA256,
        )  # fmt: skip
        return self._redirect(start_response, arguments)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # the tests read its first line only
        pass


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    server = make_server("127.0.0.1", config["port"], IdentityProvider(config),
                         handler_class=QuietHandler)  # fmt: skip
    print(f"listening {config['base']}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
