"""The archive worker: the engine's thread ``archive``, which compresses finished recordings
to Ogg Opus after the call and re-encodes old ones into the long-archive tier.

It takes the recordings waiting for a tier (``firmware.archive.tiers``:
finished, settled, not under legal hold; oldest first) one at a time and
transcodes each (``firmware.archive.transcode``). It never delays a line:
it runs at nice 19, the lowest priority a thread may set itself, decodes
and encodes a second of audio at a time, waits ``YIELD_S`` between
recordings, and writes the index in one short transaction per recording.

Nothing it meets stops it. A recording that cannot be read or written
(a damaged file) is logged, kept in ``state()`` and passed over for
``RETRY_FAILED_S``; a full disk makes it ask retention for room and wait
``DISK_FULL_WAIT_S``; a recording compressed whose sidecar or old file
could not be written or removed yet is finished at its next round. Its
state (how many wait, how many were done, the last problem) goes to the
``status`` command.

With ``device.encryption`` on it also encrypts each finished recording's
stored file to the box's public recordings key (``firmware.archive.encrypt``),
first of all its work and without the settle time: the plaintext stays on the
disk only while the call is recorded and until its next round (at most
``CHECK_INTERVAL_S`` after the recording ends). Compression then runs without
its settle time too, and a recording it will take waits for it (one round);
a recording whose compression failed, or every recording while libopusenc
is missing, is encrypted as it is. The engine needs no secret for this:
recording and encrypting never wait for the key to be unlocked.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace as _replace
from pathlib import Path

from firmware.archive import encrypt
from firmware.archive.crypt import CryptError, PublicKey, box_public_key
from firmware.archive.opus import OpusUnavailableError
from firmware.archive.tiers import SETTLE_S, Tiers
from firmware.archive.transcode import (
    CancelledError,
    DiskFullError,
    SupersededError,
    TranscodeError,
    finish,
    transcode,
)
from firmware.config import Config
from firmware.datafolder import DataFolder
from firmware.link.contract import ArchiveState
from firmware.store.db import RecordingRecord, Store

log = logging.getLogger(__name__)

CHECK_INTERVAL_S = 30.0  # how often the queue is looked at when it is empty
YIELD_S = 0.2  # between two recordings
RETRY_FAILED_S = 3600.0  # a recording that failed is tried again after this
DISK_FULL_WAIT_S = 60.0
UNAVAILABLE_WAIT_S = 3600.0  # libopusenc missing: said once, looked for again after this
LOWEST_PRIORITY = 19


class ArchiveService:
    """The archive worker of one engine: ``start``, ``stop``; ``wake`` and ``state`` from
    any thread."""

    def __init__(
        self,
        store: Store,
        recordings: Path,
        settings: Callable[[], Config | None],
        *,
        clock: Callable[[], float] = time.time,
        on_disk_full: Callable[[], None] = lambda: None,
        settle_s: float = SETTLE_S,
        folder: DataFolder | None = None,
    ) -> None:
        self.store = store
        self.recordings = Path(recordings)
        # Where the box's public recordings key is (the data folder around the recordings).
        self.folder = folder if folder is not None else DataFolder(self.recordings.parent)
        self._key_problem: str | None = None
        self.settings = settings  # the engine's configuration as it is now
        self.clock = clock
        self.on_disk_full = on_disk_full
        self.settle_s = settle_s
        # Read when made, so that a test may set the module's intervals first.
        self.check_interval_s = CHECK_INTERVAL_S
        self.yield_s = YIELD_S
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._state = ArchiveState()
        self._failed: dict[int, float] = {}  # recording id -> when it failed
        self._unfinished: dict[int, Path] = {}  # compressed; its old file still to remove
        self._paused_until = 0.0  # monotonic
        self._opus_missing_until = 0.0  # monotonic
        self._disk_full_until = 0.0  # monotonic: encryption waits for room, not for libopusenc
        self._encrypt_failed: dict[int, float] = {}  # recording id -> when it failed

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="archive", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop: a recording being encoded is given up (its temporary file removed, the
        recording left as it was); one past its encoding is finished first."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Look at the queue now (the settings changed)."""
        self._paused_until = 0.0
        self._disk_full_until = 0.0
        self._wake.set()

    def state(self) -> ArchiveState:
        with self._lock:
            return self._state

    # ---- the thread --------------------------------------------------------------------

    def _run(self) -> None:
        _lowest_priority()
        while not self._stopping.is_set():
            try:
                busy = self.run_once()
            except Exception:  # one bad round must never end the thread
                log.exception("archive: a round failed; the next one tries again")
                self._problem("the archive worker failed; see the engine's log")
                busy = False
            self._wake.wait(self.yield_s if busy else self.check_interval_s)
            self._wake.clear()

    def _tiers(self) -> Tiers | None:
        config = self.settings()
        if config is None:
            return None
        return Tiers.from_settings(config.device.archive)

    def run_once(self) -> bool:
        """One look at the queue, and at most one recording transcoded; True if one was
        taken (done or not), so that the next follows after a short yield."""
        tiers = self._tiers()
        now = self.clock()
        self._finish_unfinished()
        retry_after = now - RETRY_FAILED_S
        self._failed = {rid: at for rid, at in self._failed.items() if at > retry_after}
        self._encrypt_failed = {rid: at for rid, at in self._encrypt_failed.items()
                                if at > retry_after}
        public = self._public_key()
        if public is not None and self._encrypt_next(public, tiers, now):
            return True
        if tiers is None or not tiers.enabled:
            self._set(enabled=False, checked_at=now, waiting=0)
            return False
        settle_s = 0.0 if public is not None else self.settle_s
        waiting = tiers.waiting(self.store, now, settle_s)
        self._set(enabled=True, checked_at=now, waiting=waiting, failed=len(self._failed))
        if time.monotonic() < self._paused_until or not waiting:
            return False
        rows = tiers.next_waiting(self.store, now, settle_s,
                                  skip=frozenset(self._failed), limit=1)
        tier = tiers.tier_for(rows[0], now) if rows else None
        if tier is None:
            return False
        return self._transcode(rows[0], tier, tiers, now)

    def _disk_full(self, error: DiskFullError, step: str) -> bool:
        """No room to write the new file: retention is asked for room, and ``step``
        (compression or encryption) waits; nothing was changed."""
        self._paused_until = time.monotonic() + DISK_FULL_WAIT_S
        self._disk_full_until = self._paused_until
        log.warning("archive: %s; retention is asked for room, and %s waits %.0f s",
                    error, step, DISK_FULL_WAIT_S)
        self._problem(str(error))
        self.on_disk_full()
        return False

    def _transcode(self, row: RecordingRecord, tier: str, tiers: Tiers, now: float) -> bool:
        before = _size(self.recordings / row.path)
        try:
            done = transcode(self.store, self.recordings, row, tier, tiers.settings(tier),
                             now=now, cancelled=self._stopping.is_set)
        except DiskFullError as error:
            return self._disk_full(error, "compression")
        except (SupersededError, CancelledError) as error:
            log.info("archive: %s", error)
            return True
        except OpusUnavailableError as error:
            self._paused_until = time.monotonic() + UNAVAILABLE_WAIT_S
            self._opus_missing_until = self._paused_until
            log.error("archive: %s", error)
            self._problem(str(error))
            return False
        except TranscodeError as error:
            self._failed[row.id] = now
            log.error("archive: recording %d not compressed: %s; the others go on, it is "
                      "tried again in an hour", row.id, error)
            self._problem(str(error))
            return True
        if (self.recordings / done.source).exists():
            self._unfinished[row.id] = self.recordings / done.source
        log.info("archive: %s -> %s (%s tier, %d bytes, %.1f s of audio in %.2f s)",
                 done.source, done.path, tier, done.facts.bytes, done.seconds, done.elapsed_s)
        with self._lock:
            state = self._state
            self._state = _replace(
                state, done=state.done + 1, last_done_at=now, last_done=done.path,
                saved_bytes=state.saved_bytes + max(0, before - done.facts.bytes),
                waiting=max(0, state.waiting - 1),
            )
        return True

    def _public_key(self) -> PublicKey | None:
        """The box's public recordings key when encryption is on, else None; a key that is
        missing or unreadable is said once and kept as the last problem."""
        config = self.settings()
        if config is None or not config.device.encryption.enabled:
            self._key_problem = None
            return None
        try:
            public = box_public_key(self.folder)
            problem = None if public is not None else (
                f"encryption is on, but the box has no recordings key "
                f"({self.folder.recordings_public_key}): recordings stay plain until it is "
                "set up")
        except CryptError as error:
            public, problem = None, f"encryption is on, but {error}; recordings stay plain"
        if problem is not None and problem != self._key_problem:
            log.error("archive: %s", problem)
            self._problem(problem)
        self._key_problem = problem
        return public

    def _encrypt_next(self, public: PublicKey, tiers: Tiers | None, now: float) -> bool:
        """The oldest recording waiting to be encrypted, if any; True if one was taken."""
        if time.monotonic() < self._disk_full_until:
            return False
        compress_first = (tiers is not None and tiers.compress
                          and time.monotonic() >= self._opus_missing_until)
        rows = encrypt.next_waiting(self.store, now, compress_first=compress_first,
                                    compress_failed=frozenset(self._failed),
                                    skip=frozenset(self._encrypt_failed), limit=1)
        if not rows:
            return False
        row = rows[0]
        try:
            done = encrypt.encrypt_recording(self.store, self.recordings, row, public, now=now,
                                             cancelled=self._stopping.is_set)
        except DiskFullError as error:
            return self._disk_full(error, "encryption")
        except (SupersededError, CancelledError) as error:
            log.info("archive: %s", error)
            return True
        except TranscodeError as error:
            self._encrypt_failed[row.id] = now
            log.error("archive: recording %d not encrypted: %s; the others go on, it is "
                      "tried again in an hour", row.id, error)
            self._problem(str(error))
            return True
        if (self.recordings / done.source).exists():
            self._unfinished[row.id] = self.recordings / done.source
        log.info("archive: %s -> %s (encrypted, %d bytes in %.2f s)", done.source, done.path,
                 done.facts.bytes, done.elapsed_s)
        return True

    def _finish_unfinished(self) -> None:
        """Recordings compressed whose sidecar or old file could not be written or removed."""
        for recording_id, source in list(self._unfinished.items()):
            row = self.store.recording(recording_id)
            if row is None or (row.stored_format == "wav" and not row.stored_encrypted):
                del self._unfinished[recording_id]  # nothing of ours to finish
            elif finish(self.store, self.recordings, row, source):
                del self._unfinished[recording_id]

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._state = _replace(self._state, **changes)

    def _problem(self, message: str) -> None:
        self._set(last_problem=message, last_problem_at=self.clock())


def _lowest_priority() -> None:
    """Nice 19 for this thread alone (Linux gives each thread its own nice value)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)
    except (AttributeError, OSError) as error:
        log.warning("archive: cannot lower its priority: %s", error)


def _size(path: Path) -> int:
    try:
        return path.stat().st_blocks * 512
    except OSError:
        return 0
