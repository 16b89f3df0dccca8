"""The database side of a region, started on this machine for the topology drill: a
PostgreSQL primary of its own (initdb on free ports), a streaming replica made from it with
pg_basebackup, and Debian's PgBouncer in transaction pooling in front of the primary.

Everything runs as the `postgres` user when started by root (PostgreSQL and PgBouncer refuse
to run as root) and lives in one temporary folder, removed by `stop()`.
"""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

DATABASE = "stegvis"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SystemExit(f"{name} not found: install Debian's postgresql")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    subprocess.run(_as_postgres(command), check=True, capture_output=True)


class Topology:
    def __init__(self, ports: tuple[int, int, int], settings: dict[str, str] | None = None):
        """`settings`: PostgreSQL settings for both clusters beyond the drill's own (a
        benchmark's larger memory, say)."""
        self.primary_port, self.replica_port, self.pooler_port = ports
        self.settings = {"shared_buffers": "64MB", **(settings or {})}
        self.folder = Path(tempfile.mkdtemp(prefix="stegvis-topology-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.pooler: subprocess.Popen | None = None

    # --- URLs the nodes use --------------------------------------------------------------
    def url(self, port: int, database: str = DATABASE) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{database}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port)

    @property
    def pooler_url(self) -> str:
        return self.url(self.pooler_port)

    # --- starting and stopping -----------------------------------------------------------
    def _start_cluster(self, data: Path, port: int) -> None:
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            " -c wal_level=replica -c max_wal_senders=4 -c max_connections=200"
            " -c timezone=UTC"
        ) + "".join(f" -c {name}={value}" for name, value in self.settings.items())
        _run([_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", f"{data}.log", "-w", "start"])

    def start(self, replica: bool = True, pooler: bool = True) -> None:
        """The primary, its replica and the pooler (each unless turned off)."""
        primary = self.folder / "primary"
        _run([_bin("initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust",
              "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
        self._start_cluster(primary, self.primary_port)
        with psycopg.connect(self.url(self.primary_port, "postgres"), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {DATABASE}")
        if replica:
            # A streaming standby of it, as a region's read replica is made.
            _run([_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port),
                  "-U", "postgres", "-D", str(self.folder / "replica"), "-R", "-X", "stream",
                  "--checkpoint=fast"])  # fmt: skip
            self._start_cluster(self.folder / "replica", self.replica_port)
        if pooler:
            self.start_pooler()

    def start_pooler(self) -> None:
        config = self.folder / "pgbouncer.ini"
        (self.folder / "users.txt").write_text('"postgres" ""\n')
        config.write_text(
            f"[databases]\n{DATABASE} = host=127.0.0.1 port={self.primary_port} "
            f"dbname={DATABASE}\n"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {self.pooler_port}\n"
            f"unix_socket_dir = {self.folder}\nauth_type = trust\n"
            f"auth_file = {self.folder / 'users.txt'}\npool_mode = transaction\n"
            "max_client_conn = 400\ndefault_pool_size = 20\nserver_login_retry = 1\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        if os.geteuid() == 0:
            for path in (config, self.folder / "users.txt"):
                shutil.chown(path, "postgres", "postgres")
        self.pooler = subprocess.Popen(
            _as_postgres(["pgbouncer", str(config)]),
            stdout=(self.folder / "pgbouncer.log").open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.pooler_url, connect_timeout=2) as db:
                    db.execute("SELECT 1")
                    return
            except psycopg.OperationalError:
                time.sleep(0.2)
        raise SystemExit("PgBouncer did not answer")

    def stop(self) -> None:
        if self.pooler and self.pooler.poll() is None:
            os.killpg(self.pooler.pid, signal.SIGTERM)
            self.pooler.wait(timeout=10)
        for data in ("replica", "primary"):
            if (self.folder / data / "postmaster.pid").exists():
                _run([_bin("pg_ctl"), "-D", str(self.folder / data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- faults and figures --------------------------------------------------------------
    def cut_pooler_connections(self) -> int:
        """Terminate every server connection to the application's database on the primary:
        the pooler's, since every node connects through it (the standby's stream is a
        walsender, and this session is in another database)."""
        with psycopg.connect(self.url(self.primary_port, "postgres"), autocommit=True) as db:
            return len(
                db.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND backend_type = 'client backend'",
                    [DATABASE],
                ).fetchall()
            )

    def replica_lag(self) -> tuple[float, int]:
        """(seconds the replica's replay is behind, bytes of log not yet replayed)."""
        with psycopg.connect(self.url(self.primary_port, "postgres"), autocommit=True) as db:
            row = db.execute(
                "SELECT EXTRACT(epoch FROM COALESCE(replay_lag, '0'))::float,"
                " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint"
                " FROM pg_stat_replication"
            ).fetchone()
        return (row[0], row[1]) if row else (float("nan"), -1)

    def replica_transactions(self) -> int:
        """Transactions the replica has served in the application's database."""
        with psycopg.connect(self.url(self.replica_port, "postgres"), autocommit=True) as db:
            return db.execute(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                [DATABASE],
            ).fetchone()[0]
