"""Checking the archive: files against the index and the hash chain, the chain against itself
and its signatures. What ``linerec verify`` prints and the web's *Verify integrity* shows.

For each recording asked about:

- its file's SHA-256 against what the chain says the stored file is (the
  original WAV's hash from its ``recording`` entry, or the latest ``stored``
  entry's when it was transcoded), and the index's hashes against the chain's;
- the index's facts (hash, length, encoding, line, times, call, number,
  path) against its ``recording`` entry, and its sidecar's hash;
- a recording deleted by retention against its tombstone; a file that is
  gone without one is *missing*, never taken for a deletion.

For the chain: every link from the first entry to the head
(``firmware.store.chain.walk``), and every signature of the head against the
key that made it (the box's, a retired one, or one a ``key`` entry
announced) and against the entry it names (a signature of an entry the chain
no longer holds, or holds changed, shows a rewrite or a cut). Entries
appended after a database rebuild for recordings made before it are named.

Every finding is a ``Text``: an English sentence with ``{named}`` values,
which the web shows in the reader's language (``webui/messages_zh.py``) and
the command line as it is.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from firmware.datafolder import DataFolder
from firmware.store import chain, signing
from firmware.store.db import RecordingRecord, Store
from firmware.store.recordings import file_sha256, read_sidecar

log = logging.getLogger(__name__)

SIGN_EVERY_NOTE = "the engine signs every 10 minutes"


@dataclass(frozen=True)
class Text:
    """A finding as an English sentence with ``{named}`` values (shown translated)."""

    text: str
    values: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text.format(**self.values)


# Each recording's verdict, the sentence that names it, and whether it is a problem.
VERDICTS: dict[str, tuple[str, bool]] = {
    "intact": ("intact: its file's SHA-256 is the one in the index and in the chain "
               "(entry {seq})", False),
    "intact_stored": ("intact: its stored {format} file's SHA-256 is the one in the index and "
                      "in the chain (entry {seq}); the original's stays in entry {original}",
                      False),
    "changed": ("changed: its file's SHA-256 is {found}; the chain (entry {seq}) says "
                "{expected}", True),
    "missing": ("missing: its file is not there, and retention did not delete it", True),
    "deleted": ("deleted by retention on {date}: {reason}; its signed tombstone is entry "
                "{seq}", False),
    "deleted_unsigned": ("deleted by retention on {date}: {reason}; its tombstone is entry "
                         "{seq}, not signed yet", False),
    "deleted_untold": ("deleted, but the chain holds no tombstone for it: the index says "
                       "retention deleted it on {date} ({reason})", True),
    "recording": ("still being recorded: it is chained when it ends", False),
    "waiting": ("finished while its call goes on: it is chained when the call ends", False),
    "unchained": ("not in the chain yet: the engine chains a finished recording within "
                  "seconds, and at its next start", True),
    "metadata": ("its facts in the index differ from the chain's (entry {seq}): {fields}",
                 True),
    "after_break": ("its entry {seq} is not on the intact part of the chain (broken at entry "
                    "{broken}): the chain proves nothing about it", True),
}
NOT_SIGNED_YET = "its entry is not signed yet ({note})"
RECHAINED = ("chained again (entry {seq}) after the database was rebuilt (entry {rebuilt}): "
             "the chain holds what its sidecar said, not what was chained when it was recorded")

BREAKS = {
    "gap": "the chain is broken at entry {seq}: it is missing (the entries skip it)",
    "unreadable": "the chain is broken at entry {seq}: it cannot be read as an entry",
    "follows": "the chain is broken at entry {seq}: it does not follow the entry before it "
               "(an entry was changed, removed or put in between)",
    "facts": "the chain is broken at entry {seq}: its facts were changed after it was written",
    "hash": "the chain is broken at entry {seq}: its hash is not its contents' hash",
    "recording": "the chain is broken at entry {seq}: it was moved to another recording",
}
CHAIN_INTACT = "links intact from entry 1 to {head}"
CHAIN_EMPTY = "the chain is empty: nothing was recorded yet"
SIGNATURE_VALID = ("the newest valid signature covers entry {seq} ({date}, key {key}); "
                   "signatures checked: {count}")
SIGNATURE_INVALID = "the signature of entry {seq} ({date}, key {key}) is invalid: it was not " \
                    "made by that key over this message"
SIGNATURE_REWRITTEN = ("the signature of entry {seq} ({date}, key {key}) does not match the "
                       "chain: entry {seq} is not the one that was signed (the chain was "
                       "rewritten)")
SIGNATURE_BEYOND = ("a signature covers entry {seq} ({date}, key {key}), but the chain ends at "
                    "entry {head}: entries were removed from its end")
SIGNATURE_UNKNOWN_KEY = ("the signature of entry {seq} ({date}) is by key {key}, which this box "
                         "does not know")
NOTHING_SIGNED = "the chain is not signed yet"
UNSIGNED_TAIL = "entries {first} to {last} are not signed yet (" + SIGN_EVERY_NOTE + ")"
REBUILT = ("the database was rebuilt at entry {seq} ({date}, from {snapshot}): entries {first} "
           "to {last} were appended after it, {count} of them for recordings made before it, "
           "chained again from their sidecars")
REBUILT_EMPTY = "from no snapshot (empty)"
SIGNATURES_REMOVED = ("no valid signature covers entry {seq}, where the signing key was made "
                      "and signed the chain: signatures were removed or rewritten")
UNSIGNED_TOO_LONG = ("entries {first} to {last} have waited for a signature since {date}, "
                     "longer than an hour: signatures were removed, or the box does not sign")
UNSIGNED_LIMIT_S = 3600.0
KEY_LOST = ("the signing key changed at entry {seq} without the old key's signature (the old "
            "key was lost)")


@dataclass(frozen=True)
class SignatureCheck:
    seq: int
    key: str
    signed_at: float
    verdict: str  # valid, invalid, rewritten, beyond, unknown_key, after_break


@dataclass
class ChainCheck:
    """The chain as a whole: its links, its signatures, its key."""

    walk: chain.Walk
    signatures: list[SignatureCheck]
    signed_seq: int  # the highest entry a valid signature covers (0: none)
    key: signing.KeyStatus
    notes: list[Text] = field(default_factory=list)
    problems: list[Text] = field(default_factory=list)
    rechained: dict[int, int] = field(default_factory=dict)  # recording id -> rebuilt entry

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class RecordingCheck:
    """One recording: its verdict (a key of ``VERDICTS``), the hashes seen, and the texts
    (the verdict's sentence first, then notes)."""

    recording_id: int
    verdict: str
    texts: tuple[Text, ...]
    file_sha256: str | None = None
    expected_sha256: str | None = None  # the stored file's, as the chain says
    index_sha256: str | None = None  # the original's, in the index
    sidecar_sha256: str | None = None
    stored_format: str | None = None
    entry_seq: int | None = None
    signed: bool = False

    @property
    def problem(self) -> bool:
        return VERDICTS[self.verdict][1]


@dataclass
class IntegrityReport:
    chain: ChainCheck
    recordings: list[RecordingCheck]
    unknown: list[int] = field(default_factory=list)  # ids asked for that the index lacks

    @property
    def problems(self) -> int:
        return len(self.chain.problems) + sum(check.problem for check in self.recordings)

    @property
    def intact(self) -> bool:
        return not self.problems


def _default_when(at: float | None) -> str:
    return "-" if at is None else time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at))


