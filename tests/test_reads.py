"""Reads do not write: a GET leaves no row behind but its audit events."""

import pytest
from django.apps import apps

from stegvis.access.categories import Category
from stegvis.audit.models import AccessEvent
from stegvis.cases.models import Case
from stegvis.network.purposes import Purpose

# The audit trail is what a read is meant to leave; sessions change on every request.
WRITTEN_BY_READS = {AccessEvent, apps.get_model("sessions", "Session")}


def row_counts() -> dict:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model not in WRITTEN_BY_READS and model._meta.managed
    }


@pytest.mark.parametrize(
    ("persona", "paths"),
    [
        (
            "patient",
            [
                "/cases/{case}/plan/",
                "/cases/{case}/capacity-note/",
                "/cases/{case}/employer-plan/",
                "/checkins/schedule/",
                "/checkins/",
                "/api/v1/cases/{case}/plan",
                "/api/v1/cases/{case}/plan/versions",
                "/api/v1/cases/{case}/capacity-note",
                "/api/v1/cases/{case}/employer-plan",
            ],
        ),
        ("coordinator", ["/cases/{case}/", "/cases/{case}/plan/", "/api/v1/cases/{case}/plan"]),
        ("employer", ["/cases/{case}/employer-plan/", "/api/v1/cases/{case}/employer-plan"]),
    ],
)
def test_opening_a_case_s_plans_creates_nothing(client, personas, persona, paths):
    case = Case.objects.get(patient=personas.patient)
    personas.with_consent(
        personas.employer,
        [Category.IDENTITY, Category.CAPACITY, Category.PLAN],
        Purpose.EMPLOYER_DIALOGUE,
    )
    client.force_login(personas.get(persona))
    before = row_counts()
    events = AccessEvent.objects.count()
    for path in paths:
        response = client.get(path.format(case=case.pk))
        assert response.status_code == 200, path
    assert row_counts() == before
    assert AccessEvent.objects.count() > events
