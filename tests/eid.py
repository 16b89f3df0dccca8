"""Real e-ID providers for the tests: panva's oidc-provider (tools/oidc-provider) started on
loopback with a configuration like a national broker's, pysaml2's IdP (tools/saml-idp) like
Inera's, and a person signing in on their own pages (driven over HTTP as a browser would)."""

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey

ROOT = Path(__file__).resolve().parent.parent
PROVIDER = ROOT / "tools" / "oidc-provider"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def client_key(kid: str = "stegvis-1") -> RSAKey:
    """A client's key pair: Stegvis keeps the private half, the provider the public."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def start_provider(tmp_path: Path, *, clients: list[dict], accounts: dict, scopes: dict,
                   acr: str = "", require_par: bool = True):  # fmt: skip
    """The provider running on a free loopback port: (process, issuer)."""
    if not (PROVIDER / "node_modules" / "oidc-provider").exists():
        raise RuntimeError("tools/oidc-provider is not installed: run `make install-dev`")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    config = tmp_path / f"provider-{port}.json"
    config.write_text(json.dumps({
        "issuer": issuer, "port": port, "clients": clients, "accounts": accounts,
        "scopes": scopes, "acr": acr, "requirePar": require_par,
    }))  # fmt: skip
    command = ["node", str(PROVIDER / "provider.mjs"), str(config)]
    return _listening(command), issuer


def _listening(command: list[str]) -> subprocess.Popen:
    """A provider started by `command`, once it says it is listening."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line.startswith("listening"):
        process.kill()
        raise RuntimeError(f"{command[1]} did not start: {line}{process.stderr.read()}")
    return process


class _Form(HTMLParser):
    """A page's first form (or its first with the attribute `marked`): its action and
    hidden fields."""

    def __init__(self, marked: str = ""):
        super().__init__()
        self.marked, self.inside = marked, False
        self.action, self.fields = None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None and (not self.marked or self.marked in attrs):
            self.action, self.inside = attrs.get("action"), True
        hidden = tag == "input" and attrs.get("name") and attrs.get("type") == "hidden"
        if hidden and self.inside:
            self.fields[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def sign_in(authorization_url: str, redirect_uri: str, account: str) -> dict:
    """Follow the browser's way through the provider's pages as `account`, up to the
    redirect back to Stegvis: that answer's query (code, state, iss; or error)."""
    browser = requests.Session()
    url = authorization_url
    response = browser.get(url, allow_redirects=False, timeout=10)
    for _step in range(12):
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            if url.startswith(redirect_uri):
                return dict(parse_qsl(urlsplit(url).query))
            response = browser.get(url, allow_redirects=False, timeout=10)
            continue
        form = _Form()
        form.feed(response.text)
        if form.action is None:
            raise AssertionError(f"no form on the provider's page: {response.text[:300]}")
        data = {**form.fields, "login": account, "password": "any"}
        response = browser.post(urljoin(url, form.action), data=data, allow_redirects=False,
                                timeout=10)  # fmt: skip
    raise AssertionError("the provider never sent the browser back")


def csrf_token(page: str) -> str:
    """The CSRF token of a Stegvis page's forms."""
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def press_eid_button(browser: requests.Session, home: str, slug: str,
                     name: str = "") -> requests.Response:  # fmt: skip
    """Press "Sign in with <name>" on Stegvis's sign-in page: Stegvis's answer, unfollowed."""
    page = browser.get(f"{home}/accounts/login/", timeout=10)
    assert name in page.text
    return browser.post(f"{home}/accounts/eid/{slug}/login/", allow_redirects=False,
                        data={"csrfmiddlewaretoken": csrf_token(page.text)},
                        timeout=10)  # fmt: skip


def walk(browser: requests.Session, response: requests.Response, account: str,
         home: str) -> requests.Response:  # fmt: skip
    """Follow `response` as a browser would, through the provider's sign-in pages as
    `account`, until Stegvis (at `home`) answers with a page rather than a redirect."""
    url = response.url
    for _step in range(20):
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            response = browser.get(url, allow_redirects=False, timeout=10)
            continue
        if url.startswith(home):
            return response
        form = _Form()
        form.feed(response.text)
        if form.action is None:
            raise AssertionError(f"no form on the provider's page: {response.text[:300]}")
        data = {**form.fields, "login": account, "password": "any"}
        url = urljoin(url, form.action)
        response = browser.post(url, data=data, allow_redirects=False, timeout=10)
    raise AssertionError("the browser never came back to Stegvis")


SAML_IDP = ROOT / "tools" / "saml-idp" / "idp.py"


def needs_xmlsec1() -> None:
    """SAML's signatures are made and checked by xmlsec1 (Debian's `xmlsec1`): without it
    the SAML tests skip and say so, except in CI, where they must run."""
    if shutil.which("xmlsec1") is None:
        message = "xmlsec1 is not installed (apt-get install xmlsec1)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def self_signed(folder: Path, name: str) -> tuple[str, str]:
    """A key and certificate pair as PEM files (the one tools/saml-idp makes for itself)."""
    spec = importlib.util.spec_from_file_location("saml_idp", SAML_IDP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.self_signed(folder, name)


def start_saml_idp(folder: Path, *, port: int, sp_metadata: str, accounts: dict):
    """pysaml2's IdP (tools/saml-idp) on `port`, knowing the service provider by its
    metadata and the people who sign in there: (process, base address)."""
    base = f"http://127.0.0.1:{port}"
    metadata_file = folder / "sp-metadata.xml"
    metadata_file.write_text(sp_metadata, encoding="utf-8")
    config = folder / f"idp-{port}.json"
    config.write_text(json.dumps({
        "base": base, "port": port, "work": str(folder), "sp_metadata": str(metadata_file),
        "accounts": accounts,
    }))  # fmt: skip
    return _listening([sys.executable, str(SAML_IDP), str(config)]), base
