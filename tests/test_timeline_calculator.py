"""The stateless calculator: POST /api/v1/timeline and `stegvis timeline < input.json`."""

import io
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case

BODY = {
    "jurisdiction": "SE",
    "employment": "employed",
    "periods": [{"from": "2025-01-01", "to": "2025-08-31", "degree": 100}],
    "expected_days": 240,
    "birth_date": "1960-03-01",
}


def post(client, body):
    return client.post("/api/v1/timeline", json.dumps(body), content_type="application/json")


def test_any_signed_in_user_gets_milestones_and_nothing_is_stored(client, personas):
    client.force_login(personas.employer)
    events, cases = AccessEvent.objects.count(), Case.objects.count()
    response = post(client, BODY)
    assert response.status_code == 200
    milestones = response.json()
    assert [m["code"] for m in milestones][:3] == [
        "certificate_required",
        "fk_sickness_benefit",
        "employer_rtw_plan",
    ]
    assert milestones[0] == {
        "code": "certificate_required",
        "date": "2025-01-08",
        "title_sv": "Läkarintyg behövs från dag 8",
        "title_en": "Medical certificate needed from day 8",
        "responsible": "physician",
        "legal_reference": milestones[0]["legal_reference"],
        "kind": "duty",
        "note_sv": None,
        "note_en": None,
    }
    assert "sjuklön" in milestones[0]["legal_reference"]
    assert response["X-Rule-Set-Version"]
    assert (AccessEvent.objects.count(), Case.objects.count()) == (events, cases)


def test_the_calculator_needs_a_signed_in_caller(client, db):
    assert post(client, BODY).status_code == 401


def far_ahead() -> str:
    return (timezone.localdate() + timedelta(days=800)).isoformat()


BAD_INPUT = [
    ("periods", {"periods": [{"from": "2025-02-01", "to": "2025-01-01", "degree": 100}]}),
    ("degree", {"periods": [{"from": "2025-01-01", "to": "2025-02-01", "degree": 30}]}),
    (
        "overlaps",
        {
            "periods": [
                {"from": "2025-01-01", "to": "2025-02-01", "degree": 100},
                {"from": "2025-02-01", "to": "2025-03-01", "degree": 50},
            ]
        },
    ),
    ("two years ahead", {"periods": [{"from": "2025-01-01", "to": far_ahead(), "degree": 50}]}),
    ("jurisdiction", {"jurisdiction": "DK"}),
    ("employment", {"employment": "retired"}),
    ("periods", {"periods": []}),
]


@pytest.mark.parametrize(("named", "change"), BAD_INPUT)
def test_bad_input_is_a_422_naming_the_field(client, personas, named, change):
    client.force_login(personas.coordinator)
    response = post(client, {**BODY, **change})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert named in json.dumps(body["errors"])


def test_norway_allows_graded_leave_from_20_percent(client, personas):
    client.force_login(personas.coordinator)
    norway = {**BODY, "jurisdiction": "NO"}
    for degree, status in ((20, 200), (99, 200), (19, 422), (100, 200)):
        period = {"from": "2025-01-01", "to": "2025-03-01", "degree": degree}
        assert post(client, {**norway, "periods": [period]}).status_code == status, degree


def test_the_command_prints_the_same_milestones_as_json(client, personas, monkeypatch):
    client.force_login(personas.coordinator)
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(BODY)))
    out = io.StringIO()
    call_command("timeline", stdout=out)
    assert json.loads(out.getvalue()) == post(client, BODY).json()


def test_the_command_names_the_bad_field(monkeypatch):
    bad = {**BODY, "periods": [{"from": "2025-01-01", "to": "2025-02-01", "degree": 33}]}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(bad)))
    with pytest.raises(CommandError, match=r"periods: .*degree 33"):
        call_command("timeline")


def test_the_command_exits_non_zero_on_bad_input():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "stegvis", "timeline"],
        input='{"jurisdiction": "SE"}',
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode != 0
    assert "employment" in done.stderr and "periods" in done.stderr
    assert done.stdout == ""
