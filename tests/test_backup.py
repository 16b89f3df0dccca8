"""`stegvis backup`. The drill itself (back up a running site, restore to a fresh database,
audit verify, compare records) is scripts/backup_drill.py, run by CI on SQLite."""

import pytest
from django.core.management import CommandError, call_command


def test_a_backup_never_overwrites(db, tmp_path):
    existing = tmp_path / "backup.sqlite3"
    existing.write_bytes(b"keep")
    with pytest.raises(CommandError, match="never overwrites"):
        call_command("backup", str(existing))
    assert existing.read_bytes() == b"keep"
