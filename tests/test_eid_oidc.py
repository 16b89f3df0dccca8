"""The OpenID Connect relying party against a real provider (oidc-provider on loopback,
configured to HelseID's security profile): a Norwegian fastlege and a citizen sign in on
the provider's own pages, and each way a login can go wrong is refused for its reason."""

import time
from dataclasses import replace

import pytest
import requests
from joserfc.jwk import ECKey

from stegvis.accounts.eid import oidc
from stegvis.accounts.eid.oidc import Client, LoginRefused
from tests.eid import client_key, sign_in, start_provider

REDIRECT = "http://127.0.0.1:9/accounts/eid/helseid/callback/"
HPR = "helseid://claims/hpr/hpr_number"
PID = "helseid://claims/identity/pid"
ASSURANCE = "helseid://claims/identity/assurance_level"


@pytest.fixture(scope="module")
def helseid(tmp_path_factory):
    """A HelseID-like provider with Stegvis registered as a private_key_jwt client, and a
    fastlege and a citizen who sign in there."""
    key = client_key()
    registration = {
        "client_id": "stegvis", "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [key.as_dict(private=False)]},
        "grant_types": ["authorization_code"], "response_types": ["code"],
        "dpop_bound_access_tokens": True,
    }  # fmt: skip
    accounts = {
        "fastlege": {
            HPR: "565505933",
            PID: "13097248022",
            ASSURANCE: "high",
            "name": "Kari Nordmann",
        },
    }
    scopes = {"helseid://scopes/hpr/hpr_number": [HPR],
              "helseid://scopes/identity/pid": [PID, ASSURANCE], "profile": ["name"]}  # fmt: skip
    process, issuer = start_provider(
        tmp_path_factory.mktemp("helseid"), clients=[registration], accounts=accounts,
        scopes=scopes,
    )  # fmt: skip
    oidc.Metadata._found.pop(issuer, None)
    client = Client(
        issuer=issuer, client_id="stegvis", private_key=key, redirect_uri=REDIRECT,
        scope="openid profile helseid://scopes/hpr/hpr_number helseid://scopes/identity/pid",
    )  # fmt: skip
    yield client
    process.kill()
    process.wait()


@pytest.fixture(scope="module")
def idporten(tmp_path_factory):
    """An ID-porten-like provider: citizens, their fødselsnummer as `pid`, every login at
    the assurance level of the e-ID used (here the highest)."""
    key = client_key()
    registration = {
        "client_id": "stegvis-idporten", "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [key.as_dict(private=False)]},
        "grant_types": ["authorization_code"], "response_types": ["code"],
    }  # fmt: skip
    process, issuer = start_provider(
        tmp_path_factory.mktemp("idporten"), clients=[registration],
        accounts={"citizen": {"pid": "13097248022"}}, scopes={"profile": ["pid"]},
        acr="idporten-loa-high",
    )  # fmt: skip
    oidc.Metadata._found.pop(issuer, None)
    yield Client(issuer=issuer, client_id="stegvis-idporten", private_key=key,
                 redirect_uri=REDIRECT, scope="openid profile",
                 acr_values="idporten-loa-high")  # fmt: skip
    process.kill()
    process.wait()


def _signed_in(client: Client, account: str = "fastlege"):
    url, pending = oidc.begin(client)
    return pending, sign_in(url, client.redirect_uri, account)


def test_a_fastlege_signs_in_by_pushed_request_and_dpop_bound_tokens(helseid):
    url, pending = oidc.begin(helseid)
    # The browser carries only a reference to the request pushed before it.
    assert "request_uri=" in url and "code_challenge" not in url and "nonce" not in url
    answer = sign_in(url, helseid.redirect_uri, "fastlege")
    assert answer["iss"] == helseid.issuer and answer["state"] == pending.state
    login = oidc.finish(helseid, pending, answer)
    assert login.token_type == "DPoP"
    assert (login.claims[HPR], login.claims[PID], login.claims[ASSURANCE]) == (
        "565505933", "13097248022", "high"
    )  # fmt: skip
    assert login.claims["aud"] == "stegvis" and login.claims["nonce"] == pending.nonce


def test_each_client_assertion_is_fresh_and_lives_sixty_seconds(helseid):
    first = oidc.client_assertion(helseid, helseid.issuer)
    second = oidc.client_assertion(helseid, helseid.issuer)
    claims = [oidc.jwt.decode(a, helseid.private_key).claims for a in (first, second)]
    assert claims[0]["jti"] != claims[1]["jti"]
    assert all(c["exp"] - c["iat"] == 60 for c in claims)


