"""Signing in to Stegvis by national e-ID, end to end: Stegvis served on loopback, a real
provider (oidc-provider, HelseID-like) beside it, and a person's browser going from
Stegvis's sign-in page through the provider's pages and back to their home."""

import re

import pytest
import requests

from stegvis.accounts.eid import oidc
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from tests.eid import client_key, csrf_token, press_eid_button, sign_in, start_provider, walk
from tests.factories import OrganisationFactory, UserFactory, member

HPR = "helseid://claims/hpr/hpr_number"
PID = "helseid://claims/identity/pid"
ASSURANCE = "helseid://claims/identity/assurance_level"
FASTLEGE_PID, CITIZEN_PID = "13097248022", "01010012356"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def helseid(live_server, tmp_path_factory):
    """A HelseID-like provider that knows Stegvis (served at `live_server`) as a client,
    and the people who sign in there: a fastlege (high), the same fastlege's colleague at
    a lower level, a citizen, and one whose identity number has a wrong check digit."""
    folder = tmp_path_factory.mktemp("helseid")
    key = client_key("stegvis-helseid")
    key_file = folder / "stegvis-helseid.json"
    key_file.write_text(__import__("json").dumps(key.as_dict(private=True)))
    registration = {
        "client_id": "stegvis",
        "redirect_uris": [f"{live_server.url}/accounts/eid/helseid/callback/"],
        "post_logout_redirect_uris": [f"{live_server.url}/accounts/eid/helseid/logged-out/"],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [key.as_dict(private=False)]},
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }
    accounts = {
        "fastlege": {HPR: "565505933", PID: FASTLEGE_PID, ASSURANCE: "high"},
        "fastlege-substantial": {HPR: "565505933", PID: FASTLEGE_PID, ASSURANCE: "substantial"},
        "citizen": {PID: CITIZEN_PID, ASSURANCE: "substantial"},
        "wrong-check-digit": {PID: "13097248023", ASSURANCE: "high"},
        "stranger": {PID: "01010012437", ASSURANCE: "high"},
    }
    scopes = {"helseid://scopes/hpr/hpr_number": [HPR],
              "helseid://scopes/identity/pid": [PID, ASSURANCE]}  # fmt: skip
    process, issuer = start_provider(folder, clients=[registration], accounts=accounts,
                                     scopes=scopes)  # fmt: skip
    oidc.Metadata._found.pop(issuer, None)
    yield {
        "slug": "helseid", "name": "HelseID", "profile": "helseid", "issuer": issuer,
        "client_id": "stegvis", "key_file": str(key_file),
        "scope": "openid helseid://scopes/hpr/hpr_number helseid://scopes/identity/pid",
    }  # fmt: skip
    process.kill()
    process.wait()


@pytest.fixture
def eid(helseid, live_server, settings):
    settings.STEGVIS_EID_PROVIDERS = [helseid]
    settings.BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def people(db):
    unit = OrganisationFactory(jurisdiction="NO", name="Legekontoret")
    fastlege = member(UserFactory(email="fastlege@example.no"), unit, Role.PHYSICIAN,
                      mfa=False)  # fmt: skip
    fastlege.set_national_id(FASTLEGE_PID, "NO")
    fastlege.save()
    citizen = member(UserFactory(email="citizen@example.no"), unit, Role.PATIENT)
    citizen.set_national_id(CITIZEN_PID, "NO")
    citizen.save()
    return fastlege, citizen


def _me(browser: requests.Session, home: str) -> dict:
    """Who the browser's session is signed in as."""
    return browser.get(f"{home}/api/v1/me", timeout=10).json()


def _sign_in(home: str, account: str) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    started = press_eid_button(browser, home, "helseid", "HelseID")
    assert started.status_code == 302 and "request_uri=" in started.headers["Location"]
    return browser, walk(browser, started, account, home)


def test_a_fastlege_signs_in_by_helseid_and_is_linked_by_their_number(eid, people):
    fastlege, _citizen = people
    browser, landed = _sign_in(eid, "fastlege")
    assert landed.status_code == 200 and landed.url.rstrip("/") == eid
    # The first sign-in links the HPR number to the account the identity number found.
    fastlege.refresh_from_db()
    assert fastlege.hpr_number == "565505933"
    assert _me(browser, eid)["email"] == "fastlege@example.no"
    # Again, found by the HPR number this time: still one account.
    _browser, again = _sign_in(eid, "fastlege")
    assert again.status_code == 200
    assert User.objects.filter(hpr_number="565505933").count() == 1


def test_a_citizen_signs_in_at_a_lower_level_as_a_patient(eid, people):
    _fastlege, citizen = people
    users = User.objects.count()
    browser, landed = _sign_in(eid, "citizen")
    assert landed.status_code == 200
    assert _me(browser, eid)["id"] == str(citizen.pk)
    assert User.objects.count() == users  # no account made


@pytest.mark.parametrize(
    ("account", "status", "says"),
    [
        ("fastlege-substantial", 403, "high level"),
        ("wrong-check-digit", 403, "not valid"),
        ("stranger", 403, "no Stegvis account"),
    ],
)
def test_each_refusal_is_a_page_that_says_why(eid, people, account, status, says, settings):
    settings.LANGUAGE_CODE = "en"
    browser, landed = _sign_in(eid, account)
    assert landed.status_code == status
    assert says in landed.text
    # Not signed in: the home sends them to sign in.
    home = browser.get(f"{eid}/", allow_redirects=False, timeout=10)
    assert home.status_code == 302 and "/accounts/login/" in home.headers["Location"]


def test_an_answer_brought_back_twice_signs_no_one_in_the_second_time(eid, people):
    browser = requests.Session()
    started = press_eid_button(browser, eid, "helseid")
    callback = f"{eid}/accounts/eid/helseid/callback/"
    answer = sign_in(started.headers["Location"], callback, "fastlege")
    first = browser.get(callback, params=answer, allow_redirects=False, timeout=10)
    assert first.status_code == 302
    # In the same browser, still signed in: the login it finished is gone from the session.
    again = browser.get(callback, params=answer, allow_redirects=False, timeout=10)
    assert again.status_code == 400


def test_signing_out_ends_the_session_at_the_provider_too(eid, people):
    browser, landed = _sign_in(eid, "fastlege")
    token = csrf_token(landed.text)
    out = browser.post(f"{eid}/accounts/logout/", data={"csrfmiddlewaretoken": token},
                       allow_redirects=False, timeout=10)  # fmt: skip
    location = out.headers["Location"]
    assert "/session/end?" in location and "id_token_hint=" in location
    assert _me(browser, eid).get("email") is None  # signed out at Stegvis already
    # The provider asks whether to sign out there too; yes, and it sends the browser back.
    asked = browser.get(location, timeout=10)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', asked.text).group(1)
    action = re.search(r'<form[^>]+action="([^"]+)"', asked.text).group(1)
    confirmed = browser.post(requests.compat.urljoin(asked.url, action),
                             data={"xsrf": xsrf, "logout": "yes"}, allow_redirects=False,
                             timeout=10)  # fmt: skip
    back = confirmed.headers["Location"]
    assert back.startswith(f"{eid}/accounts/eid/helseid/logged-out/")
    done = browser.get(back, allow_redirects=False, timeout=10)
    assert done.status_code == 302 and "/accounts/login/" in done.headers["Location"]
    # The provider no longer knows the browser: signing in again asks who it is.
    started = press_eid_button(browser, eid, "helseid")
    at_provider = browser.get(started.headers["Location"], timeout=10)
    assert 'name="login"' in at_provider.text
