"""Stegvis as an app on the phone: the manifest in the reader's language, a service worker
that keeps the shell and the pages no one's data is on, the offline page, and signing out
wiping what the phone keeps."""

import json
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from stegvis.notifications import outbox
from stegvis.notifications.models import NotificationKind
from stegvis.portal.app import SHELL_STATIC


@pytest.mark.parametrize(
    ("language", "description"),
    [("sv", "Steg för steg"), ("en", "Step by step"), ("nb", "Steg for steg")],
)
def test_the_manifest_makes_stegvis_installable_in_the_readers_language(
    client, db, language, description
):
    answer = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE=language)
    assert answer["Content-Type"] == "application/manifest+json"
    manifest = answer.json()
    assert manifest["lang"] == language and manifest["description"].startswith(description)
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone" and manifest["name"] == "Stegvis"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    # What a phone needs to install it: a 192 and a 512 pixel icon, and one it may mask.
    sizes = set()
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert {"/checkin/", "/help/"} == {shortcut["url"] for shortcut in manifest["shortcuts"]}


def test_every_page_links_the_manifest_and_the_worker(client, personas):
    client.force_login(personas.patient)
    page = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<script src="/static/core/js/app.js" defer></script>' in page


def test_the_worker_keeps_the_shell_and_no_page_with_anyones_data(client, personas):
    client.force_login(personas.patient)
    answer = client.get("/sw.js")
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == "/"
    assert "no-cache" in answer["Cache-Control"]
    script = answer.content.decode()
    kept = re.search(r"const KEPT = (\[.*?\]);", script).group(1)
    assert set(re.findall(r'"([^"]+)"', kept)) == {
        *(f"/static/{path}" for path in SHELL_STATIC),
        *(f"{page}?lang={code}" for page in ("/offline/", "/help/") for code in ("sv", "en", "nb")),
    }
    # Each shell file is there to keep, and none is a page of the patient's.
    assert all(finders.find(path) for path in SHELL_STATIC)
    # Kept as asked for by someone signed out, and pages always asked of the network.
    assert 'credentials: "omit"' in script and "patiently(fetch(request)" in script
    assert str(personas.patient.pk) not in script and "csrf" not in script.lower()


