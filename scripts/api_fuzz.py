"""Fuzz the API with schemathesis against a live server, as CI does on both databases.

    .venv/bin/python scripts/api_fuzz.py [--max-examples N]

Builds a fresh database (SQLite in a temporary folder, or the empty PostgreSQL database that
DATABASE_URL names), loads the demo, issues write tokens to a patient, a physician and an
employer, starts gunicorn on loopback and runs every schemathesis check once per token, with
bounded examples. Exits non-zero on any failure. The demo patient's ids are given as path
parameters, so that requests reach past "not found".
"""

import argparse
import subprocess
import sys

from live_server import BIN, ROOT, Server, fresh_site, shell_json, token

PERSONAS = {"patient": "johan", "physician": "lakare", "employer": "chef.bageriet"}
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=15)
    args = parser.parse_args()
    env, var = fresh_site()
    tokens = {name: token(env, login) for name, login in PERSONAS.items()}
    ids = shell_json(env, DEMO_IDS)
    config = var / "schemathesis.toml"
    config.write_text(
        CONFIG.format(parameters="\n".join(f'"path.{k}" = "{v}"' for k, v in ids.items()))
    )
    server = Server(env, var)
    server.start()
    failed = []
    try:
        for name, secret in tokens.items():
            print(f"\n=== schemathesis as the {name} ===", flush=True)
            run = subprocess.run(
                [str(BIN / "schemathesis"), "--config-file", str(config), "run",
                 f"{server.base}/api/v1/openapi.json",
                 "--checks", "all", "--max-examples", str(args.max_examples),
                 "--header", f"Authorization: Bearer {secret}", "--seed", "15",
                 "--workers", "2", "--no-color"],
                cwd=ROOT, env=env,
            )  # fmt: skip
            if run.returncode != 0:
                failed.append(name)
    finally:
        server.stop()
    if failed:
        print(f"\nschemathesis failed as: {', '.join(failed)}; the server's log: {server.log.name}")
        return 1
    print("\nschemathesis: 0 failures as the patient, the physician and the employer.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
