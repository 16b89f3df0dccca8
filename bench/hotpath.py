"""Benchmark: the hot path against the product's own floor, and where each request's time goes.

For SQLite, and for PostgreSQL when one answers (as in bench/run.py): migrate a fresh
database, load `stegvis synth` data, and serve with gunicorn (the same number of sync
workers throughout):
  - the floor: the product's health check (`GET /health/`), one SELECT through every
    middleware, the best any request of the product could do;
  - the audited API read (`GET /api/v1/patients/{id}`) and the audited FHIR read
    (`GET /fhir/Patient/{id}`) with a physician's personal access token, each decided by
    the policy and recorded on the patient's log, and the patient's home page;
  - the same token's `GET /api/v1/me` (no patient data: no policy, no audit event), to show
    what authentication and the API's framework cost before any patient is decided on;
  - a bare Django view, written here and nowhere in the product (one SELECT and one INSERT
    on the same database and settings), to show what the floor itself costs.
Each runs in alternation with the floor under wrk (Debian's `wrk`; the Python client of
bench/run.py when it is missing), and its rate over the floor's is printed. Then what the
audit trail allows: 1, 2 and 4 processes each appending one event per transaction at once, and how
fast the sealer then chains what they wrote.

Then a per-request profile, in the benchmark's own process with Django's test client:
queries, statements that write, the share of time in the database driver, the time by part
(middleware, authentication, the policy, the audit trail, serialisation, templates, the
page's own code, request handling; from sampled stacks, so a part's queries count as its
own) and the places with the most self time (cProfile), for the API read, the patient home
and the staff caseload.

Usage: python bench/hotpath.py [--patients 2000] [--seconds 10] [--connections 8] [--workers 2]
"""

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import PEOPLE_SCRIPT, bench_env, each_database, load, prepare, run, serve

# The bare counterpart: Django with no app, no middleware, the product's database settings.
BARE_APP = """
import datetime
import django
from django.conf import settings
from stegvis import settings as product

settings.configure(
    DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, MIDDLEWARE=[],
    DATABASES=product.DATABASES, USE_TZ=True, SECRET_KEY="bare",
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
)
django.setup()

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.http import JsonResponse
from django.urls import path

def read(request, pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, given_name, family_name FROM accounts_user WHERE id = %s",
                       [pk])
        found = cursor.fetchone()
        cursor.execute("INSERT INTO bench_log (at, who) VALUES (%s, %s)",
                       [datetime.datetime.now(datetime.timezone.utc), pk])
    return JsonResponse({"id": str(found[0]), "given_name": found[1], "family_name": found[2]})


urlpatterns = [path("read/<str:pk>", read)]
application = WSGIHandler()
"""

SETUP_SCRIPT = (
    PEOPLE_SCRIPT
    + """
from django.db import connection

client = Client()
client.force_login(patient)
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE bench_log (at timestamp NOT NULL, who varchar(40) NOT NULL)")
print(json.dumps({
    "token": raw,
    "patient_id": str(patient.pk),
    "patient_key": str(User._meta.pk.get_db_prep_value(patient.pk, connection)),
    "patient_cookie": client.cookies["sessionid"].value,
}))
"""
)

# wrk reports p50 and p95 through its Lua hook, as one JSON line.
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "errors": %d, "p50_us": %d, "p95_us": %d}\\n',
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


def wrk(port: int, path: str, headers: dict, seconds: float, connections: int, script: Path):
    if not shutil.which("wrk"):
        return load(port, path, headers, seconds, connections)
    duration = f"{max(1, round(seconds))}s"
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", duration, "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    found = json.loads(output.strip().splitlines()[-1])
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return {"rps": rps, "p50_ms": found["p50_us"] / 1000, "p95_ms": found["p95_us"] / 1000,
            "errors": found["errors"]}  # fmt: skip


