"""A notification pushed to the phone, in Chromium: the settings page offers to notify this
device, and the service worker shows a pushed message as a notice that says only that
something is waiting and opens a page of Stegvis (never another site). The push itself is
delivered by Chromium's DevTools, as a push service would (the server's side is tested
against a local push service in tests/test_push.py)."""

import json

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import PHONE, assert_accessible, sign_in

pytestmark = pytest.mark.browser

SHOWN = """async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((notice) => ({
        title: notice.title, body: notice.body, tag: notice.tag, url: notice.data.url}));
}"""


def _registration_id(page: Page, origin: str) -> tuple:
    session = page.context.new_cdp_session(page)
    found = []
    session.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(event["registrations"]),
    )
    session.send("ServiceWorker.enable")
    for _ in range(50):
        ours = [r for r in found if r["scopeURL"] == f"{origin}/" and not r["isDeleted"]]
        if ours:
            return session, ours[-1]["registrationId"]
        page.wait_for_timeout(100)
    raise AssertionError(f"no service worker registered for {origin}: {found}")


def test_a_pushed_message_shows_a_notice_with_no_health_data(page: Page, live_stegvis):
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["notifications"], origin=live_stegvis)
    sign_in(page, live_stegvis, "sara@demo.stegvis.invalid")
    page.goto(f"{live_stegvis}/notifications/settings/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    offer = page.locator("form[data-push-subscribe] button[type=submit]")
    expect(offer).to_be_visible()
    assert_accessible(page)

    session, registration = _registration_id(page, live_stegvis)
    message = {"title": "Stegvis", "body": "Du har något nytt i Stegvis", "url": "/checkin/"}
    session.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_stegvis, "registrationId": registration, "data": json.dumps(message)},
    )
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(r => r.getNotifications()).then(n => n.length > 0)"
    )
    assert page.evaluate(SHOWN) == [{**message, "tag": "stegvis"}]

    # A message pointing elsewhere opens Stegvis's home instead; one notice at a time.
    hostile = {"title": "Stegvis", "body": "x", "url": "//evil.example/"}
    session.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_stegvis, "registrationId": registration, "data": json.dumps(hostile)},
    )
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(r => r.getNotifications())"
        ".then(n => n.some((notice) => notice.body === 'x'))"
    )
    page.wait_for_timeout(200)
    assert page.evaluate(SHOWN) == [{**hostile, "url": "/", "tag": "stegvis"}]
