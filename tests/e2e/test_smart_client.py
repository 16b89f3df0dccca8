"""A SMART app written by someone else connects unchanged: PyPI's `fhirclient` (SMART Health
IT's Python client), as a confidential client of the running demo. It finds the endpoints in
the CapabilityStatement, sends the patient's browser to the consent screen with PKCE,
exchanges the code (its secret by HTTP Basic), reads her record, and renews its token."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import requests
from fhirclient import client as smart_client
from fhirclient.models.episodeofcare import EpisodeOfCare
from fhirclient.models.patient import Patient

from stegvis.demo.management.commands.demo import DEMO_APP, DEMO_PASSWORD, DOMAIN
from tests.eid import csrf_token

CALLBACK = "http://127.0.0.1:8765/callback"  # where the app would listen (RFC 8252)


class _HiddenFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden":
            self.found[attrs["name"]] = attrs.get("value") or ""


def hidden_fields(page: str) -> dict:
    parser = _HiddenFields()
    parser.feed(page)
    return parser.found


def sign_in(browser: requests.Session, home: str, login: str) -> None:
    page = browser.get(f"{home}/accounts/login/", timeout=10)
    signed_in = browser.post(f"{home}/accounts/login/", timeout=10, data={
        "csrfmiddlewaretoken": csrf_token(page.text),
        "login": f"{login}@{DOMAIN}", "password": DEMO_PASSWORD,
    }, headers={"Referer": f"{home}/accounts/login/"})  # fmt: skip
    assert signed_in.ok and "/accounts/login/" not in signed_in.url


def test_fhirclient_connects_as_a_patients_app_and_reads_her_record(live_stegvis):
    smart = smart_client.FHIRClient(settings={
        "app_id": DEMO_APP["client_id"], "app_secret": DEMO_APP["secret"],
        "redirect_uri": CALLBACK, "api_base": f"{live_stegvis}/fhir",
        "scope": "launch/patient openid fhirUser offline_access patient/Patient.rs "
                 "patient/EpisodeOfCare.rs",
    })  # fmt: skip
    authorize = smart.authorize_url
    assert urlsplit(authorize).path == "/oauth/authorize/"

    # Sara's part, in her browser: she signs in, reads what the app asks, and lets it in.
    browser = requests.Session()
    sign_in(browser, live_stegvis, "sara")
    consent = browser.get(authorize, timeout=10)
    assert consent.status_code == 200 and "Smärtdagboken" in consent.text
    answer = browser.post(consent.url, data={**hidden_fields(consent.text), "allow": "true"},
                          headers={"Referer": consent.url}, allow_redirects=False,
                          timeout=10)  # fmt: skip
    assert answer.status_code == 302 and answer.headers["Location"].startswith(CALLBACK)

    smart.handle_callback(answer.headers["Location"])
    assert smart.ready and smart.patient_id
    sara = Patient.read(smart.patient_id, smart.server)
    assert sara.name[0].given == ["Sara"]
    episodes = EpisodeOfCare.where(struct={"patient": smart.patient_id}).perform_resources(
        smart.server
    )
    assert episodes and all(e.patient.reference == f"Patient/{sara.id}" for e in episodes)
    # offline_access: the app renews its token without her, and reads on.
    before = smart.server.auth.access_token
    smart.reauthorize()
    assert smart.server.auth.access_token not in (None, before)
    assert Patient.read(smart.patient_id, smart.server).id == sara.id
