"""Fuzz the API and the FHIR import with schemathesis against a live server, as CI does on
both databases.

    .venv/bin/python scripts/api_fuzz.py [--max-examples N]

Builds a fresh database (SQLite in a temporary folder, or the empty PostgreSQL database that
DATABASE_URL names), loads the demo, issues write tokens to a patient, a physician and an
employer, starts gunicorn on loopback and runs every schemathesis check once per token, with
bounded examples: on /api/v1/ (its own OpenAPI document) and on POST /fhir/ (the import's
OpenAPI description, stegvis/fhir/openapi.py). Exits non-zero on any failure. The demo
patient's ids are given as path parameters, and the import's examples are Bundles about
the demo patient, so that requests reach past "not found".
"""

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

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
# The import's OpenAPI description, with `examples` (Bundles) to send and vary.
FHIR_DOCUMENT = """
import json
from stegvis.fhir.openapi import transaction_document
print(json.dumps(transaction_document(json.loads({examples!r}))))
"""
FUZZ_ID = "urn:stegvis:api-fuzz"


def fhir_examples(patient_id: str, case_id: str) -> dict[str, dict]:
    """One Bundle of each type the import takes, about the demo patient: a check-in (the
    patient's to send), answers to PHQ-9 and a meeting (the physician's)."""
    now = datetime.now(UTC).replace(microsecond=0)
    patient = {"reference": f"Patient/{patient_id}"}
    resources = {
        "check-in": {
            "resourceType": "Observation", "status": "final",
            "identifier": [{"system": FUZZ_ID, "value": "checkin-1"}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
            "subject": patient, "effectiveDateTime": now.isoformat(), "valueInteger": 4,
        },
        "questionnaire": {
            "resourceType": "QuestionnaireResponse", "status": "completed",
            "identifier": {"system": FUZZ_ID, "value": "phq9-1"},
            "questionnaire": "https://stegvis.se/fhir/Questionnaire/phq9|1",
            "subject": patient, "authored": now.isoformat(),
            "item": [{"linkId": str(n), "answer": [{"valueCoding": {"code": "1"}}]}
                     for n in range(1, 10)],
        },
        "meeting": {
            "resourceType": "Appointment", "status": "booked",
            "identifier": [{"system": FUZZ_ID, "value": "meeting-1"}],
            "appointmentType": {"coding": [{"code": "fk_reconciliation"}]},
            "start": (now + timedelta(days=7)).isoformat(), "minutesDuration": 45,
            "participant": [{"actor": patient}],
            "supportingInformation": [{"reference": f"EpisodeOfCare/{case_id}"}],
        },
    }  # fmt: skip
    return {
        name: {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [{"resource": resource, "request": {"method": "POST", "url": name}}],
        }
        for name, resource in resources.items()
    }


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
    examples = json.dumps(fhir_examples(ids["patient_id"], ids["case_id"]))
    fhir_document = var / "fhir-openapi.json"
    fhir_document.write_text(json.dumps(shell_json(env, FHIR_DOCUMENT.format(examples=examples))))
    server = Server(env, var)
    server.start()
    # What to fuzz: a document, and the base its paths are under when it does not say.
    targets = {
        "the API": [f"{server.base}/api/v1/openapi.json"],
        "the FHIR import": [str(fhir_document), "--url", server.base],
    }
    failed = []
    try:
        for name, secret in tokens.items():
            for target, location in targets.items():
                print(f"\n=== schemathesis on {target} as the {name} ===", flush=True)
                run = subprocess.run(
                    [str(BIN / "schemathesis"), "--config-file", str(config), "run",
                     *location,
                     "--checks", "all", "--max-examples", str(args.max_examples),
                     "--header", f"Authorization: Bearer {secret}", "--seed", "15",
                     "--workers", "2", "--no-color"],
                    cwd=ROOT, env=env,
                )  # fmt: skip
                if run.returncode != 0:
                    failed.append(f"{target} as the {name}")
    finally:
        server.stop()
    if failed:
        print(f"\nschemathesis failed on {', '.join(failed)}; the server's log: {server.log.name}")
        return 1
    print("\nschemathesis: 0 failures on the API and the FHIR import as the patient, the "
          "physician and the employer.")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
