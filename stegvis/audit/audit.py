"""Writing and verifying the audit trail."""

import hashlib
import ipaddress
import itertools
import json
import multiprocessing
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ContextDecorator
from contextvars import ContextVar
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from stegvis.audit import partitions, sealing
from stegvis.audit.models import (
    GENESIS_HASH,
    AccessEvent,
    AuditChainHead,
    AuditChainOrigin,
    Outcome,
)
from stegvis.audit.signals import written
from stegvis.core import prepared, request_context

HASHED_FIELDS = (
    "occurred_at", "actor_id", "actor_role", "actor_organisation_id", "patient_id", "category",
    "action", "outcome", "basis", "object_type", "object_id", "request_id", "client_address",
)  # fmt: skip


def _canonical(value) -> object:
    if value is None or isinstance(value, int | str):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


# One encoder for every seal: json.dumps with options makes a new one per call, a third of
# a seal's time when a month's chain (8 million events in a region) is recomputed.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def event_digest(previous_hash: str, values: dict, key_id: str) -> str:
    """The event's seal: an HMAC, under the key `key_id`, of the previous hash and its
    content (stegvis/audit/sealing.py)."""
    payload = {name: _canonical(values[name]) for name in HASHED_FIELDS}
    # Sealed when set, and only then: events sealed before apps could act keep their seal.
    if values.get("via_app"):
        payload["via_app"] = values["via_app"]
    body = _ENCODER.encode(payload)
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
    fields.setdefault("via_app", context.app)
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

    Events recorded inside are inserted together as the transaction's last statement, and
    committed with the write or not at all. Nested blocks are savepoints whose events the
    outermost block inserts. When the block fails, the write is undone and only refusals are kept.
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
        try:
            return self._exit(exc_type, exc, tb)
        finally:
            # What was decided before this block may no longer hold, whether its write
            # stands, was undone, or waits for an outer block: those who remember it (the
            # access app's readers) are told, not called, since the trail sits below them.
            written.send(sender=atomic)

    def _exit(self, exc_type, exc, tb):
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


def _append_now(events: list[AccessEvent]) -> list[AccessEvent]:
    """Insert the events unsealed, in one statement: no lock, so requests do not queue
    for one another here. seal() chains them soon after."""
    return prepared.insert(events)


SEAL_BATCH = 500


def seal(batch_size: int = SEAL_BATCH) -> int:
    """Seal every event written so far into the chain, oldest first, in batches, each
    under the chain head's lock; the order of sealing is the chain's order. Run by the
    worker every minute, and before a checkpoint or a verification. Returns how many."""
    sealed = 0
    while True:
        with transaction.atomic():
            count = _seal_batch(batch_size)
        sealed += count
        if count < batch_size:
            return sealed


def _seal_batch(batch_size: int) -> int:
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    # Read under the lock: a sealer that waited sees the events the one before it sealed.
    events = list(AccessEvent.objects.filter(hash__isnull=True).order_by("pk")[:batch_size])
    if not events:
        return 0
    previous = head.last_hash
    key_id = sealing.current_key_id()
    for position, event in enumerate(events, start=head.event_count + 1):
        event.previous_hash = previous
        event.key_id = key_id
        event.chain_position = position
        event.hash = event_digest(previous, event.__dict__, key_id)
        previous = event.hash
    _write_seals(events)
    head.last_hash = previous
    head.last_event_id = events[-1].pk
    head.event_count += len(events)
    head.save(update_fields=["last_hash", "last_event_id", "event_count"])
    return len(events)


SEAL_FIELDS = ("previous_hash", "hash", "key_id", "chain_position")


def _write_seals(events: list[AccessEvent]) -> None:
    """One UPDATE per event, sent as a batch: bulk_update's CASE over the whole batch costs
    the database time that grows with the square of the batch (bench/hotpath.py). The time
    is in the key so that PostgreSQL looks in the event's month alone."""
    connection = connections[AccessEvent.objects.db]
    quote = connection.ops.quote_name  # the fields' names are their columns'
    assignments = ", ".join(f"{quote(name)} = %s" for name in SEAL_FIELDS)
    sql = (
        f"UPDATE {quote(AccessEvent._meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {quote('id')} = %s AND {quote('occurred_at')} = %s"
    )
    at = connection.ops.adapt_datetimefield_value
    seals = [[*(getattr(e, name) for name in SEAL_FIELDS), e.pk, at(e.occurred_at)] for e in events]
    with connection.cursor() as cursor:
        cursor.executemany(sql, seals)
        if cursor.rowcount != len(events):  # the head must not move past an event left out
            raise DatabaseError(f"sealed {cursor.rowcount} of {len(events)} audit events")