def _push(client: Client, assertion: str) -> requests.Response:
    metadata = oidc.Metadata.of(client.issuer)
    verifier = "v" * 64
    return requests.post(metadata["pushed_authorization_request_endpoint"], timeout=10, data={
        "client_id": client.client_id, "response_type": "code", "scope": "openid",
        "redirect_uri": client.redirect_uri, "code_challenge": oidc.s256(verifier),
        "code_challenge_method": "S256", "client_assertion_type": oidc.CLIENT_ASSERTION_TYPE,
        "client_assertion": assertion,
    })  # fmt: skip


def test_a_reused_client_assertion_is_refused(helseid):
    assertion = oidc.client_assertion(helseid, helseid.issuer)
    assert _push(helseid, assertion).status_code == 201
    again = _push(helseid, assertion)
    assert (again.status_code, again.json()["error"]) == (401, "invalid_client")


def test_an_assertion_older_than_sixty_seconds_is_refused(helseid):
    stale = oidc.client_assertion(helseid, helseid.issuer, now=time.time() - 61)
    answer = _push(helseid, stale)
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


def test_an_assertion_signed_with_another_key_is_refused(helseid):
    stranger = replace(helseid, private_key=client_key())
    answer = _push(stranger, oidc.client_assertion(stranger, helseid.issuer))
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


def test_a_request_not_pushed_is_refused_by_the_provider(helseid):
    metadata = oidc.Metadata.of(helseid.issuer)
    assert metadata["require_pushed_authorization_requests"] is True
    plain = requests.get(metadata["authorization_endpoint"], allow_redirects=False, timeout=10,
                         params={"client_id": "stegvis", "response_type": "code",
                                 "scope": "openid", "redirect_uri": REDIRECT,
                                 "code_challenge": oidc.s256("v" * 64),
                                 "code_challenge_method": "S256", "state": "s"})  # fmt: skip
    answer = sign_in_error(plain)
    assert answer["error"] == "invalid_request"


def sign_in_error(response: requests.Response) -> dict:
    """The provider's refusal, sent back to the client's redirect address as an error."""
    from urllib.parse import parse_qsl, urlsplit

    assert response.status_code in (302, 303), response.text[:200]
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))


@pytest.mark.parametrize("verifier", ["w" * 64, ""], ids=["wrong", "missing"])
def test_a_wrong_or_missing_pkce_verifier_is_refused(helseid, verifier):
    pending, answer = _signed_in(helseid)
    pending.code_verifier = verifier
    with pytest.raises(LoginRefused, match="refused the code"):
        oidc.finish(helseid, pending, answer)


def test_an_answer_to_another_login_is_refused(helseid):
    first, _answer = _signed_in(helseid)
    _second, answer = _signed_in(helseid)
    with pytest.raises(LoginRefused, match="state"):
        oidc.finish(helseid, first, answer)


def test_an_answer_naming_another_issuer_is_refused(helseid):
    pending, answer = _signed_in(helseid)
    with pytest.raises(LoginRefused, match="another issuer"):
        oidc.finish(helseid, pending, {**answer, "iss": "http://127.0.0.1:1"})


def test_an_id_token_for_another_login_or_client_is_refused(helseid):
    pending, answer = _signed_in(helseid)
    pending.nonce = "another login's nonce"
    with pytest.raises(LoginRefused, match="ID token"):
        oidc.finish(helseid, pending, answer)
    pending, answer = _signed_in(helseid)
    tokens = oidc._redeem(helseid, oidc.Metadata.of(helseid.issuer), pending, answer["code"])
    other_client = replace(helseid, client_id="another-client")
    with pytest.raises(LoginRefused, match="ID token"):
        oidc._verified_id_token(other_client, oidc.Metadata.of(helseid.issuer),
                                tokens["id_token"], pending.nonce)  # fmt: skip


def test_a_token_presented_with_another_dpop_key_is_refused(helseid):
    pending, answer = _signed_in(helseid)
    metadata = oidc.Metadata.of(helseid.issuer)
    tokens = oidc._redeem(helseid, metadata, pending, answer["code"])
    userinfo = metadata["userinfo_endpoint"]

    def ask(key):
        proof = oidc.dpop_proof(key, "GET", userinfo, access_token=tokens["access_token"])
        headers = {"Authorization": f"DPoP {tokens['access_token']}", "DPoP": proof}
        return requests.get(userinfo, headers=headers, timeout=10)

    assert ask(ECKey.generate_key("P-256")).status_code == 401
    own = ask(ECKey.import_key(pending.dpop_key))
    assert own.status_code == 200 and own.json()["sub"] == "fastlege"


def test_a_citizen_signs_in_with_their_fodselsnummer_at_the_assurance_level_used(idporten):
    pending, answer = _signed_in(idporten, "citizen")
    login = oidc.finish(idporten, pending, answer)
    assert (login.claims["pid"], login.claims["acr"]) == ("13097248022", "idporten-loa-high")
