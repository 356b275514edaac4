"""The archive's hash chain: every recording, stored file, deletion and hold, in one line.

Integrity used to rest on a SHA-256 per file in the index and the sidecar,
which whoever can write the disk can rewrite along with the file. The chain
makes such a rewrite show: an append-only table (``chain``) of entries, each
bound to every entry before it, whose head the box signs with its own key
(``firmware.store.signing``), so that rewriting history means rewriting every
later entry and forging a signature.

**An entry** has two parts, each the canonical JSON of an object (keys sorted,
no spaces, UTF-8, ``canonical``):

- its *facts*: what it records, by kind (below), plus a random ``nonce``;
- its *entry*: ``{"at": when appended, "facts": SHA-256 of the facts (hex),
  "kind": ..., "prev": the previous entry's hash (hex), "seq": 1, 2, 3, ...}``.

Its hash is ``SHA-256(prev || entry)``, ``prev`` as its 32 bytes; the first
entry's ``prev`` is 32 zero bytes (``GENESIS``). The entry holds only the
facts' digest so that a segment of the chain can be handed to an auditor with
the facts of the recordings they may see and the digests of the others:
every hash can still be checked, and the nonce keeps a digest from giving
away facts that could be guessed (a number, a time).

**The kinds** and their facts (``recording`` is the recording's id):

- ``recording``: a recording finished: ``recording``, ``sha256`` (of the
  original WAV, kept for ever), ``samples``, ``encoding``, ``line``,
  ``started_at``, ``ended_at``, ``call_id``, ``number`` (as the line gave it),
  ``path``, ``state`` (complete or repaired). One per recording.
- ``stored``: its stored file changed (transcoded): ``recording``, ``format``,
  ``sha256`` and ``bytes`` of the stored file, ``original_sha256``, ``path``.
- ``deleted``: a tombstone: retention deleted the file: ``recording``,
  ``sha256`` (the original's), ``deleted_at``, ``reason``, ``path``.
- ``hold``: a legal hold placed or lifted: ``target`` (recording, call or
  customer), ``id``, ``on``, ``by`` (user name).
- ``key``: a signing key made or changed: ``new_key`` (fingerprint),
  ``public_key`` (PEM), ``old_key`` (fingerprint, or null), ``reason``.
- ``rebuilt``: the database was rebuilt after damage, from ``snapshot`` (its
  file name, or null: empty) taken at ``snapshot_taken_at``; the chain goes on
  from what the snapshot held, and what is appended after it for recordings
  older than it was chained again from their sidecars (``reason``: why).

Every append happens inside a write transaction (``BEGIN IMMEDIATE``), which
reads the head and inserts after it, so appends from any thread or process
queue up into one chain; retention's tombstone and a hold's entry go in the
same transaction as the change they record. ``chain_pending`` appends every
finished recording that has no entry yet, oldest finish first: the engine's
``chain`` thread runs it (``firmware.engine.chain``), the web runs it before
it verifies or exports.

Standard library only: recovery reads and appends to the chain on a box
where much else may be broken, and never needs ``cryptography``; signing and
checking signatures is ``firmware.store.signing``'s.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sqlite3
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from firmware.store.db import Store, StoreError

GENESIS = "0" * 64  # the "previous hash" of the first entry
KINDS = ("recording", "stored", "deleted", "hold", "key", "rebuilt")
FINISHED = ("complete", "repaired")
# What a signature signs: the canonical JSON of these, ``type`` naming what it is.
HEAD_TYPE = "linerec chain head"
# A recording's facts that the index keeps too, and that must stay as the chain has them.
RECORDING_FACTS = (
    "sha256", "samples", "encoding", "line", "started_at", "ended_at", "call_id", "number", "path"
)
_ENTRY_KEYS = {"at", "facts", "kind", "prev", "seq"}
_COLUMNS = "seq, kind, recording_id, at, facts, entry, hash"


class ChainError(StoreError):
    """The chain cannot be appended to or read as asked; the message says why."""


def canonical(value: object) -> bytes:
    """The one byte form of a JSON value that is hashed and signed: keys sorted, no
    spaces, UTF-8 (not escaped), no NaN or infinity."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_hash(prev: str, entry: bytes) -> str:
    """SHA-256 of the previous entry's hash (its 32 bytes) followed by the entry's bytes."""
    return hashlib.sha256(bytes.fromhex(prev) + entry).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One entry as stored: ``facts`` and ``entry`` are the exact canonical texts hashed."""

    seq: int
    kind: str
    recording_id: int | None
    at: float
    facts: str
    entry: str
    hash: str

    @property
    def fact(self) -> dict:
        """The facts, read."""
        return json.loads(self.facts)

    @property
    def prev(self) -> str:
        return json.loads(self.entry)["prev"]


@dataclass(frozen=True)
class Signature:
    """A signature of the chain's head: ``message`` (canonical JSON naming the entry
    ``seq`` and its ``hash``, the ``key``'s fingerprint and when) signed by that key."""

    seq: int
    hash: str
    signed_at: float
    key: str
    message: str
    signature: str  # base64

    @property
    def signature_bytes(self) -> bytes:
        return base64.b64decode(self.signature)