@dataclass(frozen=True)
class Verification:
    checked: int
    broken_event_id: int | None = None
    reason: str = ""
    # Checkpoints in the file that name another database, left aside.
    other_databases_checkpoints: int = 0
    # This database's checkpoints the chain was held against.
    checkpoints: int = 0
    # The checkpoint the verification started from (None: the chain's start).
    since: sealing.Checkpoint | None = None

    @property
    def ok(self) -> bool:
        """Nothing in the chain contradicts its seals, its origin or its checkpoints."""
        return self.broken_event_id is None and not self.reason

    @property
    def age_proven(self) -> bool:
        """The chain is held against a checkpoint written outside the database. Without one,
        removing the newest events (or all) and moving the head back would still pass `ok`."""
        return self.ok and self.checkpoints > 0


CHAIN_FIELDS = ("pk", "previous_hash", "hash", "key_id", "via_app", *HASHED_FIELDS)


# Sealed under the head's lock before events were sealed apart: first in the chain, by id.
SEALED_WITHOUT_POSITION = Q(chain_position__isnull=True, hash__isnull=False)


def _chain(batch_size: int, up_to: int | None = None) -> Iterable[dict]:
    """The sealed events in the chain's order: those without a position, in id order, then
    by position (up to `up_to`)."""
    before = AccessEvent.objects.filter(SEALED_WITHOUT_POSITION).order_by("pk")
    return itertools.chain(
        before.values(*CHAIN_FIELDS).iterator(chunk_size=batch_size),
        _chain_after(0, batch_size, up_to),
    )


def _first_checkpoint_past_the_start(
    unkeyed_start: sealing.Checkpoint | None, checkpoints: list[sealing.Checkpoint]
) -> sealing.Checkpoint | None:
    """The first checkpoint past the events sealed without a key or without a position,
    from which the chain can be taken up by position."""
    without_position = AccessEvent.objects.filter(SEALED_WITHOUT_POSITION).count()
    floor = max(unkeyed_start.count if unkeyed_start else 0, without_position)
    return min((c for c in checkpoints if c.count > floor), key=lambda c: c.count, default=None)


def _chain_after(position: int, batch_size: int, up_to: int | None = None) -> Iterable[dict]:
    after = AccessEvent.objects.filter(chain_position__gt=position)
    if up_to is not None:
        after = after.filter(chain_position__lte=up_to)
    return after.order_by("chain_position").values(*CHAIN_FIELDS).iterator(chunk_size=batch_size)


def chain_origin() -> AuditChainOrigin:
    """How the chain began (migration access.0012). A database emptied since, as a test's
    flush does, gets a new origin in which no event may be unkeyed."""
    return AuditChainOrigin.objects.get_or_create(pk=1)[0]


def _unkeyed_start(origin: AuditChainOrigin) -> sealing.Checkpoint | None:
    if origin.unkeyed_start is None:
        return None
    return sealing.checkpoint_from(origin.unkeyed_start)


def verify(batch_size: int = 5000, since: datetime | None = None, workers: int = 1) -> Verification:
    """Seal what is waiting, recompute the chain from the start and hold it against every
    checkpoint written outside the database; name the first event that does not fit.

    With `since`, only the chain after this database's newest checkpoint written before then
    is recomputed (the whole chain when there is none): the events after it must follow on
    from the hash it signed, so a month is verified in the time a month takes, not the
    trail's ten years. The events before it are read only by a verification from the start.

    Every installation seals with a key (development's is derived from SECRET_KEY), so an
    event sealed without one is a forgery, unless it is among the events sealed before the
    chain was keyed, which the chain's origin records under a key's signature. Checkpoints
    that name another database (two sharing a checkpoint file) are left aside, and counted.

    With `workers`, the chain from a checkpoint on is recomputed in that many processes at
    once, each a run of the stretches between checkpoints (PostgreSQL, outside a
    transaction); the result is the same as one process's."""
    seal()
    origin = chain_origin()
    database = str(origin.installation_id)
    written = sealing.read_checkpoints()
    checkpoints = [c for c in written if c.belongs_to(database)]
    others = len(written) - len(checkpoints)
    forged = next((c for c in checkpoints if not c.is_genuine()), None)
    if forged is not None:
        when = forged.at or "unreadable"
        return Verification(0, None, f"the checkpoint of {when} is not signed with a known key")
    start = _starting_checkpoint(origin, checkpoints, since) if since else None
    if start is None:
        result = _verify_chain(origin, checkpoints, batch_size, workers)
    else:
        later = [c for c in checkpoints if c.count > start.count]
        result = _verify_in_parts(start, later, batch_size, workers)
        result = replace(result, checkpoints=1 + len(later))
    return replace(result, other_databases_checkpoints=others, since=start)