def pairs(label: str, database_url: str, args) -> None:
    env = bench_env(database_url)
    prepare(env, args.patients)
    if args.profile_only:
        profile(env)
        return
    audit_appends(label, env, args)
    secrets = json.loads(run([sys.executable, "-c", SETUP_SCRIPT], env))
    tmp = Path(env["STEGVIS_VAR_DIR"])
    (tmp / "bare_app.py").write_text(textwrap.dedent(BARE_APP))
    script = tmp / "report.lua"
    script.write_text(WRK_REPORT)
    product, product_port = serve("stegvis.wsgi", env, args.workers)
    bare, bare_port = serve("bare_app:application", env, args.workers, tmp)
    key = secrets["patient_key"]
    token = {"Authorization": f"Bearer {secrets['token']}"}
    patient = secrets["patient_id"]
    # The product's floor: its health check (one SELECT, no write, no user) through every
    # middleware, on the same server. Each request is run in alternation with it, and its
    # ratio is its rate over the floor's: 1.0 would be a request that costs nothing more.
    floor = (product_port, "/health/", {})
    targets = [
        ("audited API read", (product_port, f"/api/v1/patients/{patient}", token)),
        ("audited FHIR read", (product_port, f"/fhir/Patient/{patient}", token)),
        ("patient home page", (product_port, "/",
                               {"Cookie": f"sessionid={secrets['patient_cookie']}"})),
        # For scale: what an API request costs with the same token and no patient data
        # (no policy, no audit event): the token, its holder, ninja and the answer.
        ("token, no patient", (product_port, "/api/v1/me", token)),
        # For scale: the floor against a bare Django view (one SELECT, one INSERT).
        ("bare read", (bare_port, f"/read/{key}", {})),
    ]  # fmt: skip
    try:
        for name, target in targets:
            for each in (target, floor):  # warm-up
                wrk(*each, 2, args.connections, script)
            results = {"request": [], "floor": []}
            for _round in range(args.rounds):  # in alternation, so drift hits both alike
                results["request"].append(wrk(*target, args.seconds, args.connections, script))
                results["floor"].append(wrk(*floor, args.seconds, args.connections, script))
            best = {side: max(rows, key=lambda r: r["rps"]) for side, rows in results.items()}
            for side, row in best.items():
                print(f"  {label:<10} {name:<18} {side:<8} {row['rps']:7.1f} req/s  "
                      f"p50 {row['p50_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f} ms  "
                      f"errors {row['errors']}")  # fmt: skip
            ratio = best["request"]["rps"] / best["floor"]["rps"]
            print(f"  {label:<10} {name:<18} of floor {ratio:7.2f}")
    finally:
        for server in (product, bare):
            server.terminate()
            server.wait(timeout=10)
    profile(env)


# Whose a moment of a request is: the innermost frame on the stack that belongs to one of
# these parts. Frames of none (the ORM, the driver, prepared queries, the standard library)
# work for their caller, so a policy's query counts as the policy's time.
PARTS = [
    ("audit", ("stegvis/audit/",)),
    ("policy", ("stegvis/access/",)),
    ("authentication", ("stegvis/accounts/api_auth.py", "django/contrib/auth/",
                        "django/contrib/sessions/", "allauth/", "axes/", "stegvis/accounts/mfa.py",
                        "stegvis/accounts/sessions.py")),
    ("serialisation", ("ninja/", "pydantic/")),
    ("templates", ("django/template/", "django/templatetags/", "django/shortcuts.py")),
    ("middleware", ("django/middleware/", "stegvis/core/middleware.py",
                    "stegvis/accounts/middleware.py", "whitenoise/", "django_htmx/",
                    "django/contrib/messages/", "django/utils/deprecation.py")),
    ("the page's own code", ("/stegvis/",)),
    ("request handling", ("django/core/handlers/", "django/urls/", "django/http/",
                          "django/test/")),
]  # fmt: skip
# The innermost frame of a moment spent in the database driver (SQLite's C code runs under
# Django's execute; psycopg waits in its connection).
DATABASE = ("django/db/backends/sqlite3/base.py", "django/db/backends/utils.py", "psycopg/")


# The product's own helpers that, like the ORM, work for whoever called them.
HELPERS = (
    "stegvis/core/prepared.py",
    "stegvis/accounts/models.py",
    "stegvis/core/request_context.py",
)


def _owner(stack: list[str]) -> str:
    """The part a sampled stack (its files, innermost first) belongs to."""
    for filename in stack:
        if any(helper in filename for helper in HELPERS):
            continue
        for part, places in PARTS:
            if any(place in filename for place in places):
                return part
    return "the rest"


TOP_PLACES = 8


def _short(place: str) -> str:
    """A file as package/module, without the environment's prefix."""
    for marker in ("site-packages/", "/lib/python3", "/stegvis/"):
        if marker in place:
            place = place.split(marker, 1)[1]
    return place.removesuffix(".py")


