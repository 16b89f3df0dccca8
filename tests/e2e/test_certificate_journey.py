"""A physician opens the caseload, a patient's timeline and drafts a certificate that
goes beyond the guidance: the warning appears while typing, signing asks for a reason,
then signs. Each page passes axe-core; the form works from the keyboard on a phone."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import PHONE, assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_a_physician_writes_a_certificate_with_guidance(page: Page, live_stegvis):
    page.set_viewport_size(PHONE)
    sign_in(page, live_stegvis, "lakare@demo.stegvis.invalid")
    caseload = page.get_by_role("table")
    expect(caseload).to_contain_text("Nästa tidsgräns")
    assert_accessible(page)

    page.get_by_role("link", name="Sara Ahmadi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sara Ahmadi")
    expect(page.get_by_role("table")).to_contain_text("Läkarintyg behövs")
    assert_accessible(page)

    page.get_by_role("link", name="Intyg", exact=True).click()
    page.get_by_role("link", name="Skriv ett intyg").click()
    diagnosis = page.get_by_role("group", name="Diagnos 1")
    diagnosis.get_by_label("Diagnoskod").fill("F43.8A")
    diagnosis.get_by_label("Diagnos i ord").fill("Utmattningssyndrom")
    period = page.get_by_role("group", name="Period 1")
    period.get_by_label("Sjukskrivningsgrad (%)").select_option("100")
    period.get_by_label("Från").fill("2026-01-01")
    period.get_by_label("Till").fill("2027-01-31")
    # Leaving the field (Tab) updates the guidance without a page load.
    period.get_by_label("Till").press("Tab")
    guidance = page.locator("#guidance")
    expect(guidance).to_contain_text("Utöver typfallet")
    page.get_by_label("Min undersökning").fill("2026-01-01")
    page.get_by_label("Funktionsnedsättning").fill("Nedsatt minne och uthållighet.")
    # What Försäkringskassan's rules ask of every FK 7804 before it may be signed.
    page.get_by_label("Sysselsättning").select_option("current_job")
    page.get_by_label("Yrke och arbetsuppgifter").fill("Förskollärare")
    page.get_by_label("Aktivitetsbegränsning").fill("Klarar inte att planera dagens arbete.")
    page.get_by_label("Prognos:").select_option("STOR_SANNOLIKHET")
    page.get_by_label("Anpassning av arbetet").check()
    assert_accessible(page)
    page.get_by_role("button", name="Spara utkast").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Läkarintyg för sjukpenning")
    page.get_by_role("button", name="Signera").click()
    expect(page.get_by_role("alert").first).to_contain_text("fråga 37")
    assert_accessible(page)

    page.get_by_role("link", name="Ändra utkastet").click()
    page.get_by_label("Varför sjukskrivningen går utöver beslutsstödet").fill(
        "Kvarstående kognitiva svårigheter efter en lång akut fas."
    )
    page.get_by_role("button", name="Spara utkast").click()
    page.get_by_role("button", name="Signera").click()
    expect(page.get_by_text("Intyget är signerat.")).to_be_visible()
    expect(page.get_by_role("button", name="Skriv en rättelse")).to_be_visible()
