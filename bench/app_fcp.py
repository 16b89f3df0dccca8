"""Benchmark: how soon the patient's home shows on a slow phone connection.

Loads the demo into a fresh database, starts gunicorn (as in production: DEBUG off, static
files from whitenoise), signs in as a patient in Debian's Chromium on a 390 px phone, opens
her home once (the first visit installs the service worker, which keeps the styles, scripts
and icons), then slows the connection to DevTools' "Fast 3G" profile (562.5 ms round trip,
1.44 Mbit/s down, 675 kbit/s up) and opens the home again and again, printing the first
contentful paint of each visit (the browser's own `first-contentful-paint` entry): median,
90th percentile and worst. Only loopback is contacted.

The slowing is done by a proxy between Chromium and gunicorn, not by DevTools: DevTools'
throttling applies to the page, while a page the service worker controls is fetched by the
worker, which it does not slow. The proxy holds every chunk for half the round trip in each
direction and paces each direction at the profile's rate.

Usage: python bench/app_fcp.py [--visits 15] [--login sara]
"""

import argparse
import asyncio
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from scripts.live_server import DEMO, Server, fresh_site
from scripts.loopback_proxy import LoopbackProxy

DEMO_PASSWORD = "stegvis-demo-2026"  # the demo's, in the README

ROUND_TRIP = 0.5625  # seconds
DOWN_BYTES_PER_SECOND = 1_440_000 / 8
UP_BYTES_PER_SECOND = 675_000 / 8
PHONE = {"width": 390, "height": 844}
FCP = """() => new Promise((resolve) => {
  const found = () => performance.getEntriesByName("first-contentful-paint")[0];
  if (found()) return resolve(found().startTime);
  new PerformanceObserver(() => found() && resolve(found().startTime))
    .observe({ type: "paint", buffered: true });
})"""


class SlowLink(LoopbackProxy):
    """A TCP proxy on loopback that, once `slow` is set, delays and paces like Fast 3G."""

    slow = False

    async def _connection(self, client_reader, client_writer) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(
            self._pipe(client_reader, server_writer, UP_BYTES_PER_SECOND),
            self._pipe(server_reader, client_writer, DOWN_BYTES_PER_SECOND),
            return_exceptions=True,
        )

    async def _pipe(self, reader, writer, rate: float) -> None:
        chunks: asyncio.Queue = asyncio.Queue()

        async def read() -> None:
            while data := await reader.read(16384):
                await chunks.put((time.monotonic(), data))
            await chunks.put((time.monotonic(), b""))

        async def write() -> None:
            free_at = 0.0
            while True:
                arrived, data = await chunks.get()
                if not data:
                    writer.close()
                    return
                if self.slow:
                    # Half the round trip each way, and no faster than the link carries.
                    due = max(arrived + ROUND_TRIP / 2, free_at)
                    free_at = due + len(data) / rate
                    await asyncio.sleep(max(0.0, free_at - time.monotonic()))
                writer.write(data)
                await writer.drain()

        await asyncio.gather(read(), write())


def visit(page, url: str) -> tuple[float, int]:
    """(first contentful paint in ms, bytes of the page's HTML) of one visit."""
    answer = page.goto(url, wait_until="load")
    return page.evaluate(FCP), len(answer.body())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=15)
    parser.add_argument("--login", default="sara")
    args = parser.parse_args()

    env, var = fresh_site()
    server = Server(env, var)
    server.start()
    link = SlowLink(server.port)
    base = f"http://127.0.0.1:{link.port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            context = browser.new_context(viewport=PHONE, locale="sv-SE")
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=login]", args.login + DEMO)
            page.fill("input[name=password]", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("main form button[type=submit]")
            first, size = visit(page, f"{base}/")
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            link.slow = True
            paints = [visit(page, f"{base}/")[0] for _ in range(args.visits)]
            controlled = page.evaluate("navigator.serviceWorker.controller !== null")
            browser.close()
    finally:
        server.stop()

    paints.sort()
    print(f"patient home ({args.login}), {size} bytes of HTML, service worker in control: "
          f"{controlled}")  # fmt: skip
    print(f"first visit, unthrottled: first contentful paint {first:.0f} ms")
    print(
        f"Fast 3G, {len(paints)} visits: median {statistics.median(paints):.0f} ms, "
        f"90th percentile {paints[int(0.9 * (len(paints) - 1))]:.0f} ms, "
        f"worst {paints[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