def verify(
    folder: DataFolder,
    store: Store,
    recording_ids: Iterable[int] | None = None,
    *,
    when: Callable[[float | None], str] = _default_when,
    now: float | None = None,
) -> IntegrityReport:
    """Check the chain and the recordings ``recording_ids`` (every one in the index,
    deleted ones included, if None); ``when`` writes a moment for the texts, ``now``
    (the clock's) is when unsigned entries are judged from.

    All of it in one read transaction, so that what the engine appends meanwhile
    never looks like a break or a recording missing from the chain (the database's
    write-ahead log grows by what is written meanwhile, and shrinks after).
    """
    with chain.reading(store):
        checked = check_chain(folder, store, when=when, now=now)
        if recording_ids is None:
            rows = store.recordings(include_deleted=True)
            unknown: list[int] = []
        else:
            rows, unknown = [], []
            for recording_id in recording_ids:
                row = store.recording(recording_id)
                if row is None:
                    unknown.append(recording_id)
                else:
                    rows.append(row)
        stored_columns = _stored_columns(store)
        recordings = [
            check_recording(folder, store, row, checked, when=when,
                            stored=_stored_of(store, row.id, stored_columns))
            for row in rows
        ]
    return IntegrityReport(checked, recordings, unknown)


# ---- the chain ---------------------------------------------------------------------------


