"""The chain service: the engine's thread ``chain``, which appends each finished recording to
the archive's hash chain and signs the chain's head (``firmware.store.chain``,
``firmware.store.signing``).

The lines never wait for it: a recording is finished by its line as before,
and this thread finds it in the index within ``SCAN_EVERY_S`` (the
recordings from the lowest one still open, so a look costs a few rows) and
appends its entry, oldest finish first; once an hour, and at start, it looks
through the whole index (a recording found again after being missing, one a
crash left unchained). It signs the head every ``SIGN_EVERY_S`` when
something was appended, at start when the head is not signed, and at stop.

Nothing it meets stops it or reaches a line: a store error is logged, kept
in the engine's storage problems and tried again after a back-off; a signing
key that cannot be used (missing, unreadable) is logged once, shown on the
health page, and signing resumes by itself once the key is back.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable

from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.store import chain
from firmware.store.db import Store
from firmware.store.sign_head import ChildSigner
from firmware.store.signing import KeyUnavailableError

log = logging.getLogger(__name__)

SCAN_EVERY_S = 2.0  # how soon a finished recording is chained
FULL_SCAN_EVERY_S = 3600.0  # the whole index looked through again
SIGN_EVERY_S = 600.0  # the head signed this often, when something was appended
RETRY_MOST_S = 60.0  # after an error, tried again after 1 s, doubling up to this


class ChainService:
    """Chaining and signing for one engine: ``start``, ``stop``; ``poke`` from any thread."""

    def __init__(
        self,
        store: Store,
        folder: DataFolder,
        on_problem: Callable[[BaseException], None] = lambda error: None,
        *,
        clock: Callable[[], float] = time.time,
        scan_every_s: float = SCAN_EVERY_S,
        sign_every_s: float = SIGN_EVERY_S,
    ) -> None:
        self.store = store
        self.folder = folder
        self.on_problem = on_problem
        self.clock = clock
        self.scan_every_s = scan_every_s
        self.sign_every_s = sign_every_s
        # Each signature in a child process: cryptography never stays in the engine.
        self.signer = ChildSigner(folder)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._from_id = 0
        self._key_problem: str | None = None  # said once in the log until it changes
        self.appended = 0  # entries appended since start (for the tests and the log)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="chain", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Chain what finished last, sign the head, and end the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def poke(self) -> None:
        """Look for finished recordings now (rather than at the next scan)."""
        self._wake.set()

    # ---- the thread --------------------------------------------------------------------

    def _run(self) -> None:
        next_full = time.monotonic()
        next_sign = time.monotonic()  # at start: a head a crash left unsigned
        retry = 0.0
        while True:
            stopping = self._stop.is_set()
            try:
                if time.monotonic() >= next_full or stopping:
                    self._from_id = 0
                    next_full = time.monotonic() + FULL_SCAN_EVERY_S
                self._catch_up()
                if stopping or time.monotonic() >= next_sign:
                    self._sign()
                    next_sign = time.monotonic() + self.sign_every_s
                retry = 0.0
            except (sqlite3.Error, LinerecError, OSError) as error:
                retry = min(max(1.0, retry * 2), RETRY_MOST_S)
                log.error("the hash chain could not be brought up to date: %s; trying again "
                          "in %.0f s", error, retry)
                self.on_problem(error)
            except Exception:  # a fault of ours must never end the thread
                retry = min(max(1.0, retry * 2), RETRY_MOST_S)
                log.exception("the hash chain thread met an error; trying again in %.0f s",
                              retry)
            if stopping:
                return
            self._wake.wait(retry or self.scan_every_s)
            self._wake.clear()

    def _catch_up(self) -> None:
        done = chain.chain_pending(self.store, from_id=self._from_id, at=self.clock())
        self._from_id = done.next_from_id
        if done.appended:
            self.appended += len(done.appended)
            log.debug("chained %d recordings, up to entry %d", len(done.appended),
                      done.appended[-1].seq)

    def _sign(self) -> None:
        try:
            signature = self.signer.sign_if_new(self.store)
        except KeyUnavailableError as error:
            if str(error) != self._key_problem:
                log.error("the hash chain is not signed: %s", error)
                self._key_problem = str(error)
            return
        if self._key_problem is not None:
            log.info("the chain's signing key can be used again")
            self._key_problem = None
        if signature is not None:
            log.info("signed the hash chain's head, entry %d", signature.seq)