def head_message(seq: int, hash_hex: str, key: str | None, signed_at: float | None) -> bytes:
    """The bytes a signature of the head at entry ``seq`` signs (an export's head.json)."""
    return canonical(
        {"hash": hash_hex, "key": key, "seq": seq, "signed_at": signed_at, "type": HEAD_TYPE}
    )


# ---- appending ---------------------------------------------------------------------------


def append(
    connection: sqlite3.Connection,
    kind: str,
    facts: dict,
    *,
    at: float,
    recording_id: int | None = None,
) -> Entry:
    """Append one entry after the head, inside the caller's write transaction.

    ``facts`` get a fresh nonce. Raises ChainError outside a transaction: the head
    read and the insert must be one, or two appends could both follow the same head.
    """
    if kind not in KINDS:
        raise ChainError(f"unknown chain entry kind {kind!r}; known: {', '.join(KINDS)}")
    if not connection.in_transaction:
        raise ChainError("a chain entry is appended inside a write transaction only")
    facts_text = canonical({**facts, "nonce": secrets.token_hex(16)}).decode("utf-8")
    head = connection.execute("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    envelope = {
        "at": at,
        "facts": sha256_hex(facts_text.encode("utf-8")),
        "kind": kind,
        "prev": prev,
        "seq": seq,
    }
    entry_text = canonical(envelope).decode("utf-8")
    digest = entry_hash(prev, entry_text.encode("utf-8"))
    connection.execute(
        f"INSERT INTO chain ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (seq, kind, recording_id, at, facts_text, entry_text, digest),
    )
    return Entry(seq, kind, recording_id, at, facts_text, entry_text, digest)


def recording_facts(connection: sqlite3.Connection, recording_id: int) -> dict | None:
    """A finished recording's facts as its ``recording`` entry holds them, from the index;
    None if it is not finished (still recording, missing, deleted, no hash)."""
    row = connection.execute(
        "SELECT r.line, r.path, r.encoding, r.started_at, r.ended_at, r.samples, r.sha256, "
        "r.state, r.call_id, c.number FROM recordings r LEFT JOIN calls c ON c.id = r.call_id "
        "WHERE r.id = ?",
        (recording_id,),
    ).fetchone()
    if row is None or row[7] not in FINISHED or not row[6]:
        return None
    line, path, encoding, started_at, ended_at, samples, sha256, state, call_id, number = row
    return {
        "recording": recording_id,
        "line": line,
        "path": path,
        "encoding": encoding,
        "started_at": started_at,
        "ended_at": ended_at,
        "samples": samples,
        "sha256": sha256,
        "state": state,
        "call_id": call_id,
        "number": number,
    }


def _recording_entry(connection: sqlite3.Connection, recording_id: int, at: float) -> Entry | None:
    """The recording's entry appended, if it is finished and has none yet (else None)."""
    if connection.execute(
        "SELECT 1 FROM chain WHERE kind = 'recording' AND recording_id = ?", (recording_id,)
    ).fetchone():
        return None
    facts = recording_facts(connection, recording_id)
    if facts is None:
        return None
    return append(connection, "recording", facts, at=at, recording_id=recording_id)


def append_recording(store: Store, recording_id: int, *, at: float | None = None) -> Entry | None:
    """Chain a finished recording (idempotent: None if it has its entry already, or is
    not finished)."""
    with store.transaction() as connection:
        return _recording_entry(connection, recording_id, time.time() if at is None else at)


