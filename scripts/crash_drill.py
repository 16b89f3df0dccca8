"""Crash drill: mixed writes while the web server is killed with SIGKILL and restarted.

    .venv/bin/python scripts/crash_drill.py [--writes 1000] [--clients 4]

On a fresh database (PostgreSQL when DATABASE_URL names an empty one, else SQLite), clients
send certificate drafts, messages, tasks, meetings, plan comments, plan proposals and
consents through the API, each with its own Idempotency-Key, while another thread kills
gunicorn (master and workers) every few seconds and starts it again. A write that gets no
answer is sent again with the same key until it does. Then the database is counted: every
answered write is there exactly once (0 lost, 0 duplicates) and `audit verify` passes.
"""

import argparse
import http.client
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import date, timedelta

from live_server import Server, demo_site, shell_json, stegvis

# Each written record carries its marker "drill-<n>"; count them afterwards.
COUNT = """
import json
from collections import Counter
from stegvis.cases.models import Certificate
from stegvis.coordination.models import Meeting, Message, Task
from stegvis.network.models import Consent
from stegvis.plans.models import PlanComment, PlanProposal
found = {
    "certificate": Certificate.objects.filter(occupation_text__startswith="drill-")
                   .values_list("occupation_text", flat=True),
    "message": Message.objects.filter(body__startswith="drill-").values_list("body", flat=True),
    "task": Task.objects.filter(title__startswith="drill-").values_list("title", flat=True),
    "meeting": Meeting.objects.filter(place__startswith="drill-").values_list("place", flat=True),
    "comment": PlanComment.objects.filter(text__startswith="drill-").values_list("text", flat=True),
    "proposal": PlanProposal.objects.filter(comment__startswith="drill-")
                .values_list("comment", flat=True),
}
counts = {kind: dict(Counter(markers)) for kind, markers in found.items()}
counts["active consents"] = Consent.objects.filter(
    withdrawn_at__isnull=True, member_id="{member}", category="plan").count()
print(json.dumps(counts))
"""
CERTIFICATE = {
    "examined_on": date.today().isoformat(),
    "occupation": "current_job",
    "diagnoses": [{"system": "icd10", "code": "F43.8A", "text": "Utmattningssyndrom"}],
    "functional_impairment": "Minne och koncentration nedsatta.",
    "functional_impairment_grade": 2,
    "activity_limitation": "Kan inte planera dagens bak.",
    "periods": [{"degree": 100, "from": date.today().isoformat(),
                 "to": (date.today() + timedelta(days=27)).isoformat()}],
    "prognosis": "ATER_X_ANTAL_DGR",
    "prognosis_days": 60,
    "measures": ["work_adaptation"],
}  # fmt: skip


def call(base: str, method: str, path: str, secret: str, body: dict, key: str):
    """(status, parsed body), or None when no answer came (the server was down)."""
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), method=method,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json",
                 "Idempotency-Key": key},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")[:300]
    # A worker killed while sending the answer leaves it cut short (IncompleteRead): no
    # answer, so the client retries with the same key, as it does when the port is closed.
    except (OSError, ValueError, http.client.HTTPException):
        return None


