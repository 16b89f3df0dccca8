"""`stegvis backup PATH`: a consistent copy of the database, made while it runs.

First an audit checkpoint is written (so the copy's chain is covered by a signed checkpoint
outside it), then SQLite is copied with its online backup API, or PostgreSQL with
`pg_dump --format=custom`. Restoring, and checking the restored copy, is in docs/deploy.md.
"""

import os
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from stegvis.audit.audit import checkpoint


class Command(BaseCommand):
    help = "Write a consistent backup of the database to PATH (SQLite file or pg_dump archive)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        if path.exists():
            raise CommandError(f"{path} exists; a backup never overwrites one.")
        written = checkpoint()
        if connection.vendor == "sqlite":
            self._sqlite(path)
        elif connection.vendor == "postgresql":
            self._postgresql(path)
        else:
            raise CommandError(f"No backup for {connection.vendor}.")
        covered = f"{written.count} audit events" if written else "the audit chain as it was"
        self.stdout.write(f"Backup written to {path}; the checkpoint covers {covered}.")

    def _sqlite(self, path: Path) -> None:
        import sqlite3

        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            # The online backup API copies a consistent snapshot while others keep writing.
            connection.connection.backup(target)
        finally:
            target.close()

    def _postgresql(self, path: Path) -> None:
        settings = connection.settings_dict
        command = [
            "pg_dump", "--format=custom", "--no-owner", f"--file={path}",
            f"--host={settings['HOST'] or 'localhost'}", f"--port={settings['PORT'] or 5432}",
            f"--username={settings['USER']}", settings["NAME"],
        ]  # fmt: skip
        env = {**os.environ, "PGPASSWORD": settings["PASSWORD"] or ""}
        try:
            subprocess.run(command, check=True, env=env)  # noqa: S603 - fixed arguments, no shell
        except (OSError, subprocess.CalledProcessError) as error:
            raise CommandError(f"pg_dump failed: {error}") from None
