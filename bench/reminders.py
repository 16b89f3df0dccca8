"""Benchmark: 100 000 due check-in reminders dispatched by one worker and by two.

Runs on PostgreSQL (where workers claim with SKIP LOCKED): makes a throw-away database
on the server at --server (default postgres://postgres@127.0.0.1:5432), fills it with due
reminders (each with its e-mail in the outbox), and times the outbox worker
(`outbox_dispatch`, the one delivery pipeline) in one process, then in two at once.
Mail goes through Django's dummy backend, so the figures are Stegvis's own work: claiming,
rendering each e-mail in the patient's language, the delivery log and the audit events.
Prints the throughput of each run and their ratio, and checks that nothing was sent twice.

With --pooler it starts a PostgreSQL of its own with PgBouncer in transaction pooling in
front (scripts/topology.py, as the topology drill) and the workers go through the pooler:
`--pooler --reminders 1000000 --workers 2` is ten times a region's busiest hour.

Usage: python bench/reminders.py [--reminders 100000] [--batch 200] [--pooler] [--workers 1,2]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stegvis.settings")
os.environ.setdefault("STEGVIS_VAR_DIR", tempfile.mkdtemp(prefix="stegvis-bench-"))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["EMAIL_URL"] = "dummymail://"
OCCASIONS_PER_PATIENT = 5


def worker(start_at: float, batch: int) -> None:
    """One worker process: set up, wait for the common start, dispatch, report."""
    import django

    django.setup()
    from django.urls import reverse
    from django.utils import timezone

    from stegvis.notifications.outbox import outbox_dispatch

    reverse("home")  # the URLconf loaded before the clock starts, as a running worker has it
    time.sleep(max(0.0, start_at - time.time()))
    sent = outbox_dispatch(timezone.now(), batch_size=batch)
    print(f"{sent} {time.time()}", flush=True)


def build(total: int, chunk: int = 100_000) -> None:
    """`total` due reminders, made `chunk` at a time (a million at once would hold every
    object in memory)."""
    for start in range(0, total, chunk):
        _build(start, min(chunk, total - start))


def _build(start: int, count: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from stegvis.accounts.models import User
    from stegvis.coaching.models import Reminder
    from stegvis.notifications.models import OutboxKind, OutboxMessage

    now = timezone.now()
    first = start // OCCASIONS_PER_PATIENT
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(email=f"p{i}@bench.invalid", given_name=f"P{i}", password=unusable)
            for i in range(first, first + count // OCCASIONS_PER_PATIENT)
        ],
        batch_size=5000,
    )
    due_at, expires_at = now - timedelta(minutes=1), now + timedelta(hours=10)
    reminders = Reminder.objects.bulk_create(
        [
            Reminder(
                patient=user,
                occasion_on=(now - timedelta(days=day)).date(),
                due_at=due_at,
                expires_at=expires_at,
            )
            for user in users
            for day in range(OCCASIONS_PER_PATIENT)
        ],
        batch_size=5000,
    )
    messages = OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                recipient_id=r.patient_id,
                kind=OutboxKind.CHECKIN_REMINDER,
                object_id=str(r.pk),
                channel="email",
                status="pending",
                dedupe_key=f"reminder:{r.pk}:email",
                next_attempt_at=due_at,
                expires_at=expires_at,
            )
            for r in reminders
        ],
        batch_size=5000,
    )
    # Each reminder linked to its message in one statement: bulk_update's CASE over every
    # 5 000 took 27 minutes for a million.
    links = [
        (message.pk, reminder.pk) for reminder, message in zip(reminders, messages, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE coaching_reminder SET delivery_id = link.message"
            " FROM unnest(%s::uuid[], %s::uuid[]) AS link(message, reminder)"
            " WHERE coaching_reminder.id = link.reminder",
            [[m for m, _r in links], [r for _m, r in links]],
        )


def reset() -> None:
    from stegvis.notifications.models import OutboxMessage

    OutboxMessage.objects.update(status="pending", claim_token=None, claimed_at=None, sent_at=None)


SPIN = """
import time
started = time.perf_counter()
for _ in range(20_000_000):
    pass
print(time.perf_counter() - started)
"""


def machine_scaling() -> float:
    """How much more two busy Python processes get done than one on this machine: the
    ceiling of the two workers' ratio (two hyperthreads of one core give about 1.5)."""
    alone = float(subprocess.run([sys.executable, "-c", SPIN], capture_output=True, text=True,
                                 check=True).stdout)  # fmt: skip
    pair = [subprocess.Popen([sys.executable, "-c", SPIN], stdout=subprocess.PIPE, text=True)
            for _ in range(2)]  # fmt: skip
    together = max(float(p.communicate()[0]) for p in pair)
    return 2 * alone / together


def run_workers(count: int, batch: int, env: dict) -> tuple[int, float]:
    start_at = time.time() + 3
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(start_at), "--batch", str(batch)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    results = [p.communicate()[0].split() for p in processes]
    if any(p.returncode for p in processes):
        raise SystemExit("a worker failed")
    sent = sum(int(r[0]) for r in results)
    return sent, max(float(r[1]) for r in results) - start_at


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--pooler",
        action="store_true",
        help="as the topology drill: a PostgreSQL of its own, the workers through PgBouncer",
    )
    parser.add_argument("--workers", default="1,2", help="the runs: how many workers in each")
    parser.add_argument("--worker", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.batch)
        return

    import psycopg

    topology = None
    if args.pooler:
        sys.path.insert(0, str(ROOT / "scripts"))
        from live_server import free_port
        from topology import Topology

        topology = Topology((free_port(), free_port(), free_port()))
        topology.start(replica=False)
        os.environ["DATABASE_URL"] = topology.primary_url
        env = {**os.environ, "DATABASE_URL": topology.pooler_url, "DATABASE_POOLED": "1"}
    else:
        name = f"stegvis_bench_{uuid.uuid4().hex[:8]}"
        admin = f"{args.server}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env = {**os.environ, "DATABASE_URL": f"{args.server}/{name}"}
        os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    runs = [int(count) for count in args.workers.split(",")]
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from stegvis.notifications.models import DeliveryEvent

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        build(args.reminders)
        # As autovacuum does within a minute of such a load. Without it the planner, still
        # counting an empty outbox, sorts every due row on each claim: 100 ms, not 2.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"{args.reminders} due reminders made in {time.perf_counter() - started:.1f} s")
        figures = {}
        for count in runs:
            reset()
            sent, seconds = run_workers(count, args.batch, env)
            assert sent == args.reminders, (sent, args.reminders)
            figures[count] = sent / seconds
            print(f"{count} worker(s): {sent} sent in {seconds:.1f} s = {figures[count]:.0f}/s")
        sent_events = DeliveryEvent.objects.filter(kind="sent").count()
        assert sent_events == len(runs) * args.reminders, "a reminder sent twice or not at all"
        print("none sent twice")
        if 1 in figures and 2 in figures:
            print(f"Two workers / one worker: {figures[2] / figures[1]:.2f} times")
        print(f"Two busy Python processes / one on this machine: {machine_scaling():.2f} times")
    finally:
        from django.db import connections

        connections.close_all()
        if topology:
            topology.stop()
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
