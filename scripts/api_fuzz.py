"""Fuzz the API with schemathesis against a live server, as CI does on both databases.

    .venv/bin/python scripts/api_fuzz.py [--max-examples N]

Builds a fresh database (SQLite in a temporary folder, or the empty PostgreSQL database that
DATABASE_URL names), loads the demo, issues write tokens to a patient, a physician and an
employer, starts gunicorn on loopback and runs every schemathesis check once per token, with
bounded examples. Exits non-zero on any failure. The demo patient's ids are
given as path parameters, so that requests reach past "not found".
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PERSONAS = {
    "patient": "johan@demo.stegvis.invalid",
    "physician": "lakare@demo.stegvis.invalid",
    "employer": "chef.bageriet@demo.stegvis.invalid",
}
ISSUE_TOKEN = """
from stegvis.accounts.models import PersonalAccessToken, User
user = User.objects.get(email={email!r})
print(PersonalAccessToken.issue(user=user, name="fuzz", scope="write", days=1)[1])
"""
# The demo patient's own ids, so that generated requests reach past "not found".
DEMO_IDS = """
import json
from stegvis.accounts.models import User
from stegvis.cases.models import Case
patient = User.objects.get(email="johan@demo.stegvis.invalid")
case = Case.objects.filter(patient=patient).latest("opened_on")
first = lambda qs: str(qs.values_list("pk", flat=True).first() or "")
ids = {
    "patient_id": str(patient.pk), "case_id": str(case.pk),
    "certificate_id": first(case.certificates.all()), "meeting_id": first(case.meetings.all()),
    "task_id": first(case.tasks.all()), "thread_id": first(patient.message_threads.all()),
    "member_id": first(patient.network.all()), "consent_id": first(patient.consents_given.all()),
    "proposal_id": first(case.rtw_plan.proposals.all()) if hasattr(case, "rtw_plan") else "",
    "administration_id": first(case.administrations.all()), "code": "phq9",
}
print(json.dumps({k: v for k, v in ids.items() if v}))
"""
# Statuses a schema-valid request may get: the schema cannot say which case is yours or
# what the law requires, so a domain rule's 422 (or a stale 412) is an answer, not a fault.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "412", "422", "428"]

[parameters]
{parameters}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stegvis(env: dict, *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [str(BIN / "stegvis"), *args], env=env, check=True, text=True,
        capture_output=capture,
    )  # fmt: skip
    return done.stdout if capture else ""


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=15)
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="stegvis-fuzz-")
    env = {
        **os.environ,
        "DEBUG": "0",
        "STEGVIS_DEMO": "1",
        "STEGVIS_HTTPS": "0",
        "STEGVIS_VAR_DIR": var,
        "SECRET_KEY": "fuzz-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{var}/fuzz.sqlite3")
    _stegvis(env, "migrate", "--no-input", "-v0")
    _stegvis(env, "demo")
    tokens = {
        name: _stegvis(env, "shell", "-c", ISSUE_TOKEN.format(email=email), capture=True).split()[
            -1
        ]
        for name, email in PERSONAS.items()
    }
    ids = json.loads(_stegvis(env, "shell", "-c", DEMO_IDS, capture=True).splitlines()[-1])
    config = Path(var) / "schemathesis.toml"
    config.write_text(
        CONFIG.format(parameters="\n".join(f'"path.{k}" = "{v}"' for k, v in ids.items()))
    )
    _stegvis(env, "collectstatic", "--no-input", "-v0")
    port = _free_port()
    log = (Path(var) / "server.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "stegvis.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    failed = []
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/health/")
        for name, token in tokens.items():
            print(f"\n=== schemathesis as the {name} ===", flush=True)
            run = subprocess.run(
                [str(BIN / "schemathesis"), "--config-file", str(config), "run",
                 f"{base}/api/v1/openapi.json",
                 "--checks", "all", "--max-examples", str(args.max_examples),
                 "--header", f"Authorization: Bearer {token}", "--seed", "15",
                 "--workers", "2", "--no-color"],
                cwd=ROOT, env=env,
            )  # fmt: skip
            if run.returncode != 0:
                failed.append(name)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if failed:
        print(f"\nschemathesis failed as: {', '.join(failed)}; the server's log: {log.name}")
        return 1
    print("\nschemathesis: 0 failures as the patient, the physician and the employer.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
