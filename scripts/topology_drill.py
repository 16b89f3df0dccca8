"""Topology drill: Stegvis as a region runs it, on this machine, while its parts are killed.

    .venv/bin/python scripts/topology_drill.py [--seconds 180] [--clients 6] [--reminders 6000]

Starts a PostgreSQL primary of its own, a streaming replica made with pg_basebackup and
PgBouncer in transaction pooling (scripts/topology.py); two web nodes (gunicorn, each its own
process group and port) and two workers (`stegvis worker`), all through the pooler, with the
insights and bulk reads routed to the replica. Clients drive a mixed load through both nodes,
as a load balancer would: patients' check-ins (signed in, the web form) and reads of their
own record (API and FHIR), staff caseloads, messages (each telling the care team), the
insights (on the replica), and check-in reminders falling due all along. Meanwhile the drill
kills a web node (SIGKILL, its whole process group), a worker (SIGKILL), and the pooler's
connections to the primary, and brings each back. A client retries what got no answer with
the same Idempotency-Key or submission id.

Then it counts: every answered write stored once (L lost, D stored or sent twice); every
notice due delivered once, by the Message-ID of each e-mail Django's file backend wrote; no
answer naming another patient (F foreign); the audit chain verified against a checkpoint.
It prints requests, errors by kind, p50/p95/p99 by kind, what each fault cost, the replica's
lag and what it served, and ends with the line

    drill: N requests, E errors, L lost, D sent twice, F foreign, chain intact|broken

and exits 0 only when L, D and F are 0 and the chain is intact.
"""

import argparse
import http.cookiejar
import itertools
import json
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

from live_server import (
    DEMO,
    Server,
    Worker,
    free_port,
    fresh_site,
    percentile,
    shell_json,
    stegvis,
)
from topology import Topology

PATIENTS = ("sara", "johan", "ola", "peter", "karin", "linnea")
STAFF = {"coordinator": "koordinator", "physician": "lakare", "analyst": "analytiker"}
PASSWORD = "stegvis-demo-2026"
WORKER_KILLED = "a worker killed (SIGKILL)"
# One opener for every token request: building one makes a TLS context each time, which
# cost the clients more than the requests did.
PLAIN = urllib.request.build_opener()

# Made once in the fresh site: tokens, ids, each patient's thread to write in, what each
# staff member's caseload holds, and reminders falling due over the load.
SETUP = """
import json
from datetime import timedelta
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from stegvis.accounts.models import PersonalAccessToken, User
from stegvis.coaching.models import Reminder
from stegvis.notifications.models import OutboxKind, OutboxMessage

def token(user):
    return PersonalAccessToken.issue(user=user, name="drill", scope="write", days=1)[1]

people = {login: User.objects.get(email=login + "@demo.stegvis.invalid") for login in LOGINS}
out = {"tokens": {login: token(user) for login, user in people.items()},
       "ids": {login: str(user.pk) for login, user in people.items()},
       "all_patients": [str(pk) for pk in User.objects.filter(cases__isnull=False)
                        .distinct().values_list("pk", flat=True)]}
now, spread, total = timezone.now(), SPREAD, REMINDERS
users = User.objects.bulk_create([User(email=f"r{i}@drill.invalid", given_name=f"R{i}",
                                       password=make_password(None)) for i in range(total)])
reminders = Reminder.objects.bulk_create([
    Reminder(patient=user, occasion_on=now.date(),
             due_at=now + timedelta(seconds=spread * i / total),
             expires_at=now + timedelta(days=1)) for i, user in enumerate(users)])
messages = OutboxMessage.objects.bulk_create([
    OutboxMessage(recipient_id=r.patient_id, kind=OutboxKind.CHECKIN_REMINDER,
                  object_id=str(r.pk), channel="email", status="pending",
                  dedupe_key=f"reminder:{r.pk}:email", next_attempt_at=r.due_at,
                  expires_at=r.expires_at) for r in reminders])
for reminder, message in zip(reminders, messages):
    reminder.delivery_id = message.pk
Reminder.objects.bulk_update(reminders, ["delivery"])
print(json.dumps(out))
"""

