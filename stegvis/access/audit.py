"""Writing and verifying the audit trail."""

import ipaddress
import json
from collections.abc import Iterable
from contextlib import ContextDecorator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC

from django.db import connections, transaction
from django.utils import timezone

from stegvis.access import sealing
from stegvis.access.models import GENESIS_HASH, AccessEvent, AuditChainHead, Outcome
from stegvis.core import request_context
from stegvis.core.prepared import Prepared

HASHED_FIELDS = (
    "occurred_at", "actor_id", "actor_role", "actor_organisation_id", "patient_id", "category",
    "action", "outcome", "basis", "object_type", "object_id", "request_id", "client_address",
)  # fmt: skip


def _canonical(value) -> object:
    if hasattr(value, "astimezone"):
        return value.astimezone(UTC).isoformat()
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


def event_digest(previous_hash: str, values: dict, key_id: str) -> str:
    """The event's seal: an HMAC, under the key `key_id`, of the previous hash and its
    content (stegvis/access/sealing.py)."""
    payload = {name: _canonical(values[name]) for name in HASHED_FIELDS}
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return sealing.seal(key_id, f"{previous_hash}|{body}".encode())


def _normalised_address(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return ipaddress.ip_address(address).compressed
    except ValueError:
        return None


def new_event(**fields) -> AccessEvent:
    """An unsaved event stamped with the current time, request id and client address."""
    context = request_context.current.get()
    fields.setdefault("occurred_at", timezone.now())
    fields.setdefault("request_id", context.request_id)
    fields.setdefault("client_address", _normalised_address(context.client_address))
    fields["object_id"] = str(fields.get("object_id") or "")
    return AccessEvent(**fields)


def system_event(
    *, patient_id, category: str, action: str, basis: str, object_type: str, object_id
):
    """An unsaved event for what the system itself did with a patient's data (a worker job),
    named by its basis, e.g. "deadline_notification" or "checkin_reminder"."""
    return new_event(
        actor=None,
        actor_role="system",
        patient_id=patient_id,
        category=category,
        action=action,
        outcome=Outcome.ALLOWED,
        basis=basis,
        object_type=object_type,
        object_id=object_id,
    )


# Events recorded inside `atomic()` wait here until its last statement.
_pending: ContextVar[list[AccessEvent] | None] = ContextVar("audit_pending", default=None)


class atomic(ContextDecorator):
    """A write and its audit events in one transaction (Zulip's `do_*` actions).

    Events recorded inside are appended as the transaction's last statements, so the chain
    head's row lock is taken just before the commit and held only for the insert, however
    long the write before it took. Nested blocks are savepoints whose events the outermost
    block appends. When the block fails, the write is undone and only refusals are kept.
    Every service that writes uses this rather than transaction.atomic.
    """

    def _recreate_cm(self):
        # A fresh instance per call of a decorated function: the state below is per block.
        return type(self)()

    def __enter__(self):
        self._outermost = _pending.get() is None
        if self._outermost:
            self._token = _pending.set([])
        self._transaction = transaction.atomic()
        self._transaction.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self._outermost:
            return self._transaction.__exit__(exc_type, exc, tb)
        events = _pending.get()
        _pending.reset(self._token)
        if exc_type is not None:
            suppressed = self._transaction.__exit__(exc_type, exc, tb)
            # The write is undone, but a refusal happened all the same: it stays on record.
            _append_now([event for event in events if event.outcome == Outcome.DENIED])
            return suppressed
        try:
            _append_now(events)
        except BaseException as error:
            self._transaction.__exit__(type(error), error, error.__traceback__)
            raise
        return self._transaction.__exit__(None, None, None)


def _signature(event: AccessEvent) -> tuple:
    return (
        event.actor_id, event.patient_id, event.category, event.action, event.outcome,
        event.basis, event.object_type, event.object_id,
    )  # fmt: skip


def _first_time_in_request(events: list[AccessEvent]) -> list[AccessEvent]:
    """The events this request has not recorded yet: a decision is recorded once, even
    when the view that resolved an object and the service that writes it both say so."""
    context = request_context.current.get()
    if not context.request_id:
        return events
    fresh = []
    for event in events:
        signature = _signature(event)
        if signature not in context.recorded:
            context.recorded.add(signature)
            fresh.append(event)
    return fresh


def append(events: list[AccessEvent]) -> list[AccessEvent]:
    """Append events to the chain: at once, or last in the enclosing `atomic()` block."""
    events = _first_time_in_request(events)
    pending = _pending.get()
    if pending is not None:
        pending.extend(events)
        return events
    return _append_now(events)


@transaction.atomic
def _append_now(events: list[AccessEvent]) -> list[AccessEvent]:
    """Append events in one statement, under the chain head's lock."""
    if not events:
        return events
    head = next(iter(LOCKED_HEAD.instances()), None)
    if head is None:  # the migration creates the head: this is a flushed test database
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    previous = head.last_hash
    key_id = sealing.current_key_id()
    for event in events:
        event.previous_hash = previous
        event.key_id = key_id
        event.hash = event_digest(previous, event.__dict__, key_id)
        previous = event.hash
    created = AccessEvent.objects.bulk_create(events)
    connection = connections[AuditChainHead.objects.db]
    with connection.cursor() as cursor:
        cursor.execute(
            _head_update_sql(connection),
            [previous, created[-1].pk, head.event_count + len(created), head.pk],
        )
    return created


def _locked_head():
    return AuditChainHead.objects.select_for_update().filter(pk=1)


# Every audited request reads and moves the head (stegvis/core/prepared.py).
LOCKED_HEAD = Prepared(_locked_head)


def _head_update_sql(connection) -> str:
    # Written out: the ORM takes longer to build this UPDATE than the database to run it.
    quote, field = connection.ops.quote_name, AuditChainHead._meta.get_field
    moved = ", ".join(
        f"{quote(field(name).column)} = %s"
        for name in ("last_hash", "last_event_id", "event_count")
    )
    table, pk = quote(AuditChainHead._meta.db_table), quote(AuditChainHead._meta.pk.column)
    return f"UPDATE {table} SET {moved} WHERE {pk} = %s"  # noqa: S608 (names from the model)


@dataclass(frozen=True)
class Verification:
    checked: int
    broken_event_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_event_id is None and not self.reason


def verify(batch_size: int = 5000) -> Verification:
    """Recompute the chain from the start and hold it against every checkpoint written
    outside the database; name the first event that does not fit."""
    checkpoints = sealing.read_checkpoints()
    forged = next((c for c in checkpoints if not c.is_genuine()), None)
    if forged is not None:
        when = forged.at or "unreadable"
        return Verification(0, None, f"the checkpoint of {when} is not signed with a known key")
    expected = {c.last_id: c for c in checkpoints}
    previous = GENESIS_HASH
    checked = last_id = 0
    keyed = False
    rows: Iterable[dict] = (
        AccessEvent.objects.order_by("pk")
        .values("pk", "previous_hash", "hash", "key_id", *HASHED_FIELDS)
        .iterator(chunk_size=batch_size)
    )
    for row in rows:
        problem = _row_problem(row, previous, keyed)
        if problem:
            return Verification(checked, row["pk"], problem)
        keyed = keyed or row["key_id"] != sealing.UNKEYED
        previous, last_id = row["hash"], row["pk"]
        checked += 1
        checkpoint = expected.pop(row["pk"], None)
        if checkpoint and (checkpoint.head_hash, checkpoint.count) != (previous, checked):
            why = f"the checkpoint of {checkpoint.at} recorded another chain up to here"
            return Verification(checked, row["pk"], why)
    if expected:
        lost = min(expected.values(), key=lambda c: c.last_id)
        why = f"event {lost.last_id} of the checkpoint of {lost.at} is missing: events removed"
        return Verification(checked, None, why)
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead()
    if head.last_hash != previous or head.last_event_id != last_id:
        return Verification(checked, None, "the newest events are missing from the chain")
    return Verification(checked)


def _row_problem(row: dict, previous: str, keyed: bool) -> str:
    if row["previous_hash"] != previous:
        return "previous hash does not match: an event before it was removed or changed"
    if keyed and row["key_id"] == sealing.UNKEYED:
        return "an unkeyed event after keyed ones: it was forged"
    try:
        digest = event_digest(previous, row, row["key_id"])
    except sealing.UnknownKey:
        return f"sealed with the key {row['key_id']!r}, which this server does not have"
    if digest != row["hash"]:
        return "content does not match its seal: it was changed, or sealed without the key"
    return ""


def checkpoint() -> sealing.Checkpoint | None:
    """Write a signed checkpoint of the chain as it stands (the worker: every 15 minutes)."""
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or not head.last_event_id:
        return None
    return sealing.write_checkpoint(head.last_event_id, head.last_hash, head.event_count)
