"""Every demo role, in Swedish and in English, on a 390 by 844 phone, follows every link the
pages offer (GET only, breadth first, bounded) and each page is checked for what a new user
would trip over: a link that answers 4xx/5xx, a console error, sideways scrolling, a page
over 100 KB, a header that fills the screen, text in the other language, duplicate element
ids, serious accessibility violations, chart text smaller than 12 CSS px or over
another text, and a page the service worker does not control. The table of what was
visited is printed at the end of the run."""

import os
import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Error, Page

from stegvis.demo.management.commands.demo import DEMO_PASSWORD, DOMAIN, PATIENTS, STAFF
from stegvis.demo.norway import PATIENT as NORWEGIAN_PATIENT
from stegvis.demo.norway import PEOPLE as NORWEGIAN_PEOPLE
from tests.e2e.browser import PHONE
from tests.e2e.wrong_language import wrong_language
from tests.norway import swedish_law

pytestmark = pytest.mark.browser

NORWEGIANS = [NORWEGIAN_PATIENT[0]] + [row[0] for row in NORWEGIAN_PEOPLE]
LOGINS = [row[0] for row in PATIENTS] + [row[0] for row in STAFF] + ["representant", *NORWEGIANS]
MAX_PAGES = 90
# Calendars, pagination and one page per patient: a shape of URL is followed this often.
MAX_PER_SHAPE = 3
MAX_HTML_BYTES = 100 * 1024
# The header on a phone: content must start near the top of the screen.
MAX_HEADER_PX = 110
# Links a crawl must not follow: they end the session or leave the pages.
SKIP = re.compile(r"^/(accounts/logout|admin|static|api/v1/openapi|api/v1/docs)")
ID_IN_PATH = re.compile(r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27})(?=/)")

CRAWL_TABLE: list["Crawl"] = []
PATIENT_LOGINS = {row[0] for row in PATIENTS} | {NORWEGIAN_PATIENT[0]}
# axe-core takes about a second a page, and its findings belong to a template and a kind of
# reader, not to a language or to which patient it is: each (reader, shape) is run once, in
# Swedish.
AXE_LANGUAGE = "sv"
AXE_DONE: set[tuple[str, str]] = set()

VISIBLE_TEXTS = """() => {
  const lang = document.documentElement.lang;
  const ownLanguage = (el) => { const l = el.closest('[lang]'); return !l || l.lang === lang; };
  const texts = [];
  const leaves = 'h1,h2,h3,h4,h5,h6,p,li,td,th,dt,dd,label,legend,button,a,span,small,strong,'
    + 'em,summary,figcaption,caption,option,title,text,div';
  for (const el of document.querySelectorAll(leaves)) {
    if (!ownLanguage(el)) continue;
    // Options, the page title and SVG text are read out though no box is drawn for them.
    const read = ['OPTION', 'TITLE', 'title', 'text'].includes(el.tagName);
    const visible = read || el.checkVisibility();
    if (!visible) continue;
    // Only the element's own words: skip containers of other blocks.
    if (el.tagName === 'DIV' && el.querySelector('div,p,ul,ol,table,form,section')) continue;
    texts.push(el.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label],[placeholder],[alt]')) {
    if (!ownLanguage(el)) continue;
    for (const name of ['aria-label', 'placeholder', 'alt']) {
      if (el.hasAttribute(name)) texts.push(el.getAttribute(name));
    }
  }
  return texts;
}"""

PAGE_FACTS = r"""() => {
  const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
  const duplicates = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  const root = document.documentElement;
  // A heading's word (its letters and digits) drawn on two lines: broken inside the word.
  const broken = [];
  for (const heading of document.querySelectorAll('h1, h2, h3')) {
    const walker = document.createTreeWalker(heading, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[\p{L}\p{N}]+/gu)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  // A table's caption must be read where the page opens, not centred over a wide table.
  const cut = [];
  for (const caption of document.querySelectorAll('caption, .table-caption')) {
    const range = document.createRange();
    range.selectNodeContents(caption);
    for (const r of range.getClientRects()) {
      if (r.width && (r.left < -1 || r.right > root.clientWidth + 1)) {
        cut.push(caption.textContent.trim().slice(0, 40));
        break;
      }
    }
  }
  return {
    lang: root.lang,
    broken,
    cut,
    width: root.scrollWidth,
    header: Math.round(document.querySelector('.site-header').getBoundingClientRect().height),
    viewport: root.clientWidth,
    duplicates,
    links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
  };
}"""


