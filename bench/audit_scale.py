"""Benchmark: the audit trail at a hundred million events (not in CI).

Starts a PostgreSQL of its own (scripts/topology.py: no replica, no pooler, a database
server's memory), migrates it, makes `stegvis synth` people (care units, their staff, the
patients with their cases), then writes --events synthetic audit events spread over --years
years into the month partitions with COPY, one stream per core, as a restore would: the
trail's keys and indexes are dropped first and built after. Then it measures, on the page
or the function a person uses:

  1. a patient's "Who has seen my data" (GET /my-data/access/, the first and the last page),
  2. a unit manager's log review of a month, a random and a targeted sample
     (access.services.log_review_create),
  3. `audit verify --since` the last month's first day, from the checkpoint signed then, and
     a checkpoint,
  4. the next month's partition made, and the oldest month detached, archived with pg_dump
     and dropped, while audited writes and reads go on; what that does to their latency.

Only the last month is a true chain: each event sealed with the key and following the one
before, from a signed checkpoint at its start. The events before it carry hashes of the
same form that do not chain (computing 10^8 HMACs one after another would take as long as
the load again, and a verification from a checkpoint never reads them).

Usage: python bench/audit_scale.py [--events 100000000] [--years 10] [--patients 20000]
Needs about 700 bytes of disk per event (10^8: 70 GB); it checks before it starts.
"""

import argparse
import hashlib
import multiprocessing
import os
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from live_server import free_port, percentile, stegvis  # noqa: E402
from topology import Topology, _bin  # noqa: E402

BYTES_PER_EVENT = 700  # the row and its indexes (660 measured), and room to sort
AUDIT_KEY = "bench:audit-scale-benchmark-key-0123456789"
SERVER_SETTINGS = {
    "shared_buffers": "4GB",
    "effective_cache_size": "16GB",
    "maintenance_work_mem": "1GB",
    "max_parallel_maintenance_workers": "1",
    "work_mem": "32MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
    "random_page_cost": "1.1",
    # No standby here: the index builds then write no log, and the disk holds the trail.
    "wal_level": "minimal",
    "max_wal_senders": "0",
}
COLUMNS = (
    "id", "occurred_at", "actor_id", "actor_role", "actor_organisation_id", "patient_id",
    "category", "action", "outcome", "basis", "object_type", "object_id", "request_id",
    "via_app", "client_address", "previous_hash", "hash", "key_id", "chain_position",
)  # fmt: skip
OBJECTS = {
    "identity": "patient", "sick_leave": "certificate", "capacity": "case", "plan": "plan",
    "checkins": "checkin", "questionnaires": "questionnaire", "messages": "message",
    "meetings": "meeting", "clinical_notes": "note", "access_log": "access_log",
    "network": "consent",
}  # fmt: skip
CATEGORY_WEIGHTS = [12, 18, 8, 12, 15, 6, 14, 6, 5, 2, 2]


def month_starts(first: date, count: int) -> list[date]:
    months, month = [], first
    for _ in range(count):
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def stand_in_hash(event_id: int) -> str:
    """The hash of an event outside the true chain: of the same form, not chained."""
    return hashlib.sha256(b"audit-scale %d" % event_id).hexdigest()


# --- The load -------------------------------------------------------------------------------


class People:
    """The synth data's units, staff and patients, as the generator picks them."""

    def __init__(self, url: str):
        import psycopg

        with psycopg.connect(url) as db:
            cases = db.execute("SELECT DISTINCT patient_id, organisation_id FROM cases_case")
            self.patients = [(p, o) for p, o in cases]
            staff = db.execute(
                "SELECT user_id, organisation_id, role FROM accounts_membership"
                " WHERE role <> 'patient'"
            ).fetchall()
        self.staff_of: dict[int, list[tuple[int, str]]] = {}
        for user_id, organisation_id, role in staff:
            self.staff_of.setdefault(organisation_id, []).append((user_id, role))
        self.units = sorted(u for u in self.staff_of if any(o == u for _p, o in self.patients))
        # As COPY's text, made once.
        self.patient_texts = [(str(p), str(o)) for p, o in self.patients]
        self.unit_texts = [str(u) for u in self.units]
        self.staff_texts = {str(u): [(str(a), r) for a, r in s] for u, s in self.staff_of.items()}


