"""What the browser tests share: the phone screen, the accessibility check, signing in."""

from pathlib import Path
from typing import NamedTuple

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from stegvis.demo.management.commands.demo import DEMO_PASSWORD

PHONE = {"width": 390, "height": 844}


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now.

    A click on a link only starts the next page; axe run while the browser swaps the document
    finds no document at all. So wait for the page to load, and should a navigation still
    replace it under axe, check the page it lands on (three tries, then the error stands)."""
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            results = Axe().run(page)
            break
        except PlaywrightError:
            if attempt == 2:
                raise
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in bad]


def sign_in(page: Page, base: str, email: str) -> None:
    """Sign a demo user in through the Swedish login form."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in", exact=True).click()


DESKTOP = {"width": 1280, "height": 900}


def sign_in_as(page: Page, base: str, login: str, size=DESKTOP) -> None:
    """Sign out whoever is in, and sign the demo's `login` in on a screen of `size`."""
    page.context.clear_cookies()
    page.set_viewport_size(size)
    sign_in(page, base, f"{login}@demo.stegvis.invalid")


# What the phone keeps to send (core/js/app.js's outbox in IndexedDB).
KEPT_ON_PHONE = """() => new Promise((resolve) => {
  const opened = indexedDB.open("stegvis-outbox", 1);
  opened.onupgradeneeded = () => opened.result.createObjectStore("forms", { keyPath: "key" });
  opened.onsuccess = () => {
    const store = opened.result.transaction("forms").objectStore("forms");
    const all = store.getAll();
    all.onsuccess = () => { opened.result.close(); resolve(all.result); };
  };
})"""


def created_check_ins(page: Page, base: str) -> int:
    """The creations of check-ins on the patient's own access log (FHIR AuditEvent)."""
    found = page.request.get(f"{base}/fhir/AuditEvent?_count=100").json()
    return sum(
        1
        for entry in found.get("entry", [])
        if entry["resource"]["action"] == "C"
        and entry["resource"]["entity"][0]["description"].startswith("checkins:")
    )


def check_ins_saying(page: Page, base: str, note: str) -> int:
    found = page.request.get(f"{base}/fhir/Observation?_count=100").json()
    return sum(
        1
        for entry in found.get("entry", [])
        if any(n.get("text") == note for n in entry["resource"].get("note", []))
    )


# The servers' access logs (tests/e2e/conftest.py starts gunicorn with them), by URL; a
# line a request: method, status, where a redirect leads ("-" if nowhere) and the path, last
# (gunicorn writes it decoded, so it may hold spaces).
ACCESS_LOGS: dict[str, Path] = {}
ACCESS_LOG_FORMAT = "%(m)s %(s)s %({location}o)s %(U)s"


class Answer(NamedTuple):
    status: int
    location: str


class ServerAnswers:
    """What the server at `base` answers to forms posted to a path starting with `path`
    from now on, counted where they arrive: in its access log. (Playwright's response
    events on a page a service worker controls miss a request now and then.)"""

    def __init__(self, base: str, path: str):
        self.log = ACCESS_LOGS[base]
        self.path = path
        self.start = self.log.stat().st_size if self.log.exists() else 0

    def now(self) -> list[Answer]:
        with self.log.open("rb") as log:
            log.seek(self.start)
            written = log.read().split(b"\n")
        answers = []
        for line in written[:-1]:  # the last is empty, or a line still being written
            method, status, location, path = line.decode(errors="replace").split(" ", 3)
            if method == "POST" and path.startswith(self.path):
                answers.append(Answer(int(status), location))
        return answers

    def awaited(self, page: Page, count: int, within_ms: int = 15_000) -> list[Answer]:
        """The answers once `count` have come, and a moment for any more to show: gunicorn
        writes its line once the answer has left."""
        for _ in range(within_ms // 100):
            if len(self.now()) >= count:
                break
            page.wait_for_timeout(100)
        page.wait_for_timeout(300)
        return self.now()

    def statuses(self, page: Page, count: int) -> list[int]:
        return [answer.status for answer in self.awaited(page, count)]