PROFILE_SCRIPT = (
    PEOPLE_SCRIPT
    + """
import collections, cProfile, pstats, sys, threading, time
from django.db import connection
from django.test.utils import CaptureQueriesContext

staff, home = Client(), Client()
staff.force_login(coordinator)
home.force_login(patient)
api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
targets = {
    "API read": (api, f"/api/v1/patients/{patient.pk}"),
    "FHIR read": (api, f"/fhir/Patient/{patient.pk}"),
    "patient home": (home, "/"),
    "staff caseload": (staff, "/"),
}
out = {}
for name, (client, url) in targets.items():
    for _ in range(20):
        assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(url, HTTP_HOST="127.0.0.1")
    # Read now: the next request resets the connection's log the capture reads from.
    queries = len(captured.captured_queries)
    writes = [q["sql"] for q in captured.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(int(sys.argv[1])):
        client.get(url, HTTP_HOST="127.0.0.1")
    profiler.disable()
    elapsed = (time.perf_counter() - started) / int(sys.argv[1])
    stats = pstats.Stats(profiler).stats
    self_time = {}
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        # Built-ins have no file: the driver's execute is known by its name.
        where = function if filename == "~" else filename
        self_time[where] = self_time.get(where, 0) + tottime
    # Then without the profiler: a thread notes the request thread's stack every 0.5 ms.
    main, stacks, done = threading.get_ident(), collections.Counter(), threading.Event()
    def sample():
        while not done.is_set():
            frame, files = sys._current_frames().get(main), []
            while frame is not None:
                if not files or files[-1] != frame.f_code.co_filename:
                    files.append(frame.f_code.co_filename)
                frame = frame.f_back
            stacks[tuple(files)] += 1
            time.sleep(0.0005)
    sys.setswitchinterval(0.0002)
    sampler = threading.Thread(target=sample)
    sampler.start()
    for _ in range(int(sys.argv[1])):
        client.get(url, HTTP_HOST="127.0.0.1")
    done.set()
    sampler.join()
    out[name] = {"queries": queries, "writes": [w[:60] for w in writes],
                 "ms": elapsed * 1000, "self_time": self_time,
                 "stacks": [[list(files), n] for files, n in stacks.items()]}
print(json.dumps(out))
"""
)


def profile(env: dict, requests: int = 200) -> None:
    found = json.loads(run([sys.executable, "-c", PROFILE_SCRIPT, str(requests)], env))
    for name, row in found.items():
        samples = sum(n for _files, n in row["stacks"]) or 1
        parts: collections.Counter[str] = collections.Counter()
        in_database = 0
        for files, n in row["stacks"]:
            parts[_owner(files)] += n
            in_database += n if files and any(p in files[0] for p in DATABASE) else 0
        shares = "  ".join(f"{part} {100 * n / samples:.0f} %" for part, n in parts.most_common())
        print(f"  profile {name:<15} {row['ms']:6.1f} ms in process, {row['queries']} queries, "
              f"{len(row['writes'])} writes; {100 * in_database / samples:.0f} % in the "
              f"database driver; by part: {shares}")  # fmt: skip
        for statement in row["writes"]:
            print(f"      writes: {statement}")
        total = sum(row["self_time"].values()) or 1
        top = sorted(row["self_time"].items(), key=lambda kv: -kv[1])[:TOP_PLACES]
        print("      most self time: " + ", ".join(
            f"{_short(place)} {100 * seconds / total:.0f} %" for place, seconds in top
        ))  # fmt: skip


# One audit event per transaction, as each request appends its own, for a few seconds.
APPEND_SCRIPT = """
import sys, time
import django
django.setup()
from django.utils import timezone
from stegvis.audit import audit
from stegvis.audit.models import Outcome
start, until, count = float(sys.argv[1]), float(sys.argv[2]), 0
time.sleep(max(0, start - time.time()))
while time.time() < until:
    audit.append([audit.new_event(
        actor=None, actor_role="system", patient=None, category="identity", action="view",
        outcome=Outcome.ALLOWED, basis="bench", object_type="bench", object_id=count)])
    count += 1
print(count)
"""


SEAL_SCRIPT = """
import time
import django
django.setup()
from stegvis.audit import audit
started = time.perf_counter()
sealed = audit.seal()
print(sealed, time.perf_counter() - started)
"""


def audit_appends(label: str, env: dict, args) -> None:
    """Processes appending an event per transaction at once, then the sealer chaining them."""
    seconds = args.seconds / 2
    for processes in (1, 2, 4):
        start = time.time() + 4  # after every process has set Django up
        window = [str(start), str(start + seconds)]
        runs = [
            subprocess.Popen([sys.executable, "-c", APPEND_SCRIPT, *window], env=env,
                             stdout=subprocess.PIPE, text=True)
            for _ in range(processes)
        ]  # fmt: skip
        counts = [int(run.communicate()[0]) for run in runs]
        print(f"  {label:<10} audit appends, {processes} process(es): "
              f"{sum(counts) / seconds:7.0f} events/s")  # fmt: skip
    sealed, took = run([sys.executable, "-c", SEAL_SCRIPT], env).split()
    print(f"  {label:<10} audit sealer: {int(sealed) / float(took):7.0f} events/s "
          f"({sealed} events)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile-only", action="store_true", help="skip the load runs")
    args = parser.parse_args()
    client = "wrk" if shutil.which("wrk") else "Python threads (no wrk)"
    print(
        f"Hot path: {args.patients} patients, gunicorn {args.workers} sync workers each, "
        f"{client} with {args.connections} connections, {args.rounds} rounds of "
        f"{args.seconds:.0f} s in alternation (best kept), {os.cpu_count()} CPUs shared."
    )
    each_database(pairs, args)


if __name__ == "__main__":
    main()
