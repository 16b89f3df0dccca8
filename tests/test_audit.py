import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from stegvis.access import audit
from stegvis.access.categories import Category
from stegvis.access.models import AccessEvent, AuditChainHead


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
        basis="care:named",
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
            cursor.execute(
                "DROP TRIGGER IF EXISTS access_accessevent_append_only ON access_accessevent"
            )
        else:
            cursor.execute("DROP TRIGGER IF EXISTS access_accessevent_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS access_accessevent_no_delete")


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


# --- A keyed chain and checkpoints: its database's owner cannot rewrite it -----------------


def _forge(pk_from: int, change=None):
    """What the database's owner could do without the key: change events from `pk_from`
    on and recompute every later hash (plain SHA-256, or an HMAC with a guessed key), then
    move the head to the new end."""
    _drop_triggers()
    previous = (
        AccessEvent.objects.filter(pk__lt=pk_from)
        .order_by("-pk")
        .values_list("hash", flat=True)
        .first()
        or "0" * 64
    )
    for event in AccessEvent.objects.filter(pk__gte=pk_from).order_by("pk"):
        if change:
            change(event)
        body = {name: getattr(event, name) for name in audit.HASHED_FIELDS}
        payload = json.dumps(
            {k: audit._canonical(v) for k, v in body.items()}, sort_keys=True,
            separators=(",", ":"),
        )  # fmt: skip
        event.previous_hash = previous
        event.hash = hashlib.sha256(f"{previous}|{payload}".encode()).hexdigest()
        event.key_id = "dev"
        AccessEvent.objects.filter(pk=event.pk).update(
            category=event.category, previous_hash=previous, hash=event.hash, key_id="dev"
        )
        previous = event.hash
    AuditChainHead.objects.filter(pk=1).update(last_hash=previous)


def test_an_edit_with_every_later_hash_recomputed_is_found(personas):
    events = [_event(personas) for _ in range(4)]
    _forge(events[1].pk, change=lambda e: setattr(e, "category", Category.SICK_LEAVE))
    result = audit.verify()
    assert result.broken_event_id == events[1].pk and "seal" in result.reason


def test_a_forged_appended_event_is_found(personas):
    _event(personas)
    forged = _event(personas)
    _forge(forged.pk)
    assert audit.verify().broken_event_id == forged.pk


def test_removing_the_newest_events_after_a_checkpoint_is_found(personas):
    events = [_event(personas) for _ in range(4)]
    call_command("audit", "checkpoint")
    _drop_triggers()
    AccessEvent.objects.filter(pk__gte=events[2].pk).delete()
    AuditChainHead.objects.filter(pk=1).update(
        last_hash=events[1].hash, last_event_id=events[1].pk, event_count=2
    )
    result = audit.verify()
    assert not result.ok and f"event {events[3].pk}" in result.reason


def test_checkpoints_are_written_when_the_chain_grew_and_verified(personas, audit_checkpoints):
    _event(personas)
    first = audit.checkpoint()
    assert audit.checkpoint() is None, "no new events, no new checkpoint"
    _event(personas)
    second = audit.checkpoint()
    assert (first.count, second.count) == (1, 2) and second.last_id > first.last_id
    assert len(audit_checkpoints.read_text().splitlines()) == 2
    assert audit.verify().ok


def test_a_changed_checkpoint_is_found(personas, audit_checkpoints):
    _event(personas)
    audit.checkpoint()
    line = json.loads(audit_checkpoints.read_text())
    audit_checkpoints.write_text(json.dumps({**line, "count": 0}) + "\n")
    result = audit.verify()
    assert not result.ok and "checkpoint" in result.reason


def test_keys_rotate_old_events_verify_with_the_old_key(personas, settings, audit_checkpoints):
    settings.STEGVIS_AUDIT_KEYS = "k2025:first-secret"
    old = _event(personas)
    audit.checkpoint()
    settings.STEGVIS_AUDIT_KEYS = "k2025:first-secret,k2026:second-secret"
    new = _event(personas)
    audit.checkpoint()
    assert (AccessEvent.objects.get(pk=old.pk).key_id, new.key_id) == ("k2025", "k2026")
    assert audit.verify().ok
    settings.STEGVIS_AUDIT_KEYS = "k2026:second-secret"
    result = audit.verify()
    assert not result.ok and "checkpoint" in result.reason  # the first one was sealed by k2025
    audit_checkpoints.unlink()
    result = audit.verify()
    assert result.broken_event_id == old.pk and "k2025" in result.reason
    settings.STEGVIS_AUDIT_KEYS = "k2025:a-guessed-secret,k2026:second-secret"
    assert audit.verify().broken_event_id == old.pk


def test_unkeyed_events_from_before_the_upgrade_verify_only_at_the_start(personas):
    legacy = _event(personas)
    _forge(legacy.pk)  # as the chain was before it was keyed: plain SHA-256 ...
    _drop_triggers()
    AccessEvent.objects.filter(pk=legacy.pk).update(key_id="")  # ... and no key named
    assert audit.verify().ok
    keyed = _event(personas)
    assert keyed.key_id == "dev" and audit.verify().ok
    late = _event(personas)
    _forge(late.pk)
    AccessEvent.objects.filter(pk=late.pk).update(key_id="")
    result = audit.verify()
    assert result.broken_event_id == late.pk and "unkeyed" in result.reason
