"""Signing in by national e-ID in a real browser, through each provider's own pages: a
Norwegian fastlege by HelseID, a Norwegian citizen by ID-porten, a Swedish physician with two
assignments by SITHS eID through an Inera-like SAML IdP, and a Swedish patient by BankID
through a region's provider. Each lands on the home they reach by password today, with the
same links on it; the product runs as deployed (gunicorn, the demo's data, the providers
named by STEGVIS_EID_PROVIDERS_FILE), on a phone-sized screen."""

import json

import pytest
from playwright.sync_api import Page, expect

from stegvis.accounts.eid import saml
from tests.e2e.browser import PHONE, assert_accessible, sign_in_as
from tests.e2e.conftest import serving_demo
from tests.eid import (
    client_key,
    free_port,
    needs_xmlsec1,
    self_signed,
    start_provider,
    start_saml_idp,
)

pytestmark = pytest.mark.browser

HELSEID_SCOPES = {
    "helseid://scopes/hpr/hpr_number": ["helseid://claims/hpr/hpr_number"],
    "helseid://scopes/identity/pid": ["helseid://claims/identity/pid",
                                      "helseid://claims/identity/assurance_level"],
}  # fmt: skip
SE_NUMBER_SCOPE = "https://id.oidc.se/scope/naturalPersonNumber"
SE_NUMBER = "https://id.oidc.se/claim/personalIdentityNumber"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
# The demo's Solbacken and one of the region's other health centres (stegvis synth).
SOLBACKEN, OTHER_CENTRE = "SE2321000016-9XK2", "SE2321000016-S7V1"


def _oidc(folder, base: str, slug: str, *, accounts: dict, scopes: dict, acr: str = ""):
    """An oidc-provider knowing Stegvis at `base` as a client: (process, providers entry)."""
    key = client_key(f"stegvis-{slug}")
    key_file = folder / f"stegvis-{slug}.json"
    key_file.write_text(json.dumps(key.as_dict(private=True)))
    registration = {
        "client_id": "stegvis",
        "redirect_uris": [f"{base}/accounts/eid/{slug}/callback/"],
        "post_logout_redirect_uris": [f"{base}/accounts/eid/{slug}/logged-out/"],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [key.as_dict(private=False)]},
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }
    process, issuer = start_provider(folder, clients=[registration], accounts=accounts,
                                     scopes=scopes, acr=acr)  # fmt: skip
    entry = {"slug": slug, "profile": slug, "issuer": issuer, "client_id": "stegvis",
             "key_file": str(key_file), "scope": " ".join(["openid", *scopes])}  # fmt: skip
    return process, entry


@pytest.fixture(scope="module")
def eid_stegvis(tmp_path_factory, demo_database):
    """The product with four e-ID providers beside it, each its own process on loopback."""
    needs_xmlsec1()
    folder = tmp_path_factory.mktemp("eid-e2e")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    helseid, helseid_entry = _oidc(folder, base, "helseid", scopes=HELSEID_SCOPES, accounts={
        "fastlege": {"helseid://claims/hpr/hpr_number": "9144889",
                     "helseid://claims/identity/assurance_level": "high"},
        "fastlege-substantial": {"helseid://claims/hpr/hpr_number": "9144889",
                                 "helseid://claims/identity/assurance_level": "substantial"},
    })  # fmt: skip
    idporten, idporten_entry = _oidc(folder, base, "idporten", acr="idporten-loa-high",
                                     scopes={"pid": ["pid"]},
                                     accounts={"ola": {"pid": "12037810027"}})  # fmt: skip
    region, region_entry = _oidc(folder, base, "se_region", acr=LOA3,
                                 scopes={SE_NUMBER_SCOPE: [SE_NUMBER]},
                                 accounts={"sara": {SE_NUMBER: "198803149825"}})  # fmt: skip
    key_file, cert_file = self_signed(folder, "stegvis-saml")
    idp_port = free_port()
    siths = f"{base}/accounts/eid/siths"
    sp = saml.ServiceProvider(
        entity_id=f"{siths}/saml/metadata/", acs_url=f"{siths}/saml/acs/",
        logout_url=f"{siths}/logged-out/", key_file=key_file, cert_file=cert_file,
        idp_metadata=f"http://127.0.0.1:{idp_port}/metadata",
    )  # fmt: skip
    lakare = {
        "urn:sambi:names:attribute:employeeHsaId": ["SE2321000016-9XK3"],
        "urn:sambi:names:attribute:title": ["Läkare"],
        "urn:sambi:names:attribute:commission": [f"U1;Vård och behandling;{SOLBACKEN}",
                                                 f"U2;Vård och behandling;{OTHER_CENTRE}"],
    }  # fmt: skip
    idp, _idp_base = start_saml_idp(folder, port=idp_port, sp_metadata=saml.metadata(sp),
                                    accounts={"lakare": {"attributes": lakare,
                                                         "authn_context": LOA3}})  # fmt: skip
    providers = [
        {**helseid_entry, "name": "HelseID"},
        {**idporten_entry, "name": "ID-porten"},
        {**region_entry, "name": "BankID"},
        {"slug": "siths", "name": "SITHS eID", "profile": "inera_siths",
         "idp_metadata": sp.idp_metadata, "key_file": key_file, "cert_file": cert_file,
         "authorization_origin": f"http://127.0.0.1:{idp_port}"},
    ]  # fmt: skip
    providers_file = folder / "providers.json"
    providers_file.write_text(json.dumps(providers))
    env = {"STEGVIS_EID_PROVIDERS_FILE": str(providers_file), "STEGVIS_BASE_URL": base}
    try:
        with serving_demo(folder, demo_database, port=port, env=env) as url:
            yield url
    finally:
        for process in (helseid, idporten, region, idp):
            process.kill()
            process.wait()


