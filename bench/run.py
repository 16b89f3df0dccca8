"""Benchmark: throughput and latency of four hot paths, audit writes included.

For SQLite, and for PostgreSQL when one answers on 127.0.0.1:5432 (or BENCH_POSTGRES_URL):
migrate a fresh database, load `stegvis synth` data, start gunicorn, then send requests from
a pool of threads for a fixed time to
  - the staff caseload page, sorted by next deadline (GET / as a rehabilitation coordinator;
    its query count is printed too),
  - a case's timeline page (GET /cases/{id}/ as the coordinator),
  - the patient home page (GET / as a patient),
  - GET /api/v1/patients/{id} with a personal access token (a physician),
and print requests per second with p50/p95 latency. Only loopback is contacted.

Usage: python bench/run.py [--patients 10000] [--seconds 15] [--concurrency 8] [--workers 4]
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The people a benchmark acts as, from synth's data: a coordinator, a physician of the same
# unit with a read token (`raw`), and one of their patients. Starts every setup script.
PEOPLE_SCRIPT = """
import json
import django
django.setup()
from django.test import Client
from stegvis.accounts.models import Membership, PersonalAccessToken, User

coordinator = Membership.objects.filter(role="rehab_coordinator").order_by("pk").first().user
physician = Membership.objects.filter(
    role="physician", organisation=Membership.objects.get(user=coordinator).organisation
).first().user
patient = Membership.objects.filter(
    role="patient", organisation__memberships__user=coordinator
).order_by("pk").first().user
_token, raw = PersonalAccessToken.issue(user=physician, name="bench", scope="read", days=1)
"""

SETUP_SCRIPT = (
    PEOPLE_SCRIPT
    + """
def session_cookie(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value

from django.db import connection
from django.test.utils import CaptureQueriesContext
from stegvis.cases.models import Case
client = Client()
client.force_login(coordinator)
with CaptureQueriesContext(connection) as caseload_queries:
    assert client.get("/", HTTP_HOST="127.0.0.1").status_code == 200
case_id = Case.objects.filter(patient=patient).values_list("pk", flat=True).first()
print(json.dumps({
    "caseload_queries": len(caseload_queries),
    "case_id": str(case_id),
    "staff_cookie": session_cookie(coordinator),
    "patient_cookie": session_cookie(patient),
    "token": raw,
    "patient_id": str(patient.pk),
}))
"""
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url() -> str | None:
    url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres:postgres@127.0.0.1:5432")
    try:
        import psycopg

        with psycopg.connect(f"{url}/postgres", connect_timeout=2, autocommit=True) as conn:
            name = f"stegvis_bench_{uuid.uuid4().hex[:8]}"
            conn.execute(f'CREATE DATABASE "{name}"')
    # Whatever goes wrong (no driver, no server, no rights), the benchmark runs on SQLite.
    except Exception as error:
        print(f"PostgreSQL not available ({error.__class__.__name__}); SQLite only.")
        return None
    return f"{url}/{name}"


def drop_postgres(database_url: str) -> None:
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(cmd: list[str], env: dict) -> str:
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout


def load(port: int, path: str, headers: dict, seconds: float, concurrency: int) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
            elapsed = time.perf_counter() - start
            connection.close()
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / seconds,
        "p50_ms": quantiles[49] * 1000,
        "p95_ms": quantiles[94] * 1000,
    }


def bench_env(database_url: str) -> dict:
    """The environment of a benchmark's servers and commands, on a fresh var directory."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stegvis.settings",
        "DATABASE_URL": database_url,
        "STEGVIS_VAR_DIR": str(Path(tempfile.mkdtemp(prefix="stegvis-bench-"))),
        "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
        "STEGVIS_HTTPS": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }


def prepare(env: dict, patients: int) -> None:
    """Migrate, collect the static files and load `patients` synthetic patients."""
    stegvis = [sys.executable, "-m", "stegvis"]
    run([*stegvis, "migrate", "-v0"], env)
    run([*stegvis, "collectstatic", "--no-input", "-v0"], env)
    started = time.perf_counter()
    # Synthetic data may only be written in demo mode; the server itself runs without it.
    synth = [*stegvis, "synth", "--patients", str(patients), "--seed", "1"]
    print(run(synth, {**env, "STEGVIS_DEMO": "1"}).strip())
    print(f"  synth took {time.perf_counter() - started:.1f} s")


def serve(app: str, env: dict, workers: int, cwd: Path = ROOT) -> tuple[subprocess.Popen, int]:
    """`app` under gunicorn with `workers` sync workers on a free port, once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(workers), "--log-level", "warning"),
        ],
        env={**env, "PYTHONPATH": f"{cwd}:{ROOT}"},
        cwd=cwd,
    )
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"{app} did not start")


def each_database(bench, args) -> None:
    """`bench(label, database_url, args)` on SQLite, then on PostgreSQL when one answers."""
    tmp = Path(tempfile.mkdtemp(prefix="stegvis-bench-sqlite-"))
    bench("SQLite", f"sqlite:///{tmp / 'bench.sqlite3'}", args)
    url = postgres_url()
    if url:
        try:
            bench("PostgreSQL", url, args)
        finally:
            drop_postgres(url)


def bench_database(label: str, database_url: str, args) -> list[tuple]:
    env = bench_env(database_url)
    prepare(env, args.patients)
    secrets = json.loads(run([sys.executable, "-c", SETUP_SCRIPT], env))
    server, port = serve("stegvis.wsgi", env, args.workers)
    try:
        queries = secrets["caseload_queries"]
        print(f"  {label:<10} caseload page with deadlines: {queries} queries per request")
        staff = {"Cookie": f"sessionid={secrets['staff_cookie']}"}
        targets = [
            ("staff caseload  GET /", "/", staff),
            ("case timeline   GET /cases/{id}/", f"/cases/{secrets['case_id']}/", staff),
            ("patient home    GET /", "/", {"Cookie": f"sessionid={secrets['patient_cookie']}"}),
            (
                "API patient     GET /api/v1/patients/{id}",
                f"/api/v1/patients/{secrets['patient_id']}",
                {"Authorization": f"Bearer {secrets['token']}"},
            ),
        ]
        rows = []
        for name, path, headers in targets:
            load(port, path, headers, 2, args.concurrency)  # warm-up
            result = load(port, path, headers, args.seconds, args.concurrency)
            rows.append((label, name, result))
            print(
                f"  {label:<10} {name:<42} {result['rps']:7.1f} req/s  "
                f"p50 {result['p50_ms']:6.1f} ms  p95 {result['p95_ms']:6.1f} ms  "
                f"errors {result['errors']}"
            )
        return rows
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    print(
        f"Stegvis benchmark: {args.patients} patients, {args.workers} gunicorn workers, "
        f"{args.concurrency} client threads, {args.seconds:.0f} s per endpoint, "
        f"{os.cpu_count()} CPUs (client and server share them)."
    )
    each_database(bench_database, args)


if __name__ == "__main__":
    main()
