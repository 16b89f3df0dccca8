"""An MMR program in the browser, with axe-core on every page: the physician refers Karin,
the team lead creates a cohort, the team assesses her (the physiotherapist judges three
criteria, the physician the medical one) and the physician includes her; Karin sees
her schedule on a phone, answers the questionnaire before the program (T0) and says she
cannot come once, and the closing conference sets the program's last day."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from stegvis.programs.registry import registry
from tests.e2e.browser import PHONE, assert_accessible, sign_in_as

pytestmark = pytest.mark.browser


def test_a_cohort_from_referral_to_the_closing_conference(page: Page, live_stegvis):
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())

    sign_in_as(page, live_stegvis, "lakare")
    page.get_by_role("link", name="Karin Olsson").first.click()
    page.get_by_role("link", name="Remittera till ett rehabiliteringsteam").click()
    assert_accessible(page)
    page.get_by_label("Varför teamet ska bedöma patienten").fill(
        "Långvarig nacksmärta som styr vardagen och arbetet."
    )
    page.get_by_role("button", name="Remittera").click()
    expect(page.get_by_role("status")).to_contain_text("Remitterad")

    sign_in_as(page, live_stegvis, "fysioterapeut")
    page.get_by_role("link", name="Rehabiliteringsteam").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Smärtteamet Solbacken").first.click()
    expect(page.get_by_text("Saknas: Arbetsterapeut")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Smärtskolan Solbacken").click()
    assert_accessible(page)
    cohort = page.locator("section").filter(has_text="Starta en grupp")
    cohort.get_by_label("Programversion").select_option(label="v2")
    cohort.get_by_label("Gruppens namn").fill("Vårens grupp")
    cohort.get_by_label("Första dagen").fill(monday.isoformat())
    cohort.get_by_label("Plats").fill("Solbacken, rum 4")
    cohort.get_by_role("button", name="Skapa gruppen och dess schema").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vårens grupp")
    cohort_url = page.url
    assert_accessible(page)

    page.get_by_role("link", name="Smärtteamet Solbacken").click()
    page.get_by_role("link", name="Karin Olsson").click()
    referral_url = page.url
    assert_accessible(page)
    # The assessment is the team's: the physiotherapist judges the criteria that are not
    # the physician's (the medical one is not offered to her) ...
    judgement = page.locator("form").filter(has_text="Din bedömning")
    medical = [c for c in registry().criterion if c.judged_by == "physician"]
    for criterion in registry().criterion:
        group = judgement.get_by_role("group", name=criterion.text.sv)
        if criterion in medical:
            expect(group).to_have_count(0)
        else:
            group.get_by_label("Stämmer", exact=True).check()
    judgement.get_by_role("button", name="Spara bedömningen").click()
    expect(page.get_by_role("status")).to_contain_text("Din bedömning är sparad")
    expect(page.get_by_text("Innan patienten kan tas in")).to_be_visible()

    # ... and the team's physician the medical one; then a second profession has judged,
    # and she includes Karin.
    sign_in_as(page, live_stegvis, "lakare")
    page.goto(referral_url)
    judgement = page.locator("form").filter(has_text="Din bedömning")
    for criterion in medical:
        group = judgement.get_by_role("group", name=criterion.text.sv)
        group.get_by_label("Stämmer", exact=True).check()
    judgement.get_by_role("button", name="Spara bedömningen").click()
    expect(page.get_by_role("status")).to_contain_text("Din bedömning är sparad")
    expect(page.get_by_text("Innan patienten kan tas in")).to_have_count(0)
    assert_accessible(page)
    decision = page.locator("form").filter(has_text="Spara beslutet")
    decision.get_by_label("Ta in i en grupp").check()
    with translation.override("sv"):  # the cohort's first day as the Swedish page writes it
        first_day = date_format(monday, "SHORT_DATE_FORMAT")
    decision.get_by_label(re.compile(r"^Grupp:?$")).select_option(
        label=f"Vårens grupp ({first_day})"
    )
    decision.get_by_label("Skälet, till patienten, med enkla ord").fill(
        "Du har haft ont länge och vill pröva nya sätt. Välkommen!"
    )
    decision.get_by_role("button", name="Spara beslutet").click()
    expect(page.get_by_role("status")).to_contain_text("Beslutat")
    assert_accessible(page)

    sign_in_as(page, live_stegvis, "karin", PHONE)
    page.get_by_role("link", name="Mitt nätverk").first.click()
    expect(page.get_by_text("Mats Ek")).to_be_visible()  # the team is in her care now
    page.get_by_role("link", name="Mitt rehabiliteringsprogram").click()
    expect(page.get_by_text("Välkommen!")).to_be_visible()
    expect(page.get_by_text("Smärta, kropp och rörelse")).to_be_visible()
    expect(page.get_by_role("link", name="Lägg till i min kalender (.ics)")).to_be_visible()
    assert_accessible(page)
    page.locator("summary", has_text="Jag kan inte komma").first.click()
    page.get_by_label("Några ord till teamet (om du vill)").first.fill("Tandläkaren")
    page.get_by_role("button", name="Berätta för teamet").first.click()
    expect(page.get_by_role("status")).to_contain_text("Tack för att du berättade")
    page.get_by_role("link", name="Mina frågeformulär").click()
    page.get_by_role("link", name="Smärtintensitet (NRS 0–10)").click()
    assert_accessible(page)
    page.locator("input[type=radio][value='6']").check()
    page.get_by_role("button", name="Skicka mina svar").click()
    # Kept on the phone first, then sent: the answered page has no form left.
    expect(page.locator("form[data-keep-offline]")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    sign_in_as(page, live_stegvis, "fysioterapeut")
    page.goto(cohort_url)
    expect(page.get_by_text("Karin Olsson")).to_be_visible()
    call = page.locator("form").filter(has_text="Kalla till teamkonferens")
    call.get_by_label("Teamkonferens").select_option("closing")
    call.get_by_label("Börjar").fill(f"{(monday + timedelta(days=38)).isoformat()}T14:00")
    call.get_by_role("button", name="Kalla till konferensen").click()
    expect(page.get_by_role("status")).to_contain_text("Konferensen finns i allas kalender")
    last_day = monday + timedelta(days=39)
    hold = page.locator("form").filter(has_text="Markera konferensen som hållen")
    hold.get_by_label("Programmets sista dag").fill(last_day.isoformat())
    hold.get_by_role("button", name="Markera konferensen som hållen").click()
    expect(page.get_by_role("status")).to_contain_text("Konferensen är markerad som hållen")
    expect(page.get_by_text("avslutad")).to_be_visible()
    assert_accessible(page)