def _starting_checkpoint(
    origin: AuditChainOrigin, checkpoints: list[sealing.Checkpoint], since: datetime
) -> sealing.Checkpoint | None:
    """The newest checkpoint written before `since` from which the chain can be taken up:
    one past the events sealed before the chain was keyed or had positions (those are
    verified from the start)."""
    floor = max((c.count for c in (_unkeyed_start(origin), _kept_from(origin)) if c), default=0)
    before = [c for c in checkpoints if datetime.fromisoformat(c.at) < since and c.count > floor]
    for candidate in sorted(before, key=lambda c: c.count, reverse=True):
        if AccessEvent.objects.filter(
            pk=candidate.last_id, chain_position=candidate.count
        ).exists():
            return candidate
    return None


def _kept_from(origin: AuditChainOrigin) -> sealing.Checkpoint | None:
    return sealing.checkpoint_from(origin.kept_from) if origin.kept_from else None


def _verify_chain(
    origin: AuditChainOrigin, checkpoints: list[sealing.Checkpoint], batch_size: int, workers: int
) -> Verification:
    start = _unkeyed_start(origin)
    if start is not None and not start.is_genuine():
        why = "the record of the events sealed before the chain was keyed is not signed"
        return Verification(0, None, f"{why} with a known key")
    kept = _kept_from(origin)
    if kept is None:
        genesis = sealing.Checkpoint(last_id=0, head_hash=GENESIS_HASH, count=0, at="", key_id="")
        first = _first_checkpoint_past_the_start(start, checkpoints) if workers > 1 else None
        if first is None:
            result = _verify_segment(genesis, checkpoints, _chain(batch_size), start)
            return replace(result, checkpoints=len(checkpoints))
        # The events without a key or a position up to the first checkpoint past them, here;
        # from that checkpoint on, in parts.
        inside = [c for c in checkpoints if c.count <= first.count]
        rows = _chain(batch_size, up_to=first.count)
        result = _verify_segment(genesis, inside, rows, start, end=first)
        if result.ok:
            later = [c for c in checkpoints if c.count > first.count]
            rest = _verify_in_parts(first, later, batch_size, workers)
            result = replace(rest, checked=result.checked + rest.checked)
        return replace(result, checkpoints=len(checkpoints))
    if not kept.is_genuine():
        why = "the record of where the chain kept after the oldest months were detached begins"
        return Verification(0, None, f"{why} is not signed with a known key")
    problem, left_behind = _left_behind(kept.count, may_be_unkeyed=start is not None)
    if problem:
        return problem
    if left_behind != kept.left_behind:
        why = "events before where the kept chain begins were added or removed after the detach"
        return Verification(0, None, why)
    later = [c for c in checkpoints if c.count > kept.count]
    if start and start.count > kept.count:
        unkeyed = _verify_segment(kept, later, _chain_after(kept.count, batch_size), start)
        return replace(unkeyed, checkpoints=len(later))
    return replace(_verify_in_parts(kept, later, batch_size, workers), checkpoints=len(later))


def _left_behind(cut: int, may_be_unkeyed: bool) -> tuple[Verification | None, str]:
    """The sealed events still in the trail from before the `cut` in the chain's order,
    which the kept chain does not recompute: the next month's few sealed before the detached
    month's last, and older ones without a position. Each must fit its own seal; their
    number and a digest of their ids and seals are signed into the cut at the detach."""
    rows = AccessEvent.objects.filter(Q(chain_position__lte=cut) | SEALED_WITHOUT_POSITION)
    digest, count = hashlib.sha256(), 0
    for row in rows.order_by("pk").values(*CHAIN_FIELDS).iterator(chunk_size=5000):
        problem = _row_problem(row, row["previous_hash"], may_be_unkeyed)
        if problem:
            return Verification(0, row["pk"], problem), ""
        digest.update(f"{row['pk']}:{row['hash']}\n".encode())
        count += 1
    return None, f"{count}:{digest.hexdigest()}"