def append_stored(
    store: Store,
    recording_id: int,
    sha256: str,
    stored_format: str,
    stored_bytes: int,
    *,
    path: str | None = None,
    at: float | None = None,
    within: sqlite3.Connection | None = None,
    extra: dict | None = None,
) -> Entry:
    """The recording's stored file changed: now ``stored_format`` (e.g. "opus"),
    ``stored_bytes`` long, with this ``sha256`` (at ``path`` under the recordings
    folder, if that changed too). The original WAV's hash stays in the recording's
    own entry.

    Call it in the transaction that records the new file (``within``), before the
    index row changes: a recording that was not chained yet is chained first, from
    the row as it was recorded. Raises ChainError for a recording that is not
    finished (nothing to have transcoded).
    """
    at = time.time() if at is None else at

    def add(connection: sqlite3.Connection) -> Entry:
        _recording_entry(connection, recording_id, at)
        original = connection.execute(
            "SELECT facts FROM chain WHERE kind = 'recording' AND recording_id = ?",
            (recording_id,),
        ).fetchone()
        if original is None:
            raise ChainError(
                f"recording {recording_id} is not finished (or not in the index): "
                "there is no recorded file whose stored form could change"
            )
        facts = {
            "recording": recording_id,
            "format": stored_format,
            "sha256": sha256,
            "bytes": stored_bytes,
            "original_sha256": json.loads(original[0])["sha256"],
            "path": path,
            **(extra or {}),  # e.g. "encrypted": the key and the plaintext's SHA-256
        }
        return append(connection, "stored", facts, at=at, recording_id=recording_id)

    if within is not None:
        return add(within)
    with store.transaction() as connection:
        return add(connection)


def append_tombstone(
    connection: sqlite3.Connection,
    recording_id: int,
    *,
    sha256: str | None,
    deleted_at: float,
    reason: str,
    path: str,
) -> Entry:
    """Retention deleted a recording: its tombstone, inside retention's transaction
    (a recording deleted before it was chained gets its own entry first)."""
    _recording_entry(connection, recording_id, deleted_at)
    facts = {
        "recording": recording_id,
        "sha256": sha256,
        "deleted_at": deleted_at,
        "reason": reason,
        "path": path,
    }
    return append(connection, "deleted", facts, at=deleted_at, recording_id=recording_id)


def append_hold(
    connection: sqlite3.Connection,
    *,
    target: str,
    target_id: int,
    on: bool,
    by: str,
    at: float | None = None,
) -> Entry:
    """A legal hold placed (``on``) or lifted on a recording, a call or a customer, inside
    the transaction that changes it."""
    facts = {"target": target, "id": target_id, "on": on, "by": by}
    return append(
        connection, "hold", facts, at=time.time() if at is None else at,
        recording_id=target_id if target == "recording" else None,
    )


def append_key(
    connection: sqlite3.Connection,
    *,
    new_key: str,
    public_key: str,
    old_key: str | None,
    reason: str,
    at: float,
) -> Entry:
    """A signing key made (``old_key`` None) or put in place of ``old_key``."""
    facts = {"new_key": new_key, "public_key": public_key, "old_key": old_key, "reason": reason}
    return append(connection, "key", facts, at=at)


def append_rebuilt(
    store: Store,
    *,
    reason: str,
    snapshot: str | None,
    snapshot_taken_at: float | None,
    at: float,
) -> Entry:
    """The database was rebuilt: from ``snapshot`` (a file name; None: empty)."""
    facts = {"reason": reason, "snapshot": snapshot, "snapshot_taken_at": snapshot_taken_at}
    with store.transaction() as connection:
        return append(connection, "rebuilt", facts, at=at)


# A recording whose call is still in progress waits for the call's end: the call's
# facts (the number above all: dialled digit by digit) are final only then.
_CALL_GOES_ON = (
    "EXISTS (SELECT 1 FROM calls c WHERE c.id = r.call_id AND c.outcome = 'in_progress')"
)


def call_goes_on(store: Store, recording_id: int) -> bool:
    """The recording's call is still in progress (its recording waits to be chained)."""
    return store.connection().execute(
        f"SELECT {_CALL_GOES_ON} FROM recordings r WHERE r.id = ?", (recording_id,)
    ).fetchone() in ((1,),)


@dataclass(frozen=True)
class Catchup:
    """What ``chain_pending`` appended, and where the next look may start."""

    appended: tuple[Entry, ...]
    next_from_id: int  # no recording below this id is left to chain (but missing ones)
    signature: Signature | None = None


