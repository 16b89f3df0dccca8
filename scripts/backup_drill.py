"""Backup and restore drill: back up a running site, restore the copy to a fresh database,
and check it: `audit verify` passes against the checkpoints and a sample of records matches.

    .venv/bin/python scripts/backup_drill.py

On SQLite (CI runs it). For PostgreSQL the same steps are in docs/deploy.md (pg_dump,
pg_restore into a new database, audit verify).
"""

import contextlib
import shutil
import sys
import threading
import urllib.request

from live_server import Server, fresh_site, shell_json, stegvis, token

# What must survive: counts per table and the newest records' content.
SAMPLE = """
import json
from stegvis.cases.models import Case, Certificate
from stegvis.coordination.models import Message
from stegvis.plans.models import RtwPlan
print(json.dumps({
    "cases": Case.objects.count(),
    "certificates": list(Certificate.objects.order_by("pk").values_list("pk", "status")),
    "messages": list(Message.objects.order_by("created_at").values_list("body", flat=True)),
    "plans": sorted(str(p.content) for p in RtwPlan.objects.all()),
}, default=str))
"""


def _busy(server: Server, secret: str, stop: threading.Event) -> None:
    """A physician reading patients on the live site while the backup is taken: each read
    appends an audit event, so the chain grows during the copy (which must not need a pause)."""
    request = urllib.request.Request(
        f"{server.base}/api/v1/patients", headers={"Authorization": f"Bearer {secret}"}
    )
    while not stop.is_set():
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request, timeout=5).read()


def main() -> int:
    env, var = fresh_site()
    server = Server(env, var)
    server.start()
    stop = threading.Event()
    reader = threading.Thread(target=_busy, args=(server, token(env, "lakare"), stop))
    reader.start()
    try:
        before = shell_json(env, SAMPLE)
        backup = var / "backup.sqlite3"
        print(stegvis(env, "backup", str(backup)).strip())
    finally:
        stop.set()
        reader.join()
        server.stop()
    restored = var / "restored" / "stegvis.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(backup, restored)
    restored_env = {**env, "DATABASE_URL": f"sqlite:///{restored}"}
    try:
        verified = stegvis(restored_env, "audit", "verify").strip()
    except Exception as error:  # the command's own message says what broke
        verified = f"FAILED: {getattr(error, 'stderr', error)}"
    after = shell_json(restored_env, SAMPLE)
    differing = sorted(key for key in before if before[key] != after[key])
    print(f"restored copy: {verified}")
    print(f"sample: {len(before['certificates'])} certificates, {len(before['messages'])} "
          f"messages, {before['cases']} cases; differing: {differing or 'none'}")  # fmt: skip
    ok = verified.startswith("Audit chain intact") and not differing
    print("backup drill: PASSED" if ok else "backup drill: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