NULL = "\\N"  # COPY's text format


def month_rows(people: People, rng: random.Random, month: date, first_id: int, count: int):
    """The month's events, oldest first: (id, the values of COLUMNS[1:15] as COPY's text).
    Built from strings made once per person: at 10^8 rows, every microsecond a row takes is
    a minute and a half of the load."""
    following = month_starts(month, 2)[1]
    seconds = (following - month).days * 86400
    days = [(month + timedelta(days=n)).isoformat() for n in range(31)]
    offsets = sorted(rng.random() * seconds for _ in range(count))
    categories = rng.choices(list(OBJECTS), CATEGORY_WEIGHTS, k=count)
    random_, choice, bits = rng.random, rng.choice, rng.getrandbits
    for index, offset in enumerate(offsets):
        whole = int(offset)
        day, rest = divmod(whole, 86400)
        at = (
            f"{days[day]} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"
            f".{int((offset - whole) * 1e6):06d}+00:00"
        )
        patient, unit = choice(people.patient_texts)
        draw = random_()
        outcome, address = "allowed", f"10.{bits(8)}.0.{index % 250 + 1}"
        if draw < 0.72:  # the care team at the patient's unit
            actor, role = choice(people.staff_texts[unit])
            organisation, basis = unit, "care:named"
        elif draw < 0.87:  # the patient herself
            actor, role, organisation, basis = patient, "patient", NULL, "self"
        elif draw < 0.95:  # the worker's notices
            actor, role, organisation, basis = NULL, "system", NULL, "checkin_reminder"
            address = NULL
        else:  # another unit: by consent, established care, or refused
            organisation = choice(people.unit_texts)
            actor, role = choice(people.staff_texts[organisation])
            basis = "consent:fk" if draw < 0.96 else "care:established"
            if draw > 0.99:
                outcome, basis = "denied", "no_relation"
        category = categories[index]
        action = "view" if draw < 0.8 or role == "system" else "update"
        yield first_id + index, (
            at, actor, role, organisation, patient, category, action, outcome, basis,
            OBJECTS[category], str(bits(23)), f"{bits(128):032x}", "", address,
        )  # fmt: skip


def sealed_values(fields: tuple) -> dict:
    """The values the seal covers, typed as the database gives them back."""
    values = dict(zip(COLUMNS[1:15], fields, strict=True))
    for name, value in values.items():
        values[name] = None if value == NULL else value
    # People are named by UUIDs (canonical as text), units by numbers.
    if values["actor_organisation_id"] is not None:
        values["actor_organisation_id"] = int(values["actor_organisation_id"])
    values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
    return values


def load_months(
    url: str, people: People, plan, chained: date, chain_start: int, seed: int, progress
) -> None:
    """One COPY stream: each (month, first id, count) of `plan` straight into its partition.
    The month `chained` is sealed for real (with the key in the Django settings), and where
    the worker would have written a checkpoint its (last id, hash, count, time) goes to
    `progress` with the counts."""
    import psycopg

    from stegvis.audit.audit import event_digest
    from stegvis.audit.partitions import partition_name

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SET synchronous_commit = off")
        for month, first_id, count in plan:
            rng = random.Random(seed * 100_003 + first_id)
            previous = stand_in_hash(first_id - 1) if first_id > chain_start else "0" * 64
            lines, checkpoints, quarter = [], [], None
            sql = f"COPY {partition_name(month)} ({', '.join(COLUMNS)}) FROM STDIN"
            with db.cursor() as cursor, cursor.copy(sql) as copy:
                for event_id, fields in month_rows(people, rng, month, first_id, count):
                    if month == chained:
                        digest = event_digest(previous, sealed_values(fields), "bench")
                    else:
                        digest = stand_in_hash(event_id)
                    position = event_id - chain_start + 1
                    if month == chained and fields[0][:15] != quarter:
                        # Every ten minutes of the month (the worker writes one every 15).
                        if quarter is not None:
                            checkpoints.append((event_id - 1, previous, position - 1, fields[0]))
                        quarter = fields[0][:15]
                    lines.append(
                        f"{event_id}\t{'\t'.join(fields)}\t{previous}\t{digest}\tbench\t{position}"
                    )
                    previous = digest
                    if len(lines) == 5000:
                        copy.write("\n".join(lines) + "\n")
                        lines.clear()
                if lines:
                    copy.write("\n".join(lines) + "\n")
            if checkpoints:
                progress.put(checkpoints)
            progress.put(count)