# Charts: the rendered size of each text, and every two texts whose boxes overlap; on the
# insights pages every SVG, elsewhere those marked svg.chart (the check-in and questionnaire
# charts of coaching/_charts.html among them).
MIN_CHART_TEXT_PX = 12
CHART_PAGES = "/insights/"
CHART_TEXT = """(selector) => {
  const found = [];
  for (const svg of document.querySelectorAll(selector)) {
    const texts = [...svg.querySelectorAll('text')];
    const boxes = texts.map((t) => t.getBoundingClientRect());
    texts.forEach((t, i) => {
      const px = parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
      if (px < LEAST_PX) found.push(`"${t.textContent}" at ${px.toFixed(1)} px`);
      for (let j = i + 1; j < texts.length; j++) {
        const a = boxes[i], b = boxes[j];
        const across = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const down = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (across > 0.5 && down > 0.5) {
          found.push(`"${t.textContent}" over "${texts[j].textContent}"`);
        }
      }
    });
  }
  return found;
}""".replace("LEAST_PX", str(MIN_CHART_TEXT_PX))


@dataclass
class Crawl:
    login: str
    language: str
    visited: int = 0
    slowest: tuple[float, str] = (0.0, "")
    largest: tuple[int, str] = (0, "")
    problems: list[str] = field(default_factory=list)

    HEADER = "{:<16}{:<6}{:>5}  {:<46}{:<46}{}".format(
        "role", "lang", "pages", "slowest page", "largest page", "problems"
    )

    def row(self) -> str:
        seconds, slow = self.slowest
        size, large = self.largest
        slowest = f"{seconds * 1000:.0f} ms {shape(slow)}"
        largest = f"{size / 1024:.0f} KB {shape(large)}"
        return (
            f"{self.login:<16}{self.language:<6}{self.visited:>5}  "
            f"{slowest:<46}{largest:<46}{len(self.problems)}"
        )

    def measure(self, path: str, seconds: float, size: int) -> None:
        self.visited += 1
        self.slowest = max(self.slowest, (seconds, path))
        self.largest = max(self.largest, (size, path))


def shape(path_and_query: str) -> str:
    """A URL with its ids and query values blanked: /cases/7/?page=2 -> /cases/#/?page=."""
    parts = urlsplit(path_and_query)
    keys = sorted(key for key, _ in parse_qsl(parts.query))
    return ID_IN_PATH.sub("/#", parts.path) + (
        "?" + urlencode([(k, "") for k in keys]) if keys else ""
    )


def same_origin_links(base: str, hrefs: list[str]) -> list[str]:
    links = []
    for href in hrefs:
        url = urldefrag(href).url
        if not url.startswith(base + "/"):
            continue
        path = url[len(base) :]
        if not SKIP.match(path):
            links.append(path)
    return links


