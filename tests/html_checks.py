"""Checks of a rendered page that the persona crawl makes in the browser, cheap enough to
run in the unit tests of the page that once failed them."""

import re
from collections import Counter

HREF = re.compile(r'href="(/[^"#]*)')
# Static files and the sign-out form's target are not pages of the reader's data.
NOT_PAGES = ("/static/", "/accounts/logout/")


def broken_links(client, html: str) -> list[tuple[str, int]]:
    """The same-origin links in `html` that answer 4xx or 5xx to `client`."""
    broken = []
    for href in sorted(set(HREF.findall(html))):
        href = href.replace("&amp;", "&")
        if href.startswith(NOT_PAGES):
            continue
        status = client.get(href).status_code
        if status >= 400:
            broken.append((href, status))
    return broken


def duplicate_ids(html: str) -> list[str]:
    """Element ids used more than once: a label then points at the wrong field."""
    counts = Counter(re.findall(r'\sid="([^"]+)"', html))
    return sorted(name for name, count in counts.items() if count > 1)