def detach_oldest_month(month) -> str:
    """Detach the trail's oldest month, its retention ended (PostgreSQL; archive its table
    with pg_dump, then drop it), and record, signed, where the kept chain begins: the
    month's newest event in the chain's order. The whole chain is verified from there on,
    and its checkpoints before it are left aside; the archive keeps what was detached.
    What is left before that point is signed as it is found: detach after a verification
    of the whole chain has passed (the weekly one)."""

    def record_where_the_kept_chain_begins(name: str) -> None:
        connection = connections[AccessEvent.objects.db]
        with connection.cursor() as cursor:
            # The name is the partition's, made by partitions.partition_name, not input.
            cursor.execute(
                f'SELECT id, hash, chain_position FROM "{name}"'  # noqa: S608
                " WHERE chain_position IS NOT NULL ORDER BY chain_position DESC LIMIT 1"
            )
            newest = cursor.fetchone()
            cursor.execute(
                f'SELECT EXISTS (SELECT 1 FROM "{name}"),'  # noqa: S608
                f' EXISTS (SELECT 1 FROM "{name}" WHERE hash IS NULL)'
            )
            holds_events, unsealed = cursor.fetchone()
        if unsealed:
            raise ValueError(f"{name} holds events not yet sealed: run `audit verify` first.")
        if newest is None and holds_events:
            raise ValueError(f"{name} holds events sealed before the chain had positions.")
        if newest is None:
            return  # an empty month: the kept chain begins where it did
        origin = chain_origin()
        unkeyed = origin.unkeyed_start is not None
        problem, left_behind = _left_behind(newest[2], may_be_unkeyed=unkeyed)
        if problem:
            raise ValueError(f"The kept trail does not fit its seals: {problem.reason}.")
        origin.kept_from = asdict(
            sealing.Checkpoint(
                last_id=newest[0],
                head_hash=newest[1],
                count=newest[2],
                at=timezone.now().isoformat(),
                key_id=sealing.current_key_id(),
                database=str(origin.installation_id),
                left_behind=left_behind,
            ).signed()
        )
        origin.save(update_fields=["kept_from"])

    return partitions.detach_month(month, on_detached=record_where_the_kept_chain_begins)


@dataclass(frozen=True)
class _Part:
    """A run of the chain's stretches between checkpoints: from `begin` to `end` (a
    checkpoint, or None: to the head), held against the `checkpoints` on the way."""

    begin: sealing.Checkpoint
    checkpoints: list[sealing.Checkpoint]
    end: sealing.Checkpoint | None


def _parts(
    begin: sealing.Checkpoint, checkpoints: list[sealing.Checkpoint], count: int
) -> list[_Part]:
    """About `count` runs of about as many events each, cut at checkpoints: each run ends at
    a checkpoint, where the next begins, so none depends on another's result."""
    ordered = sorted(checkpoints, key=lambda c: c.count)
    if count < 2 or not ordered:
        return [_Part(begin, ordered, None)]
    size = (ordered[-1].count - begin.count) / count
    parts, first = [], begin
    for checkpoint in ordered[:-1]:
        if checkpoint.count - first.count >= size:
            inside = [c for c in ordered if first.count < c.count <= checkpoint.count]
            parts.append(_Part(first, inside, checkpoint))
            first = checkpoint
    parts.append(_Part(first, [c for c in ordered if c.count > first.count], None))
    return parts


def _verify_part(part: _Part, batch_size: int) -> Verification:
    end = part.end.count if part.end else None
    rows = _chain_after(part.begin.count, batch_size, up_to=end)
    return _verify_segment(part.begin, part.checkpoints, rows, end=part.end)


def _verify_part_apart(part: _Part, batch_size: int) -> Verification:
    """In a process of its own: a connection of its own, closed when done."""
    try:
        return _verify_part(part, batch_size)
    finally:
        connections.close_all()


