"""The whole demo, exported over FHIR by each person who signs in to it, validates against
the R4 core specification with FHIR.js: not one error."""

import io
import json
from pathlib import Path

from django.core.management import call_command

from stegvis.accounts.models import User
from stegvis.fhir.export import run_claimed
from stegvis.fhir.models import ExportJob, ExportStatus
from tests.fhir_validation import problems

DOMAIN = "demo.stegvis.invalid"


def test_every_resource_of_the_demo_validates(db, settings):
    settings.STEGVIS_DEMO = True
    call_command("demo", stdout=io.StringIO())
    emitted: dict[tuple, dict] = {}
    for person in User.objects.filter(email__endswith=f"@{DOMAIN}").order_by("email"):
        job = ExportJob.objects.create(
            requested_by=person, level="system", request_url="http://testserver/fhir/$export",
            site="http://testserver",
        )  # fmt: skip
        assert run_claimed(job.pk) == "done"
        job.refresh_from_db()
        assert job.status == ExportStatus.DONE
        for found in job.files.all():
            for line in Path(found.file.path).read_text().splitlines():
                resource = json.loads(line)
                emitted[(resource["resourceType"], resource["id"], line)] = resource
    kinds = {kind for kind, _id, _line in emitted}
    assert {"Patient", "EpisodeOfCare", "Condition", "CarePlan", "Observation", "Task",
            "QuestionnaireResponse", "Appointment", "AuditEvent", "Questionnaire",
            "Communication", "DocumentReference", "CareTeam", "Consent"} <= kinds  # fmt: skip
    assert problems(list(emitted.values())) == []
