"""Signing in by SITHS eID through a SAML identity provider like Inera's, end to end: Stegvis
served on loopback, pysaml2's IdP (tools/saml-idp) beside it, and a professional's browser
going from Stegvis's sign-in page through the IdP's page and back. Their assignments
(medarbetaruppdrag) become their memberships; with several, they pick one, and the access
policy acts on that one."""

import re

import pytest
import requests

from stegvis.accounts.eid import saml
from stegvis.accounts.models import Membership
from stegvis.accounts.roles import OrganisationKind, Role
from tests.eid import (
    _Form,
    csrf_token,
    free_port,
    needs_xmlsec1,
    press_eid_button,
    self_signed,
    start_saml_idp,
    walk,
)
from tests.factories import OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

HSA_ID = "urn:sambi:names:attribute:employeeHsaId"
PERSONNUMMER = "urn:oid:1.2.752.29.4.13"
TITLE = "urn:sambi:names:attribute:title"
COMMISSION = "urn:sambi:names:attribute:commission"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
PHYSICIAN_NUMBER, PHYSICIAN_HSA = "197001012389", "SE2321000016-1003"
NORTH, SOUTH, STALE = "SE2321000016-A001", "SE2321000016-A002", "SE2321000016-A009"


def _physician(hsa_id: str, commissions: list[str], *, loa=LOA3, sign=True) -> dict:
    return {
        "attributes": {
            HSA_ID: [hsa_id],
            PERSONNUMMER: [PHYSICIAN_NUMBER],
            TITLE: ["Läkare"],
            COMMISSION: commissions,
        },
        "authn_context": loa,
        "sign": sign,
    }


@pytest.fixture(scope="module")
def inera(live_server, tmp_path_factory):
    """An Inera-like IdP that knows Stegvis (served at `live_server`) by its metadata, and
    the people who sign in there: a physician with assignments for care at two units (and
    one for administration), the same with an unsigned assertion, at too low a level, and
    one whose only assignment is not for care."""
    needs_xmlsec1()
    folder = tmp_path_factory.mktemp("inera")
    key_file, cert_file = self_signed(folder, "stegvis-sp")
    port = free_port()
    entry = {
        "slug": "siths", "name": "SITHS eID", "profile": "inera_siths",
        "idp_metadata": f"http://127.0.0.1:{port}/metadata", "key_file": key_file,
        "cert_file": cert_file, "authorization_origin": f"http://127.0.0.1:{port}",
    }  # fmt: skip
    base = f"{live_server.url}/accounts/eid/siths"
    sp = saml.ServiceProvider(
        entity_id=f"{base}/saml/metadata/", acs_url=f"{base}/saml/acs/",
        logout_url=f"{base}/logged-out/", key_file=key_file, cert_file=cert_file,
        idp_metadata=entry["idp_metadata"],
    )  # fmt: skip
    both = [f"A1;Vård och behandling;{NORTH}", f"A2;Vård och behandling;{SOUTH}",
            f"A3;Administration;{STALE}"]  # fmt: skip
    accounts = {
        "physician": _physician(PHYSICIAN_HSA, both),
        "unsigned": _physician(PHYSICIAN_HSA, both, sign=False),
        "low": _physician(PHYSICIAN_HSA, both, loa=LOA2),
        "north-only": _physician(PHYSICIAN_HSA, [f"A1;Vård och behandling;{NORTH}"]),
        "administrator": _physician(PHYSICIAN_HSA, [f"A3;Administration;{NORTH}"]),
    }
    process, base = start_saml_idp(folder, port=port, sp_metadata=saml.metadata(sp),
                                   accounts=accounts)  # fmt: skip
    yield {**entry, "test_idp_base": base}
    process.kill()
    process.wait()


@pytest.fixture
def inera_base(inera) -> str:
    return inera["test_idp_base"]


@pytest.fixture
def eid(inera, live_server, settings):
    settings.STEGVIS_EID_PROVIDERS = [{k: v for k, v in inera.items() if k != "test_idp_base"}]
    settings.BASE_URL = live_server.url
    settings.LANGUAGE_CODE = "en"
    return live_server.url


@pytest.fixture
def physician(db):
    """A physician invited to the north unit, once also assigned to a unit they left."""
    north = OrganisationFactory(name="Vårdcentralen Norr", hsa_id=NORTH,
                                kind=OrganisationKind.CARE_UNIT)  # fmt: skip
    south = OrganisationFactory(name="Vårdcentralen Söder", hsa_id=SOUTH,
                                kind=OrganisationKind.CARE_UNIT)  # fmt: skip
    left = OrganisationFactory(name="Vårdcentralen Väst", hsa_id=STALE,
                               kind=OrganisationKind.CARE_UNIT)  # fmt: skip
    user = member(UserFactory(email="lakare@example.se"), north, Role.PHYSICIAN, mfa=False)
    Membership.objects.create(user=user, organisation=left, role=Role.PHYSICIAN)
    user.set_national_id(PHYSICIAN_NUMBER, "SE")
    user.save()
    return user, north, south, left


