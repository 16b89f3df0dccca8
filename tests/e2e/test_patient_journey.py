"""A patient signs in, switches language and opens "Who has seen my data"; every page
passes axe-core without serious or critical violations, on a phone-sized screen."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import PHONE, assert_accessible

pytestmark = pytest.mark.browser


def test_patient_signs_in_switches_language_and_sees_who_has_seen_their_data(
    page: Page, live_stegvis
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_stegvis}/")
    expect(page).to_have_url(f"{live_stegvis}/accounts/login/?next=/")
    assert_accessible(page)

    # Keyboard first: the skip link is the first thing Tab reaches.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()

    page.get_by_label("E-post").fill("sara@demo.stegvis.invalid")
    page.get_by_label("Lösenord").fill("stegvis-demo-2026")
    page.get_by_label("Lösenord").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Sara")
    assert_accessible(page)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sara")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("link", name="Who has seen my data").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who has seen my data")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Vårdcentralen Solbacken")
    expect(table).to_contain_text("Physician")
    assert_accessible(page)

    # The choice of language follows the person, not the browser.
    page.context.clear_cookies()
    page.goto(f"{live_stegvis}/accounts/login/")
    page.get_by_label("E-post").fill("sara@demo.stegvis.invalid")
    page.get_by_label("Lösenord").fill("stegvis-demo-2026")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sara")