def sign_in(page: Page, base: str, login: str, language: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(f"{login}@{DOMAIN}")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if page.evaluate("document.documentElement.lang") != language:
        with page.expect_navigation():
            page.locator(f".language-form button[value={language}]").click()
    assert page.evaluate("document.documentElement.lang") == language


def check_page(page: Page, crawl: Crawl, path: str) -> list[str]:
    """Checks the page now shown; returns the links it offers."""
    facts = page.evaluate(PAGE_FACTS)
    if facts["lang"] != crawl.language:
        crawl.problems.append(f"{path}: page in {facts['lang']!r}, not {crawl.language!r}")
    if facts["width"] > facts["viewport"]:
        crawl.problems.append(
            f"{path}: {facts['width']} px wide on a {facts['viewport']} px screen"
        )
    if facts["header"] > MAX_HEADER_PX:
        crawl.problems.append(f"{path}: the header takes {facts['header']} px of the screen")
    if facts["broken"]:
        crawl.problems.append(f"{path}: a heading's word broken across lines {facts['broken']}")
    if facts["cut"]:
        crawl.problems.append(f"{path}: a table's caption runs off the screen {facts['cut']}")
    if facts["duplicates"]:
        crawl.problems.append(f"{path}: duplicate ids {facts['duplicates']}")
    charts = "main svg" if path.startswith(CHART_PAGES) else "svg.chart"
    for problem in page.evaluate(CHART_TEXT, charts):
        crawl.problems.append(f"{path}: chart text {problem}")
    texts = page.evaluate(VISIBLE_TEXTS)
    wrong = wrong_language(texts, crawl.language)
    if wrong:
        crawl.problems.append(f"{path}: not in {crawl.language}: {wrong[:8]}")
    if crawl.login in NORWEGIANS and (swedish := swedish_law(texts)):
        crawl.problems.append(f"{path}: Swedish law or agency on a Norwegian page: {swedish[:4]}")
    reader = "patient" if crawl.login in PATIENT_LOGINS else crawl.login
    if crawl.language == AXE_LANGUAGE and (reader, shape(path)) not in AXE_DONE:
        AXE_DONE.add((reader, shape(path)))
        violations = Axe().run(page).response["violations"]
        for v in violations:
            if v["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in v["nodes"]][:3]
                crawl.problems.append(f"{path}: axe {v['id']} ({v['impact']}) at {targets}")
    return facts["links"]


def crawl_as(browser: Browser, base: str, login: str, language: str) -> Crawl:
    crawl = Crawl(login, language)
    context = browser.new_context(viewport=PHONE, locale=f"{language}-SE")
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: m.type == "error" and console.append(m.text))
    page.on("pageerror", lambda e: console.append(str(e)))
    sign_in(page, base, login, language)
    # As on the phone of someone who uses the app: the service worker is installed, and
    # every page crawled passes through it.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    queue: deque[tuple[str, str]] = deque([("/", "sign-in")])
    seen: set[str] = {"/"}
    per_shape: Counter[str] = Counter()
    while queue and crawl.visited < MAX_PAGES:
        path, offered_by = queue.popleft()
        console.clear()
        started = time.perf_counter()
        try:
            response = page.goto(base + path)
        except Error as error:
            # A download (PDF, calendar file) is not a page: ask for it directly.
            if "Download is starting" not in str(error) and "ERR_ABORTED" not in str(error):
                raise
            response = context.request.get(base + path)
            if not response.ok:
                crawl.problems.append(f"{path} (linked from {offered_by}): {response.status}")
            crawl.measure(path, time.perf_counter() - started, len(response.body()))
            continue
        seconds = time.perf_counter() - started
        if response is None or not response.ok:
            status = response.status if response else "no response"
            crawl.problems.append(f"{path} (linked from {offered_by}): {status}")
            continue
        body = response.body()
        crawl.measure(path, seconds, len(body))
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        if len(body) > MAX_HTML_BYTES:
            crawl.problems.append(f"{path}: {len(body) // 1024} KB of HTML")
        links = check_page(page, crawl, path)
        if not page.evaluate("navigator.serviceWorker.controller !== null"):
            crawl.problems.append(f"{path}: not served through the service worker")
        crawl.problems.extend(f"{path}: console: {text}" for text in console)
        for link in same_origin_links(base, links):
            if link in seen or per_shape[shape(link)] >= MAX_PER_SHAPE:
                continue
            seen.add(link)
            per_shape[shape(link)] += 1
            queue.append((link, path))
    context.close()
    return crawl


# Every language unless told otherwise: CI crawls Swedish and English on SQLite and
# Norwegian on PostgreSQL, side by side.
LANGUAGES = os.environ.get("STEGVIS_CRAWL_LANGUAGES", "sv,en,nb").split(",")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("login", LOGINS)
def test_every_page_a_role_can_reach_is_sound(browser: Browser, crawl_stegvis, login, language):
    crawl = crawl_as(browser, crawl_stegvis, login, language)
    CRAWL_TABLE.append(crawl)
    assert crawl.visited > 3, "the crawl reached almost nothing"
    assert not crawl.problems, "\n".join(["", *crawl.problems])
