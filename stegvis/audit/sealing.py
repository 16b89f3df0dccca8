"""What makes the audit chain tamper-evident to the database's own owner.

Each event's hash is an HMAC with a key that is not in the database (STEGVIS_AUDIT_KEYS),
so nobody who can only write to the database can edit an event and recompute the hashes
after it, or append a forged one. Signed checkpoints (the chain's newest id and hash, its
length and the time) are written outside the database at a fixed interval, so removing
the newest events and moving the chain head back is found too.

Keys rotate: STEGVIS_AUDIT_KEYS lists "id:secret" pairs, newest last; the newest seals new
events and checkpoints, the older ones only verify what they sealed (each event names its
key). Drop an old key only when no event or checkpoint sealed with it must be verified.
"""

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

# Events written before the chain was keyed name no key; they may only come first, as many
# as the chain's origin records (migration access.0012).
UNKEYED = ""


class UnknownKey(Exception):
    """A seal names a key this server does not have."""


@cache
def _keys(configured: str | None, fallback: str) -> dict[str, bytes]:
    if not configured:
        # Development: a key derived from SECRET_KEY (`check --deploy` asks for a real one).
        derived = hmac.new(fallback.encode(), b"stegvis audit chain", hashlib.sha256).digest()
        return {"dev": derived}
    keys = {}
    for pair in configured.split(","):
        key_id, _sep, secret = pair.strip().partition(":")
        if not key_id or not secret:
            raise ValueError("STEGVIS_AUDIT_KEYS is a comma-separated list of id:secret pairs")
        keys[key_id] = secret.encode()
    return keys


def keys() -> dict[str, bytes]:
    return _keys(settings.STEGVIS_AUDIT_KEYS, settings.SECRET_KEY)


def current_key_id() -> str:
    return list(keys())[-1]


def seal(key_id: str, message: bytes) -> str:
    """The hex HMAC-SHA256 of `message` under the key `key_id` (plain SHA-256 for the
    events written before the chain was keyed)."""
    if key_id == UNKEYED:
        return hashlib.sha256(message).hexdigest()
    try:
        key = keys()[key_id]
    except KeyError:
        raise UnknownKey(key_id) from None
    return hmac.digest(key, message, "sha256").hex()


# --- Checkpoints ------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    last_id: int
    head_hash: str
    count: int
    at: str
    key_id: str
    # The installation id of the database whose chain this is (AuditChainOrigin); empty in
    # the checkpoints written before they named one.
    database: str = ""
    # Only in the record of where the kept chain begins (audit.detach_oldest_month): how
    # many events, and a digest of their ids and seals, the detached months left before it.
    left_behind: str = ""
    signature: str = ""

    def _message(self) -> bytes:
        fields = {k: v for k, v in asdict(self).items() if k != "signature"}
        for later_field in ("database", "left_behind"):
            if not fields[later_field]:
                # Signed before the field was added, or without it: not in the message.
                del fields[later_field]
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def belongs_to(self, database: str) -> bool:
        """Whether this checkpoint is of that database's chain; one that names none is held
        against whichever database verifies it, as before checkpoints named theirs."""
        return self.database in ("", database)

    def signed(self) -> "Checkpoint":
        return Checkpoint(**{**asdict(self), "signature": seal(self.key_id, self._message())})

    def is_genuine(self) -> bool:
        try:
            expected = seal(self.key_id, self._message())
        except UnknownKey:
            return False
        return self.key_id != UNKEYED and hmac.compare_digest(expected, self.signature)


def checkpoint_path() -> Path:
    return Path(settings.STEGVIS_AUDIT_CHECKPOINTS)


def checkpoint_from(fields) -> Checkpoint:
    """The checkpoint these stored fields make; anything else is kept as a forged one."""
    try:
        return Checkpoint(**fields)
    except TypeError:
        return Checkpoint(last_id=-1, head_hash="", count=-1, at="", key_id="")


def read_checkpoints() -> list[Checkpoint]:
    """Every checkpoint written, oldest first; a line that is not one is kept as forged."""
    path = checkpoint_path()
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
        except ValueError:
            fields = None
        found.append(checkpoint_from(fields))
    return found


def write_checkpoint(last_id: int, head_hash: str, count: int, database: str) -> Checkpoint | None:
    """Append a signed checkpoint of the chain of `database` (its installation id), unless
    that chain has not grown since its last one."""
    existing = [c for c in read_checkpoints() if c.belongs_to(database)]
    if existing and existing[-1].last_id == last_id:
        return None
    checkpoint = Checkpoint(
        last_id=last_id,
        head_hash=head_hash,
        count=count,
        at=timezone.now().isoformat(),
        key_id=current_key_id(),
        database=database,
    ).signed()
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(checkpoint), sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return checkpoint