COUNT = """
import json
from datetime import datetime
from collections import Counter
from django.db.models import Count
from stegvis.coaching.models import CheckIn
from stegvis.coordination.models import Message
from stegvis.notifications.models import OutboxMessage
# The e-mails of the drill: made since it began.
drill = OutboxMessage.objects.filter(channel="email", created_at__gte=datetime.fromisoformat(SINCE))
print(json.dumps({
    "checkin": dict(Counter(CheckIn.objects.filter(note__startswith="drill-")
                            .values_list("note", flat=True))),
    "message": dict(Counter(Message.objects.filter(body__startswith="drill-")
                            .values_list("body", flat=True))),
    "outbox": {row["status"]: row["n"] for row in drill.values("status").annotate(n=Count("pk"))},
    "outbox_ids": {status: [str(pk) for pk in drill.filter(status=status)
                            .values_list("pk", flat=True)]
                   for status in ("sent", "sending", "failed", "pending", "claimed")},
}))
"""


class Load:
    """The clients: each request is recorded as (at, kind, seconds, outcome)."""

    def __init__(self, nodes: list[Server], setup: dict):
        self.nodes, self.setup = nodes, setup
        self.records: list[tuple[float, str, float, str]] = []
        self.answered: dict[str, list[str]] = defaultdict(list)
        self.foreign: list[str] = []
        self.lock = threading.Lock()
        self.running = True
        self.turn = 0
        self.down: set[Server] = set()
        self.sessions: dict[str, urllib.request.OpenerDirector] = {}
        self.baseline: dict[str, set] = {}

    # --- one HTTP request, through whichever node the balancer picks ------------------
    def _node(self) -> Server:
        """The next node in turn, as a load balancer picks: one that failed to answer is
        left out until its health check answers again."""
        with self.lock:
            self.turn += 1
            up = [node for node in self.nodes if node not in self.down] or self.nodes
            return up[self.turn % len(up)]

    def _out_until_healthy(self, node: Server) -> None:
        with self.lock:
            if node in self.down:
                return
            self.down.add(node)

        def probe():
            while True:
                try:
                    with urllib.request.urlopen(f"{node.base}/health/", timeout=2):
                        break
                except OSError:
                    time.sleep(0.5)
            with self.lock:
                self.down.discard(node)

        threading.Thread(target=probe, daemon=True).start()

    def _send(self, kind: str, request_for, opener=None) -> tuple[int, bytes, str] | None:
        """One attempt: (status, body, the address it ended at), or None when no answer
        came. Recorded either way."""
        started = time.monotonic()
        outcome, answer = "ok", None
        node = self._node()
        try:
            request = request_for(node.base)
            with (opener or PLAIN).open(request, timeout=15) as reply:
                answer = (reply.status, reply.read(), reply.geturl())
        except urllib.error.HTTPError as error:
            answer = (error.code, error.read(), error.geturl())
            outcome = f"http {error.code}"
        except Exception as error:  # refused, reset, cut short, timed out: no answer
            reason = getattr(error, "reason", error)
            outcome = type(reason).__name__
            self._out_until_healthy(node)
        with self.lock:
            self.records.append((started, kind, time.monotonic() - started, outcome))
        return answer

    def _until_answered(self, kind: str, request_for, opener=None):
        """Retry, a write with the same key, until it is answered (409: the same write is
        still being handled; 5xx: a node or its database connection failed)."""
        while True:
            answer = self._send(kind, request_for, opener)
            if answer is not None and answer[0] < 500 and answer[0] != 409:
                return answer
            time.sleep(0.2)

    def _api(self, who: str, method: str, path: str, body=None, key=None):
        def request_for(base):
            headers = {"Authorization": f"Bearer {self.setup['tokens'][who]}"}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers |= {"Content-Type": "application/json", "Idempotency-Key": key}
            return urllib.request.Request(base + path, data=data, method=method, headers=headers)

        return request_for

    # --- the kinds of work ------------------------------------------------------------
    def sign_in(self, login: str) -> None:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        base = self.nodes[0].base
        opener.open(f"{base}/accounts/login/", timeout=15).read()
        token = next(c.value for c in jar if c.name == "csrftoken")
        form = {"login": login + DEMO, "password": PASSWORD, "csrfmiddlewaretoken": token}
        opener.open(
            urllib.request.Request(
                f"{base}/accounts/login/", data=urllib.parse.urlencode(form).encode()
            ),
            timeout=15,
        ).read()
        if not any(c.name == "sessionid" for c in jar):
            raise SystemExit(f"{login} could not sign in")
        self.sessions[login] = (opener, jar)

    def checkin(self, n: int) -> None:
        login = random.choice(PATIENTS)
        opener, jar = self.sessions[login]
        token = next(c.value for c in jar if c.name == "csrftoken")
        form = urllib.parse.urlencode({
            "csrfmiddlewaretoken": token, "submission_id": str(uuid.uuid4()), "mood": 6,
            "energy": 5, "pain": 3, "sleep": 6, "stress": 4, "work_ability": 5,
            "note": f"drill-{n}",
        }).encode()  # fmt: skip

        def request_for(base):
            return urllib.request.Request(f"{base}/checkin/", data=form)

        answer = self._until_answered("checkin", request_for, opener)
        if answer[0] == 200 and "/checkins/" in answer[2]:  # the receipt page
            with self.lock:
                self.answered["checkin"].append(f"drill-{n}")

    def message(self, n: int) -> None:
        login = random.choice(PATIENTS)
        path = f"/api/v1/messages/threads/{self.setup['threads'][login]}/messages"
        request = self._api(login, "POST", path, {"body": f"drill-{n}"}, str(uuid.uuid4()))
        answer = self._until_answered("message", request)
        if answer[0] in (200, 201):
            with self.lock:
                self.answered["message"].append(f"drill-{n}")

    def own_record(self, kind: str) -> None:
        login = random.choice(PATIENTS)
        own = self.setup["ids"][login]
        path = f"/api/v1/patients/{own}" if kind == "patient read" else f"/fhir/Patient/{own}"
        answer = self._send(kind, self._api(login, "GET", path))
        if answer is not None and answer[0] == 200:
            others = set(self.setup["all_patients"]) - {own}
            body = answer[1].decode()
            if json.loads(body).get("id") != own or any(other in body for other in others):
                with self.lock:
                    self.foreign.append(f"{kind} for {login}")

    def caseload(self, who: str) -> None:
        answer = self._send("caseload", self._api(who, "GET", "/api/v1/patients?limit=100"))
        if answer is not None and answer[0] == 200:
            seen = {item["id"] for item in json.loads(answer[1])["items"]}
            if who not in self.baseline:
                self.baseline[who] = seen
            elif seen - self.baseline[who]:
                with self.lock:
                    self.foreign.append(f"caseload of {who}")

    def insights(self) -> None:
        self._send("insights", self._api("analyst", "GET", "/api/v1/insights/time-to-rtw"))

    def client(self, next_number) -> None:
        kinds = ["checkin", "message", "patient read", "fhir read", "caseload", "insights"]
        weights = [20, 10, 25, 15, 20, 10]
        while self.running:
            kind = random.choices(kinds, weights)[0]
            if kind == "checkin":
                self.checkin(next_number())
            elif kind == "message":
                self.message(next_number())
            elif kind == "caseload":
                self.caseload(random.choice(["coordinator", "physician"]))
            elif kind == "insights":
                self.insights()
            else:
                self.own_record(kind)


