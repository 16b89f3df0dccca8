"""End-to-end fixtures: the real product (migrated, demo data, gunicorn) in a subprocess,
on a database of its own, driven by Playwright in Debian's chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.browser import ACCESS_LOG_FORMAT, ACCESS_LOGS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium's own background traffic has nowhere to go here; keep it quiet.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    reason = f"no chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("STEGVIS_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"Browser tests are required here, but there is {reason}.")
    print(f"\nSkipping browser tests: {reason}.")
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A Swedish phone: the first page follows the browser's language.
    return {**browser_context_args, "locale": "sv-SE"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin_url(suite_url: str) -> str:
    return suite_url.rsplit("/", 1)[0] + "/postgres"


def _new_database(tmp: Path, template: str | None = None) -> tuple[str, callable]:
    """A fresh database of the suite's kind: a SQLite file, or a new PostgreSQL database;
    a copy of `template` (one made here before) when given."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith("postgres"):
        path = tmp / "e2e.sqlite3"
        if template:
            shutil.copyfile(template.removeprefix("sqlite:///"), path)
        return f"sqlite:///{path}", lambda: None
    import psycopg

    name = f"stegvis_e2e_{uuid.uuid4().hex[:8]}"
    copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    with psycopg.connect(_admin_url(suite_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')

    def drop() -> None:
        with psycopg.connect(_admin_url(suite_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return suite_url.rsplit("/", 1)[0] + f"/{name}", drop


def _product_env(database_url: str, var: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stegvis.settings",
        "DATABASE_URL": database_url,
        "STEGVIS_DEMO": "1",
        "STEGVIS_VAR_DIR": str(var),
        # One key for the session: the copies decrypt what the demo encrypted with it.
        "SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        # Every persona signs in from 127.0.0.1, dozens a minute: more than a unit's morning.
        "STEGVIS_SIGN_IN_RATE": "600/m/ip",
    }


STEGVIS = [sys.executable, "-m", "stegvis"]
SECRET_KEY = "e2e-" + uuid.uuid4().hex * 2


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """Migrated, with the demo loaded: made once, and each server below gets a copy."""
    tmp = tmp_path_factory.mktemp("demo")
    database_url, drop_database = _new_database(tmp)
    env = _product_env(database_url, tmp)
    subprocess.run([*STEGVIS, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*STEGVIS, "demo"], env=env, check=True, capture_output=True)
    yield database_url
    drop_database()


SERVER_START_SECONDS = 120


@contextmanager
def serving_demo(tmp: Path, template: str, *, port: int | None = None, env: dict | None = None):
    """The product on a copy of the demo database, served by gunicorn on `port` (a free
    one if not given) with `env` added to its environment; yields its URL."""
    database_url, drop_database = _new_database(tmp, template)
    env = {**_product_env(database_url, tmp), **(env or {})}
    subprocess.run([*STEGVIS, "collectstatic", "--no-input", "-v0"], env=env, check=True)
    port = port or _free_port()
    base_url = f"http://127.0.0.1:{port}"
    access_log = tmp / "access.log"
    ACCESS_LOGS[base_url] = access_log
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "stegvis.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
            # A PDF drawn while the other database's suite holds the cores may take longer
            # than gunicorn's 30 s default: it is slow, not broken.
            "--timeout",
            "120",
            # What the server answered, a line a request: the tests count the phone's sends
            # where they arrive (tests/e2e/browser.py, ServerAnswers).
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            ACCESS_LOG_FORMAT,
        ],
        env=env,
    )
    try:
        # Generous: in CI the two databases' suites share two cores, and gunicorn's workers
        # import the whole product before they answer.
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"{base_url}/health/", timeout=2)  # noqa: S310
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"the server exited ({server.returncode})") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=10)
        drop_database()


@pytest.fixture(scope="session")
def live_stegvis(tmp_path_factory, demo_database):
    with serving_demo(tmp_path_factory.mktemp("e2e"), demo_database) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def crawl_stegvis(tmp_path_factory, demo_database):
    """A server of the crawl's own: it switches every demo user's language as it goes."""
    with serving_demo(tmp_path_factory.mktemp("crawl"), demo_database) as base_url:
        yield base_url


def pytest_terminal_summary(terminalreporter):
    from tests.e2e.test_persona_crawl import CRAWL_TABLE, Crawl

    if not CRAWL_TABLE:
        return
    write = terminalreporter.write_line
    terminalreporter.section("persona crawl")
    write(Crawl.HEADER)
    for crawl in sorted(CRAWL_TABLE, key=lambda c: (c.login, c.language)):
        write(crawl.row())
