"""One backup run to one target: what changed since the last run, copied, verified, marked.

A run, in order (``back_up``):

1. The target is reached and this box's folder in it (``<box-id>/``) made if new;
   what the folder holds is listed, and every file the database says was verified
   there but is gone or of another size (someone deleted or cut it) is sent again;
   with ``verify_all``, also every file whose hash there differs (read back and
   compared where the target offers no hash).
2. The files to send: each finished recording (as stored: ``.wav`` or ``.opus``) with
   its sidecar, each voicemail message kept (its WAV under ``voicemail/``), the public
   keys in ``keys/`` (never a private key), the prompts' sounds in ``prompts/`` and
   ``config.json``; a file already verified there with the same size and modification
   time is not sent again.
3. In batches (``BATCH_FILES``, ``BATCH_BYTES``): each file's SHA-256 and MD5 are
   computed on the box, rclone copies the batch (incremental: size and time), and
   every file is checked in the target (``firmware.backup.targets.VERIFIED_BY``); a
   file that fails is sent once more, unconditionally, and checked again. Only then
   are the batch's files recorded as verified and each recording whose file and
   sidecar both are, and each message whose file is, gets ``backed_up_at``, in one
   transaction. A run killed
   part-way leaves what it verified marked and what it copied in place; the next
   run sends only the rest.
4. A consistent snapshot of the database (SQLite's online backup,
   ``firmware.store.backups.backup_database``), taken now so that it holds this
   run's marks and every message's row (heard or not, deleted or not), is sent the
   same way; the target keeps the newest
   ``SNAPSHOTS_KEPT`` (older ones of this box are the only thing a run ever deletes
   there).
5. ``index.jsonl.gz`` (one line per recording the target holds: day, line, number,
   hashes, for ``linerec archive`` to search without downloading recordings),
   ``SHA256SUMS`` and ``MD5SUMS`` (every file's hashes) and last the manifest ``box.json`` (the
   box's id and name, the snapshot to restore) are written under temporary names
   and renamed, so a reader never finds one half written.

Layout in the target, under the target's folder::

    <box-id>/box.json                    the manifest, written last
    <box-id>/index.jsonl.gz              the recordings the target holds, for searching
    <box-id>/SHA256SUMS                  every file's SHA-256, as sha256sum writes them
    <box-id>/MD5SUMS                     and its MD5 (what most targets can report)
    <box-id>/config.json                 the configuration (no secret is ever in it)
    <box-id>/keys/chain-public.pem       the public files of keys/
    <box-id>/prompts/<token>.wav         the prompts' sounds (firmware.prompts)
    <box-id>/recordings/YYYY/MM/DD/...   each recording as stored, with its .json sidecar
    <box-id>/voicemail/YYYY/MM/...       each voicemail message (its row is in the snapshot)
    <box-id>/backups/db/linerec-<YYYYMMDD-HHMMSS>.db   database snapshots, the newest few

Everything mirrors the data folder's own paths, so a restore copies the folder
back as it is.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import firmware
from firmware.backup import ledger
from firmware.backup.ledger import Sent
from firmware.backup.rclone import Rclone, RcloneError
from firmware.backup.targets import (
    HASH_FOR,
    VERIFIED_BY,
    TargetError,
    box_identity,
    check_usb,
    describe,
    remote_root,
    target_named,
    write_rclone_config,
)
from firmware.config import BackupTarget, Config
from firmware.country.profiles import local_offset_s
from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.store.backups import BackupError as SnapshotError
from firmware.store.backups import backup_database
from firmware.store.db import Store
from firmware.store.files import make_folders

log = logging.getLogger(__name__)

BATCH_FILES = 200
BATCH_BYTES = 256 * 2**20
SNAPSHOTS_KEPT = 7
MANIFEST = "box.json"
INDEX = "index.jsonl.gz"
SUMS = "SHA256SUMS"
MD5_SUMS = "MD5SUMS"
FORMAT = 1
SNAPSHOT_PREFIX = "backups/db/"
PARTIAL = ".partial"  # a document of the backup on its way, before it takes its name
EXTRA_COPY_FLAGS: tuple[str, ...] = ()  # e.g. ("--bwlimit", "1M"), for a trial run
FINISHED = ("complete", "repaired")
AUDIO_SUFFIXES = (".wav", ".opus", ".oga", ".ewav", ".eopus", ".eoga")
_READ_SIZE = 1 << 20


class BackupRunError(LinerecError):
    """A run could not be made; the message names the target and the problem."""


class BackupBusyError(BackupRunError):
    """Another process is backing up to the same target right now."""


@dataclass
class RunReport:
    """What a run did: files sent and verified, recordings marked, what failed."""

    target: str
    where: str
    box_id: str
    verified_by: str
    files: int = 0  # sent and verified this run
    bytes: int = 0
    recordings_marked: int = 0  # got their backed_up_at this run
    recordings_held: int = 0  # recordings the target holds after the run
    messages_marked: int = 0  # voicemail messages that got their backed_up_at this run
    messages_held: int = 0  # voicemail messages the target holds after the run
    resent: list[str] = field(default_factory=list)  # gone or changed in the target
    vanished: list[str] = field(default_factory=list)  # gone from the box meanwhile
    failed: list[str] = field(default_factory=list)  # "path: why", not verified
    database: str | None = None  # the snapshot sent
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted


@dataclass(frozen=True)
class Wanted:
    path: str  # relative to the data folder
    recording: tuple[int, str] | None = None  # a recording's file: its id and index path
    message: tuple[int, str] | None = None  # a voicemail message's: its id and path


def wanted_files(folder: DataFolder, store: Store) -> list[Wanted]:
    """What a backup holds besides the snapshot, oldest recordings first: each finished
    recording as stored (whatever its format) after its sidecar, the voicemail messages
    not deleted (oldest first; each written once, whole, before its row), the public keys,
    the prompts' sounds (the files the table ``prompts`` names: never changed in place),
    the configuration. Files that are not there are left out."""
    rows = store.connection().execute(
        "SELECT id, path FROM recordings WHERE state IN ('complete', 'repaired') "
        "ORDER BY started_at, id"
    ).fetchall()
    wanted: list[Wanted] = []
    for recording_id, path in rows:
        stem = path.rsplit(".", 1)[0]
        sidecar = f"recordings/{stem}.json"
        audio = [f"recordings/{path}"] + [
            f"recordings/{stem}{suffix}" for suffix in AUDIO_SUFFIXES
            if f"{stem}{suffix}" != path
        ]
        present = [name for name in audio if (folder.root / name).is_file()]
        if not present or not (folder.root / sidecar).is_file():
            continue
        wanted.append(Wanted(sidecar))
        wanted.extend(Wanted(name, (recording_id, path)) for name in present)
    # A message's row comes after its file: one that has a row is whole, and the snapshot
    # this run sends after it holds the row.
    voicemail = folder.voicemail.relative_to(folder.root).as_posix()
    wanted.extend(
        Wanted(f"{voicemail}/{path}", message=(message_id, path))
        for message_id, path in store.connection().execute(
            "SELECT id, path FROM voicemails WHERE deleted_at IS NULL ORDER BY started_at, id"
        )
        if (folder.voicemail / path).is_file()
    )
    wanted.extend(Wanted(path) for path in public_keys(folder))
    prompts = folder.prompts.relative_to(folder.root).as_posix()
    wanted.extend(
        Wanted(f"{prompts}/{file}")
        for (file,) in store.connection().execute("SELECT file FROM prompts ORDER BY id")
        if (folder.prompts / file).is_file()
    )
    if folder.config.is_file():
        wanted.append(Wanted(folder.config.relative_to(folder.root).as_posix()))
    return wanted


def public_keys(folder: DataFolder) -> list[str]:
    """The files of ``keys/`` that hold a public key (a PEM ``PUBLIC KEY``, or an OpenSSH
    ``*.pub``) and nothing private: the box's public signing key and the retired ones. A
    private key never leaves the box, nor any file that is not plainly public."""
    found = []
    if not folder.keys.is_dir():
        return found
    for path in sorted(folder.keys.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            content = path.read_bytes()
        except OSError:  # a private key readable by another user only: not ours to send
            continue
        public = b"-----BEGIN PUBLIC KEY-----" in content or path.name.endswith(".pub")
        if public and b"PRIVATE" not in content:
            found.append(path.relative_to(folder.root).as_posix())
    return found


def file_facts(path: Path, relative: str) -> Sent | None:
    """A file's size, time and hashes, read once; None if it is gone."""
    sha256, md5 = hashlib.sha256(), hashlib.md5()  # MD5: what S3 and SFTP servers report
    try:
        with path.open("rb") as stream:
            stat = os.fstat(stream.fileno())
            while chunk := stream.read(_READ_SIZE):
                sha256.update(chunk)
                md5.update(chunk)
    except FileNotFoundError:
        return None
    return Sent(relative, stat.st_size, stat.st_mtime_ns, sha256.hexdigest(), md5.hexdigest())