def _verify_in_parts(
    begin: sealing.Checkpoint, checkpoints: list[sealing.Checkpoint], batch_size: int, workers: int
) -> Verification:
    """The chain from `begin` to the head, in `workers` parts, each in a process of its own
    where the processes can see what this one sees."""
    connection = connections[AccessEvent.objects.db]
    apart = workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block
    parts = _parts(begin, checkpoints, workers)
    if not apart:
        # Inside a transaction other processes would not see what it holds: one by one.
        results = [_verify_part(part, batch_size) for part in parts]
    else:
        # Forked, each child opens its own connection: none may inherit this one's socket.
        connections.close_all()
        forking = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(len(parts), mp_context=forking) as pool:
            results = list(pool.map(_verify_part_apart, parts, [batch_size] * len(parts)))
    checked = 0
    for result in results:
        if not result.ok:
            return replace(result, checked=checked + result.checked)
        checked += result.checked
    return Verification(checked)


def _verify_segment(
    begin: sealing.Checkpoint,
    checkpoints: list[sealing.Checkpoint],
    rows: Iterable[dict],
    unkeyed_start: sealing.Checkpoint | None = None,
    end: sealing.Checkpoint | None = None,
) -> Verification:
    """Recompute the chain's `rows` from the state `begin` records (the genesis, or a
    checkpoint) to the head, or to the checkpoint `end`, holding it against the
    `checkpoints` on the way. The count checked is of the rows recomputed."""
    unkeyed = unkeyed_start.count if unkeyed_start else 0
    keyed_from = (unkeyed_start.last_id, unkeyed_start.head_hash) if unkeyed_start else None
    expected = {c.last_id: c for c in checkpoints}
    previous, position, last_id = begin.head_hash, begin.count, begin.last_id
    for row in rows:
        checked = position - begin.count
        problem = _row_problem(row, previous, may_be_unkeyed=position < unkeyed)
        if problem:
            return Verification(checked, row["pk"], problem)
        previous, last_id = row["hash"], row["pk"]
        position += 1
        if position == unkeyed and keyed_from != (last_id, previous):
            why = "the events sealed before the chain was keyed, up to this one, were changed"
            return Verification(checked + 1, row["pk"], why)
        checkpoint = expected.pop(row["pk"], None)
        if checkpoint and (checkpoint.head_hash, checkpoint.count) != (previous, position):
            why = f"the checkpoint of {checkpoint.at} recorded another chain up to here"
            return Verification(checked + 1, row["pk"], why)
    checked = position - begin.count
    if position < unkeyed:
        why = f"{unkeyed - position} of the events sealed before the chain was keyed are missing"
        return Verification(checked, None, why)
    if expected:
        lost = min(expected.values(), key=lambda c: c.last_id)
        why = f"event {lost.last_id} of the checkpoint of {lost.at} is missing: events removed"
        return Verification(checked, None, why)
    if end is not None:
        # The run must end exactly where the next begins: nothing after its checkpoint.
        if (last_id, previous, position) != (end.last_id, end.head_hash, end.count):
            return Verification(
                checked, last_id, f"the chain does not end at the checkpoint of {end.at}"
            )
        return Verification(checked)
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead()
    if head.last_hash != previous or head.last_event_id != last_id:
        return Verification(checked, None, "the newest events are missing from the chain")
    return Verification(checked)


def _row_problem(row: dict, previous: str, may_be_unkeyed: bool) -> str:
    if row["previous_hash"] != previous:
        return "previous hash does not match: an event before it was removed or changed"
    if row["key_id"] == sealing.UNKEYED and not may_be_unkeyed:
        return "sealed without a key, in a chain that is keyed: it was forged"
    try:
        digest = event_digest(previous, row, row["key_id"])
    except sealing.UnknownKey:
        return f"sealed with the key {row['key_id']!r}, which this server does not have"
    if digest != row["hash"]:
        return "content does not match its seal: it was changed, or sealed without the key"
    return ""


def checkpoint() -> sealing.Checkpoint | None:
    """Seal what is waiting and write a signed checkpoint of the chain as it then stands
    (the worker: every 15 minutes)."""
    seal()
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or not head.last_event_id:
        return None
    database = str(chain_origin().installation_id)
    return sealing.write_checkpoint(head.last_event_id, head.last_hash, head.event_count, database)
