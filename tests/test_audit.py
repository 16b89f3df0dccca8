import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from stegvis.access import audit
from stegvis.access.categories import Category
from stegvis.access.models import AccessEvent


def _api_get(client, user, path):
    client.force_login(user)
    return client.get(path)


def test_each_page_view_of_patient_data_writes_exactly_one_event(client, personas, events_about):
    before = events_about(personas.patient)
    response = _api_get(
        client, personas.treating_physician, f"/api/v1/patients/{personas.patient.pk}"
    )
    assert response.status_code == 200
    assert events_about(personas.patient) == before + 1
    event = AccessEvent.objects.latest("pk")
    assert (event.actor, event.actor_role, event.actor_organisation) == (
        personas.treating_physician,
        "physician",
        personas.unit,
    )
    assert (event.category, event.action, event.outcome) == ("identity", "view", "allowed")
    assert event.request_id == response["X-Request-ID"]
    assert event.client_address == "127.0.0.1"


def test_a_refused_attempt_writes_one_denied_event(client, personas, events_about):
    before = events_about(personas.patient, outcome="denied")
    response = _api_get(
        client, personas.unrelated_physician, f"/api/v1/patients/{personas.patient.pk}"
    )
    assert response.status_code == 404
    assert events_about(personas.patient, outcome="denied") == before + 1
    assert AccessEvent.objects.latest("pk").basis == "no_relation"


def test_an_unknown_id_is_404_and_still_audited(client, personas):
    before = AccessEvent.objects.count()
    response = _api_get(client, personas.treating_physician, "/api/v1/patients/not-a-uuid")
    assert response.status_code == 404
    assert AccessEvent.objects.count() == before + 1
    event = AccessEvent.objects.latest("pk")
    assert (event.outcome, event.basis, event.patient) == ("denied", "not_found", None)


def test_the_caseload_writes_one_event_per_listed_patient(client, personas, events_about):
    before = AccessEvent.objects.count()
    client.force_login(personas.coordinator)
    assert client.get(reverse("home")).status_code == 200
    assert AccessEvent.objects.count() == before + 1
    assert events_about(personas.patient, object_type="caseload") == 1


def _event(personas):
    event = audit.new_event(
        actor=personas.treating_physician,
        patient=personas.patient,
        category=Category.IDENTITY,
        action="view",
        outcome="allowed",
        basis="clinical_need",
        object_type="patient",
    )
    return audit.append([event])[0]


def test_events_cannot_be_updated(personas):
    event = _event(personas)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(outcome="denied")


def test_events_cannot_be_deleted(personas):
    event = _event(personas)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()


def _drop_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER access_accessevent_append_only ON access_accessevent")
        else:
            cursor.execute("DROP TRIGGER access_accessevent_no_update")
            cursor.execute("DROP TRIGGER access_accessevent_no_delete")


def test_verify_accepts_an_intact_chain(personas):
    for _ in range(3):
        _event(personas)
    result = audit.verify()
    assert result.ok and result.checked == AccessEvent.objects.count()


def test_verify_names_the_first_tampered_event(personas):
    events = [_event(personas) for _ in range(4)]
    _drop_triggers()
    AccessEvent.objects.filter(pk=events[1].pk).update(category=Category.SICK_LEAVE)
    result = audit.verify()
    assert not result.ok
    assert result.broken_event_id == events[1].pk
    with pytest.raises(CommandError, match=f"event {events[1].pk}"):
        call_command("audit", "verify")


def test_verify_finds_a_removed_event_in_the_middle(personas):
    events = [_event(personas) for _ in range(4)]
    _drop_triggers()
    AccessEvent.objects.filter(pk=events[2].pk).delete()
    assert audit.verify().broken_event_id == events[3].pk


def test_verify_finds_removed_newest_events(personas):
    events = [_event(personas) for _ in range(3)]
    _drop_triggers()
    AccessEvent.objects.filter(pk=events[-1].pk).delete()
    result = audit.verify()
    assert not result.ok and "newest" in result.reason


def test_audit_verify_command_reports_success(personas, capsys):
    _event(personas)
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out