def test_the_offline_page_holds_no_ones_data_and_points_to_the_crisis_lines(client, db):
    page = client.get("/offline/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No connection right now" in page and 'href="/help/"' in page
    # A blank check-in, hidden until the app finds a patient signed in on the phone, and
    # the crisis words to check what is written in it.
    (section,) = re.findall(r'<section id="offline-checkin"[^>]*>', page)
    assert "hidden" in section and 'action="/checkin/"' in page
    assert 'id="crisis-words"' in page and "Last time" not in page


@pytest.mark.parametrize(
    ("language", "offline", "first_line"),
    [("sv", "Ingen uppkoppling", "Sverige"), ("nb", "Ingen tilkobling", "Norge"),
     ("en", "No connection", "Sweden")],
)  # fmt: skip
def test_the_pages_kept_offline_are_kept_in_each_language(
    client, db, language, offline, first_line
):
    # Asked for by the app with no cookie and in whatever language the phone's browser
    # speaks: the address decides, so each language's copy is that language's.
    page = client.get(f"/offline/?lang={language}", HTTP_ACCEPT_LANGUAGE="de")
    assert page["Content-Language"] == language
    assert f'<html lang="{language}">' in page.text and offline in page.text
    help_page = client.get(f"/help/?lang={language}", HTTP_ACCEPT_LANGUAGE="de")
    assert help_page["Content-Language"] == language
    # The reader's country's lines first.
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", help_page.text)
    assert first_line in headings[0], headings
    assert client.get("/offline/?lang=xx", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"


def test_a_form_that_arrived_tells_the_phone_so(client, personas, case):
    client.force_login(personas.patient)
    form = client.get("/checkin/").text
    submission = re.search(r'name="submission_id" value="([^"]+)"', form).group(1)
    answer = client.post("/checkin/", {"mood": "6", "submission_id": submission})
    assert answer.status_code == 302
    arrived = answer.cookies["stegvis-arrived"]
    assert arrived.value == submission and not arrived["httponly"]
    # A form that did not pass its checks arrived too: the page shows it with its errors.
    refused = client.post("/checkin/", {"mood": "11", "submission_id": str(uuid.uuid4())})
    assert refused.status_code == 422 and "stegvis-arrived" in refused.cookies


def test_signing_out_wipes_what_the_phone_keeps_and_nothing_else_does(client, personas):
    client.force_login(personas.patient)
    assert "Clear-Site-Data" not in client.get("/")
    signed_out = client.post("/accounts/logout/")
    assert signed_out.status_code == 302
    assert signed_out["Clear-Site-Data"] == '"cache", "storage"'
    assert "Clear-Site-Data" not in client.get("/accounts/login/")


def test_a_patient_has_the_apps_five_places_at_hand_and_staff_do_not(client, personas, case):
    client.force_login(personas.patient)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    nav = re.search(r'<nav class="app-nav".*?</nav>', page, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', nav) == ["/", "/checkin/", "/my-plan/", "/messages/",
                                                  "/more/"]  # fmt: skip
    assert re.search(r'href="/"\s+aria-current="page"', nav)
    assert 'class="has-app-nav"' in page
    client.force_login(personas.treating_physician)
    assert "app-nav" not in client.get("/").content.decode()


def test_the_more_place_counts_what_is_new(client, personas, case):
    """On a phone the header's menu gives way to the bottom bar: "More" says how many new
    notifications the menu would have shown (the patient here reads Swedish)."""
    more_place = re.compile(
        r'<a href="/more/">[^<]+'
        r'(?:<span class="badge">(\d+)<span class="visually-hidden"> ([^<]+)<)?'
    )
    client.force_login(personas.patient)
    assert more_place.search(client.get("/").content.decode()).groups() == (None, None)
    for key in ("shell:1", "shell:2"):
        notice = outbox.Notice(kind=NotificationKind.MESSAGE_RECEIVED, key=key, link="/")
        outbox.notify(notice, [(personas.patient, None)])
        said = more_place.search(client.get("/").content.decode()).groups()
        assert said == {"shell:1": ("1", "ny avisering"), "shell:2": ("2", "nya aviseringar")}[key]


def test_the_plan_place_opens_the_patients_newest_plan(client, personas, case, events_about):
    client.force_login(personas.patient)
    assert client.get("/my-plan/")["Location"] == f"/cases/{case.pk}/plan/"
    assert events_about(personas.patient, object_type="my_plan", outcome="allowed") == 1
    case.delete()
    assert client.get("/my-plan/")["Location"] == "/"


def test_more_holds_the_menu_and_the_crisis_lines(client, personas):
    client.force_login(personas.patient)
    page = client.get("/more/").content.decode()
    for place in ("/network/", "/my-data/access/", "/account/", "/help/", "/questionnaires/"):
        assert f'href="{place}"' in page, place


def test_the_check_in_keeps_offline_and_carries_the_crisis_words(client, personas, case):
    client.force_login(personas.patient)
    page = client.get("/checkin/").content.decode()
    assert re.search(r"<form[^>]*data-keep-offline[^>]*>", page, re.S)
    words = json.loads(re.search(r'id="crisis-words"[^>]*>(.*?)</script>', page, re.S).group(1))
    # Each language's words: a Norwegian's or an English speaker's words count offline too.
    assert {"självmord", "suicide", "selvmord"} <= set(words)
    assert 'id="waiting-to-send"' in page and 'id="kept-conflict"' in page
    # Every page a patient opens carries the words, so a message or a plan written offline
    # opens the crisis lines at once too.
    assert 'id="crisis-words"' in client.get("/").content.decode()
    client.force_login(personas.treating_physician)
    home = client.get("/").content.decode()
    assert 'id="waiting-to-send"' not in home and 'id="crisis-words"' not in home
