import dataclasses
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import import_module

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stegvis.access.categories import Category
from stegvis.audit import audit, sealing
from stegvis.audit.models import AccessEvent, AuditChainHead, AuditChainOrigin
from stegvis.audit.tasks import (
    seal_audit_events,
    verify_audit_chain,
    verify_recent_audit_chain,
)
from stegvis.core.scheduler import enqueue_due
from stegvis.portal.jobs import SCHEDULE


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


def test_a_request_inserts_its_event_and_leaves_the_chain_head_to_the_sealer(client, personas):
    client.force_login(personas.treating_physician)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/patients/{personas.patient.pk}")
    assert response.status_code == 200
    statements = [q["sql"] for q in captured.captured_queries]
    assert [s for s in statements if "access_auditchainhead" in s] == []
    inserts = [s for s in statements if s.startswith('INSERT INTO "access_accessevent"')]
    assert len(inserts) == 1
    assert AccessEvent.objects.latest("pk").hash is None  # sealed later, by the worker


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


def _unsealed_event(personas, **fields):
    event = audit.new_event(
        actor=personas.treating_physician,
        patient=personas.patient,
        category=Category.IDENTITY,
        action="view",
        outcome="allowed",
        basis="care:named",
        object_type="patient",
        **fields,
    )
    return audit.append([event])[0]


def _event(personas):
    """An event as the chain holds it once the sealer has been."""
    event = _unsealed_event(personas)
    audit.seal()
    return AccessEvent.objects.get(pk=event.pk)


def test_events_cannot_be_updated(personas):
    event = _event(personas)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(outcome="denied")
    with pytest.raises(DatabaseError), transaction.atomic():  # nor sealed again
        AccessEvent.objects.filter(pk=event.pk).update(hash="0" * 64)


def test_an_event_is_written_unsealed_and_the_sealer_chains_events_in_order(personas):
    head = AuditChainHead.objects.get(pk=1)
    events = [_unsealed_event(personas) for _ in range(3)]
    stored = AccessEvent.objects.filter(pk__in=[e.pk for e in events])
    assert {(e.hash, e.chain_position) for e in stored} == {(None, None)}
    assert AuditChainHead.objects.get(pk=1).last_hash == head.last_hash  # no request moved it
    assert audit.seal(batch_size=2) == 3  # in batches, until none is left
    sealed = list(stored.order_by("pk"))
    assert [e.chain_position for e in sealed] == [head.event_count + n for n in (1, 2, 3)]
    assert sealed[0].previous_hash == head.last_hash
    assert [e.previous_hash for e in sealed[1:]] == [e.hash for e in sealed[:-1]]
    moved = AuditChainHead.objects.get(pk=1)
    assert (moved.last_hash, moved.last_event_id) == (sealed[-1].hash, sealed[-1].pk)
    assert moved.event_count == head.event_count + 3
    assert audit.seal() == 0
    assert audit.verify().ok


def test_the_worker_seals_every_minute_what_requests_wrote(personas):
    event = _unsealed_event(personas)
    assert seal_audit_events.call() == {"sealed": 1}
    assert AccessEvent.objects.get(pk=event.pk).hash is not None
    jobs = {path: every for _name, path, every in SCHEDULE}
    assert jobs["stegvis.audit.tasks.seal_audit_events"] == timedelta(minutes=1)


