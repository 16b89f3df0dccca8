"""A SMART app written by someone else, in a real browser: SMART Health IT's JavaScript client
(npm `fhirclient`, tools/smart-app), served from its own origin, connects to the running demo
unchanged: a standalone launch by a patient, and an EHR launch from a patient's page."""

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import PHONE, assert_accessible, sign_in_as

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "tools" / "smart-app"
PATIENT_SCOPE = "launch/patient openid fhirUser patient/Patient.rs patient/EpisodeOfCare.rs"


class _AppServer(SimpleHTTPRequestHandler):
    """The app's files, and its configuration (its client id and scope) at /config.js."""

    config = {}

    def do_GET(self):
        if self.path.split("?")[0] == "/config.js":
            body = f"window.SMART_APP = {json.dumps(self.config)};".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def smart_app():
    """The app on a loopback port of its own: its address, and its configuration to set."""
    config = {}
    handler = partial(type("Handler", (_AppServer,), {"config": config}), directory=str(APP))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", config
    server.shutdown()


def test_a_patient_lets_a_browser_app_in_and_it_reads_her_record(page: Page, live_stegvis,
                                                                  smart_app):  # fmt: skip
    address, config = smart_app
    config.update(clientId="stegvis-demo-web", scope=PATIENT_SCOPE)
    # Her language is Swedish, whatever an earlier test chose for her (it follows her).
    sign_in_as(page, live_stegvis, "sara", PHONE)
    swedish = page.get_by_role("button", name="Svenska")
    if swedish.count():
        swedish.click()
        expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.context.clear_cookies()
    page.goto(f"{address}/app.html?iss={live_stegvis}/fhir")
    # The app sends her to Stegvis, which asks her to sign in, then what to let the app do.
    page.get_by_label("E-post").fill("sara@demo.stegvis.invalid")
    page.get_by_label("Lösenord").fill("stegvis-demo-2026")
    page.get_by_role("button", name="Logga in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Släppa in Smärtdagboken på webben?")
    expect(page.get_by_text("namn och kontaktuppgifter")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Släpp in Smärtdagboken på webben").click()
    out = page.locator("#out[data-state=ready]")
    expect(out).to_be_visible(timeout=20_000)
    found = json.loads(out.text_content())
    assert found["given"] == ["Sara"] and found["episodes"] >= 1
    assert found["fhirUser"] == f"Patient/{found['patient']}"
    # Her list of apps shows it, and taking it back is one click.
    page.goto(f"{live_stegvis}/account/apps/")
    expect(page.get_by_role("heading", name="Smärtdagboken på webben")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ta tillbaka åtkomsten för Smärtdagboken på webben").click()
    expect(
        page.get_by_text("Smärtdagboken på webben kommer inte längre åt dina uppgifter.")
    ).to_be_visible()


def test_a_physician_opens_a_staff_app_from_a_patients_page(page: Page, live_stegvis,
                                                             smart_app):  # fmt: skip
    address, config = smart_app
    page.set_viewport_size(PHONE)
    # The unit's manager registers the app, as its supplier asked.
    sign_in_as(page, live_stegvis, "chef", PHONE)
    page.get_by_role("link", name="Appar på Vårdcentralen Solbacken").click()
    page.get_by_label("Namn").fill("Rehabplaneraren")
    page.get_by_label("Startadress").fill(f"{address}/app.html")
    page.get_by_label("Återkomstadresser").fill(f"{address}/app.html")
    page.get_by_role("button", name="Registrera appen").click()
    expect(page.get_by_role("heading", name="Rehabplaneraren är registrerad")).to_be_visible()
    assert_accessible(page)
    client_id = page.locator("[role=status] dd").first.text_content().strip()
    config.update(
        clientId=client_id,
        scope="launch openid fhirUser patient/Patient.rs patient/EpisodeOfCare.rs",
    )
    # A physician at the unit opens it from Sara's page: it works with Sara alone.
    sign_in_as(page, live_stegvis, "lakare", PHONE)
    # From the caseload (an urgent flag an earlier test raised may name her too).
    page.get_by_role("table").get_by_role("link", name="Sara Ahmadi").click()
    page.get_by_role("button", name="Öppna i Rehabplaneraren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Släppa in Rehabplaneraren?")
    expect(page.get_by_text("Sara Ahmadi")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Släpp in Rehabplaneraren").click()
    out = page.locator("#out[data-state=ready]")
    expect(out).to_be_visible(timeout=20_000)
    found = json.loads(out.text_content())
    assert found["given"] == ["Sara"] and found["fhirUser"].startswith("Practitioner/")
    # The manager removes it again; what it held ends with it.
    sign_in_as(page, live_stegvis, "chef", PHONE)
    page.get_by_role("link", name="Appar på Vårdcentralen Solbacken").click()
    page.get_by_role("button", name="Ta bort Rehabplaneraren").click()
    expect(page.get_by_text("Inga appar är registrerade för enheten än.")).to_be_visible()
