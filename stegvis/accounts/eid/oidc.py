"""An OpenID Connect relying party to HelseID's security profile, for national e-ID.

HelseID (Norwegian health personnel), ID-porten (Norwegian citizens) and a Swedish region's
provider for BankID and Freja eID all speak OpenID Connect; HelseID asks the most of its
clients, and what it asks is asked of every provider here:
  - the authorization code flow with PKCE, S256 only (RFC 7636);
  - the request pushed to the provider first (PAR, RFC 9126), the browser carrying only its
    `request_uri`, so nobody on the way can change or read what was asked;
  - the client authenticated by a JWT signed with its private key (`private_key_jwt`,
    RFC 7523), valid at most 60 seconds, with a fresh `jti` every time;
  - `state`, `nonce` and the issuer checked on the way back (RFC 9207's `iss` where the
    provider sends it), the ID token's signature checked against the provider's keys;
  - the tokens bound to a key of this login (DPoP, RFC 9449) where the provider offers it.
JOSE is joserfc's; nothing here signs or verifies by hand.

`begin` pushes the request and gives the address to send the browser to, with what must be
kept (in the session) until the browser comes back; `finish` checks what came back,
redeems the code and returns the verified claims. Neither logs an identity number.
"""

import base64
import hashlib
import hmac
import re
import secrets
import time
import uuid
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

# HelseID's limit on a client assertion's life.
ASSERTION_SECONDS = 60
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMEOUT = 10  # seconds, for each call to the provider
# What an ID token may be signed with: asymmetric only.
ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256"]


class LoginRefused(Exception):
    """The login cannot go on; `reason` says why, in words for the log, not the person."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Client:
    """Stegvis as registered with one provider."""

    issuer: str
    client_id: str
    private_key: RSAKey | ECKey  # the client's key; the provider holds its public half
    redirect_uri: str
    scope: str = "openid"
    algorithm: str = "RS256"  # of the client assertion, per the key
    acr_values: str = ""  # the assurance level asked for ("idporten-loa-high"), if any
    dpop: bool = True  # bind the tokens to this login's key where the provider can


@dataclass
class Pending:
    """What the browser's return is checked against, kept in the session meanwhile."""

    state: str
    nonce: str
    code_verifier: str
    dpop_key: dict = field(default_factory=dict)  # this login's private DPoP key (JWK)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Login:
    """A finished login: the ID token's verified claims, the token type issued, and the
    ID token itself (the hint that signs the person out at the provider again)."""

    claims: dict
    token_type: str
    id_token: str = ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    """PKCE's S256 code challenge of `verifier`."""
    return _b64(hashlib.sha256(verifier.encode()).digest())


class Metadata:
    """The provider's discovery document, fetched once per process."""

    _found: dict[str, dict] = {}

    @classmethod
    def of(cls, issuer: str) -> dict:
        if issuer not in cls._found:
            url = issuer.rstrip("/") + "/.well-known/openid-configuration"
            found = requests.get(url, timeout=TIMEOUT).json()
            if found.get("issuer") != issuer:
                raise LoginRefused("the discovery document names another issuer")
            cls._found[issuer] = found
        return cls._found[issuer]


