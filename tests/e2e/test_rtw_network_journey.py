"""A patient adds their manager to their network, writes the capacity note and shares it;
the manager opens it and completes the employer's plan, which marks the milestone done.
Each page passes axe-core on a phone-sized screen; nowhere does the manager meet a diagnosis."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import PHONE, assert_accessible, sign_in

pytestmark = pytest.mark.browser

PATIENT = "johan@demo.stegvis.invalid"
MANAGER = "chef.bageriet@demo.stegvis.invalid"
DIAGNOSIS = "M54.4"  # the demo patient's diagnosis, which the manager must never see
DONE = "Klar"


def test_patient_shares_the_note_and_the_manager_completes_the_plan(page: Page, live_stegvis):
    page.set_viewport_size(PHONE)
    sign_in(page, live_stegvis, PATIENT)
    expect(page.get_by_role("heading", name="Ditt nästa steg")).to_be_visible()
    assert_accessible(page)

    # The network: find the manager by organisation and role, add, share work capacity.
    page.get_by_role("link", name="Mitt nätverk").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Lägg till någon").click()
    # The search and the invitation each have their own fields, each label on its own.
    find = page.get_by_role("region", name="Hitta en yrkesperson")
    find.get_by_label("Organisation").select_option(label="Bageriet Korn AB")
    find.get_by_label("Roll").select_option(label="Chef hos arbetsgivaren")
    page.get_by_role("button", name="Sök").click()
    assert_accessible(page)
    page.get_by_role("button", name="Lägg till Bo Karlsson").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bo Karlsson")
    # The employer is never offered the diagnosis.
    expect(page.get_by_text("Sjukskrivning och diagnos")).to_have_count(0)
    page.get_by_role("button", name="Dela Arbetsförmåga (Dialog med arbetsgivaren)").click()
    expect(page.get_by_role("status")).to_contain_text("Delat")
    expect(page.get_by_role("button", name="Sluta dela Arbetsförmåga")).to_be_visible()
    assert_accessible(page)

    # The capacity note, written and shared from the home page in three steps.
    page.get_by_role("link", name="Start", exact=True).first.click()
    page.get_by_role("link", name="Förmågeintyg").first.click()
    page.get_by_label("Min arbetssituation").fill("Bagare, tidiga pass, mycket lyft.")
    page.get_by_label("Det som är svårare i arbetet just nu").fill("Tunga lyft och långa pass.")
    page.get_by_label("Det som kan göra arbete möjligt").fill("Lättare uppgifter, kortare pass.")
    assert_accessible(page)
    page.get_by_role("button", name="Spara intyget").click()
    page.get_by_label("Min chef").select_option(index=0)
    page.get_by_role("button", name="Dela intyget med min chef").click()
    expect(page.get_by_text("Bo Karlsson kan läsa intyget")).to_be_visible()
    assert_accessible(page)

    # The manager signs in on their own device.
    page.context.clear_cookies()
    sign_in(page, live_stegvis, MANAGER)
    page.get_by_role("link", name="Johan Persson").click()
    assert_accessible(page)
    page.get_by_role("link", name="Arbetsgivarens plan").click()
    expect(page.get_by_text("Lättare uppgifter, kortare pass.")).to_be_visible()
    assert DIAGNOSIS not in page.content()
    assert_accessible(page)
    for field in page.locator("textarea").all():
        field.fill("Vi har pratat igenom detta och är överens.")
    page.get_by_label("Nästa uppföljning").fill("2026-12-15")
    page.get_by_role("button", name="Spara och markera planen som klar").click()
    expect(page.get_by_role("status").first).to_contain_text("Planen är klar")
    assert DIAGNOSIS not in page.content()
    assert_accessible(page)

    # The timeline shows the employer's duty done.
    page.goto(page.url.replace("employer-plan/", ""))
    row = page.get_by_role("row", name="Arbetsgivarens plan för återgång i arbete")
    expect(row).to_contain_text(DONE)