def test_an_unsealed_event_can_be_sealed_but_not_changed(personas):
    event = _unsealed_event(personas)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(outcome="denied")
    # Not even together with a seal: sealing may write the seal's columns only.
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(outcome="denied", hash="1" * 64)
    # Nor which app acted (SMART on FHIR): part of what the event says.
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(via_app="Another app", hash="1" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()
    assert AccessEvent.objects.get(pk=event.pk).outcome == "allowed"
    assert audit.seal() == 1


def test_an_event_committed_after_later_ones_were_sealed_joins_the_chain_after_them(personas):
    # On PostgreSQL ids are handed out at insert and committed in any order: a request
    # whose transaction ran long commits an event with a lower id than ones already sealed.
    sealed = [_event(personas) for _ in range(2)]
    straggler = audit.new_event(
        actor=personas.treating_physician, patient=personas.patient, category=Category.PLAN,
        action="view", outcome="allowed", basis="care:named", object_type="plan",
    )  # fmt: skip
    straggler.pk = -sealed[-1].pk  # below every id handed out
    audit.append([straggler])
    assert audit.seal() == 1
    chain = AccessEvent.objects.order_by("chain_position").values_list("pk", flat=True)
    assert list(chain)[-3:] == [sealed[0].pk, sealed[1].pk, straggler.pk]
    assert audit.verify().ok


def test_events_sealed_before_positions_existed_come_first_in_id_order(personas):
    events = [_event(personas) for _ in range(3)]
    _drop_triggers()
    # As the chain was written under the head's lock before events were sealed apart.
    AccessEvent.objects.filter(pk__in=[e.pk for e in events[:2]]).update(chain_position=None)
    _event(personas)
    result = audit.verify()
    assert result.ok and result.checked == AccessEvent.objects.count()


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
    call_command("audit", "checkpoint")
    call_command("audit", "verify")
    assert "intact: 1 events verified, against 1 checkpoints" in capsys.readouterr().out


def test_verify_without_a_checkpoint_says_the_chains_age_cannot_be_proven(
    personas, audit_checkpoints, capsys
):
    _event(personas)
    result = audit.verify()
    assert result.ok and not result.age_proven
    with pytest.raises(CommandError, match="age cannot be proven: no checkpoint") as raised:
        call_command("audit", "verify")
    assert raised.value.returncode == 3 and "intact" not in str(raised.value)
    # Another database's checkpoints prove nothing about this one.
    _checkpoint_of_another_database()
    assert not audit.verify().age_proven
    audit.checkpoint()
    assert audit.verify().age_proven


def test_the_nightly_verification_alerts_when_no_checkpoint_proves_the_chains_age(
    personas, settings, mailoutbox, audit_checkpoints
):
    settings.ADMINS = ["security@example.org"]
    _event(personas)
    assert verify_recent_audit_chain.call() == {
        "ok": True, "age_proven": False, "checked": 1, "broken_event_id": None,
        "since_checkpoint": None,
    }  # fmt: skip
    assert [m.subject.endswith("Stegvis audit chain unproven") for m in mailoutbox] == [True]
    first = audit.checkpoint()
    assert verify_recent_audit_chain.call()["age_proven"] is True
    assert len(mailoutbox) == 1
    # Three days on, the night takes the chain up from that checkpoint; the week's
    # verification recomputes it all.
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        _event(personas)
        nightly = verify_recent_audit_chain.call()
        assert (nightly["since_checkpoint"], nightly["checked"]) == (first.last_id, 1)
        assert verify_audit_chain.call()["checked"] == 2
    assert len(mailoutbox) == 1


def test_the_chain_is_verified_from_a_recent_checkpoint_nightly_and_whole_weekly(db):
    jobs = {path: every for _name, path, every in SCHEDULE}
    assert jobs["stegvis.audit.tasks.verify_recent_audit_chain"] == timedelta(days=1)
    assert jobs["stegvis.audit.tasks.verify_audit_chain"] == timedelta(days=7)
    names = enqueue_due(SCHEDULE)
    # The worker writes a checkpoint before its first verifications.
    assert names.index("checkpoint_audit_chain") < names.index("verify_recent_audit_chain")
    assert names.index("checkpoint_audit_chain") < names.index("verify_audit_chain")


# --- A keyed chain and checkpoints: its database's owner cannot rewrite it -----------------


def _forge(pk_from: int, change=None, key_id="dev"):
    """What the database's owner could do without the key: change events from `pk_from`
    on and recompute every later hash with plain SHA-256, naming the key `key_id` (or none),
    then move the head to the new end."""
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
        AccessEvent.objects.filter(pk=event.pk).update(
            category=event.category, previous_hash=previous, hash=event.hash, key_id=key_id
        )
        previous = event.hash
    AuditChainHead.objects.filter(pk=1).update(last_hash=previous)


def test_a_seal_is_the_keyed_hmac_of_the_previous_hash_and_the_events_sorted_json(
    personas, settings
):
    # The format every seal since the chain was keyed has, whatever serialises it.
    settings.STEGVIS_AUDIT_KEYS = "k1:a-secret"
    event = _event(personas)
    content = {name: audit._canonical(getattr(event, name)) for name in audit.HASHED_FIELDS}
    body = json.dumps(content, sort_keys=True, separators=(",", ":"))
    message = f"{event.previous_hash}|{body}".encode()
    assert event.hash == hmac.new(b"a-secret", message, hashlib.sha256).hexdigest()


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


def _chain_in_three_checkpointed_parts(personas):
    """Two events, a checkpoint on 1 March; two more, one on 1 April; then two more. The
    clock is frozen at each checkpoint, which `since` compares with."""
    events = []
    for day in ("2026-03-01", "2026-04-01", None):
        events += [_event(personas), _event(personas)]
        if day:
            with time_machine.travel(datetime.fromisoformat(f"{day}T12:00+00:00"), tick=False):
                audit.checkpoint()
    return events


def test_verify_since_a_day_takes_the_chain_up_from_the_checkpoint_before_it(
    personas, audit_checkpoints
):
    events = _chain_in_three_checkpointed_parts(personas)
    from_april = audit.verify(since=datetime(2026, 4, 15, tzinfo=UTC))
    assert from_april.ok and from_april.checked == 2 and from_april.since.count == 4
    from_march = audit.verify(since=datetime(2026, 3, 15, tzinfo=UTC))
    assert from_march.ok and from_march.checked == 4 and from_march.checkpoints == 2
    # Before every checkpoint: the whole chain.
    whole = audit.verify(since=datetime(2026, 2, 1, tzinfo=UTC))
    assert whole.ok and whole.since is None and whole.checked == len(events)


def test_verify_since_a_day_finds_what_was_changed_after_its_checkpoint_only(
    personas, audit_checkpoints
):
    events = _chain_in_three_checkpointed_parts(personas)
    _drop_triggers()
    AccessEvent.objects.filter(pk=events[4].pk).update(category=Category.SICK_LEAVE)
    assert audit.verify(since=datetime(2026, 4, 15, tzinfo=UTC)).broken_event_id == events[4].pk
    AccessEvent.objects.filter(pk=events[4].pk).update(category=events[4].category)
    # A change before the checkpoint is the full verification's to find.
    AccessEvent.objects.filter(pk=events[1].pk).update(category=Category.SICK_LEAVE)
    assert audit.verify(since=datetime(2026, 4, 15, tzinfo=UTC)).ok
    assert audit.verify().broken_event_id == events[1].pk


def test_verify_since_a_day_finds_the_newest_events_removed(personas, audit_checkpoints):
    events = _chain_in_three_checkpointed_parts(personas)
    _drop_triggers()
    AccessEvent.objects.filter(pk=events[-1].pk).delete()
    result = audit.verify(since=datetime(2026, 4, 15, tzinfo=UTC))
    assert not result.ok and "newest" in result.reason
    # The event a checkpoint names is gone: the one before it is where verification starts.
    AccessEvent.objects.filter(pk=events[3].pk).delete()
    result = audit.verify(since=datetime(2026, 4, 15, tzinfo=UTC))
    assert result.since.count == 2 and result.broken_event_id == events[4].pk


def test_audit_verify_command_since_a_day(personas, audit_checkpoints, capsys):
    _chain_in_three_checkpointed_parts(personas)
    call_command("audit", "verify", "--since", "2026-04-15")
    out = capsys.readouterr().out
    assert "2 events verified since the checkpoint of 2026-04-01" in out
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("audit", "verify", "--since", "April")


def _chain_checkpointed_every_two(personas):
    """Two events and a checkpoint on each of 1 to 4 March (the clock frozen at each), then
    two more."""
    events = []
    for day in range(1, 5):
        events += [_event(personas), _event(personas)]
        with time_machine.travel(datetime(2026, 3, day, 12, tzinfo=UTC), tick=False):
            audit.checkpoint()
    return [*events, _event(personas), _event(personas)]


SINCE_1_MARCH = datetime(2026, 3, 1, 18, tzinfo=UTC)


def test_verifying_in_parts_cuts_the_chain_at_checkpoints_and_finds_the_same(
    personas, audit_checkpoints
):
    events = _chain_checkpointed_every_two(personas)
    first, *later = sealing.read_checkpoints()
    parts = audit._parts(first, later, 3)
    # Each run begins where the one before it ended; the last runs to the head.
    assert [(p.begin.count, p.end.count if p.end else None) for p in parts] == [
        (2, 4), (4, 6), (6, None),
    ]  # fmt: skip
    assert [[c.count for c in p.checkpoints] for p in parts] == [[4], [6], [8]]
    whole = audit.verify(since=SINCE_1_MARCH)
    assert whole.ok and whole.checked == len(events) - 2
    assert audit.verify(since=SINCE_1_MARCH, workers=3) == whole
    # A change in the second run: named, after the good events before it in all the runs.
    _drop_triggers()
    AccessEvent.objects.filter(pk=events[4].pk).update(category=Category.SICK_LEAVE)
    broken = audit.verify(since=SINCE_1_MARCH, workers=3)
    assert (broken.broken_event_id, broken.checked) == (events[4].pk, 2)
    assert broken == audit.verify(since=SINCE_1_MARCH)


def test_a_run_of_the_chain_ends_exactly_at_its_checkpoint(personas, audit_checkpoints):
    _chain_checkpointed_every_two(personas)
    first, second, *_ = sealing.read_checkpoints()
    rows = list(
        AccessEvent.objects.filter(
            chain_position__gt=first.count, chain_position__lte=second.count + 1
        )
        .order_by("chain_position")
        .values(*audit.CHAIN_FIELDS)
    )
    assert audit._verify_segment(first, [second], rows[:-1], end=second).ok
    # The next run's first event, read as this run's too: it follows on, but past the end.
    past = audit._verify_segment(first, [second], rows, end=second)
    assert past.broken_event_id == rows[-1]["pk"] and "does not end" in past.reason


def test_verifying_the_whole_chain_in_parts_finds_the_same(personas, audit_checkpoints):
    legacy = _event(personas)
    _as_before_the_chain_was_keyed()  # the first event without a key or a position
    _record_the_origin()
    events = [legacy, *_chain_checkpointed_every_two(personas)]
    whole = audit.verify()
    assert whole.ok and whole.checked == len(events) and whole.checkpoints == 4
    assert audit.verify(workers=3) == whole
    for changed in (events[1], events[6]):  # before the first checkpoint, and after
        AccessEvent.objects.filter(pk=changed.pk).update(category=Category.SICK_LEAVE)
        broken = audit.verify(workers=3)
        assert broken.broken_event_id == changed.pk and broken == audit.verify()
        AccessEvent.objects.filter(pk=changed.pk).update(category=changed.category)
    assert audit.verify(workers=3).ok


def test_audit_verify_command_in_several_processes(personas, audit_checkpoints, capsys):
    _chain_checkpointed_every_two(personas)
    call_command("audit", "verify", "--since", "2026-03-02", "--workers", "2")
    assert "8 events verified since the checkpoint of 2026-03-01" in capsys.readouterr().out
    with pytest.raises(CommandError, match="1 or more"):
        call_command("audit", "verify", "--workers", "0")


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
    assert (old.key_id, new.key_id) == ("k2025", "k2026")
    assert audit.verify().ok
    settings.STEGVIS_AUDIT_KEYS = "k2026:second-secret"
    result = audit.verify()
    assert not result.ok and "checkpoint" in result.reason  # the first one was sealed by k2025
    audit_checkpoints.unlink()
    result = audit.verify()
    assert result.broken_event_id == old.pk and "k2025" in result.reason
    settings.STEGVIS_AUDIT_KEYS = "k2025:a-guessed-secret,k2026:second-secret"
    assert audit.verify().broken_event_id == old.pk


@cache
def _models_at_access_0012():
    """The models as migration access.0012 saw them: the audit trail's were the access app's."""
    return MigrationLoader(None).project_state(("access", "0012_audit_chain_origin")).apps


def _record_the_origin():
    """What migration access.0012 does on upgrade: record the chain's unkeyed start."""
    migration = import_module("stegvis.access.migrations.0012_audit_chain_origin")
    migration.record_the_origin(_models_at_access_0012(), None)


def _first_in_chain() -> AccessEvent:
    return AccessEvent.objects.order_by("pk").first()


def _as_before_the_chain_was_keyed():
    """The chain so far as it stood before migration access.0005: plain SHA-256, no key
    named, sealed in id order with no position."""
    _forge(_first_in_chain().pk, key_id="")
    AccessEvent.objects.update(chain_position=None)


def test_unkeyed_events_from_before_the_upgrade_verify_only_at_the_start(personas):
    legacy = _event(personas)
    _as_before_the_chain_was_keyed()
    _record_the_origin()
    assert audit.verify().ok
    keyed = _event(personas)
    assert keyed.key_id == "dev" and audit.verify().ok
    late = _event(personas)
    _forge(late.pk, key_id="")
    result = audit.verify()
    assert result.broken_event_id == late.pk and "sealed without a key" in result.reason
    assert legacy.pk < keyed.pk


def test_a_chain_rewritten_without_the_key_is_forgery_even_with_no_checkpoint(
    personas, audit_checkpoints
):
    events = [_event(personas) for _ in range(4)]
    audit.checkpoint()
    # The owner drops the trigger, changes an event, re-hashes the whole chain with plain
    # SHA-256 and removes the checkpoint file.
    first = _first_in_chain()
    _forge(first.pk, key_id="", change=lambda e: setattr(e, "category", Category.SICK_LEAVE))
    audit_checkpoints.unlink()
    result = audit.verify()
    assert result.broken_event_id == first.pk and "forged" in result.reason
    with pytest.raises(CommandError, match=f"event {first.pk}.*forged"):
        call_command("audit", "verify")
    assert AccessEvent.objects.get(pk=events[1].pk).category == Category.SICK_LEAVE


def test_only_the_unkeyed_start_recorded_on_upgrade_may_be_unkeyed(personas):
    legacy = [_event(personas) for _ in range(2)]
    _as_before_the_chain_was_keyed()
    _record_the_origin()
    [_event(personas) for _ in range(2)]
    # Rewritten from the first legacy event on: the keyed events become unkeyed too.
    _forge(legacy[0].pk, key_id="", change=lambda e: setattr(e, "category", Category.PLAN))
    result = audit.verify()
    assert result.broken_event_id == legacy[-1].pk and "were changed" in result.reason


def test_the_unkeyed_start_cannot_be_rewritten_before_anything_keyed_follows_it(personas):
    legacy = [_event(personas) for _ in range(2)]
    _as_before_the_chain_was_keyed()
    _record_the_origin()
    _forge(legacy[0].pk, key_id="", change=lambda e: setattr(e, "category", Category.PLAN))
    result = audit.verify()
    assert result.broken_event_id == legacy[-1].pk and "were changed" in result.reason


def test_the_record_of_the_unkeyed_start_cannot_be_stretched(personas):
    _event(personas)
    _as_before_the_chain_was_keyed()
    _record_the_origin()
    forged = _event(personas)
    _forge(forged.pk, key_id="")
    origin = AuditChainOrigin.objects.get(pk=1)
    start = origin.unkeyed_start
    origin.unkeyed_start = {**start, "count": start["count"] + 1, "last_id": forged.pk}
    origin.save()
    result = audit.verify()
    assert not result.ok and "not signed" in result.reason


def test_the_upgrade_records_no_unkeyed_start_for_a_chain_keyed_from_the_first_event(personas):
    _event(personas)
    _record_the_origin()
    assert AuditChainOrigin.objects.get(pk=1).unkeyed_start is None
    assert audit.verify().ok


# --- A checkpoint file shared by two databases ---------------------------------------------


def _checkpoint_of_another_database(**fields) -> sealing.Checkpoint:
    """What a second database (its own origin and chain) appends to the same file."""
    return sealing.write_checkpoint(
        **{"last_id": 1, "head_hash": "f" * 64, "count": 1, "database": str(uuid.uuid4())} | fields
    )


def test_two_databases_sharing_a_checkpoint_file_are_each_held_to_their_own(
    personas, audit_checkpoints, settings, capsys
):
    events = [_event(personas) for _ in range(3)]
    ours = audit.checkpoint()
    assert ours.database == str(AuditChainOrigin.objects.get(pk=1).installation_id)
    # The other's chain: another event where ours has events[0], and one ours never had.
    _checkpoint_of_another_database(last_id=events[0].pk, count=5)
    _checkpoint_of_another_database(last_id=events[-1].pk + 100, count=9)
    ours_keys = settings.STEGVIS_AUDIT_KEYS
    settings.STEGVIS_AUDIT_KEYS = "theirs:a-key-this-database-does-not-have"
    _checkpoint_of_another_database(last_id=events[1].pk, count=2)
    settings.STEGVIS_AUDIT_KEYS = ours_keys
    assert audit.checkpoint() is None, "this chain has not grown since its own checkpoint"
    result = audit.verify()
    assert result.ok and result.other_databases_checkpoints == 3
    call_command("audit", "verify")
    output = capsys.readouterr().out
    assert "3 checkpoints of another database" in output and "intact" in output
    # This database's own checkpoint still holds it.
    _drop_triggers()
    AccessEvent.objects.filter(pk=events[-1].pk).delete()
    AuditChainHead.objects.filter(pk=1).update(
        last_hash=events[1].hash, last_event_id=events[1].pk, event_count=2
    )
    result = audit.verify()
    assert not result.ok and f"event {events[-1].pk}" in result.reason


def test_a_checkpoint_written_before_checkpoints_named_their_database_still_holds(
    personas, audit_checkpoints
):
    events = [_event(personas) for _ in range(3)]
    head = AuditChainHead.objects.get(pk=1)
    old = sealing.Checkpoint(
        last_id=head.last_event_id, head_hash=head.last_hash, count=head.event_count,
        at="2026-11-30T12:00:00+00:00", key_id="dev",
    ).signed()  # fmt: skip
    line = {k: v for k, v in dataclasses.asdict(old).items() if k != "database"}
    audit_checkpoints.write_text(json.dumps(line) + "\n")
    assert audit.verify().ok
    _drop_triggers()
    AccessEvent.objects.filter(pk=events[-1].pk).delete()
    AuditChainHead.objects.filter(pk=1).update(
        last_hash=events[1].hash, last_event_id=events[1].pk, event_count=2
    )
    result = audit.verify()
    assert not result.ok and f"event {events[-1].pk}" in result.reason


# Processes of their own see only what is committed: PostgreSQL, outside a test's transaction.
if connection.vendor == "postgresql":

    @pytest.mark.django_db(transaction=True)
    def test_verifying_in_processes_of_their_own_finds_what_one_process_finds(
        personas, audit_checkpoints
    ):
        events = _chain_checkpointed_every_two(personas)
        whole = audit.verify(since=SINCE_1_MARCH)
        assert audit.verify(since=SINCE_1_MARCH, workers=3) == whole and whole.ok
        assert audit.verify(workers=3) == audit.verify()
        # A genuine checkpoint that records another chain at 3 March: the run that holds it,
        # in its own process, names the event.
        lines = audit_checkpoints.read_text().splitlines()
        third = sealing.checkpoint_from(json.loads(lines[2]))
        other = dataclasses.replace(third, head_hash="0" * 64, signature="").signed()
        lines[2] = json.dumps(dataclasses.asdict(other))
        audit_checkpoints.write_text("\n".join(lines) + "\n")
        broken = audit.verify(since=SINCE_1_MARCH, workers=3)
        assert broken.broken_event_id == events[5].pk and "another chain" in broken.reason
        assert broken == audit.verify(since=SINCE_1_MARCH)
