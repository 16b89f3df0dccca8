"""A live Stegvis on loopback for the drills (api_fuzz, crash_drill, soak): a fresh database
with the demo loaded, write tokens for demo people, and gunicorn that can be killed hard."""

import json
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DEMO = "@demo.stegvis.invalid"
_ISSUE_TOKEN = """
from stegvis.accounts.models import PersonalAccessToken, User
user = User.objects.get(email={email!r})
print(PersonalAccessToken.issue(user=user, name="drill", scope="write", days=1)[1])
"""


def stegvis(env: dict, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "stegvis"), *args], env=env, check=True, text=True, capture_output=True
    )
    return done.stdout


def shell_json(env: dict, code: str):
    """Run Python in `stegvis shell`; its last printed line, read as JSON."""
    try:
        return json.loads(stegvis(env, "shell", "-c", code).splitlines()[-1])
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"stegvis shell failed:\n{error.stderr[-3000:]}") from error


def fresh_site(**settings: str) -> tuple[dict, Path]:
    """A new database (SQLite in a temporary folder, or the empty PostgreSQL database that
    DATABASE_URL names), migrated, with the demo loaded and static files collected; any
    other settings as environment variables."""
    var = Path(tempfile.mkdtemp(prefix="stegvis-drill-"))
    env = {
        **os.environ,
        **settings,
        "DEBUG": "0",
        "STEGVIS_DEMO": "1",
        "STEGVIS_HTTPS": "0",
        "STEGVIS_VAR_DIR": str(var),
        "SECRET_KEY": "drill-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{var}/drill.sqlite3")
    stegvis(env, "migrate", "--no-input", "-v0")
    stegvis(env, "demo")
    stegvis(env, "collectstatic", "--no-input", "-v0")
    return env, var


def token(env: dict, login: str) -> str:
    return stegvis(env, "shell", "-c", _ISSUE_TOKEN.format(email=login + DEMO)).split()[-1]


def percentile(values: list[float], share: float) -> float:
    """The `share`th percentile (1 to 99) of `values`; 0 with fewer than two."""
    return statistics.quantiles(values, n=100)[int(share) - 1] if len(values) > 1 else 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ProcessGroup:
    """A process started in a process group of its own, so that `kill_hard` takes it and
    every child down at once, as a machine's crash would."""

    process: subprocess.Popen | None = None

    def kill_hard(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_hard()


class Worker(ProcessGroup):
    """`stegvis worker` (tasks and periodic jobs)."""

    def __init__(self, env: dict, var: Path, name: str = "worker"):
        self.env, self.log = env, (var / f"{name}.log").open("a")

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "stegvis"), "worker"], env=self.env, cwd=ROOT, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


class Server(ProcessGroup):
    """gunicorn with `workers` sync workers on a free loopback port."""

    def __init__(self, env: dict, var: Path, workers: int = 2, name: str = "server"):
        self.env, self.workers = env, workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (var / f"{name}.log").open("a")

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "stegvis.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--log-level", "warning"],
            env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.wait_until_up()

    def wait_until_up(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/health/", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"the server did not answer at {self.base}")

    def pids(self) -> list[int]:
        """The master and its workers (for measuring their memory)."""
        found = subprocess.run(
            ["pgrep", "-g", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        return [int(pid) for pid in found]


# The demo people the drills act as, and the ids they act on (Johan's case at the unit).
DEMO_PEOPLE = {"patient": "johan", "physician": "lakare", "coordinator": "koordinator"}
_DEMO_IDS = """
import json
from stegvis.accounts.models import User
from stegvis.cases.models import Case
patient = User.objects.get(email="johan@demo.stegvis.invalid")
coordinator = User.objects.get(email="koordinator@demo.stegvis.invalid")
case = Case.objects.filter(patient=patient).latest("opened_on")
print(json.dumps({"patient": str(patient.pk), "case": str(case.pk),
                  "coordinator": str(coordinator.pk),
                  "unit": coordinator.memberships.first().organisation_id}))
"""


def demo_site() -> tuple[dict, dict, "Server"]:
    """A fresh site with write tokens for DEMO_PEOPLE and Johan's ids; gunicorn running."""
    env, var = fresh_site()
    tokens = {who: token(env, login) for who, login in DEMO_PEOPLE.items()}
    ids = shell_json(env, _DEMO_IDS)
    server = Server(env, var)
    server.start()
    return tokens, ids, server