def mail_ids(folder: Path) -> Counter:
    """How many times each outbox row's e-mail was written (by its Message-ID)."""
    found: Counter = Counter()
    for path in folder.glob("*.log") if folder.exists() else []:
        found.update(re.findall(r"^Message-ID: <outbox-([0-9a-f-]+)@", path.read_text(), re.M))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=180, help="how long the load runs")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--reminders", type=int, default=6000)
    args = parser.parse_args()
    random.seed(40)
    topology = Topology((free_port(), free_port(), free_port()))
    processes: list = []
    try:
        return drill(args, topology, processes)
    finally:
        for process in processes:
            process.stop()
        topology.stop()


def drill(args, topology: Topology, processes: list) -> int:
    topology.start()
    print(f"primary :{topology.primary_port}, replica :{topology.replica_port} "
          f"(pg_basebackup), PgBouncer :{topology.pooler_port} (transaction pooling)")  # fmt: skip
    env, var = fresh_site(DATABASE_URL=topology.primary_url)
    logins = [*PATIENTS, *STAFF.values()]
    since = datetime.now(UTC).isoformat()
    setup = shell_json(env, f"LOGINS, SPREAD, REMINDERS = {logins!r}, {args.seconds * 0.8}, "
                            f"{args.reminders}\n{SETUP}")  # fmt: skip
    setup["tokens"] |= {role: setup["tokens"][login] for role, login in STAFF.items()}
    # The nodes: everything through the pooler, the heavy reads to the replica.
    env |= {
        "DATABASE_URL": topology.pooler_url,
        "DATABASE_POOLED": "1",
        "DATABASE_REPLICA_URL": topology.replica_url,
        "EMAIL_URL": "filemail://",
        "STEGVIS_OUTBOX_CLAIM_TIMEOUT": "10",
        "STEGVIS_OUTBOX_EVERY_SECONDS": "2",
        "STEGVIS_SCHEDULER_CHECK_SECONDS": "1",
    }
    nodes = [Server(env, var, name=f"web-{n}") for n in (1, 2)]
    workers = [Worker(env, var, f"worker-{n}") for n in (1, 2)]
    processes += [*nodes, *workers]
    for process in processes:
        process.start()
    load = Load(nodes, setup)
    setup["threads"] = {}
    for login in PATIENTS:
        load.sign_in(login)
        thread = load._until_answered("setup", load._api(
            login, "POST", f"/api/v1/patients/{setup['ids'][login]}/messages/threads",
            {"subject": "Övning", "body": "Start"}, str(uuid.uuid4())))  # fmt: skip
        setup["threads"][login] = json.loads(thread[1])["id"]
    for who in ("coordinator", "physician"):
        load.caseload(who)
    served_before = topology.replica_transactions()

    numbers, number_lock = itertools.count(), threading.Lock()

    def next_number() -> int:
        with number_lock:
            return next(numbers)

    started = time.monotonic()
    clients = [threading.Thread(target=load.client, args=(next_number,))
               for _ in range(args.clients)]  # fmt: skip
    for thread in clients:
        thread.start()

    faults: list[tuple[str, float]] = []
    lags: list[tuple[float, int]] = []

    def kill_and_restart(process) -> str:
        process.kill_hard()
        time.sleep(3)
        process.start()
        return ""

    plan = [
        (0.2, "a web node killed (SIGKILL)", lambda: kill_and_restart(nodes[0])),
        (0.45, WORKER_KILLED, lambda: kill_and_restart(workers[0])),
        (0.7, "the pooler's connections to the primary cut",
         lambda: f" ({topology.cut_pooler_connections()} connections)"),
    ]  # fmt: skip
    for share, fault, act in plan:
        while time.monotonic() - started < share * args.seconds:
            lags.append(topology.replica_lag())
            time.sleep(1)
        at = time.monotonic()
        faults.append((fault + act(), at))
    while time.monotonic() - started < args.seconds:
        lags.append(topology.replica_lag())
        time.sleep(1)
    load.running = False
    for thread in clients:
        thread.join()
    seconds = time.monotonic() - started

    # Every notice due by now sent: the workers finish, claims of the killed one taken back.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        counts = shell_json(env, f"SINCE = {since!r}\n{COUNT}")
        waiting = sum(counts["outbox"].get(s, 0) for s in ("pending", "claimed", "sending"))
        if not waiting:
            break
        time.sleep(5)
    served = topology.replica_transactions() - served_before
    for process in processes:
        process.stop()

    # --- counting -------------------------------------------------------------------
    lost = stored_twice = 0
    for kind in ("checkin", "message"):
        stored = Counter(counts[kind])
        lost += sum(1 for marker in load.answered[kind] if stored[marker] == 0)
        stored_twice += sum(n - 1 for n in stored.values() if n > 1)
    mailed = mail_ids(var / "mail")
    ids = counts["outbox_ids"]
    sent_twice = sum(n - 1 for n in mailed.values() if n > 1)
    unsent = [pk for pk in ids["sent"] if not mailed[pk]]
    in_doubt = ids["failed"] + ids["sending"]
    in_doubt_delivered = sum(1 for pk in in_doubt if mailed[pk])
    never_sent = [*ids["pending"], *ids["claimed"]]
    # At most once: the message a worker was sending when it was killed is not sent again.
    # Only that one may be missing, one per kill; any more were lost.
    worker_kills = sum(1 for _share, fault, _act in plan if fault == WORKER_KILLED)
    not_written = len(in_doubt) - in_doubt_delivered
    lost_notices = len(unsent) + len(never_sent) + max(0, not_written - worker_kills)
    try:
        stegvis(env | {"DATABASE_URL": topology.primary_url, "DATABASE_POOLED": "0"},
                "audit", "checkpoint")  # fmt: skip
        verified = stegvis(env | {"DATABASE_URL": topology.primary_url}, "audit", "verify")
        verified = verified.strip()
    except subprocess.CalledProcessError as error:
        verified = f"FAILED: {error.stdout} {error.stderr}"
    chain = "intact" if verified.startswith("Audit chain intact") else "broken"

    # --- the figures ------------------------------------------------------------------
    records = load.records
    errors = Counter(outcome for _at, _kind, _s, outcome in records if outcome != "ok")
    rate = len(records) / seconds
    print(f"\nload: {len(records)} requests in {seconds:.0f} s ({rate:.0f}/s), "
          f"{args.clients} clients through 2 web nodes")  # fmt: skip
    print(f"errors by kind: {dict(errors) or 'none'}")
    by_kind = defaultdict(list)
    for _at, kind, took, outcome in records:
        if outcome == "ok":
            by_kind[kind].append(took * 1000)
    by_kind["all"] = [took for times in by_kind.values() for took in times]
    for kind, times in by_kind.items():
        p50, p95, p99 = (percentile(times, share) for share in (50, 95, 99))
        print(f"  {kind:<13} {len(times):>6} answered  p50 {p50:6.0f} ms  p95 {p95:6.0f} ms  "
              f"p99 {p99:6.0f} ms")  # fmt: skip
    print("what each fault cost (the requests that ended in the 10 s from it):")
    for fault, at in faults:
        window = [r for r in records if at <= r[0] + r[2] < at + 10]  # ended in those 10 s
        failed = sum(1 for r in window if r[3] != "ok")
        times = [r[2] * 1000 for r in window if r[3] == "ok"]
        print(f"  {fault}: {failed} failed attempts of {len(window)}, "
              f"p95 {percentile(times, 95):.0f} ms")  # fmt: skip
    finite = [lag for lag in lags if lag[0] == lag[0]]
    print(f"replica: lag at most {max((s for s, _b in finite), default=0) * 1000:.0f} ms and "
          f"{max((b for _s, b in finite), default=0)} bytes of log; served {served} "
          "transactions (the insights)")  # fmt: skip
    print(f"writes answered: {dict((k, len(v)) for k, v in load.answered.items())}; "
          f"lost {lost}, stored twice {stored_twice}")  # fmt: skip
    print(f"notices: {sum(mailed.values())} e-mails for {len(mailed)} rows; sent twice "
          f"{sent_twice}; recorded sent but not written {len(unsent)}; never sent "
          f"{len(never_sent)}")  # fmt: skip
    print(f"  interrupted by the killed worker: {len(in_doubt)}, of which written "
          f"{in_doubt_delivered}, not written {not_written} (at most the one in flight at the "
          "kill: in the delivery log as interrupted, never sent twice)")  # fmt: skip
    print(f"foreign answers: {load.foreign[:5] or 'none'}")
    print(f"audit: {verified}")
    total_lost, twice = lost + lost_notices, stored_twice + sent_twice
    print(f"drill: {len(records)} requests, {sum(errors.values())} errors, {total_lost} lost, "
          f"{twice} sent twice, {len(load.foreign)} foreign, chain {chain}")  # fmt: skip
    return 0 if not (total_lost or twice or load.foreign) and chain == "intact" else 1


if __name__ == "__main__":
    sys.exit(main())
