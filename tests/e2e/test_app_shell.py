"""Stegvis installs as an app in Chromium and opens without a connection: the service worker
controls the page, Chromium finds nothing stopping an install, the offline page and the crisis
lines come from the phone, and signing out wipes what the phone kept."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import DESKTOP, PHONE, assert_accessible, sign_in, sign_in_as

pytestmark = pytest.mark.browser


def test_stegvis_installs_and_opens_offline_with_the_crisis_lines(page: Page, live_stegvis):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_stegvis}/accounts/login/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    # What Chromium checks before it offers to install: nothing of Stegvis's stands in the
    # way (the test's browser profile is a private one, which never installs anything).
    session = page.context.new_cdp_session(page)
    errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [error["errorId"] for error in errors] == ["in-incognito"]
    manifest = session.send("Page.getAppManifest")
    assert manifest["errors"] == [] and '"display": "standalone"' in manifest["data"]

    page.context.set_offline(True)
    try:
        page.goto(f"{live_stegvis}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ingen uppkoppling just nu")
        assert_accessible(page)
        page.get_by_role("link", name="Stödlinjer och vart du kan vända dig").click()
        expect(page.get_by_text("90101").first).to_be_visible()
    finally:
        page.context.set_offline(False)


def test_signing_out_wipes_what_the_phone_kept(page: Page, live_stegvis):
    page.set_viewport_size(PHONE)
    page.context.clear_cookies()
    sign_in(page, live_stegvis, "sara@demo.stegvis.invalid")
    # What a signed-in person's phone may come to keep: a cache and a stored draft.
    page.evaluate("""async () => {
        await (await caches.open("sara-drafts")).put("/drafts/1", new Response("check-in"));
        localStorage.setItem("draft", "check-in");
    }""")
    page.locator(".app-nav").get_by_role("link", name="Mer").click()
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(f"{live_stegvis}/accounts/login/**")
    assert page.evaluate("caches.has('sara-drafts')") is False
    assert page.evaluate("localStorage.getItem('draft')") is None


def test_on_a_phone_a_patient_has_one_menu_at_the_thumb_and_staff_keep_the_header(
    page: Page, live_stegvis
):
    sign_in_as(page, live_stegvis, "sara", PHONE)
    header_menu = page.locator(".site-header").get_by_role("navigation")
    expect(header_menu).to_be_hidden()
    expect(page.locator(".site-header").get_by_role("button", name="English")).to_be_visible()
    # Nothing runs past the screen's edge.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # By keyboard: past the skip links, the name and then the languages (the hidden menu is
    # out of the way); the second skip link leads to the bar.
    for _ in range(4):
        page.keyboard.press("Tab")
    expect(page.locator(".site-header").get_by_role("button", name="English")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    skip_to_menu = page.get_by_role("link", name="Hoppa till menyn")
    expect(skip_to_menu).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(".app-nav").get_by_role("link", name="Start")).to_be_focused()
    page.locator(".app-nav").get_by_role("link", name="Mer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mer")
    expect(page.get_by_role("link", name="Vem har sett mina uppgifter")).to_be_visible()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    assert_accessible(page)
    # On a desktop her header has the menu; so does a physician's on a phone (no bottom bar).
    page.set_viewport_size(DESKTOP)
    expect(header_menu).to_be_visible()
    expect(skip_to_menu).to_be_hidden()
    sign_in_as(page, live_stegvis, "lakare", PHONE)
    expect(page.locator(".site-header").get_by_role("navigation")).to_be_visible()
    expect(page.locator(".app-nav")).to_be_hidden()