@contextlib.contextmanager
def target_lock(folder: DataFolder, name: str) -> Iterator[None]:
    """One run to a target at a time, whichever process (engine, command line) runs it."""
    make_folders(folder.offsite_work)
    path = folder.offsite_work / f"{name}.lock"
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode("ascii", "replace").strip() or "unknown"
            raise BackupBusyError(
                f"a backup to {name!r} is already running (process {holder}); wait for it"
            ) from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(descriptor)


def rclone_for(
    folder: DataFolder, target: BackupTarget, niceness: int = 0,
    should_stop: Callable[[], bool] | None = None,
) -> Rclone:
    return Rclone(
        folder.rclone_config,
        folder.offsite_work,
        where=f"backup target {target.name!r} ({describe(target)})",
        niceness=niceness,
        should_stop=should_stop,
    )


def verify(
    rclone: Rclone, kind: str, source: str, remote: str, files: Sequence[Sent]
) -> tuple[list[Sent], dict[str, str]]:
    """Check ``files`` in ``remote`` against what the box computed: (verified, path -> why
    not). Sizes always; the hash the target offers (``HASH_FOR``); where it offers none,
    the file is read back and compared byte for byte."""
    if not files:
        return [], {}
    hash_type = HASH_FOR[kind]
    listing = rclone.list_files(remote, files=[sent.path for sent in files], hash_type=hash_type)
    verified: list[Sent] = []
    problems: dict[str, str] = {}
    read_back: list[Sent] = []
    for sent in files:
        entry = listing.get(sent.path)
        if entry is None:
            problems[sent.path] = "not in the target after copying"
            continue
        if entry.get("Size") != sent.size:
            problems[sent.path] = f"{entry.get('Size')} bytes in the target, {sent.size} on the box"
            continue
        got = str((entry.get("Hashes") or {}).get(hash_type or "", "")).lower()
        if not got:
            read_back.append(sent)
            continue
        expected = sent.sha256 if hash_type == "sha256" else sent.md5
        if got == expected:
            verified.append(sent)
        else:
            problems[sent.path] = f"its {hash_type.upper()} in the target differs from the box's"
    if read_back:
        outcome = rclone.check_by_reading(source, remote, [sent.path for sent in read_back])
        for sent in read_back:
            mark = outcome.get(sent.path)
            if mark == "=":
                verified.append(sent)
            else:
                problems[sent.path] = {
                    "*": "read back, it differs from the box's",
                    "+": "not in the target after copying",
                }.get(mark or "", "could not be read back from the target")
    return verified, problems


