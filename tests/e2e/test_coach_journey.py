"""The digital coach in the browser, on a phone-sized screen with axe-core on each page:
a check-in made with the keyboard and sliders, and the safety path from crisis words in a
check-in to the urgent flag on the physician's work queue."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import PHONE, assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_a_patient_checks_in_in_under_a_minute_on_a_phone(page: Page, live_stegvis):
    page.set_viewport_size(PHONE)
    sign_in(page, live_stegvis, "linnea@demo.stegvis.invalid")
    page.get_by_role("link", name="Checka in nu").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hur mår du i dag?")
    assert_accessible(page)

    # The slider and its number field (the text alternative) move together.
    mood_slider = page.get_by_role("slider", name="Hur är ditt humör?")
    mood_slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("spinbutton", name="Hur är ditt humör?")).to_have_value("7")
    page.get_by_role("spinbutton", name="Hur har du sovit?").fill("3")
    expect(page.get_by_role("slider", name="Hur har du sovit?")).to_have_value("3")
    # The questions she leaves untouched stay unanswered, not a guessed 5.
    expect(page.get_by_role("spinbutton", name="Hur ont har du?")).to_have_value("")
    page.get_by_label("Jag arbetade i dag").check()
    page.get_by_label("Arbetade timmar i dag").fill("2")
    page.get_by_role("button", name="Spara min incheckning").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tack för att du checkade in")
    expect(page.get_by_role("heading", name="Något som kan hjälpa")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Mina incheckningar över tid").click()
    expect(page.locator("figure.chart svg")).to_have_count(7)
    page.get_by_text("Visa siffrorna som tabell").click()
    expect(page.get_by_role("table")).to_contain_text("7")
    assert_accessible(page)


def test_crisis_words_show_help_at_once_and_reach_the_physicians_queue(page: Page, live_stegvis):
    page.set_viewport_size(PHONE)
    sign_in(page, live_stegvis, "karin@demo.stegvis.invalid")
    page.goto(f"{live_stegvis}/checkin/")
    page.get_by_label("Något mer? (frivilligt)").fill("Jag orkar inte leva längre")
    page.get_by_role("button", name="Spara min incheckning").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Du behöver inte bära det här ensam")
    for number in ("112", "1177", "90101"):
        expect(alert.locator(f'a[href="tel:{number}"]')).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, live_stegvis, "lakare@demo.stegvis.invalid")
    page.get_by_role("link", name="Arbetskö").click()
    row = page.get_by_role("row", name="Karin Olsson")
    expect(row).to_contain_text("Brådskande")
    expect(row).to_contain_text("Säkerhet")
    assert_accessible(page)

    row.get_by_role("link", name="Karin Olsson").click()
    page.get_by_label("Vad som gjordes").first.fill("Ringde Karin, akut tid i dag kl 14.")
    page.get_by_role("button", name="Spara").first.click()
    expect(page.get_by_role("status")).to_contain_text("hanterad")
    assert_accessible(page)