def check_chain(
    folder: DataFolder,
    store: Store,
    *,
    when: Callable[[float | None], str] = _default_when,
    now: float | None = None,
) -> ChainCheck:
    """The chain's links from the start to the head, and every signature over it."""
    stored = chain.signatures(store)
    walked = chain.walk(store, hashes_at={item.seq for item in stored})
    checked = ChainCheck(walked, [], 0, signing.key_status(folder, store))
    if walked.broken is not None:
        checked.problems.append(Text(BREAKS[walked.broken.reason], {"seq": walked.broken.seq}))
    elif walked.length:
        checked.notes.append(Text(CHAIN_INTACT, {"head": walked.head_seq}))
    else:
        checked.notes.append(Text(CHAIN_EMPTY))
    keys = signing.public_keys(folder, store)
    for item in stored:
        verdict = _signature_verdict(item, walked, keys)
        checked.signatures.append(SignatureCheck(item.seq, item.key, item.signed_at, verdict))
        values = {"seq": item.seq, "date": when(item.signed_at), "key": signing.grouped(item.key),
                  "head": walked.head_seq}
        if verdict == "valid":
            checked.signed_seq = max(checked.signed_seq, item.seq)
        elif verdict != "after_break":
            text = {"invalid": SIGNATURE_INVALID, "rewritten": SIGNATURE_REWRITTEN,
                    "beyond": SIGNATURE_BEYOND, "unknown_key": SIGNATURE_UNKNOWN_KEY}[verdict]
            checked.problems.append(Text(text, values))
    _signing_notes(checked, len(stored), when)
    _unsigned_problems(store, checked, when, time.time() if now is None else now)
    _rebuild_notes(store, checked, when)
    for item in walked.keys:
        if item.fact.get("reason") == signing.LOST_KEY_REASON:
            checked.notes.append(Text(KEY_LOST, {"seq": item.seq}))
    return checked


def _signing_notes(checked: ChainCheck, count: int, when: Callable) -> None:
    """The newest valid signature, and what no signature covers yet (and why, if the
    key is the reason)."""
    newest = max((s for s in checked.signatures if s.verdict == "valid"),
                 key=lambda s: (s.seq, s.signed_at), default=None)
    if newest is not None:
        checked.notes.append(Text(SIGNATURE_VALID, {
            "seq": newest.seq, "date": when(newest.signed_at),
            "key": signing.grouped(newest.key), "count": count,
        }))
    if checked.key.problem:  # the key is missing or unreadable: nothing new gets signed
        checked.problems.append(Text("{problem}", {"problem": checked.key.problem}))
    intact_through = checked.walk.intact_through
    if checked.walk.broken or not checked.walk.length or checked.signed_seq >= intact_through:
        return  # a broken chain: the break is what matters, not what is signed
    if checked.signed_seq == 0:
        checked.notes.append(Text(NOTHING_SIGNED))
    else:
        checked.notes.append(Text(UNSIGNED_TAIL, {
            "first": checked.signed_seq + 1, "last": intact_through,
        }))


def _unsigned_problems(store: Store, checked: ChainCheck, when: Callable, now: float) -> None:
    """What no signature covers though it should: the entries before the key was made
    (the first signature follows its ``key`` entry), and entries long unsigned (the
    engine signs every 10 minutes, and at start and stop). Either way signatures were
    removed, or the box cannot sign (said already when the key is the reason)."""
    walked = checked.walk
    if walked.broken or checked.key.problem or checked.signed_seq >= walked.head_seq:
        return
    first_key = walked.keys[0].seq if walked.keys else None
    if first_key is not None and checked.signed_seq < first_key:
        checked.problems.append(Text(SIGNATURES_REMOVED, {"seq": first_key}))
        return
    first = chain.entry(store, checked.signed_seq + 1)
    if first is not None and now - first.at > UNSIGNED_LIMIT_S:
        checked.problems.append(Text(UNSIGNED_TOO_LONG, {
            "first": first.seq, "last": walked.head_seq, "date": when(first.at),
        }))