def chain_pending(store: Store, signer=None, *, from_id: int = 0,
                  at: float | None = None) -> Catchup:
    """Chain every finished recording that has no entry yet, in the order they finished
    (recordings with an id from ``from_id``; one whose call goes on waits for its end);
    then, if anything was appended and a ``signer`` (``firmware.store.signing.Signer``)
    is given, sign the new head.

    Each recording is appended in a transaction of its own, so the lines' writes
    wait for one append at most. A recording that is ``missing`` is not chained
    (nothing on the disk backs its hash) until its file is found again.
    """
    connection = store.connection()
    waiting = [
        recording_id
        for (recording_id,) in connection.execute(
            "SELECT r.id FROM recordings r WHERE r.id >= ? AND r.state IN ('complete', "
            f"'repaired') AND r.sha256 IS NOT NULL AND NOT {_CALL_GOES_ON} AND NOT EXISTS "
            "(SELECT 1 FROM chain e WHERE e.kind = 'recording' AND e.recording_id = r.id) "
            "ORDER BY r.ended_at, r.id",
            (from_id,),
        ).fetchall()
    ]
    appended = []
    for recording_id in waiting:
        entry = append_recording(store, recording_id, at=at)
        if entry is not None:
            appended.append(entry)
    unfinished, newest = connection.execute(
        f"SELECT min(CASE WHEN r.state = 'recording' OR {_CALL_GOES_ON} THEN r.id END), "
        "max(r.id) FROM recordings r WHERE r.id >= ?",
        (from_id,),
    ).fetchone()
    next_from = unfinished if unfinished is not None else (newest + 1 if newest else from_id)
    signature = signer.sign(store) if signer is not None and appended else None
    return Catchup(tuple(appended), max(from_id, next_from), signature)


# ---- signatures (stored; made and checked by firmware.store.signing) ----------------------


def add_signature(store: Store, signature: Signature) -> None:
    with store.transaction() as connection:
        connection.execute(
            "INSERT INTO chain_signatures (seq, hash, signed_at, key, message, signature) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (signature.seq, signature.hash, signature.signed_at, signature.key,
             signature.message, signature.signature),
        )


def signatures(store: Store) -> list[Signature]:
    """Every signature of the chain's head, oldest first."""
    rows = store.connection().execute(
        "SELECT seq, hash, signed_at, key, message, signature FROM chain_signatures "
        "ORDER BY seq, id"
    )
    return [Signature(*row) for row in rows]


def latest_signature(store: Store, key: str | None = None) -> Signature | None:
    """The signature of the highest entry (by ``key`` only, if given)."""
    where, values = ("WHERE key = ? ", (key,)) if key is not None else ("", ())
    row = store.connection().execute(
        "SELECT seq, hash, signed_at, key, message, signature FROM chain_signatures "
        f"{where}ORDER BY seq DESC, id DESC LIMIT 1",
        values,
    ).fetchone()
    return Signature(*row) if row else None


def has_signatures(store: Store) -> bool:
    found = store.connection().execute("SELECT 1 FROM chain_signatures LIMIT 1").fetchone()
    return found is not None


# ---- reading -----------------------------------------------------------------------------


@contextmanager
def reading(store: Store) -> Iterator[sqlite3.Connection]:
    """One read transaction: what is read inside sees the chain as of one moment, whatever
    is appended meanwhile (the engine goes on appending)."""
    connection = store.connection()
    if connection.in_transaction:  # the caller's transaction holds one moment already
        yield connection
        return
    connection.execute("BEGIN")
    try:
        yield connection
    finally:
        if connection.in_transaction:
            connection.execute("COMMIT")


def _entry(row: tuple) -> Entry:
    return Entry(*row)