def _batches(files: Sequence[Wanted], sizes: dict[str, int]) -> Iterator[list[Wanted]]:
    batch: list[Wanted] = []
    size = 0
    for wanted in files:
        batch.append(wanted)
        size += sizes.get(wanted.path, 0)
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class _Run:
    """The state of one run (see the module's description for the steps)."""

    def __init__(
        self, folder: DataFolder, config: Config, target: BackupTarget, store: Store, *,
        clock: Callable[[], float], niceness: int, should_stop: Callable[[], bool],
    ) -> None:
        self.folder = folder
        self.config = config
        self.target = target
        self.store = store
        self.clock = clock
        self.should_stop = should_stop
        self.identity = box_identity(folder)
        self.rclone = rclone_for(folder, target, niceness, should_stop)
        self.remote = f"{remote_root(target)}/{self.identity.box_id}"
        self.source = str(folder.root)
        self.report = RunReport(
            target.name, describe(target), self.identity.box_id, VERIFIED_BY[target.kind]
        )
        self.run_id = 0

    # ---- steps --------------------------------------------------------------------------

    def reach(self, verify_all: bool) -> None:
        """Make the box's folder, and send again what the target lost or changed."""
        known = ledger.verified_files(self.store, self.target.name)
        hash_type = HASH_FOR[self.target.kind] if verify_all else None
        if not known:
            self.rclone.make_folder(self.remote)
        try:
            held = self.rclone.list_files(self.remote, hash_type=hash_type)
        except RcloneError:
            if not known:
                raise
            # The folder may be gone (someone emptied the target): make it, then look again.
            self.rclone.make_folder(self.remote)
            held = self.rclone.list_files(self.remote, hash_type=hash_type)
        lost = []
        unhashed = []
        for path, sent in known.items():
            entry = held.get(path)
            if entry is None or entry.get("Size") != sent.size:
                lost.append(path)
            elif verify_all:
                hash_type = HASH_FOR[self.target.kind]
                got = str((entry.get("Hashes") or {}).get(hash_type or "", "")).lower()
                expected = sent.sha256 if hash_type == "sha256" else sent.md5
                if not got:
                    unhashed.append(path)
                elif got != expected:
                    lost.append(path)
        if unhashed:  # no hash from the target (SMB, an SFTP server running no commands)
            outcome = self.rclone.check_by_reading(self.source, self.remote, unhashed)
            lost += [path for path in unhashed if outcome.get(path) == "*"]
        if lost:
            log.warning("%s: %d files gone or changed in the target; sending them again",
                        self.report.where, len(lost))
            ledger.forget(self.store, self.target.name, lost)
            self.report.resent = sorted(lost)

    def send(self, files: Sequence[Wanted]) -> None:
        known = ledger.verified_files(self.store, self.target.name)
        todo: list[Wanted] = []
        sizes: dict[str, int] = {}
        for wanted in files:
            try:
                stat = (self.folder.root / wanted.path).stat()
            except FileNotFoundError:
                continue
            sent = known.get(wanted.path)
            if sent is not None and (sent.size, sent.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                continue
            todo.append(wanted)
            sizes[wanted.path] = stat.st_size
        ledger.progress(self.store, self.run_id, files_total=len(todo),
                        bytes_total=sum(sizes.values()))
        for batch in _batches(todo, sizes):
            if self.should_stop():
                self.report.interrupted = True
                return
            self.send_batch(batch)

    def send_batch(self, batch: Sequence[Wanted]) -> list[Sent]:
        facts: list[Sent] = []
        recordings: dict[str, tuple[int, str]] = {}
        messages: dict[str, tuple[int, str]] = {}
        for wanted in batch:
            sent = file_facts(self.folder.root / wanted.path, wanted.path)
            if sent is None:
                self.report.vanished.append(wanted.path)
                continue
            facts.append(sent)
            if wanted.recording is not None:
                recordings[wanted.path] = wanted.recording
            if wanted.message is not None:
                messages[wanted.path] = wanted.message
        if not facts:
            return []
        paths = [sent.path for sent in facts]
        result = self.rclone.copy(self.source, self.remote, paths, extra=EXTRA_COPY_FLAGS)
        verified, problems = verify(self.rclone, self.target.kind, self.source, self.remote,
                                    facts)
        if problems and result.returncode != 0 and not verified:
            # Nothing went: the target itself failed (full, refused, gone); say why.
            raise self.rclone.error(result.stderr, "copying")
        if problems:
            again = [sent for sent in facts if sent.path in problems]
            self.rclone.copy(self.source, self.remote, [s.path for s in again], always=True,
                             extra=EXTRA_COPY_FLAGS)
            second, problems = verify(self.rclone, self.target.kind, self.source, self.remote,
                                      again)
            verified += second
        vanished = {path for path in problems if not (self.folder.root / path).exists()}
        self.report.vanished += sorted(vanished)
        self.report.failed += [f"{path}: {why}" for path, why in sorted(problems.items())
                               if path not in vanished]
        marked, messages_marked = ledger.mark_verified(
            self.store, self.target.name, verified, recordings, self.clock(), messages=messages
        )
        self.report.files += len(verified)
        self.report.bytes += sum(sent.size for sent in verified)
        self.report.recordings_marked += marked
        self.report.messages_marked += messages_marked
        ledger.progress(self.store, self.run_id, files_done=self.report.files,
                        bytes_done=self.report.bytes)
        return verified

    def send_snapshot(self) -> None:
        try:
            snapshot = backup_database(self.folder)
        except SnapshotError as error:
            raise BackupRunError(f"{self.report.where}: {error}") from error
        relative = snapshot.relative_to(self.folder.root).as_posix()
        ledger.progress(self.store, self.run_id, files_total=self._total() + 1,
                        bytes_total=self._bytes_total() + snapshot.stat().st_size)
        verified = self.send_batch([Wanted(relative)])
        if not verified:
            return
        self.report.database = relative
        snapshots = sorted(
            path for path in ledger.verified_files(self.store, self.target.name)
            if path.startswith(SNAPSHOT_PREFIX)
        )
        old = snapshots[:-SNAPSHOTS_KEPT]
        for path in old:
            with contextlib.suppress(RcloneError):  # tried again next run
                self.rclone.delete_file(f"{self.remote}/{path}")
                ledger.forget(self.store, self.target.name, [path])

    def _total(self) -> int:
        current = ledger.run(self.store, self.run_id)
        return current.files_total if current else 0

    def _bytes_total(self) -> int:
        current = ledger.run(self.store, self.run_id)
        return current.bytes_total if current else 0

    def write_index(self) -> None:
        """index.jsonl.gz, SHA256SUMS, then box.json: under temporary names, then renamed."""
        held = ledger.verified_files(self.store, self.target.name)
        offset = local_offset_s(self.config.device.country, self.config.device.time_zone)
        lines = []
        rows = self.store.connection().execute(
            "SELECT r.id, r.path, r.line, r.started_at, r.ended_at, r.samples, r.encoding, "
            "r.sha256, r.state, r.call_id, c.direction, c.outcome, c.number, c.number_e164, "
            "c.name, c.duration_s FROM recordings r LEFT JOIN calls c ON c.id = r.call_id "
            "ORDER BY r.started_at, r.id"
        ).fetchall()
        for row in rows:
            (recording_id, path, line, started_at, ended_at, samples, encoding, sha256, state,
             call_id, direction, outcome, number, number_e164, name, duration_s) = row
            stem = path.rsplit(".", 1)[0]
            stored = next(
                (f"recordings/{stem}{suffix}" for suffix in (f".{path.rsplit('.', 1)[-1]}",
                                                              *AUDIO_SUFFIXES)
                 if f"recordings/{stem}{suffix}" in held),
                None,
            )
            if stored is None:
                continue
            sent = held[stored]
            local = time.gmtime(started_at + offset)
            lines.append({
                "id": recording_id, "path": stored, "sidecar": f"recordings/{stem}.json",
                "day": time.strftime("%Y-%m-%d", local), "time": time.strftime("%H:%M:%S", local),
                "line": line, "started_at": started_at, "ended_at": ended_at,
                "samples": samples, "encoding": encoding, "state": state, "call_id": call_id,
                "direction": direction, "outcome": outcome, "number": number,
                "number_e164": number_e164, "name": name, "duration_s": duration_s,
                "size": sent.size, "sha256": sent.sha256, "md5": sent.md5,
                "recorded_sha256": sha256,
            })
        self.report.recordings_held = len(lines)
        voicemail = self.folder.voicemail.relative_to(self.folder.root).as_posix()
        self.report.messages_held = sum(
            f"{voicemail}/{path}" in held
            for (path,) in self.store.connection().execute("SELECT path FROM voicemails")
        )
        work = self.folder.offsite_work / self.target.name
        make_folders(work)
        index = gzip.compress(
            "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n"
                    for line in lines).encode("utf-8"),
            mtime=0,
        )
        sums = "".join(f"{sent.sha256}  {path}\n" for path, sent in sorted(held.items()))
        md5_sums = "".join(f"{sent.md5}  {path}\n" for path, sent in sorted(held.items()))
        database = self.report.database or max(
            (path for path in held if path.startswith(SNAPSHOT_PREFIX)), default=None
        )
        manifest = {
            "format": FORMAT,
            "box_id": self.identity.box_id,
            "hostname": self.identity.hostname,
            "software": firmware.__version__,
            "backed_up_at": self.clock(),
            "utc_offset_s": offset,
            "database": database,
            "database_sha256": held[database].sha256 if database in held else None,
            "config": "config.json" if "config.json" in held else None,
            "index": INDEX,
            "index_sha256": hashlib.sha256(index).hexdigest(),
            "sums": SUMS,
            "sums_sha256": hashlib.sha256(sums.encode()).hexdigest(),
            "md5_sums": MD5_SUMS,
            "recordings": len(lines),
            "voicemails": self.report.messages_held,
            "files": len(held),
            "bytes": sum(sent.size for sent in held.values()),
            "verified_by": self.report.verified_by,
        }
        documents = (
            (INDEX, index),
            (SUMS, sums.encode("utf-8")),
            (MD5_SUMS, md5_sums.encode("utf-8")),
            (MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")),
        )
        # All four go under temporary names in one copy, are checked, and then take their
        # names, the manifest last: a reader finds the old set or the new, never half a file.
        partials = []
        for name, data in documents:
            local = work / f"{name}{PARTIAL}"
            local.write_bytes(data)
            partials.append(file_facts(local, local.name))
        self.rclone.copy(str(work), self.remote, [sent.path for sent in partials], always=True)
        _, problems = verify(self.rclone, self.target.kind, str(work), self.remote, partials)
        if problems:
            path, why = next(iter(problems.items()))
            raise BackupRunError(f"{self.report.where}: {path}: {why}")
        for name, _ in documents:
            self.rclone.run(["moveto", f"{self.remote}/{name}{PARTIAL}", f"{self.remote}/{name}"],
                            timeout=600)


def back_up(
    folder: DataFolder,
    config: Config,
    name: str,
    *,
    store: Store,
    clock: Callable[[], float] = time.time,
    niceness: int = 0,
    verify_all: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> RunReport:
    """Back ``folder`` up to target ``name`` of ``config`` now (see the module). Raises
    BackupBusyError when another process is at it, TargetError for a target that cannot
    be used as set up, RcloneError or BackupRunError when the target fails; files that
    could not be verified are listed in the report (``failed``), the run's outcome is in
    the database either way."""
    target = target_named(config, name)
    if target.kind == "usb":
        check_usb(target, folder)
    write_rclone_config(folder, config.device.backup)
    with target_lock(folder, name):
        work = _Run(folder, config, target, store, clock=clock, niceness=niceness,
                    should_stop=should_stop)
        work.run_id = ledger.start_run(store, name, clock())
        ledger.progress(store, work.run_id, verified_by=work.report.verified_by)
        try:
            work.reach(verify_all)
            work.send(wanted_files(folder, store))
            if not work.report.interrupted:
                work.send_snapshot()
                work.write_index()
        except (RcloneError, TargetError, BackupRunError, OSError) as error:
            message = str(error) if not isinstance(error, OSError) else (
                f"{work.report.where}: {error.filename or ''}: {error.strerror or error}"
            )
            ledger.finish_run(store, work.run_id, "failed", clock(), message)
            if isinstance(error, OSError):
                raise BackupRunError(message) from error
            raise
        except BaseException:
            ledger.finish_run(store, work.run_id, "interrupted", clock(), "stopped part-way")
            raise
        report = work.report
        if report.interrupted:
            outcome, error = "interrupted", "stopped part-way (the engine stopped)"
        elif report.failed:
            outcome = "failed"
            error = (f"{len(report.failed)} files could not be verified in the target; "
                     f"first: {report.failed[0]}")
        else:
            outcome, error = "verified", None
        ledger.finish_run(store, work.run_id, outcome, clock(), error)
        log.info("backup to %s: %s, %d files (%d bytes) sent and verified, %d recordings "
                 "and %d voicemail messages newly backed up", report.where, outcome,
                 report.files, report.bytes, report.recordings_marked, report.messages_marked)
        return report


def try_target(folder: DataFolder, config: Config, name: str) -> str:
    """Reach target ``name`` as a run would (and write a small file there, then remove
    it); one line saying what was found, or an error naming the problem."""
    target = target_named(config, name)
    if target.kind == "usb":
        check_usb(target, folder)
    write_rclone_config(folder, config.device.backup)
    rclone = rclone_for(folder, target)
    root = remote_root(target)
    rclone.make_folder(root)
    probe_name = f".linerec-probe-{box_identity(folder).box_id}"
    work = folder.offsite_work
    make_folders(work)
    probe = work / probe_name
    probe.write_text("linerec connection test\n", encoding="ascii")
    try:
        rclone.run(["copyto", str(probe), f"{root}/{probe_name}"], timeout=120)
        rclone.delete_file(f"{root}/{probe_name}")
    finally:
        probe.unlink(missing_ok=True)
    folders = rclone.list_folders(root)
    return f"{rclone.where}: reached and writable; {len(folders)} folders at its top"


__all__ = [
    "BackupBusyError",
    "BackupRunError",
    "RunReport",
    "back_up",
    "public_keys",
    "try_target",
    "verify",
    "wanted_files",
]