def client_assertion(client: Client, audience: str, *, now: float | None = None) -> str:
    """A `private_key_jwt` assertion: issued now, valid ASSERTION_SECONDS, never reused."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": client.client_id, "sub": client.client_id, "aud": audience,
        "iat": issued, "nbf": issued, "exp": issued + ASSERTION_SECONDS,
        "jti": str(uuid.uuid4()),
    }  # fmt: skip
    header = {"alg": client.algorithm, "kid": client.private_key.kid}
    return jwt.encode(header, claims, client.private_key)


def _authenticated(client: Client, metadata: dict, data: dict) -> dict:
    # The audience is the issuer, as HelseID asks (and oidc-provider accepts).
    return {**data, "client_id": client.client_id, "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": client_assertion(client, metadata["issuer"])}  # fmt: skip


def dpop_proof(key: ECKey, method: str, url: str, *, nonce: str | None = None,
               access_token: str | None = None) -> str:  # fmt: skip
    """A DPoP proof of possession of `key` for one request (RFC 9449)."""
    claims = {"htm": method, "htu": url, "iat": int(time.time()), "jti": str(uuid.uuid4())}
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        claims["ath"] = _b64(hashlib.sha256(access_token.encode()).digest())
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    return jwt.encode(header, claims, key)


def begin(client: Client) -> tuple[str, Pending]:
    """Push the authorization request; the address to send the browser to, and what to
    keep until it comes back."""
    metadata = Metadata.of(client.issuer)
    endpoint = metadata.get("pushed_authorization_request_endpoint")
    if not endpoint:
        raise LoginRefused("the provider takes no pushed authorization requests")
    pending = Pending(secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                      secrets.token_urlsafe(64))  # fmt: skip
    request = {
        "response_type": "code", "scope": client.scope, "redirect_uri": client.redirect_uri,
        "state": pending.state, "nonce": pending.nonce,
        "code_challenge": s256(pending.code_verifier), "code_challenge_method": "S256",
    }  # fmt: skip
    if client.acr_values:
        request["acr_values"] = client.acr_values
    if client.dpop and metadata.get("dpop_signing_alg_values_supported"):
        key = ECKey.generate_key("P-256")
        pending.dpop_key = key.as_dict(private=True)
        request["dpop_jkt"] = key.thumbprint()
    answer = requests.post(endpoint, data=_authenticated(client, metadata, request),
                           timeout=TIMEOUT)  # fmt: skip
    request_uri = answer.json().get("request_uri") if answer.status_code == 201 else None
    if not request_uri:
        raise LoginRefused(f"the provider refused the pushed request ({_error(answer)})")
    query = urlencode({"client_id": client.client_id, "request_uri": request_uri})
    return f"{metadata['authorization_endpoint']}?{query}", pending


def _error(answer: requests.Response) -> str:
    try:
        return _code(answer.json().get("error")) or str(answer.status_code)
    except ValueError:
        return str(answer.status_code)


def _code(value) -> str:
    """An OAuth error code as it may be logged: its own short form, or nothing."""
    return value if isinstance(value, str) and re.fullmatch(r"[a-z_]{1,40}", value) else ""


def finish(client: Client, pending: Pending, query: dict) -> Login:
    """Check what the browser brought back, redeem the code and verify the ID token."""
    metadata = Metadata.of(client.issuer)
    if "error" in query:
        raise LoginRefused(f"the provider answered {_code(query['error']) or 'an error'}")
    if not hmac.compare_digest(query.get("state", "").encode(), pending.state.encode()):
        raise LoginRefused("the state is not this login's")
    # RFC 9207: where the provider names itself in the answer, it must be the one asked.
    names_itself = "iss" in query or metadata.get("authorization_response_iss_parameter_supported")
    if names_itself and query.get("iss") != metadata["issuer"]:
        raise LoginRefused("the answer comes from another issuer")
    tokens = _redeem(client, metadata, pending, query.get("code", ""))
    id_token = tokens.get("id_token", "")
    claims = _verified_id_token(client, metadata, id_token, pending.nonce)
    return Login(claims, tokens.get("token_type", ""), id_token)


def logout_url(client: Client, id_token: str, after: str) -> str:
    """Where the browser goes to be signed out at the provider too (OpenID Connect
    RP-Initiated Logout), coming back to `after`; empty where the provider offers none."""
    endpoint = Metadata.of(client.issuer).get("end_session_endpoint")
    if not endpoint:
        return ""
    query = {"id_token_hint": id_token, "post_logout_redirect_uri": after,
             "client_id": client.client_id}  # fmt: skip
    return f"{endpoint}?{urlencode(query)}"


def _redeem(client: Client, metadata: dict, pending: Pending, code: str) -> dict:
    endpoint = metadata["token_endpoint"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uri,
        "code_verifier": pending.code_verifier,
    }
    key = ECKey.import_key(pending.dpop_key) if pending.dpop_key else None
    nonce = None
    for _attempt in range(2):  # once more with the nonce the provider may ask for
        headers = {} if key is None else {"DPoP": dpop_proof(key, "POST", endpoint, nonce=nonce)}
        answer = requests.post(endpoint, data=_authenticated(client, metadata, data),
                               headers=headers, timeout=TIMEOUT)  # fmt: skip
        if answer.status_code == 400 and _error(answer) == "use_dpop_nonce" and nonce is None:
            nonce = answer.headers.get("DPoP-Nonce")
            continue
        break
    if answer.status_code != 200:
        raise LoginRefused(f"the provider refused the code ({_error(answer)})")
    tokens = answer.json()
    if key is not None and tokens.get("token_type", "").lower() != "dpop":
        raise LoginRefused("the provider did not bind the tokens to this login's key")
    return tokens


def _verified_id_token(client: Client, metadata: dict, id_token: str, nonce: str) -> dict:
    try:
        keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=TIMEOUT).json())
        token = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": client.client_id},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise LoginRefused(f"the ID token does not hold ({error.__class__.__name__})") from None
    # OpenID Connect Core 3.1.3.7: no audience but this client, and `azp` this client.
    audiences = token.claims["aud"] if isinstance(token.claims["aud"], list) else []
    if any(audience != client.client_id for audience in audiences):
        raise LoginRefused("the ID token is also for another audience")
    if token.claims.get("azp", client.client_id) != client.client_id:
        raise LoginRefused("the ID token was issued to another client")
    return dict(token.claims)
