"""The app with no connection, or a bad one: opened cold offline it offers a blank check-in
in the language Stegvis was last read in (not the phone's); on a connection that claims to
be there and carries nothing, a check-in sent waits on the phone instead of being lost; a
questionnaire answer of crisis written offline opens the crisis lines at once."""

import json
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import (
    KEPT_ON_PHONE,
    PHONE,
    ServerAnswers,
    assert_accessible,
    check_ins_saying,
    created_check_ins,
    sign_in,
)
from tests.e2e.flaky_link import FlakyLink

pytestmark = pytest.mark.browser

NOTHING_KEPT = f"({KEPT_ON_PHONE})().then((kept) => kept.length === 0)"


def _signed_in_with_the_app(page: Page, base: str, login: str, start: str = "/") -> None:
    """Signed in, with the service worker installed and controlling the page."""
    page.set_viewport_size(PHONE)
    page.context.clear_cookies()
    sign_in(page, base, f"{login}@demo.stegvis.invalid")
    page.goto(f"{base}{start}")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{base}{start}")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def test_opened_cold_offline_the_app_offers_a_check_in_in_the_language_last_read(
    page: Page, live_stegvis
):
    # Ola reads Stegvis in bokmål on a phone set to Swedish (the browser's locale here).
    _signed_in_with_the_app(page, live_stegvis, "ola")
    assert page.locator("html").get_attribute("lang") == "nb"
    created_before = created_check_ins(page, live_stegvis)
    note = f"Sliten etter bussen {uuid.uuid4().hex[:8]}"

    page.context.set_offline(True)
    try:
        page.goto(f"{live_stegvis}/")
        expect(page.locator("h1")).to_have_text("Ingen tilkobling akkurat nå")
        checkin = page.locator("#offline-checkin")
        expect(checkin).to_be_visible()
        assert_accessible(page)
        checkin.locator("input.zero-to-ten").first.fill("4")
        checkin.locator("textarea[name=note]").fill(note)
        checkin.locator("button[type=submit]").click()
        expect(checkin.locator("form")).to_be_hidden()
        waiting = page.locator("#waiting-to-send")
        expect(waiting).to_have_text(waiting.get_attribute("data-one"))
        (kept,) = page.evaluate(KEPT_ON_PHONE)
        assert kept["owner"] and kept["action"].endswith("/checkin/")
        # The crisis lines kept for offline are Norway's first, in bokmål.
        page.goto(f"{live_stegvis}/help/")
        expect(page.locator("main h2").first).to_contain_text("Norge")
        page.goto(f"{live_stegvis}/")
        expect(waiting).to_have_text(waiting.get_attribute("data-one"))
        sent = ServerAnswers(live_stegvis, "/checkin/")
    finally:
        page.context.set_offline(False)
    # Back online, the offline page takes her home, which sends what waited, once.
    page.wait_for_function(NOTHING_KEPT)
    assert sent.statuses(page, 1) == [302], sent.now()
    assert check_ins_saying(page, live_stegvis, note) == 1
    assert created_check_ins(page, live_stegvis) == created_before + 1


@pytest.fixture
def flaky(live_stegvis):
    return FlakyLink(urlsplit(live_stegvis).port)


def test_on_a_connection_that_carries_nothing_a_check_in_waits_and_is_sent_once(
    page: Page, live_stegvis, flaky
):
    base = f"http://127.0.0.1:{flaky.port}"
    _signed_in_with_the_app(page, base, "sara", "/checkin/")
    created_before = created_check_ins(page, live_stegvis)
    note = f"Tåget stod still {uuid.uuid4().hex[:8]}"

    flaky.set("cut")
    assert page.evaluate("navigator.onLine") is True
    page.locator("input.zero-to-ten").first.fill("5")
    page.locator("textarea[name=note]").fill(note)
    page.locator("form[data-keep-offline] button[type=submit]").click()
    # The form could not leave: the offline page, and it waits on the phone.
    page.wait_for_url(f"{base}/offline/")
    waiting = page.locator("#waiting-to-send")
    expect(waiting).to_have_text(waiting.get_attribute("data-one"))
    (kept,) = page.evaluate(KEPT_ON_PHONE)
    assert kept["sent"] is False
    assert check_ins_saying(page, live_stegvis, note) == 0
    # A page asked for on a connection that answers nothing at all: after a while, the
    # offline page rather than a blank screen.
    flaky.set("hold")
    page.goto(f"{base}/my-plan/", timeout=30_000)
    expect(page.locator("#offline-checkin")).to_be_visible()

    flaky.set("pass")
    sent = ServerAnswers(live_stegvis, "/checkin/")
    page.locator("main a.button").first.click()  # "Try again"
    page.wait_for_url(f"{base}/")
    page.wait_for_function(NOTHING_KEPT)
    assert sent.statuses(page, 1) == [302], sent.now()
    assert check_ins_saying(page, live_stegvis, note) == 1
    assert created_check_ins(page, live_stegvis) == created_before + 1


def test_a_questionnaire_answer_of_crisis_written_offline_opens_the_crisis_lines(
    page: Page, live_stegvis
):
    _signed_in_with_the_app(page, live_stegvis, "sara", "/questionnaires/")
    links = page.locator("main a[href^='/questionnaires/']")
    addresses = [links.nth(i).get_attribute("href") for i in range(links.count())]
    rules = []
    for address in addresses:
        page.goto(f"{live_stegvis}{address}")
        found = page.locator("#crisis-items")
        if found.count() and (rules := json.loads(found.text_content())):
            break
    assert rules, f"a questionnaire with an answer of crisis is waiting for Sara: {addresses}"
    form = page.locator("form[data-keep-offline]")

    page.context.set_offline(True)
    try:
        for group in form.locator("fieldset").all():
            for name in group.locator("input[type=text]").all():
                name.fill("Promenera")
            group.locator("input[type=radio]").first.check()
        (rule,) = rules
        form.locator(f"input[name={rule['field']}][value='{rule['above'] + 1}']").check()
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{live_stegvis}/help/")
        expect(page.get_by_text("90101").first).to_be_visible()
        assert len(page.evaluate(KEPT_ON_PHONE)) == 1  # kept, to raise the flag on arrival
    finally:
        page.context.set_offline(False)
    sent = ServerAnswers(live_stegvis, "/questionnaires/")
    page.goto(f"{live_stegvis}/")
    page.wait_for_function(NOTHING_KEPT)
    assert sent.statuses(page, 1) == [302], sent.now()
    # Arrived: the questionnaire is answered, and its result page shows the crisis lines.
    page.goto(f"{live_stegvis}{address}")
    expect(form).to_have_count(0)
    expect(page.get_by_text("90101").first).to_be_visible()