# --- Keys and indexes dropped for the load and built after ----------------------------------


def trail_keys_and_indexes(db) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    constraints = db.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'access_accessevent'::regclass AND contype IN ('p', 'u', 'f')"
        " ORDER BY contype DESC"  # the primary key first, the foreign keys last
    ).fetchall()
    indexes = db.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid = 'access_accessevent'::regclass AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
    ).fetchall()
    return constraints, indexes


# --- Measuring ------------------------------------------------------------------------------


def timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def median_of(runs: int, function) -> tuple[float, float]:
    """(the first run, the median of the others) in seconds: cold, then warm."""
    times = [timed(function)[0] for _ in range(runs)]
    return times[0], statistics.median(times[1:])


class Load:
    """Audited writes and reads while partitions are made and detached: each thread appends
    one event (a page view's) and reads a patient's newest 50 (her access log's first
    page), timing each."""

    def __init__(self, people: People, threads: int = 4):
        self.people, self.threads = people, threads
        self.samples: list[tuple[float, float]] = []  # (when it ended, seconds it took)
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.failures: list[str] = []

    def _run(self, seed: int) -> None:
        from django.db import connections

        from stegvis.access.selectors import access_events_of
        from stegvis.audit import audit
        from stegvis.audit.models import AccessEvent

        rng = random.Random(seed)
        try:
            while not self.stopping.is_set():
                patient, unit = rng.choice(self.people.patients)
                actor, role = rng.choice(self.people.staff_of[unit])
                start = time.perf_counter()
                audit.append(
                    [
                        audit.new_event(
                            actor_id=actor,
                            actor_role=role,
                            actor_organisation_id=unit,
                            patient_id=patient,
                            category="plan",
                            action="view",
                            outcome="allowed",
                            basis="care:named",
                            object_type="plan",
                            object_id=patient,
                        )
                    ]
                )
                list(access_events_of(AccessEvent(patient_id=patient).patient)[:50])
                ended = time.perf_counter()
                with self.lock:
                    self.samples.append((ended, ended - start))
        except Exception as error:  # counted and printed: the figure that matters
            self.failures.append(repr(error))
        finally:
            connections.close_all()

    def start(self) -> None:
        self.workers = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(self.threads)
        ]
        for worker in self.workers:
            worker.start()

    def stop(self) -> None:
        self.stopping.set()
        for worker in self.workers:
            worker.join()

    def between(self, start: float, end: float) -> list[float]:
        return sorted(s for t, s in self.samples if start <= t <= end)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# --- The run --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--streams", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    needed = args.events * BYTES_PER_EVENT
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if needed > free * 0.9:
        raise SystemExit(
            f"{args.events} events need about {needed / 1e9:.0f} GB of disk; "
            f"{free / 1e9:.0f} GB are free"
        )

    topology = Topology((free_port(), free_port(), free_port()), settings=SERVER_SETTINGS)
    topology.start(replica=False, pooler=False)
    try:
        run(topology, args)
    finally:
        topology.stop()


