"""The independent R4 validator (FHIR.js, npm "fhir", offline) that every resource Stegvis
emits is checked with: tools/fhir-validate, installed by `make install-dev`."""

import json
import shutil
import subprocess
from pathlib import Path

TOOL = Path(__file__).resolve().parent.parent / "tools" / "fhir-validate"


# Warnings the validator gives where a binding is only an example or extensible (our own
# episode types, ICD-10-SE under Condition.code's SNOMED example) or where it lacks the
# value set (BCP-13 mime types): not errors in R4, so not counted.
NOT_ERRORS = ("not found in value set", "could not be found")


def problems(resources: list[dict]) -> list[str]:
    """Every error the validator finds, and every warning but NOT_ERRORS, as
    "Type/id location: message"."""
    node = shutil.which("node")
    assert node and (TOOL / "node_modules" / "fhir").exists(), "run make install-dev"
    answer = subprocess.run(
        [node, str(TOOL / "validate.js")],
        input=json.dumps(resources),
        capture_output=True,
        text=True,
        check=True,
    )
    return [
        f"{found['resourceType']}/{found['id']} {message['location']}: {message['message']}"
        for found in json.loads(answer.stdout)
        for message in found["messages"]
        if message["severity"] == "error"
        or not any(phrase in message["message"] for phrase in NOT_ERRORS)
    ]