def _links(page: Page) -> list[str]:
    """What a person can reach from the page: its main part's links."""
    return sorted(set(page.locator("main a[href]").evaluate_all("els => els.map(e => e.href)")))


def _by_password(page: Page, base: str, login: str) -> list[str]:
    sign_in_as(page, base, login, size=PHONE)
    expect(page).to_have_url(f"{base}/")
    return _links(page)


def _start(page: Page, base: str, provider: str) -> None:
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("button", name=f"Logga in med {provider}", exact=True).click()


def _at_oidc_provider(page: Page, account: str) -> None:
    """The provider's own sign-in page (oidc-provider's development form)."""
    page.locator("input[name=login]").fill(account)
    page.locator("input[name=password]").fill("any")
    page.get_by_role("button", name="Sign-in").click()


@pytest.mark.parametrize(
    ("provider", "account", "login"),
    [("HelseID", "fastlege", "fastlege"), ("ID-porten", "ola", "ola"),
     ("BankID", "sara", "sara")],
)  # fmt: skip
def test_signing_in_by_openid_connect_lands_on_the_same_home(
    page: Page, eid_stegvis, provider, account, login
):
    by_password = _by_password(page, eid_stegvis, login)
    _start(page, eid_stegvis, provider)
    _at_oidc_provider(page, account)
    expect(page).to_have_url(f"{eid_stegvis}/")
    assert by_password and _links(page) == by_password
    assert_accessible(page)
    # Signing out ends the session here and at the provider, and comes back to sign-in.
    page.goto(f"{eid_stegvis}/accounts/logout/")
    page.locator("main form button[type=submit]").first.click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(f"{eid_stegvis}/accounts/login/")


def test_a_physician_with_two_assignments_picks_one_by_siths(page: Page, eid_stegvis):
    by_password = _by_password(page, eid_stegvis, "lakare")
    _start(page, eid_stegvis, "SITHS eID")
    page.get_by_label("Konto").fill("lakare")
    page.get_by_label("Lösenord").fill("any")
    page.get_by_role("button", name="Logga in").click()
    # The IdP's page posts the answer to Stegvis; two assignments, so she picks one.
    expect(page).to_have_url(f"{eid_stegvis}/accounts/eid/assignment/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Välj medarbetaruppdrag")
    assert_accessible(page)
    page.get_by_label("Vårdcentralen Solbacken", exact=False).check()
    page.get_by_role("button", name="Arbeta i detta uppdrag").click()
    expect(page).to_have_url(f"{eid_stegvis}/")
    assert by_password and _links(page) == by_password
    # Under the other centre's assignment, none of Solbacken's patients.
    page.goto(f"{eid_stegvis}/account/")
    page.get_by_role("link", name="Byt medarbetaruppdrag").click()
    page.get_by_label("Vårdcentral 7-1", exact=False).check()
    page.get_by_role("button", name="Arbeta i detta uppdrag").click()
    expect(page).to_have_url(f"{eid_stegvis}/")
    assert "Sara" not in page.locator("main").inner_text()


def test_a_physician_below_the_high_level_is_shown_why_and_not_signed_in(page: Page, eid_stegvis):
    _start(page, eid_stegvis, "HelseID")
    _at_oidc_provider(page, "fastlege-substantial")
    expect(page.get_by_role("heading", level=1)).to_have_text("Du är inte inloggad")
    expect(page.get_by_role("alert")).to_contain_text("HelseID")
    assert_accessible(page)
    page.goto(f"{eid_stegvis}/")
    expect(page).to_have_url(f"{eid_stegvis}/accounts/login/?next=/")