def run(topology: Topology, args) -> None:
    var = Path(tempfile.mkdtemp(prefix="stegvis-audit-scale-"))
    os.environ.update({
        "DATABASE_URL": topology.primary_url, "STEGVIS_VAR_DIR": str(var), "DEBUG": "0",
        "STEGVIS_DEMO": "1", "STEGVIS_HTTPS": "0", "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "audit-scale-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "STEGVIS_AUDIT_KEYS": AUDIT_KEY, "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "stegvis.settings",
    })  # fmt: skip
    figures: list[tuple[str, str, str]] = []  # (what, measured, target or note)

    def report(what: str, measured: str, note: str = "") -> None:
        figures.append((what, measured, note))
        print(f"  {what}: {measured} {note}", flush=True)

    print(f"PostgreSQL {topology.primary_url}; settings {SERVER_SETTINGS}", flush=True)
    stegvis(dict(os.environ), "migrate", "--no-input", "-v0")
    stegvis(dict(os.environ), "collectstatic", "--no-input", "-v0")  # the pages measured
    took, _ = timed(stegvis, dict(os.environ), "synth", "--patients", str(args.patients))
    print(f"synth: {args.patients} patients in {took:.0f} s", flush=True)

    import django

    django.setup()
    import psycopg
    from django.db import connection, connections

    from stegvis.audit import audit, partitions, sealing
    from stegvis.audit.models import AuditChainHead

    people = People(topology.primary_url)
    today = datetime.now(UTC).date()
    months = month_starts(date(today.year - args.years, today.month, 1), args.years * 12)
    per_month = args.events // len(months)
    chained = months[-1]
    partitions.ensure_partitions(today=today, since=months[0])
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM access_accessevent")
        chain_start = cursor.fetchone()[0] + 1
    plan = [(m, chain_start + i * per_month, per_month) for i, m in enumerate(months)]
    total = per_month * len(months)
    print(
        f"{total} events: {len(months)} months from {months[0]:%Y-%m} to {chained:%Y-%m}, "
        f"{per_month} a month, {len(people.patients)} patients at {len(people.units)} units; "
        f"{total / len(people.patients):.0f} events a patient",
        flush=True,
    )

    with psycopg.connect(topology.primary_url, autocommit=True) as db:
        constraints, indexes = trail_keys_and_indexes(db)
        for name, _definition in constraints[::-1]:
            db.execute(f'ALTER TABLE access_accessevent DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            db.execute(f'DROP INDEX "{name}"')

    connections.close_all()  # the streams are forked
    progress = multiprocessing.Queue()
    streams = [
        multiprocessing.Process(
            target=load_months,
            args=(
                topology.primary_url,
                people,
                plan[n :: args.streams],
                chained,
                chain_start,
                args.seed,
                progress,
            ),
        )
        for n in range(args.streams)
    ]
    started = time.perf_counter()
    for stream in streams:
        stream.start()
    loaded, month_checkpoints = 0, []
    while loaded < total:
        try:
            got = progress.get(timeout=10)
        except queue.Empty:
            if any(stream.exitcode for stream in streams):
                raise SystemExit("a COPY stream failed") from None
            continue
        if isinstance(got, list):
            month_checkpoints = got
            continue
        loaded += got
        elapsed = time.perf_counter() - started
        print(f"  loaded {loaded} ({loaded / elapsed:.0f} events/s)", flush=True)
    for stream in streams:
        stream.join()
        if stream.exitcode:
            raise SystemExit("a COPY stream failed")
    load_seconds = time.perf_counter() - started
    report(
        "COPY of the events",
        f"{load_seconds:.0f} s",
        f"({total / load_seconds:.0f} events/s, {args.streams} streams)",
    )

    with psycopg.connect(topology.primary_url, autocommit=True) as db:
        build = time.perf_counter()
        for name, definition in constraints:
            took, _ = timed(
                db.execute, f'ALTER TABLE access_accessevent ADD CONSTRAINT "{name}" {definition}'
            )
            print(f"  {name}: {took:.0f} s", flush=True)
        for name, definition in indexes:
            # As defined on the parent ("ON ONLY"), it would be built on no partition.
            took, _ = timed(db.execute, definition.replace(" ON ONLY ", " ON "))
            print(f"  {name}: {took:.0f} s", flush=True)
        report("keys and indexes built", f"{time.perf_counter() - build:.0f} s")
        took, _ = timed(db.execute, "ANALYZE access_accessevent")
        db.execute(
            "SELECT setval(pg_get_serial_sequence('access_accessevent', 'id'), %s)",
            [chain_start + total],
        )
        size = db.execute(
            "SELECT pg_total_relation_size(c.oid) FROM pg_class c WHERE c.relname = %s",
            [partitions.partition_name(chained)],
        ).fetchone()[0]
        whole = db.execute(
            "SELECT SUM(pg_total_relation_size(inhrelid)) FROM pg_inherits"
            " WHERE inhparent = 'access_accessevent'::regclass"
        ).fetchone()[0]
    report(
        "the trail on disk",
        f"{float(whole) / 1e9:.1f} GB",
        f"(a month {size / 1e6:.0f} MB with its indexes)",
    )

    # The chain's head after the load, and the checkpoint signed at the last month's start.
    last_id = chain_start + total - 1
    AuditChainHead.objects.update_or_create(pk=1, defaults={
        "last_hash": _last_hash(last_id), "last_event_id": last_id, "event_count": total,
    })  # fmt: skip
    before = plan[-1][1] - 1
    sealing.checkpoint_path().parent.mkdir(parents=True, exist_ok=True)
    with sealing.checkpoint_path().open("a") as out:
        import json
        from dataclasses import asdict

        start_checkpoint = sealing.Checkpoint(
            last_id=before,
            head_hash=stand_in_hash(before),
            count=before - chain_start + 1,
            at=datetime(chained.year, chained.month, 1, tzinfo=UTC).isoformat(),
            key_id="bench",
            database=str(audit.chain_origin().installation_id),
        ).signed()
        out.write(json.dumps(asdict(start_checkpoint)) + "\n")
        for last_id, head_hash, count, at in month_checkpoints:
            written = sealing.Checkpoint(
                last_id=last_id,
                head_hash=head_hash,
                count=count,
                at=datetime.fromisoformat(at).isoformat(),
                key_id="bench",
                database=start_checkpoint.database,
            ).signed()
            out.write(json.dumps(asdict(written)) + "\n")

    measure_access_log(people, report)
    measure_log_review(months, report)
    # Just after the checkpoint at the month's start: the whole month is verified.
    since = datetime(chained.year, chained.month, 1, tzinfo=UTC) + timedelta(seconds=1)
    for workers in sorted({1, os.cpu_count() or 1}):
        took, result = timed(audit.verify, since=since, workers=workers)
        if not result.ok:
            raise SystemExit(f"the chain did not verify: {result}")
        report(
            f"audit verify --since, the last month, {workers} process(es)",
            f"{took:.1f} s",
            f"({result.checked} events, {result.checked / took:.0f} a second, "
            f"{result.checkpoints} checkpoints; target < 60 s)",
        )
    took, written = timed(audit.checkpoint)
    report(
        "audit checkpoint", f"{took * 1000:.0f} ms", f"(count {written.count if written else '-'})"
    )
    measure_partition_work(topology, people, months[0], today, report)

    print("\n| figure | measured | |\n|---|---|---|")
    for what, measured, note in figures:
        print(f"| {what} | {measured} | {note} |")


def _last_hash(event_id: int) -> str:
    from stegvis.audit.models import AccessEvent

    return AccessEvent.objects.filter(pk=event_id).values_list("hash", flat=True).get()


def measure_access_log(people: People, report) -> None:
    """The page as the patient reads it: signed in, in her browser's stead."""
    from django.test import Client

    from stegvis.audit.models import AccessEvent

    rng = random.Random(7)
    warm_up, *measured = rng.sample(people.patients, 4)
    # The process's first page loads Django's URLs, templates and catalogues: not the data's.
    client = Client()
    client.force_login(AccessEvent(patient_id=warm_up[0]).patient)
    client.get("/my-data/access/")
    for patient_id, _unit in measured:
        client = Client()
        client.force_login(AccessEvent(patient_id=patient_id).patient)
        count = AccessEvent.objects.filter(patient_id=patient_id).count()
        five_years = AccessEvent.objects.filter(
            patient_id=patient_id, occurred_at__gte=datetime.now(UTC) - timedelta(days=5 * 365)
        ).count()
        last = -(-count // 50)

        def page(number=1, client=client):
            response = client.get(f"/my-data/access/?own=1&page={number}")
            assert response.status_code == 200, response.status_code

        cold, warm = median_of(6, page)
        _cold, deep = median_of(4, lambda number=last: page(number))
        report(
            f"Who has seen my data, a patient with {count} events ({five_years} in five years)",
            f"first page {ms(cold)} cold, {ms(warm)} warm; last page {ms(deep)}",
            "(target < 1 s)",
        )


def measure_log_review(months: list[date], report) -> None:
    """A unit manager's review of the last month, and of the last three (a unit of a
    region's size, some 40 000 events a month, is a quarter here at 10^8 over ten years)."""
    from stegvis.access.models import ReviewKind
    from stegvis.access.services import log_review_create
    from stegvis.accounts.models import Membership

    manager = (
        Membership.objects.filter(role="unit_manager")
        .select_related("organisation", "user")
        .first()
    )
    end = month_starts(months[-1], 2)[1] - timedelta(days=1)
    samples = ((ReviewKind.RANDOM, {}), (ReviewKind.TARGETED, {"outside_unit": True}))
    for label, start in (("a month", months[-1]), ("three months", months[-3])):
        for kind, criteria in samples:
            took, review = timed(
                log_review_create,
                reviewer=manager.user,
                organisation=manager.organisation,
                kind=kind,
                start=start,
                end=end,
                sample_size=50,
                criteria=criteria,
            )
            report(
                f"log review of {label} at a unit, {kind} sample",
                f"{took * 1000:.0f} ms",
                f"({review.events.count()} events; target < 2 s)",
            )


def measure_partition_work(
    topology: Topology, people: People, oldest: date, today: date, report
) -> None:
    from django.db import connection

    from stegvis.audit import audit, partitions

    load = Load(people)
    load.start()
    time.sleep(10)
    steps = []

    def step(name, function):
        start = time.perf_counter()
        function()
        steps.append((name, start, time.perf_counter()))
        time.sleep(5)

    ahead = month_starts(today.replace(day=1), partitions.MONTHS_AHEAD + 2)[-1]
    step("the next month's partition made", lambda: partitions.ensure_partitions(today=ahead))
    step("the oldest month detached", lambda: audit.detach_oldest_month(oldest))
    name = partitions.partition_name(oldest)
    archive = Path(tempfile.mkdtemp()) / f"{name}.dump"
    step(
        "the oldest month archived (pg_dump -Fc)",
        lambda: subprocess.run(
            [_bin("pg_dump"), "-Fc", "-t", name, "-f", str(archive), topology.primary_url],
            check=True,
        ),
    )
    with connection.cursor() as cursor:
        step("the oldest month dropped", lambda: cursor.execute(f'DROP TABLE "{name}"'))
    load.stop()
    if load.failures:
        raise SystemExit(f"the load failed: {load.failures[:3]}")
    begun = min(t for t, _s in load.samples)
    baseline = load.between(begun, steps[0][1])
    report(
        "the load before (append + a patient's newest 50)",
        f"p50 {ms(percentile(baseline, 50))}, p99 {ms(percentile(baseline, 99))}",
        f"({len(baseline) / (steps[0][1] - begun):.0f} a second)",
    )
    for label, start, end in steps:
        during = load.between(start, end + 0.5)
        slowest = max(during, default=float("nan"))
        report(
            label,
            f"{(end - start) * 1000:.0f} ms",
            f"(the load meanwhile: {len(during)} done, the slowest {slowest * 1000:.0f} ms)",
        )
    report("the archive", f"{archive.stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