def _signature_verdict(item: chain.Signature, walked: chain.Walk, keys: dict) -> str:
    try:
        message = json.loads(item.message)
        seq, hash_hex, key = message["seq"], message["hash"], message["key"]
    except (ValueError, KeyError, TypeError):
        return "invalid"
    public = keys.get(key)
    if public is None:
        return "unknown_key"
    try:
        good = signing.check_signature(public, item.message.encode("utf-8"),
                                       item.signature_bytes)
    except ValueError:  # not base64
        good = False
    if not good or seq != item.seq or key != item.key:
        return "invalid"
    if walked.broken is None and seq > walked.head_seq:
        return "beyond"
    if seq > walked.intact_through:
        return "after_break"  # nothing to match it with: the break is the finding
    return "valid" if walked.hashes.get(seq) == hash_hex else "rewritten"


def _rebuild_notes(store: Store, checked: ChainCheck, when: Callable) -> None:
    """Name what was appended after each database rebuild, and the recordings chained
    again then (made before the rebuild)."""
    rebuilds = checked.walk.rebuilds
    for index, rebuilt in enumerate(rebuilds):
        until = rebuilds[index + 1].seq - 1 if index + 1 < len(rebuilds) else (
            checked.walk.intact_through
        )
        count = 0
        rows = store.connection().execute(
            "SELECT seq, recording_id, facts FROM chain WHERE kind = 'recording' AND seq > ? "
            "AND seq <= ? ORDER BY seq",
            (rebuilt.seq, until),
        )
        for _seq, recording_id, facts in rows:
            try:
                ended_at = json.loads(facts).get("ended_at")
            except ValueError:
                continue
            if ended_at is not None and ended_at < rebuilt.at:
                checked.rechained[recording_id] = rebuilt.seq
                count += 1
        snapshot = rebuilt.fact.get("snapshot") or REBUILT_EMPTY
        checked.notes.append(Text(REBUILT, {
            "seq": rebuilt.seq, "date": when(rebuilt.at), "snapshot": snapshot,
            "first": rebuilt.seq + 1, "last": until, "count": count,
        }))


# ---- one recording -----------------------------------------------------------------------


def _stored_columns(store: Store) -> tuple[str, ...]:
    """The index's columns for a transcoded recording's stored file, if it has them."""
    names = {row[1] for row in store.connection().execute("PRAGMA table_info(recordings)")}
    return tuple(name for name in ("stored_format", "stored_sha256") if name in names)


def _stored_of(store: Store, recording_id: int, columns: tuple[str, ...]) -> dict:
    if not columns:
        return {}
    row = store.connection().execute(
        f"SELECT {', '.join(columns)} FROM recordings WHERE id = ?", (recording_id,)
    ).fetchone()
    return dict(zip(columns, row, strict=True)) if row else {}


def recording_file(root: Path, relative: str) -> Path | None:
    """The file ``relative`` names inside ``root``, or None if it is not there or would
    lead outside the folder (a tampered index row)."""
    top = Path(root).resolve()
    if not relative or "\0" in relative or Path(relative).is_absolute():
        log.warning("recording path %r refused: it leads outside the recordings folder",
                    relative)
        return None
    try:
        resolved = (top / relative).resolve()
    except (OSError, RuntimeError):
        return None
    if resolved == top or not resolved.is_relative_to(top):
        log.warning("recording path %r refused: it leads outside the recordings folder",
                    relative)
        return None
    return resolved if resolved.is_file() else None


