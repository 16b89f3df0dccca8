"""A SIP meeting in the browser, with axe-core on every page: the coordinator calls it,
the patient adds an agenda item, the coordinator records the SIP plan and a decision, and
the decision appears as an action in the patient's plan."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.browser import PHONE, assert_accessible, sign_in

pytestmark = pytest.mark.browser
MEASURE = re.compile("^Insats")


def test_a_sip_meeting_from_invitation_to_the_patients_plan(page: Page, live_stegvis):
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    sign_in(page, live_stegvis, "koordinator@demo.stegvis.invalid")
    page.get_by_role("link", name="Ali Hassan").first.click()
    page.get_by_role("link", name="Möten").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Möten: Ali Hassan")
    page.get_by_role("link", name="Kalla till möte").click()
    assert_accessible(page)
    page.get_by_label("Typ av möte").select_option("sip")
    page.get_by_label("Datum").fill(day)
    page.get_by_label("Tid").fill("10:00")
    page.get_by_label("Plats eller videolänk").fill("Vårdcentralen, rum 12")
    page.get_by_role("button", name="Kalla till mötet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SIP-möte")
    meeting_url = page.url
    assert_accessible(page)

    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    sign_in(page, live_stegvis, "ali@demo.stegvis.invalid")
    page.locator(".app-nav").get_by_role("link", name="Mer").click()
    page.get_by_role("link", name="Möten").click()
    page.get_by_role("link", name=re.compile("SIP-möte")).first.click()
    assert_accessible(page)
    page.get_by_label("Något du vill prata om").fill("Kan jag börja med två timmar om dagen?")
    page.get_by_role("button", name="Lägg till på dagordningen").click()
    expect(page.get_by_role("status")).to_contain_text("Din punkt finns på dagordningen")
    expect(page.get_by_text("Kan jag börja med två timmar om dagen?")).to_be_visible()
    expect(page.get_by_role("button", name="Spara beslutet")).to_have_count(0)

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_stegvis, "koordinator@demo.stegvis.invalid")
    page.goto(meeting_url)
    expect(page.get_by_text("Kan jag börja med två timmar om dagen?")).to_be_visible()
    # The SIP plan is refused until its mandatory content is there, and keeps the text.
    sip = page.locator("form[action$='/sip/']")
    sip.get_by_label(MEASURE).first.fill("Samtalsstöd")
    sip.get_by_label("Ges av").first.select_option("region")
    sip.get_by_role("button", name="Spara SIP-planen").click()
    expect(page.get_by_role("alert")).to_contain_text("Ange minst en insats som kommunen ger.")
    assert_accessible(page)
    sip = page.locator("form[action$='/sip/']")
    expect(sip.get_by_label(MEASURE).first).to_have_value("Samtalsstöd")
    sip.get_by_label(MEASURE).nth(1).fill("Boendestöd")
    sip.get_by_label("Ges av").nth(1).select_option("municipality")
    sip.get_by_label("Övergripande ansvar för planen").select_option("municipality")
    sip.get_by_label("Den ansvariga myndigheten, med namn").fill("Socialtjänsten i Exempelby")
    sip.get_by_role("button", name="Spara SIP-planen").click()
    expect(page.get_by_role("status")).to_contain_text("SIP-planen är sparad")

    decision = page.locator("form[action$='/decisions/']")
    decision.get_by_label(re.compile("^Beslut")).fill("Börja med två timmar om dagen")
    decision.get_by_label("Vem gör det").select_option(label="Ali Hassan")
    decision.get_by_label("Senast").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    decision.get_by_role("button", name="Spara beslutet").click()
    expect(page.get_by_role("status")).to_contain_text("Beslutet är sparat")
    page.get_by_role("button", name="Markera mötet som genomfört").click()
    expect(page.get_by_role("status")).to_contain_text("Mötet är markerat som genomfört")
    assert_accessible(page)

    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    sign_in(page, live_stegvis, "ali@demo.stegvis.invalid")
    page.goto(f"{live_stegvis}/")
    page.get_by_role("link", name=re.compile("plan", re.I)).first.click()
    expect(page.get_by_text("Börja med två timmar om dagen")).to_be_visible()
    assert_accessible(page)


def test_the_coordinators_day_inbox_and_messages_work_on_a_phone(page: Page, live_stegvis):
    page.set_viewport_size(PHONE)
    sign_in(page, live_stegvis, "koordinator@demo.stegvis.invalid")
    page.get_by_role("link", name="Mina uppgifter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina uppgifter")
    expect(
        page.locator("strong", has_text="Skicka underlag till Försäkringskassan")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Min dag").click()
    expect(page.get_by_role("heading", name=re.compile("Meddelanden som väntar"))).to_be_visible()
    expect(page.get_by_role("link", name="Inför mötet med Försäkringskassan")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Inför mötet med Försäkringskassan").click()
    page.get_by_label("Meddelande").fill("Hej Peter! Vi tar det på mötet.")
    page.get_by_role("button", name="Skicka").click()
    expect(page.get_by_text("Hej Peter! Vi tar det på mötet.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Möten").first.click()
    expect(page.get_by_role("link", name=re.compile("Avstämningsmöte"))).to_be_visible()
    assert_accessible(page)
