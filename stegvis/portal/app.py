"""Stegvis as an app on the phone's home screen (a progressive web app): the web app
manifest in the reader's language, the service worker, and the page it shows offline.

The service worker keeps the app's shell (styles, scripts, icons) and two pages that hold no
one's data: the offline page and the crisis lines, so both open without a connection. It
never keeps a page with a person's data: every other page is asked of the network each
time. Signing out wipes whatever the phone keeps (Clear-Site-Data, core.middleware).
"""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from stegvis.coaching.forms import CheckinForm
from stegvis.coaching.guidance import crisis_words
from stegvis.core.language import in_language_asked

# How long a page may take before the app shows what it keeps instead: a connection that
# claims to be there but carries nothing (a train's Wi-Fi) is treated as none.
NETWORK_PATIENCE_MS = 10_000
THEME_COLOUR = "#0b5c4a"  # the accent of site.css
BACKGROUND_COLOUR = "#f4f6f8"  # its wash
ICONS = [
    ("core/icons/icon-192.png", "192x192", "any"),
    ("core/icons/icon-512.png", "512x512", "any"),
    ("core/icons/maskable-512.png", "512x512", "maskable"),
]
# What the phone keeps for the app to open offline: nothing of anyone's.
SHELL_STATIC = ["core/css/site.css", "core/js/htmx-2.0.11.min.js", "core/js/app.js",
                "coaching/js/checkin.js", "core/favicon.svg",
                *(path for path, _size, _purpose in ICONS)]  # fmt: skip
# Kept in each language, so that with no connection they read as Stegvis did last.
SHELL_PAGES = ["offline", "crisis_help"]


def shell_pages() -> list[str]:
    return [
        f"{reverse(name)}?lang={code}" for name in SHELL_PAGES for code, _n in settings.LANGUAGES
    ]


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    body = {
        "id": "/",
        "name": "Stegvis",
        "short_name": "Stegvis",
        "description": _("Step by step back to work: your plan, your check-ins and your network."),
        "lang": get_language(),
        "dir": "ltr",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
        "shortcuts": [
            {"name": _("Check in"), "url": reverse("checkin")},
            {"name": _("Need help now?"), "url": reverse("crisis_help")},
        ],
    }
    answer = JsonResponse(body, content_type="application/manifest+json",
                          json_dumps_params={"ensure_ascii": False})  # fmt: skip
    patch_vary_headers(answer, ["Accept-Language", "Cookie"])
    return answer


@cache
def _version() -> str:
    """Changes whenever a file the shell keeps changes: a new worker then takes over."""
    digest = hashlib.sha256()
    for path in SHELL_STATIC:
        digest.update(Path(finders.find(path)).read_bytes())
    return digest.hexdigest()[:16]


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    context = {
        "version": _version(),
        "shell": json.dumps([static(path) for path in SHELL_STATIC] + shell_pages()),
        "offline": json.dumps(reverse("offline")),
        "help": json.dumps(reverse("crisis_help")),
        "languages": json.dumps([code for code, _name in settings.LANGUAGES]),
        "default_language": json.dumps(settings.LANGUAGE_CODE),
        "patience_ms": NETWORK_PATIENCE_MS,
        "icon": json.dumps(static(ICONS[0][0])),
    }
    answer = render(request, "portal/sw.js", context, content_type="text/javascript")
    # Asked for again at every visit, so a new version takes over the next time.
    answer["Cache-Control"] = "no-cache"
    answer["Service-Worker-Allowed"] = "/"
    return answer


@login_required
@require_safe
def more(request: HttpRequest) -> HttpResponse:
    """Everything the header's menu holds, as one page: the app's fifth place on a phone."""
    return render(request, "portal/more.html")


@require_safe
@in_language_asked
def offline(request: HttpRequest) -> HttpResponse:
    """What the app shows with no connection: no one's data, only what to do, and for a
    patient a blank check-in to keep on the phone until the connection returns (the same
    page for everyone: the app shows the check-in where a patient is signed in)."""
    context = {"checkin_form": CheckinForm(), "crisis_words": crisis_words()}
    return render(request, "portal/offline.html", context)