def _start(home: str) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    started = press_eid_button(browser, home, "siths", "SITHS eID")
    assert started.status_code == 302 and "SAMLRequest=" in started.headers["Location"]
    assert "Signature=" in started.headers["Location"]  # the request is signed
    return browser, started


def _answer(browser: requests.Session, started: requests.Response, account: str) -> dict:
    """The IdP's login page as `account`: the answer its page would post to Stegvis."""
    page = browser.get(started.headers["Location"], timeout=10)
    form = _Form()
    form.feed(page.text)
    posted = browser.post(requests.compat.urljoin(page.url, form.action),
                          data={**form.fields, "login": account, "password": "x"},
                          timeout=10)  # fmt: skip
    answer = _Form()
    answer.feed(posted.text)
    assert answer.action.endswith("/accounts/eid/siths/saml/acs/"), posted.text[:300]
    return answer.fields


def _me(browser: requests.Session, home: str) -> dict:
    return browser.get(f"{home}/api/v1/me", timeout=10).json()


def test_a_physician_with_two_assignments_picks_one_and_works_under_it(eid, physician):
    user, north, south, left = physician
    browser, started = _start(eid)
    landed = walk(browser, started, "physician", eid)
    # Two assignments for care: the person picks, and until then reaches no unit's patients.
    assert landed.url == f"{eid}/accounts/eid/assignment/"
    assert "Vårdcentralen Norr" in landed.text and "Vårdcentralen Söder" in landed.text
    assert "Väst" not in landed.text
    assert _me(browser, eid)["memberships"] == []
    # The memberships follow the assignments: the unit left is gone, the new one is there.
    held = set(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
    assert held == {(north.pk, Role.PHYSICIAN), (south.pk, Role.PHYSICIAN)}
    user.refresh_from_db()
    assert user.hsa_id == PHYSICIAN_HSA  # linked by the personnummer, the first time
    token = csrf_token(landed.text)
    picked = browser.post(landed.url, data={"csrfmiddlewaretoken": token, "unit": south.pk},
                          allow_redirects=False, timeout=10)  # fmt: skip
    assert picked.status_code == 302
    units = {m["organisation_id"] for m in _me(browser, eid)["memberships"]}
    assert units == {south.pk}
    # A unit not among their assignments cannot be picked.
    refused = browser.post(landed.url, data={"csrfmiddlewaretoken": token, "unit": left.pk},
                           allow_redirects=False, timeout=10)  # fmt: skip
    assert refused.status_code == 400
    assert {m["organisation_id"] for m in _me(browser, eid)["memberships"]} == {south.pk}


def test_found_again_by_the_hsa_id_with_one_assignment_it_is_taken_at_once(eid, physician):
    user, north, _south, _left = physician
    user.hsa_id = PHYSICIAN_HSA
    user.set_national_id("191212121212", "SE")  # the HSA-id finds them, not the number
    user.save()
    browser, started = _start(eid)
    landed = walk(browser, started, "north-only", eid)
    assert landed.url.rstrip("/") == eid  # home, no choice to make
    assert {m["organisation_id"] for m in _me(browser, eid)["memberships"]} == {north.pk}
    held = set(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
    assert held == {north.pk}


def test_no_assignment_for_care_is_refused_and_ends_the_memberships_held(eid, physician):
    user, _north, _south, _left = physician
    browser, started = _start(eid)
    landed = walk(browser, started, "administrator", eid)
    assert landed.status_code == 403
    assert "no assignment for care and treatment" in landed.text
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("account", "status", "says"),
    [
        ("unsigned", 400, "did not complete the sign-in"),
        ("low", 403, "high level"),
    ],
)
def test_each_refusal_is_a_page_that_says_why(eid, physician, account, status, says):
    browser, started = _start(eid)
    landed = walk(browser, started, account, eid)
    assert landed.status_code == status
    assert says in landed.text
    home = browser.get(f"{eid}/", allow_redirects=False, timeout=10)
    assert home.status_code == 302 and "/accounts/login/" in home.headers["Location"]


def test_an_answer_is_taken_once_and_only_for_the_request_it_answers(eid, physician):
    browser, started = _start(eid)
    answer = _answer(browser, started, "physician")
    acs = f"{eid}/accounts/eid/siths/saml/acs/"
    # Posted from the IdP's site, the browser sends no session cookie: Stegvis's own page
    # posts it once more, and nothing is decided before.
    stranger = requests.Session()
    relayed = stranger.post(acs, data=answer, allow_redirects=False, timeout=10)
    assert relayed.status_code == 200 and 'name="again"' in relayed.text
    assert stranger.post(acs, data={**answer, "again": "1"}, allow_redirects=False,
                         timeout=10).status_code == 400  # fmt: skip
    first = browser.post(acs, data=answer, allow_redirects=False, timeout=10)
    assert first.status_code == 302
    # Replayed in the same browser: the request it answered is finished.
    replayed = browser.post(acs, data={**answer, "again": "1"}, allow_redirects=False,
                            timeout=10)  # fmt: skip
    assert replayed.status_code == 400
    # An answer to an earlier request, after a new one began, answers nothing asked.
    assert press_eid_button(browser, eid, "siths").status_code == 302
    late = browser.post(acs, data=answer, allow_redirects=False, timeout=10)
    assert late.status_code == 400 and 'role="alert"' in late.text


def test_the_idp_takes_only_a_request_stegvis_signed(eid, physician):
    _browser, started = _start(eid)
    location = started.headers["Location"]
    assert requests.get(location, timeout=10).status_code == 200
    # The same request with its signature broken: the IdP refuses to show its sign-in page.
    tampered = re.sub(r"Signature=([^&]+)", lambda m: "Signature=A" + m.group(1)[1:], location)
    assert tampered != location
    assert requests.get(tampered, timeout=10).status_code == 400


def test_an_answer_another_site_posts_does_not_end_the_sign_in_under_way(eid, physician):
    browser, started = _start(eid)
    answer = _answer(browser, started, "physician")
    acs = f"{eid}/accounts/eid/siths/saml/acs/"
    junk = browser.post(acs, data={"SAMLResponse": "PGp1bmsvPg==", "again": "1"},
                        allow_redirects=False, timeout=10)  # fmt: skip
    assert junk.status_code == 400
    assert browser.post(acs, data=answer, allow_redirects=False, timeout=10).status_code == 302


def test_signing_out_ends_the_session_at_the_idp_too(eid, physician):
    browser, started = _start(eid)
    landed = walk(browser, started, "physician", eid)
    token = csrf_token(landed.text)
    out = browser.post(f"{eid}/accounts/logout/", data={"csrfmiddlewaretoken": token},
                       allow_redirects=False, timeout=10)  # fmt: skip
    location = out.headers["Location"]
    assert "/slo/redirect?SAMLRequest=" in location and "Signature=" in location
    back = browser.get(location, allow_redirects=False, timeout=10)
    assert back.headers["Location"].startswith(f"{eid}/accounts/eid/siths/logged-out/")
    done = browser.get(back.headers["Location"], allow_redirects=False, timeout=10)
    assert done.status_code == 302 and "/accounts/login/" in done.headers["Location"]
    assert browser.get(f"{eid}/api/v1/me", timeout=10).status_code in (401, 403)


@pytest.mark.parametrize("request_is", ["signed", "unsigned", "tampered"])
def test_signing_out_at_the_idp_ends_the_session_here_when_it_is_signed(
    eid, physician, inera_base, request_is
):
    signed_out = request_is == "signed"
    browser, started = _start(eid)
    walk(browser, started, "physician", eid)
    assert browser.get(f"{eid}/api/v1/me", timeout=10).status_code == 200
    query = "login=physician" + ("&unsigned=1" if request_is == "unsigned" else "")
    told = browser.get(f"{inera_base}/logout-everywhere?{query}", allow_redirects=False,
                       timeout=10)  # fmt: skip
    location = told.headers["Location"]
    assert "/accounts/eid/siths/logged-out/?SAMLRequest=" in location
    if request_is == "tampered":
        location = re.sub(r"Signature=([^&]+)", lambda m: "Signature=A" + m.group(1)[1:], location)
    answered = browser.get(location, allow_redirects=False, timeout=10)
    if signed_out:  # and Stegvis answers the IdP with a signed LogoutResponse
        location = answered.headers["Location"]
        assert "SAMLResponse=" in location and "Signature=" in location
    assert (browser.get(f"{eid}/api/v1/me", timeout=10).status_code == 200) is not signed_out


def test_stegvis_metadata_is_served_for_the_registration(eid):
    found = requests.get(f"{eid}/accounts/eid/siths/saml/metadata/", timeout=10)
    assert found.status_code == 200
    assert "AssertionConsumerService" in found.text
    assert f"{eid}/accounts/eid/siths/saml/acs/" in found.text
