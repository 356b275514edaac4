"""The recordings key in the web process: locked until an administrator unlocks it, then
held in this process's memory only (``firmware.archive.crypt``).

The engine never needs it: it encrypts to the box's public key. The web needs
it to play, download and export an encrypted recording, and to check an
encrypted recording's original hash. After every start of the web the key is
locked; it is unlocked by the passphrase (typed on *Settings → Encryption*)
or, with ``device.encryption.key_file`` set, from that key file as soon as it
is there (a USB stick plugged in), looked for again at most every
``KEY_FILE_RETRY_S``.

States (``state``): ``off`` (encryption was never set up and is off), ``not_set_up``
(on, but the box has no recordings key: recordings stay plain), ``locked``,
``unlocked``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from firmware.archive import crypt
from firmware.archive.crypt import CryptError, RecordingsKey
from firmware.datafolder import DataFolder

log = logging.getLogger(__name__)

KEY_FILE_RETRY_S = 10.0


class Keyring:
    """The unlocked recordings key of one web process (thread-safe)."""

    def __init__(self, folder: DataFolder, clock: Callable[[], float] = time.monotonic) -> None:
        self.folder = folder
        self._clock = clock
        self._key: RecordingsKey | None = None
        self._lock = threading.Lock()
        self._key_file_tried: tuple[str, float] | None = None
        self.key_file_problem: str | None = None

    def public(self) -> crypt.PublicKey | None:
        try:
            return crypt.box_public_key(self.folder)
        except CryptError as error:
            log.error("%s", error)
            return None

    def state(self, enabled: bool) -> str:
        if self.folder.recordings_public_key.exists():
            return "unlocked" if self._key is not None else "locked"
        return "not_set_up" if enabled else "off"

    def key(self, key_file: str = "") -> RecordingsKey | None:
        """The unlocked key, or None; with ``key_file`` set it is tried first if locked."""
        if self._key is None and key_file:
            self._from_key_file(key_file)
        return self._key

    def _from_key_file(self, key_file: str) -> None:
        now = self._clock()
        with self._lock:
            tried = self._key_file_tried
            if tried is not None and tried[0] == key_file and now - tried[1] < KEY_FILE_RETRY_S:
                return
            self._key_file_tried = (key_file, now)
        if not Path(key_file).exists():
            return
        try:
            key = crypt.unlock(self.folder, key_file=Path(key_file))
        except CryptError as error:
            if str(error) != self.key_file_problem:
                log.error("the recordings key file cannot be used: %s", error)
            self.key_file_problem = str(error)
            return
        self.key_file_problem = None
        log.info("the recordings key was unlocked from %s", key_file)
        self.hold(key)

    def unlock(self, *, passphrase: str | None = None, key_file: Path | None = None
               ) -> RecordingsKey:
        """Unlock by the passphrase or a key file; CryptError (WrongKeyError) as
        ``crypt.unlock`` raises it. Nothing on the disk changes."""
        key = crypt.unlock(self.folder, passphrase=passphrase, key_file=key_file)
        self.hold(key)
        return key

    def hold(self, key: RecordingsKey) -> None:
        with self._lock:
            self._key = key

    def lock(self) -> None:
        with self._lock:
            self._key = None
            self._key_file_tried = (self._key_file_tried or ("", 0.0))[0], self._clock()