def head(store: Store) -> Entry | None:
    row = store.connection().execute(
        f"SELECT {_COLUMNS} FROM chain ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    return _entry(row) if row else None


def entry(store: Store, seq: int) -> Entry | None:
    row = store.connection().execute(
        f"SELECT {_COLUMNS} FROM chain WHERE seq = ?", (seq,)
    ).fetchone()
    return _entry(row) if row else None


def entries(store: Store, *, through: int | None = None) -> Iterator[Entry]:
    """Every entry in order, up to ``through`` (a seq) if given; read as a stream."""
    limit, values = ("WHERE seq <= ? ", (through,)) if through is not None else ("", ())
    cursor = store.connection().execute(
        f"SELECT {_COLUMNS} FROM chain {limit}ORDER BY seq", values
    )
    try:
        for row in cursor:
            yield _entry(row)
    finally:
        cursor.close()


def entries_of(store: Store, recording_id: int) -> list[Entry]:
    """The entries stored as about a recording, in order (the ``recording_id`` column is
    not hashed: ``walk`` checks that it agrees with the facts)."""
    rows = store.connection().execute(
        f"SELECT {_COLUMNS} FROM chain WHERE recording_id = ? ORDER BY seq", (recording_id,)
    )
    return [_entry(row) for row in rows]


def key_entries(store: Store) -> list[Entry]:
    rows = store.connection().execute(
        f"SELECT {_COLUMNS} FROM chain WHERE kind = 'key' ORDER BY seq"
    )
    return [_entry(row) for row in rows]


@dataclass(frozen=True)
class Break:
    """Where the chain's links fail, and how (``reason`` names the kind of break)."""

    seq: int
    reason: str  # gap, unreadable, follows, facts, hash, recording


@dataclass
class Walk:
    """What walking the chain from its first entry found."""

    length: int = 0  # entries stored
    head_seq: int = 0  # the last entry checked (the one before the break, if it broke)
    head_hash: str = GENESIS
    broken: Break | None = None
    hashes: dict[int, str] = field(default_factory=dict)  # recomputed, at the seqs asked for
    rebuilds: list[Entry] = field(default_factory=list)
    keys: list[Entry] = field(default_factory=list)

    @property
    def intact_through(self) -> int:
        """The last entry whose links hold (all of them if none broke)."""
        return self.broken.seq - 1 if self.broken else self.head_seq


def walk(store: Store, *, hashes_at: Collection[int] = ()) -> Walk:
    """Check every link from the first entry to the head: the entries number 1, 2, 3, ...
    without a gap, each names the hash of the one before it, its facts are the ones its
    digest names, its hash is its contents' and its recording column is its facts'.
    Checks nothing past the first break (nothing after it can be trusted), but counts
    every entry."""
    found = Walk()
    prev = GENESIS
    wanted = set(hashes_at)
    for item in entries(store):
        found.length += 1
        if found.broken is not None:
            continue
        reason = check_link(item, found.head_seq + 1, prev)
        if reason is not None:
            found.broken = Break(found.head_seq + 1 if reason == "gap" else item.seq, reason)
            continue
        prev = entry_hash(prev, item.entry.encode("utf-8"))
        found.head_seq, found.head_hash = item.seq, prev
        if item.seq in wanted:
            found.hashes[item.seq] = prev
        if item.kind == "rebuilt":
            found.rebuilds.append(item)
        elif item.kind == "key":
            found.keys.append(item)
    return found


def check_link(  # noqa: PLR0911 - one return per kind of break
    item: Entry, expected_seq: int, prev: str
) -> str | None:
    """Why ``item`` does not follow an entry whose hash is ``prev``, or None."""
    if item.seq != expected_seq:
        return "gap"
    try:
        envelope = json.loads(item.entry)
        facts = json.loads(item.facts)
    except ValueError:
        return "unreadable"
    if not isinstance(envelope, dict) or set(envelope) != _ENTRY_KEYS or not isinstance(
        facts, dict
    ):
        return "unreadable"
    if envelope["seq"] != item.seq or envelope["kind"] != item.kind:
        return "unreadable"
    if envelope["prev"] != prev:
        return "follows"
    if envelope["facts"] != sha256_hex(item.facts.encode("utf-8")):
        return "facts"
    if item.hash != entry_hash(prev, item.entry.encode("utf-8")):
        return "hash"
    if item.recording_id is not None and facts.get("recording", facts.get("id")) != (
        item.recording_id
    ):
        return "recording"
    return None


# ---- copies: an export's segment, a backup's copy ----------------------------------------


def segment_files(
    store: Store, through: int, *, recording_ids: Collection[int] | None = None
) -> dict[str, bytes]:
    """The chain from its first entry to entry ``through``, as files:

    - ``entries.jsonl``: every entry, one canonical JSON a line, exactly as hashed;
    - ``facts.jsonl``: the facts (exactly as hashed) of the entries about the
      recordings ``recording_ids`` (all of them: every entry's facts), in order.

    Read in one transaction: the engine may append meanwhile. The public key,
    the signed head and the checker come from ``firmware.store.signing``.
    """
    wanted = None if recording_ids is None else set(recording_ids)
    lines, facts = [], []
    with reading(store):
        for item in entries(store, through=through):
            lines.append(item.entry.encode("utf-8") + b"\n")
            if wanted is None or (item.recording_id is not None and item.recording_id in wanted):
                facts.append(item.facts.encode("utf-8") + b"\n")
    return {"entries.jsonl": b"".join(lines), "facts.jsonl": b"".join(facts)}
