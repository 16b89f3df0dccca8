"""Soak: a steady, bounded load of mixed reads and writes against gunicorn on loopback.

    make soak                      # 30 minutes at 20 requests a second
    .venv/bin/python scripts/soak.py --minutes 5 --rate 40

On a fresh database (PostgreSQL when DATABASE_URL names an empty one, else SQLite) with the
demo loaded, a physician, a coordinator and a patient read and write through the API (about
one request in five writes, each with an Idempotency-Key) at a fixed rate. Every minute it
prints requests, errors, p50/p95 latency and the web workers' resident memory; at the end,
the memory at the start and the end. Flat memory and no errors are the goal. Not in CI.
"""

import argparse
import json
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from live_server import Server, demo_site


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Load:
    def __init__(self, server: Server, tokens: dict, ids: dict):
        self.server, self.tokens, self.ids = server, tokens, ids
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.all_latencies: list[float] = []
        self.errors: list[str] = []
        self.requests = 0

    def _pick(self) -> tuple[str, str, str, dict | None]:
        case, patient = self.ids["case"], self.ids["patient"]
        roll = random.random()
        if roll < 0.25:
            return "physician", "GET", f"/api/v1/patients/{patient}", None
        if roll < 0.45:
            return "coordinator", "GET", f"/api/v1/cases/{case}/plan", None
        if roll < 0.60:
            return "coordinator", "GET", "/api/v1/tasks", None
        if roll < 0.80:
            return "patient", "GET", "/api/v1/messages/threads", None
        if roll < 0.88:
            return (
                "coordinator",
                "POST",
                f"/api/v1/cases/{case}/plan/comments",
                {"text": f"soak {uuid.uuid4().hex[:8]}"},
            )
        if roll < 0.94:
            return (
                "coordinator",
                "POST",
                f"/api/v1/cases/{case}/tasks",
                {"title": f"soak {uuid.uuid4().hex[:8]}", "assignee_id": self.ids["coordinator"]},
            )
        return "patient", "POST", f"/api/v1/messages/threads/{self.ids['thread']}/messages", {
            "body": f"soak {uuid.uuid4().hex[:8]}"}  # fmt: skip

    def one(self) -> None:
        who, method, path, body = self._pick()
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        data = None
        if body is not None:
            headers |= {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
            data = json.dumps(body).encode()
        request = urllib.request.Request(
            self.server.base + path, data=data, method=method, headers=headers
        )
        started = time.perf_counter()
        error = None
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                answer.read()
        except urllib.error.HTTPError as failed:
            error = f"{method} {path.split('/')[3]}: {failed.code}"
        except OSError as failed:
            error = f"{method} {path.split('/')[3]}: {failed}"
        with self.lock:
            self.requests += 1
            self.latencies.append(time.perf_counter() - started)
            self.all_latencies.append(self.latencies[-1])
            if error:
                self.errors.append(error)

    def window(self) -> tuple[int, int, float, float]:
        """Requests, errors, p50 and p95 (ms) since the last call."""
        with self.lock:
            latencies, self.latencies = self.latencies, []
            errors = len(self.errors)
        if len(latencies) < 2:
            return len(latencies), errors, 0.0, 0.0
        cuts = statistics.quantiles(latencies, n=20)
        return len(latencies), errors, cuts[9] * 1000, cuts[18] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=20, help="requests a second")
    args = parser.parse_args()
    random.seed(13)
    tokens, ids, server = demo_site()
    env = server.env
    load = Load(server, tokens, ids)
    thread = load.server.base + f"/api/v1/patients/{ids['patient']}/messages/threads"
    request = urllib.request.Request(
        thread, data=json.dumps({"subject": "Soak", "body": "Start"}).encode(), method="POST",
        headers={"Authorization": f"Bearer {tokens['patient']}",
                 "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request) as answer:
        ids["thread"] = json.loads(answer.read())["id"]

    workers = [pid for pid in server.pids() if pid != server.process.pid]
    memory_start = {pid: _rss_mb(pid) for pid in workers}
    start_rss = ", ".join(f"{m:.0f} MB" for m in memory_start.values())
    database = env["DATABASE_URL"].split(":", 1)[0]
    print(f"soak: {args.minutes:g} min at {args.rate:g} req/s on {database}; "
          f"workers' memory at the start: {start_rss}", flush=True)  # fmt: skip
    pool_size = 8
    ticket = threading.Semaphore(0)
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            if ticket.acquire(timeout=0.5):
                load.one()

    clients = [threading.Thread(target=client) for _ in range(pool_size)]
    for client_thread in clients:
        client_thread.start()
    started = time.monotonic()
    next_report = started + 60
    sent = 0
    try:
        while time.monotonic() - started < args.minutes * 60:
            due = int((time.monotonic() - started) * args.rate)
            for _ in range(due - sent):
                ticket.release()
            sent = max(sent, due)
            if time.monotonic() >= next_report:
                count, errors, p50, p95 = load.window()
                rss = ", ".join(f"{_rss_mb(pid):.0f}" for pid in workers)
                minute = round((time.monotonic() - started) / 60)
                print(f"  minute {minute:>3}: {count:>5} requests, {errors} errors so far, "
                      f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, workers {rss} MB",
                      flush=True)  # fmt: skip
                next_report += 60
            time.sleep(0.05)
    finally:
        stop.set()
        for client_thread in clients:
            client_thread.join()
        memory_end = {pid: _rss_mb(pid) for pid in workers}
        server.stop()
    cuts = statistics.quantiles(load.all_latencies, n=20)
    print(f"done: {load.requests} requests, {len(load.errors)} errors "
          f"{sorted(set(load.errors))[:5]}, p50 {cuts[9] * 1000:.0f} ms, "
          f"p95 {cuts[18] * 1000:.0f} ms over the whole run")  # fmt: skip
    for pid in workers:
        print(f"  worker {pid}: {memory_start[pid]:.0f} MB at the start, "
              f"{memory_end[pid]:.0f} MB at the end")  # fmt: skip
    return 1 if load.errors else 0


if __name__ == "__main__":
    sys.exit(main())
