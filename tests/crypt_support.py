"""Encryption at rest for the tests: a box's recordings key made fast, the archive worker run
with encryption on, and a child process that encrypts (to be killed).

``python -m tests.crypt_support DATA [--kill-after STEP] [--compress]`` runs the
archive worker's rounds with encryption on (and compression when asked) until
nothing waits. It prints ``ready`` once its imports are done; with
``--kill-after STEP`` it SIGKILLs itself right after the first call of that
step of ``firmware.archive.encrypt``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
from pathlib import Path

from firmware.archive import crypt
from firmware.config import Archive, Encryption, default_config
from firmware.datafolder import DataFolder
from firmware.store.db import Store

PASSPHRASE = "correct horse battery"
FAST_N = 2**10  # scrypt's cost for the tests; the box uses crypt.SCRYPT_N
STEPS = ("verify_source", "write_partial", "put_in_place", "commit", "point_sidecar",
         "remove_source")


def set_up_key(folder: DataFolder, *, key_file: Path | None = None,
               passphrase: str | None = PASSPHRASE) -> crypt.RecordingsKey:
    folder.root.mkdir(parents=True, exist_ok=True)
    return crypt.set_up(folder, passphrase, key_file, n=FAST_N)


def settings(*, compress: bool = False, enabled: bool = True, key_file: str = ""):
    config = default_config()
    return dataclasses.replace(config, device=dataclasses.replace(
        config.device, archive=Archive(compress=compress),
        encryption=Encryption(enabled=enabled, key_file=key_file)))


def encrypt_all(folder: DataFolder, *, compress: bool = False, now: float | None = None) -> int:
    """Run the archive worker's rounds with encryption on until nothing waits; how many
    recordings are encrypted then."""
    from firmware.engine.archive import ArchiveService  # noqa: PLC0415 - the child's own

    config = settings(compress=compress)
    with Store(folder.database) as store:
        clock = (lambda: now) if now is not None else None
        extra = {"clock": clock} if clock else {}
        service = ArchiveService(store, folder.recordings, lambda: config, settle_s=0.0,
                                 folder=folder, **extra)
        while service.run_once():
            pass
        return store.connection().execute(
            "SELECT count(*) FROM recordings WHERE stored_encrypted IS NOT NULL").fetchone()[0]


def _kill_after(step: str) -> None:
    from firmware.archive import encrypt, transcode  # noqa: PLC0415

    module = transcode if step in ("point_sidecar", "remove_source") else encrypt
    original = getattr(module, step)

    def then_die(*args, **kwargs):
        result = original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(module, step, then_die)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("--kill-after", choices=STEPS)
    parser.add_argument("--compress", action="store_true")
    args = parser.parse_args(argv)
    folder = DataFolder(args.data)
    from firmware.engine import archive  # noqa: F401, PLC0415 - imports done before "ready"

    if args.kill_after:
        _kill_after(args.kill_after)
    print("ready", flush=True)
    encrypt_all(folder, compress=args.compress)
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