def check_recording(  # noqa: PLR0911 - one return per verdict
    folder: DataFolder,
    store: Store,
    row: RecordingRecord,
    checked: ChainCheck,
    *,
    when: Callable[[float | None], str] = _default_when,
    stored: dict | None = None,
) -> RecordingCheck:
    """One recording against the chain (checked by ``check_chain`` in the same read)."""
    stored = stored or {}
    own = chain.entries_of(store, row.id)
    recorded = next((item for item in own if item.kind == "recording"), None)
    transcoded = [item for item in own if item.kind == "stored"]
    tombstone = next((item for item in own if item.kind == "deleted"), None)
    intact_through = checked.walk.intact_through

    def done(verdict: str, values: dict, **found) -> RecordingCheck:
        texts = [Text(VERDICTS[verdict][0], values)]
        seq = found.get("entry_seq")
        signed = seq is not None and seq <= checked.signed_seq
        if seq is not None and not signed and verdict not in ("after_break", "deleted_unsigned"):
            texts.append(Text(NOT_SIGNED_YET, {"note": SIGN_EVERY_NOTE}))
        if row.id in checked.rechained:
            texts.append(Text(RECHAINED, {"seq": recorded.seq if recorded else "-",
                                          "rebuilt": checked.rechained[row.id]}))
        return RecordingCheck(row.id, verdict, tuple(texts), index_sha256=row.sha256,
                              signed=signed, **found)

    if row.state == "recording":
        return done("recording", {})
    if row.state == "deleted":
        if tombstone is None:
            return done("deleted_untold", {"date": when(row.deleted_at),
                                           "reason": row.delete_reason or "-"})
        if tombstone.seq > intact_through:
            return done("after_break", {"seq": tombstone.seq, "broken": intact_through + 1},
                        entry_seq=tombstone.seq)
        facts = tombstone.fact
        signed = tombstone.seq <= checked.signed_seq
        return done("deleted" if signed else "deleted_unsigned",
                    {"date": when(facts.get("deleted_at")), "reason": facts.get("reason"),
                     "seq": tombstone.seq}, entry_seq=tombstone.seq)
    path = recording_file(folder.recordings, row.path)
    found_sha256 = file_sha256(path) if path is not None else None
    sidecar = read_sidecar(path) if path is not None else None
    sidecar_sha256 = sidecar.get("sha256") if isinstance(sidecar, dict) else None
    if recorded is None:
        if path is None:
            verdict = "missing"
        else:
            verdict = "waiting" if chain.call_goes_on(store, row.id) else "unchained"
        return done(verdict, {}, file_sha256=found_sha256, sidecar_sha256=sidecar_sha256)
    latest = transcoded[-1] if transcoded else None
    last_seq = max(item.seq for item in (recorded, *transcoded))
    facts = recorded.fact
    expected = latest.fact.get("sha256") if latest else facts.get("sha256")
    found = {"file_sha256": found_sha256, "expected_sha256": expected,
             "sidecar_sha256": sidecar_sha256, "entry_seq": last_seq,
             "stored_format": latest.fact.get("format") if latest else None}
    if last_seq > intact_through:
        return done("after_break", {"seq": last_seq, "broken": intact_through + 1}, **found)
    if path is None:
        return done("missing", {}, **found)
    if found_sha256 != expected:
        return done("changed", {"found": found_sha256, "expected": expected,
                                "seq": last_seq}, **found)
    differences = _differences(store, row, facts=facts, latest=latest, stored=stored,
                               sidecar_sha256=sidecar_sha256)
    if differences:
        return done("metadata", {"fields": "; ".join(differences), "seq": recorded.seq},
                    **found)
    if latest is not None:
        return done("intact_stored", {"format": _stored_form(latest), "seq": latest.seq,
                                      "original": recorded.seq}, **found)
    return done("intact", {"seq": recorded.seq}, **found)


def _stored_form(entry: chain.Entry) -> str:
    """A stored file's format as a report names it: "opus", or "opus (encrypted)" for one
    encrypted at rest (checked as stored: no key is needed)."""
    shown = str(entry.fact.get("format"))
    return f"{shown} (encrypted)" if entry.fact.get("encrypted") else shown


def _differences(
    store: Store,
    row: RecordingRecord,
    *,
    facts: dict,
    latest: chain.Entry | None,
    stored: dict,
    sidecar_sha256: str | None,
) -> list[str]:
    """Where the index (and the sidecar) no longer say what the chain says, field by field:
    "line: index 2, chain 1"."""
    call = store.call(row.call_id) if row.call_id is not None else None
    index = {
        "sha256": row.sha256,
        "samples": row.samples,
        "encoding": row.encoding,
        "line": row.line,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "call_id": row.call_id,
        "number": call.number if call is not None else facts.get("number"),
        "path": row.path,
    }
    said = dict(facts)
    if latest is not None and latest.fact.get("path"):
        said["path"] = latest.fact["path"]  # the stored file's own name since it changed
    differences = [
        f"{name}: index {index[name]!r}, chain {said.get(name)!r}"
        for name in chain.RECORDING_FACTS
        if index[name] != said.get(name)
    ]
    chain_stored = latest.fact.get("sha256") if latest is not None else None
    if stored.get("stored_sha256") and stored["stored_sha256"] != chain_stored:
        differences.append(
            f"stored_sha256: index {stored['stored_sha256']!r}, chain {chain_stored!r}"
        )
    if sidecar_sha256 and sidecar_sha256 not in (facts.get("sha256"), chain_stored):
        differences.append(f"sidecar sha256: {sidecar_sha256!r}, chain {facts.get('sha256')!r}")
    return differences
