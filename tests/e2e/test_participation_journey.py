"""Patient participation in the browser, with axe-core on every page: Sara makes a proposal
on her phone, the facilitator evaluates and accepts it with a public answer and records a
result, and Sara finds it under "you said, we did"."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import PHONE, assert_accessible, sign_in_as

pytestmark = pytest.mark.browser


def test_you_said_we_did_from_a_phone_to_a_result(page: Page, live_stegvis):
    sign_in_as(page, live_stegvis, "sara", PHONE)
    page.get_by_role("link", name="Lämna ett förslag").click()
    expect(page.get_by_label("Din idé med några ord")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Din idé med några ord").fill("Större text i frågeformulären")
    page.get_by_label("Vad kunde bli bättre, och hur?").fill(
        "När jag har migrän är texten för liten att läsa."
    )
    # Before sending she reads who will see what; being named is hers to choose, and off.
    expect(page.get_by_text("Andra patienter och patientföreträdare ser aldrig")).to_be_visible()
    expect(page.get_by_label("Personalen vid enheten får se mitt namn")).not_to_be_checked()
    page.get_by_role("button", name="Skicka förslaget").click()
    expect(page.get_by_role("status")).to_contain_text("Ditt förslag är skickat")
    expect(page.get_by_role("heading", level=1)).to_have_text("Större text i frågeformulären")
    assert_accessible(page)

    sign_in_as(page, live_stegvis, "facilitator")
    page.get_by_role("link", name="Gör verksamheten bättre").first.click()
    expect(page.get_by_role("link", name="Större text i frågeformulären")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Större text i frågeformulären").click()
    expect(page.get_by_text("En patient", exact=False).first).to_be_visible()
    expect(page.get_by_text("Sara Ahmadi")).to_have_count(0)  # she did not choose to be named
    page.get_by_label("Nytt läge").select_option(label="Utreds")
    page.get_by_role("button", name="Spara läget").click()
    expect(page.get_by_role("status")).to_contain_text("Förslagets läge är ändrat")
    page.get_by_label("Nytt läge").select_option(label="Antaget")
    page.get_by_role("button", name="Spara läget").click()
    expect(page.get_by_role("alert")).to_contain_text("Skriv svaret")  # an answer is needed
    page.get_by_label("Svar som alla ser").fill("Ja. Vi gör texten större i alla formulär.")
    page.get_by_role("button", name="Spara läget").click()
    expect(page.get_by_role("status")).to_contain_text("Förslagets läge är ändrat")
    assert_accessible(page)
    page.get_by_role("link", name="Ni sa, vi gjorde").first.click()
    form = page.locator("form").filter(has_text="Registrera")
    expect(form.get_by_label("Vad vi gör")).to_be_visible()
    assert_accessible(page)
    form.get_by_label("Vad vi gör").fill("Större text i formulären")
    form.get_by_label("Ansvarig chef").select_option(label="Maria Sjöberg")
    form.get_by_label("Större text i frågeformulären").check()
    form.get_by_role("button", name="Registrera").click()
    expect(page.get_by_role("status")).to_contain_text("Resultatet är registrerat")

    sign_in_as(page, live_stegvis, "sara", PHONE)
    page.get_by_role("link", name="Se alla förslag").click()
    page.get_by_role("link", name="Ni sa, vi gjorde").first.click()
    result = page.locator("section").filter(has_text="Större text i formulären").first
    expect(result).to_contain_text("Större text i frågeformulären")  # from her proposal
    assert_accessible(page)
    result.get_by_role("link", name="Större text i frågeformulären").click()
    expect(page.get_by_text("Ja. Vi gör texten större i alla formulär.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Du · "))).to_be_visible()  # her own, to her
    expect(page.get_by_text("Sara Ahmadi")).to_have_count(0)
