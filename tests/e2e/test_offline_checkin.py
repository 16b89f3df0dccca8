"""A check-in on the bus: written with the network off in Chromium, kept on the phone and
shown as waiting, sent when the connection returns, and made exactly once (one row, one
audit event) even when the phone sends it twice; crisis words written offline show the
crisis lines at once, from the phone."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import (
    KEPT_ON_PHONE,
    PHONE,
    ServerAnswers,
    check_ins_saying,
    created_check_ins,
    sign_in,
)

pytestmark = pytest.mark.browser

WAITING = KEPT_ON_PHONE
# The phone sends what it kept a second time, as when the first answer was lost on the way.
SEND_TWICE = """async () => {
  const opened = await new Promise((resolve) => {
    const request = indexedDB.open("stegvis-outbox", 1);
    request.onsuccess = () => resolve(request.result);
  });
  const store = opened.transaction("forms", "readwrite").objectStore("forms");
  await new Promise((resolve) => {
    store.getAll().onsuccess = (event) => {
      const [entry] = event.target.result;
      store.put({ ...entry, key: entry.key + "-again" }).onsuccess = resolve;
    };
  });
  opened.close();
}"""


def _check_in_open_and_ready(page: Page, base: str) -> None:
    page.set_viewport_size(PHONE)
    page.context.clear_cookies()
    sign_in(page, base, "sara@demo.stegvis.invalid")
    page.goto(f"{base}/checkin/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def test_a_check_in_written_offline_is_sent_once_when_the_connection_returns(
    page: Page, live_stegvis
):
    _check_in_open_and_ready(page, live_stegvis)
    created_before = created_check_ins(page, live_stegvis)
    note = f"På bussen hem {uuid.uuid4().hex[:8]}"
    sent = ServerAnswers(live_stegvis, "/checkin/")

    page.context.set_offline(True)
    page.locator("input.zero-to-ten").first.fill("6")
    page.locator("textarea[name=note]").fill(note)
    page.locator("form[data-keep-offline] button[type=submit]").click()
    expect(page.locator("form[data-keep-offline]")).to_be_hidden()
    waiting = page.locator("#waiting-to-send")
    expect(waiting).to_have_text(waiting.get_attribute("data-one"))
    assert len(page.evaluate(WAITING)) == 1 and sent.now() == []
    page.evaluate(SEND_TWICE)

    page.context.set_offline(False)
    expect(waiting).to_have_text(waiting.get_attribute("data-sent"))
    assert page.evaluate(WAITING) == []
    # Sent twice, made once: the second send is answered with the first's check-in.
    answers = sent.awaited(page, 2)
    assert len(answers) == 2 and answers[0] == answers[1] and answers[0].status == 302, answers
    assert answers[0].location.startswith("/checkins/")
    assert check_ins_saying(page, live_stegvis, note) == 1
    assert created_check_ins(page, live_stegvis) == created_before + 1
    # The page no longer says it waits on the phone.
    kept_note = page.get_by_text(
        page.locator("form[data-keep-offline]").get_attribute("data-kept-text")
    )
    expect(kept_note).to_have_count(0)


def test_a_check_in_the_server_refuses_comes_back_to_be_put_right(page: Page, live_stegvis):
    _check_in_open_and_ready(page, live_stegvis)
    note = f"Skrev fel siffra {uuid.uuid4().hex[:8]}"
    form = page.locator("form[data-keep-offline]")
    mood = form.locator("input.zero-to-ten").first
    # A form the phone kept from before the rules changed: the browser no longer stops 11.
    mood.evaluate("(field) => field.removeAttribute('max')")

    page.context.set_offline(True)
    mood.fill("11")
    form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    expect(form).to_be_hidden()
    kept_note = page.get_by_text(form.get_attribute("data-kept-text"))
    expect(kept_note).to_be_visible()
    sent = ServerAnswers(live_stegvis, "/checkin/")
    page.context.set_offline(False)
    waiting = page.locator("#waiting-to-send")
    expect(waiting).to_have_text(waiting.get_attribute("data-failed"))
    assert sent.statuses(page, 1) == [422]
    # Back as she wrote it, nothing left waiting: she puts it right and sends it.
    expect(form).to_be_visible()
    expect(kept_note).to_have_count(0)
    expect(form.locator("textarea[name=note]")).to_have_value(note)
    assert page.evaluate(WAITING) == []
    mood.fill("4")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_stegvis}/checkins/**")
    assert check_ins_saying(page, live_stegvis, note) == 1


def test_crisis_words_written_offline_show_the_crisis_lines_at_once(page: Page, live_stegvis):
    _check_in_open_and_ready(page, live_stegvis)
    page.context.set_offline(True)
    try:
        page.locator("textarea[name=note]").fill("Jag vill inte leva längre")
        page.locator("form[data-keep-offline] button[type=submit]").click()
        page.wait_for_url(f"{live_stegvis}/help/")
        expect(page.get_by_text("90101").first).to_be_visible()
        assert len(page.evaluate(WAITING)) == 1  # kept, to raise the flag when it arrives
    finally:
        page.context.set_offline(False)
    page.goto(f"{live_stegvis}/")
    page.wait_for_function(f"({WAITING})().then((kept) => kept.length === 0)")


def _questionnaire_events(page: Page, base: str) -> list[str]:
    """The patient's own access log's entries about questionnaires (FHIR AuditEvent)."""
    found = page.request.get(f"{base}/fhir/AuditEvent?_count=100").json()
    return [
        entry["resource"]["action"]
        for entry in found.get("entry", [])
        if entry["resource"]["entity"][0]["description"].startswith("questionnaires:")
    ]


def test_a_questionnaire_answered_offline_is_sent_once(page: Page, live_stegvis):
    page.set_viewport_size(PHONE)
    page.context.clear_cookies()
    sign_in(page, live_stegvis, "sara@demo.stegvis.invalid")
    page.goto(f"{live_stegvis}/questionnaires/")
    page.locator("main a[href^='/questionnaires/']").first.click()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    form = page.locator("form[data-keep-offline]")
    address = page.url
    events_before = _questionnaire_events(page, live_stegvis)
    page.goto(address)

    page.context.set_offline(True)
    # The lowest answer to every question (nothing that opens the crisis lines), and a name
    # for an activity where the questionnaire asks for one.
    for group in form.locator("fieldset").all():
        for name in group.locator("input[type=text]").all():
            name.fill("Promenera")
        group.locator("input[type=radio]").first.check()
    form.locator("button[type=submit]").click()
    expect(form).to_be_hidden()
    assert len(page.evaluate(WAITING)) == 1
    page.evaluate(SEND_TWICE)
    sent = ServerAnswers(live_stegvis, "/questionnaires/")
    page.context.set_offline(False)
    page.wait_for_function(f"({WAITING})().then((kept) => kept.length === 0)")
    assert sent.statuses(page, 2) == [302, 302], sent.now()
    # Answered once: the page now shows the result, and the log one write more.
    page.goto(address)
    expect(page.locator("form[data-keep-offline]")).to_have_count(0)
    events_after = _questionnaire_events(page, live_stegvis)
    assert events_after.count("U") == events_before.count("U") + 1


def test_a_message_written_offline_is_sent_once(page: Page, live_stegvis):
    page.set_viewport_size(PHONE)
    page.context.clear_cookies()
    sign_in(page, live_stegvis, "sara@demo.stegvis.invalid")
    page.goto(f"{live_stegvis}/messages/new/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    subject = f"Lite senare i dag {uuid.uuid4().hex[:8]}"
    form = page.locator("form[data-keep-offline]")

    page.context.set_offline(True)
    form.locator("input[name=subject]").fill(subject)
    form.locator("input[name=participants]").first.check()
    form.locator("textarea[name=body]").fill("Jag kommer till mötet men blir en kvart sen.")
    form.locator("button[type=submit]").click()
    expect(form).to_be_hidden()
    page.evaluate(SEND_TWICE)
    sent = ServerAnswers(live_stegvis, "/messages/new/")
    page.context.set_offline(False)
    page.wait_for_function(f"({WAITING})().then((kept) => kept.length === 0)")
    answers = sent.awaited(page, 2)
    # Sent twice, made once: the second send is answered with the first's redirect.
    assert len(answers) == 2 and answers[0] == answers[1] and answers[0].status == 302, answers
    page.goto(f"{live_stegvis}/messages/")
    expect(page.get_by_text(subject)).to_have_count(1)


def test_a_plan_change_kept_offline_that_meets_a_newer_version_is_compared(
    page: Page, live_stegvis
):
    page.set_viewport_size(PHONE)
    page.context.clear_cookies()
    sign_in(page, live_stegvis, "sara@demo.stegvis.invalid")
    page.goto(f"{live_stegvis}/my-plan/")
    goals = page.url.split("?")[0].rstrip("/") + "/goals/"
    page.goto(goals)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    mine = f"Gå till jobbet två dagar i veckan {uuid.uuid4().hex[:6]}"
    newer = f"Sova bättre först {uuid.uuid4().hex[:6]}"

    page.context.set_offline(True)
    page.locator("form[data-keep-offline] textarea[name=text]").fill(mine)
    page.locator("form[data-keep-offline] button[type=submit]").click()
    expect(page.locator("form[data-keep-offline]")).to_be_hidden()
    # Meanwhile, on her laptop, she saves another version of her goals.
    laptop = page.request.get(goals).text()
    hidden = r'name="(csrfmiddlewaretoken|base_version|submission_id)" value="([^"]*)"'
    fields = dict(re.findall(hidden, laptop))
    saved = page.request.post(goals, form={**fields, "text": newer}, max_redirects=0)
    assert saved.status == 302

    page.context.set_offline(False)
    notice = page.locator("#kept-conflict")
    expect(notice).to_be_visible()
    assert page.evaluate(WAITING)[0]["conflict"] is True
    # Nothing overwritten: comparing shows the newer version and her offline text to merge.
    notice.locator("button").click()
    expect(page.locator("#newer-heading")).to_be_visible()
    expect(page.locator("main section.card")).to_contain_text(newer)
    expect(page.locator("form textarea[name=text]")).to_have_value(mine)
    assert page.evaluate(WAITING) == []