class Drill:
    def __init__(self, server: Server, tokens: dict, ids: dict, writes: int):
        self.server, self.tokens, self.ids = server, tokens, ids
        self.queue = list(range(writes))
        self.lock = threading.Lock()
        self.answered: dict[str, list[str]] = {}
        self.retries = 0
        self.failures: list[str] = []
        self.running = True

    def _write(self, n: int) -> tuple[str, str, str, str, dict]:
        """(kind, who, method and path, body) of write number n."""
        marker, case = f"drill-{n}", self.ids["case"]
        kind = ("certificate", "message", "task", "meeting", "comment", "proposal",
                "consent")[n % 7]  # fmt: skip
        if kind == "certificate":
            return (
                kind,
                "physician",
                "POST",
                f"/api/v1/cases/{case}/certificates",
                {**CERTIFICATE, "occupation_text": marker},
            )
        if kind == "message":
            return (
                kind,
                "patient",
                "POST",
                f"/api/v1/messages/threads/{self.ids['thread']}/messages",
                {"body": marker},
            )
        if kind == "task":
            return (
                kind,
                "coordinator",
                "POST",
                f"/api/v1/cases/{case}/tasks",
                {"title": marker, "assignee_id": self.ids["coordinator"]},
            )
        if kind == "meeting":
            starts = (date.today() + timedelta(days=7 + n % 30)).isoformat() + "T10:00:00+01:00"
            return (
                kind,
                "coordinator",
                "POST",
                f"/api/v1/cases/{case}/meetings",
                {"kind": "sip", "starts_at": starts, "place": marker},
            )
        if kind == "comment":
            return (
                kind,
                "coordinator",
                "POST",
                f"/api/v1/cases/{case}/plan/comments",
                {"text": marker},
            )
        if kind == "proposal":
            return (
                kind,
                "coordinator",
                "POST",
                f"/api/v1/cases/{case}/plan/proposals",
                {"section": "goals", "value": [marker], "comment": marker},
            )
        ends = (date.today() + timedelta(days=30 + n)).isoformat()
        return kind, "patient", "POST", f"/api/v1/network-members/{self.ids['member']}/consents", {
            "category": "plan", "purpose": "coordination", "ends_on": ends}  # fmt: skip

    def client(self) -> None:
        while True:
            with self.lock:
                if not self.queue:
                    return
                n = self.queue.pop(0)
            kind, who, method, path, body = self._write(n)
            key = str(uuid.uuid4())
            while True:
                answer = call(self.server.base, method, path, self.tokens[who], body, key)
                if answer is not None and answer[0] in (200, 201):
                    with self.lock:
                        self.answered.setdefault(kind, []).append(f"drill-{n}")
                    break
                if answer is not None and answer[0] not in (409, 502, 503):
                    with self.lock:
                        self.failures.append(f"{kind} {n}: {answer[0]} {answer[1]}")
                    break
                with self.lock:
                    self.retries += 1
                time.sleep(0.2)

    def killer(self, every: tuple[float, float]) -> int:
        kills = 0
        while self.running:
            time.sleep(random.uniform(*every))
            if not self.running:
                break
            self.server.kill_hard()
            kills += 1
            time.sleep(0.3)
            self.server.start()
        return kills


def _setup(server: Server, tokens: dict, ids: dict) -> None:
    """The patient's thread and a network member to give consents to, made once."""
    patient = tokens["patient"]
    thread = call(server.base, "POST", f"/api/v1/patients/{ids['patient']}/messages/threads",
                  patient, {"subject": "Övning", "body": "Start"}, str(uuid.uuid4()))  # fmt: skip
    member = call(server.base, "POST", f"/api/v1/patients/{ids['patient']}/network", patient,
                  {"organisation_id": ids["unit"], "role": "rehab_coordinator",
                   "user_id": ids["coordinator"]}, str(uuid.uuid4()))  # fmt: skip
    ids["thread"], ids["member"] = thread[1]["id"], member[1]["id"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    random.seed(12)
    tokens, ids, server = demo_site()
    env = server.env
    _setup(server, tokens, ids)
    drill = Drill(server, tokens, ids, args.writes)
    started = time.monotonic()
    kills: list[int] = []
    killer = threading.Thread(target=lambda: kills.append(drill.killer((1.5, 3.5))))
    clients = [threading.Thread(target=drill.client) for _ in range(args.clients)]
    killer.start()
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    drill.running = False
    killer.join()
    seconds = time.monotonic() - started
    server.stop()

    counts = shell_json(env, COUNT.replace("{member}", ids["member"]))
    lost = duplicates = 0
    for kind, markers in drill.answered.items():
        if kind == "consent":
            continue
        stored = Counter(counts[kind])
        lost += sum(1 for marker in markers if stored[marker] == 0)
        duplicates += sum(n - 1 for n in stored.values() if n > 1)
    answered = sum(len(markers) for markers in drill.answered.values())
    consents_ok = counts["active consents"] == 1
    try:
        # As the worker does every 15 minutes: verify holds the chain against a checkpoint.
        stegvis(env, "audit", "checkpoint")
        verified = stegvis(env, "audit", "verify").strip()
    except Exception as error:
        verified = f"FAILED: {getattr(error, 'stderr', error)}"
    print(
        f"writes answered: {answered} of {args.writes} in {seconds:.0f} s, "
        f"{kills[0] if kills else 0} hard kills, {drill.retries} retries after no answer"
    )
    print(f"by kind: {json.dumps({k: len(v) for k, v in sorted(drill.answered.items())})}")
    print(f"lost: {lost}, duplicates: {duplicates}, one active consent: {consents_ok}")
    print(f"refused: {len(drill.failures)} {drill.failures[:5]}")
    print(f"audit: {verified}")
    ok = (answered == args.writes and not lost and not duplicates and consents_ok
          and not drill.failures and verified.startswith("Audit chain intact"))  # fmt: skip
    print("crash drill: PASSED" if ok else "crash drill: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
