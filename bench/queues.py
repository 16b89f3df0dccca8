"""Benchmark: the task queue under the drill's topology, Stegvis's django-tasks-db against
procrastinate, on the same jobs.

Starts a PostgreSQL of its own with PgBouncer in transaction pooling in front
(scripts/topology.py). Fills the outbox with --jobs due e-mails and queues one job per
e-mail that sends it, as `dispatch_urgent_task` does for an urgent notice: the queue's own
cost per job is what differs. Then two workers of each queue, through the pooler, run every
job and exit: `stegvis worker --batch` (django-tasks-db), and procrastinate's worker with
`wait=False` and `listen_notify=False` (LISTEN does not pass a pooler in transaction mode).
Prints jobs a second for each and checks, by the outbox's delivery log, that every e-mail was
sent once. Mail goes through Django's dummy backend.

Usage: python bench/queues.py [--jobs 20000]   (needs the bench extra: pip install -e '.[bench]')
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stegvis.settings")
os.environ.setdefault("STEGVIS_VAR_DIR", tempfile.mkdtemp(prefix="stegvis-bench-"))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["EMAIL_URL"] = "dummymail://"
QUEUE = "bench"


def procrastinate_app(url: str):
    import procrastinate

    # No prepared statements: PgBouncer before 1.21 cannot keep them across a pool.
    connector = procrastinate.PsycopgConnector(conninfo=url, kwargs={"prepare_threshold": None})
    app = procrastinate.App(connector=connector)

    @app.task(name="send_one", queue=QUEUE)
    def send_one(message_id: str) -> None:
        from django.db import close_old_connections

        from stegvis.notifications.outbox import outbox_dispatch

        outbox_dispatch(only_ids=[message_id])
        close_old_connections()

    return app, send_one


def procrastinate_worker(url: str) -> None:
    import django

    django.setup()
    app, _send_one = procrastinate_app(url)
    with app.open():
        app.run_worker(queues=[QUEUE], wait=False, listen_notify=False, concurrency=1)


def timed(commands: list[list[str]], env: dict) -> float:
    started = time.perf_counter()
    processes = [subprocess.Popen(command, env=env, cwd=ROOT) for command in commands]
    if any(process.wait() for process in processes):
        raise SystemExit("a worker failed")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--procrastinate-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.procrastinate_worker:
        procrastinate_worker(args.procrastinate_worker)
        return

    from live_server import free_port
    from reminders import build, reset
    from topology import Topology

    topology = Topology((free_port(), free_port(), free_port()))
    topology.start(replica=False)
    os.environ["DATABASE_URL"] = topology.primary_url
    env = {**os.environ, "DATABASE_URL": topology.pooler_url, "DATABASE_POOLED": "1"}
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from stegvis.notifications.models import DeliveryEvent, OutboxMessage
        from stegvis.notifications.tasks import dispatch_urgent_task

        call_command("migrate", verbosity=0)
        build(args.jobs)
        ids = [str(pk) for pk in OutboxMessage.objects.values_list("pk", flat=True)]
        figures = {}

        for pk in ids:
            dispatch_urgent_task.enqueue([pk])
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        stegvis = [str(ROOT / ".venv" / "bin" / "stegvis"), "worker", "--batch", "--no-schedule",
                   "--no-startup-delay", "--interval", "0.1"]  # fmt: skip
        figures["django-tasks-db"] = args.jobs / timed([stegvis, stegvis], env)

        reset()
        app, send_one = procrastinate_app(topology.primary_url)
        with app.open():
            app.schema_manager.apply_schema()
            for pk in ids:
                send_one.defer(message_id=pk)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        worker = [sys.executable, __file__, "--procrastinate-worker", topology.pooler_url]
        figures["procrastinate"] = args.jobs / timed([worker, worker], env)

        sent = DeliveryEvent.objects.filter(kind="sent").count()
        assert sent == 2 * args.jobs, f"{sent} sent of {2 * args.jobs}: one twice or not at all"
        for name, per_second in figures.items():
            print(f"{name}: {args.jobs} jobs, each sending one e-mail, by two workers "
                  f"through PgBouncer: {per_second:.0f} jobs/s")  # fmt: skip
        print("every e-mail sent once in each run")
    finally:
        from django.db import connections

        connections.close_all()
        topology.stop()


if __name__ == "__main__":
    main()
