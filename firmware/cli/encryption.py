"""``linerec encryption``: recordings encrypted at rest (``firmware.archive.crypt``).

- ``linerec encryption [--data DIR]``: the state: the key's fingerprint,
  whether it is on, the key file's path, how many recordings are encrypted
  and how many still plain;
- ``linerec encryption setup [--key-file PATH] [--no-passphrase]``: make the
  box's recordings key (the passphrase asked twice, never on the command
  line), write the key file, turn encryption on and tell the engine;
- ``linerec encryption key-file PATH [--key-file EXISTING]``: write another
  key file, the key unlocked by the passphrase (asked) or an existing key file;
- ``linerec encryption passphrase [--key-file EXISTING]``: seal the key by a
  new passphrase;
- ``linerec encryption decrypt RECORDING-ID OUT [--key-file EXISTING]``: one
  recording's plaintext (the original WAV or its Opus file) written to OUT.

``linerec verify --key-file PATH`` (or ``--passphrase``) checks the plaintext
of each encrypted recording too (``plaintext_lines``).

A wrong passphrase or key file is one line naming what is wrong (exit 2);
nothing on the disk changes.
"""

from __future__ import annotations

import argparse
import getpass
import os
from dataclasses import replace
from pathlib import Path

from firmware.archive import crypt
from firmware.archive.crypt import CryptError, RecordingsKey
from firmware.cli.maintenance import _tell_the_engine
from firmware.config import ConfigStore, Encryption
from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.store.db import Store

EXIT_OK = 0
EXIT_PROBLEMS = 1


def _folder(args: argparse.Namespace) -> DataFolder:
    folder = DataFolder(args.data)
    folder.check()
    return folder


def ask_passphrase(prompt: str = "passphrase: ") -> str:
    """The passphrase, typed without an echo (``LINEREC_PASSPHRASE`` for scripts)."""
    given = os.environ.get("LINEREC_PASSPHRASE")
    return given if given is not None else getpass.getpass(prompt)


def unlocked_key(folder: DataFolder, key_file: Path | None) -> RecordingsKey:
    """The box's key, by ``key_file`` or by the passphrase asked for; CryptError as
    ``crypt.unlock`` raises it (a LinerecError: one line, exit 2)."""
    if key_file is not None:
        return crypt.unlock(folder, key_file=key_file)
    return crypt.unlock(folder, passphrase=ask_passphrase())


def status(args: argparse.Namespace) -> int:
    folder = _folder(args)
    public = crypt.box_public_key(folder)
    settings = ConfigStore(folder.root).load().device.encryption
    print(f"encryption  {'on' if settings.enabled else 'off'}")
    print(f"key         {public.fingerprint if public else 'none (not set up)'}")
    sealed = folder.recordings_sealed_key.exists()
    print(f"passphrase  {'set' if sealed else 'none'} ({folder.recordings_sealed_key})")
    print(f"key file    {settings.key_file or '-'}")
    if folder.database.is_file():
        with Store(folder.database) as store:
            encrypted, plain = store.connection().execute(
                "SELECT count(*) FILTER (WHERE stored_encrypted IS NOT NULL), "
                "count(*) FILTER (WHERE stored_encrypted IS NULL) FROM recordings "
                "WHERE state IN ('complete', 'repaired')").fetchone()
        print(f"recordings  {encrypted} encrypted, {plain} plain")
    if settings.enabled and public is None:
        print("linerec: encryption is on, but the box has no recordings key: run "
              "linerec encryption setup")
        return EXIT_PROBLEMS
    return EXIT_OK


def setup(args: argparse.Namespace) -> int:
    folder = _folder(args)
    passphrase = None
    if not args.no_passphrase:
        passphrase = ask_passphrase("new passphrase: ")
        if os.environ.get("LINEREC_PASSPHRASE") is None and passphrase != getpass.getpass(
                "the passphrase again: "):
            raise LinerecError("the two passphrases differ; nothing was made")
    key = crypt.set_up(folder, passphrase, args.key_file)
    print(f"key         {key.public.fingerprint}, {folder.recordings_public_key}")
    if passphrase:
        print(f"passphrase  sealed in {folder.recordings_sealed_key}")
    if args.key_file:
        print(f"key file    {args.key_file}: keep it off the box, safe; whoever holds it can "
              "play every recording")
    store = ConfigStore(folder.root)
    config = store.load()
    key_file = str(args.key_file) if args.key_file and args.key_file.is_absolute() else ""
    store.save(replace(config, device=replace(
        config.device, encryption=Encryption(enabled=True, key_file=key_file))))
    print("encryption  on: each recording is encrypted as soon as its call ends")
    print(_tell_the_engine(folder))
    return EXIT_OK


def key_file(args: argparse.Namespace) -> int:
    folder = _folder(args)
    key = unlocked_key(folder, args.key_file)
    crypt.write_key_file(folder, key, args.path)
    print(f"key file    {args.path} written (key {key.public.fingerprint})")
    return EXIT_OK


def passphrase(args: argparse.Namespace) -> int:
    folder = _folder(args)
    key = unlocked_key(folder, args.key_file)
    new = ask_passphrase("new passphrase: ")
    if os.environ.get("LINEREC_PASSPHRASE") is None and new != getpass.getpass(
            "the new passphrase again: "):
        raise LinerecError("the two passphrases differ; nothing was changed")
    crypt.change_passphrase(folder, key, new)
    print(f"passphrase  changed ({folder.recordings_sealed_key})")
    return EXIT_OK


def decrypt(args: argparse.Namespace) -> int:
    folder = _folder(args)
    with Store(folder.database) as store:
        row = store.recording(args.recording)
    if row is None:
        raise LinerecError(f"no recording {args.recording} in the index of {folder.database}")
    if not row.stored_encrypted:
        raise LinerecError(f"recording {row.id} is not encrypted: {folder.recordings / row.path}")
    if args.out.exists():
        raise LinerecError(f"{args.out}: there is a file there already; nothing was written")
    key = unlocked_key(folder, args.key_file)
    with crypt.DecryptingReader(folder.recordings / row.path, key) as reader, \
            args.out.open("xb") as out:
        for index in range(reader.chunks):
            out.write(reader.chunk(index))
    print(f"decrypted   recording {row.id} -> {args.out} (SHA-256 {row.stored_plain_sha256})")
    return EXIT_OK


def plaintext_lines(folder: DataFolder, store: Store, key: RecordingsKey,
                    recording_ids: list[int] | None) -> tuple[list[str], int]:
    """Each encrypted recording's plaintext against the SHA-256 the index keeps: the lines
    to print and how many problems."""
    where = "stored_encrypted IS NOT NULL AND state IN ('complete', 'repaired')"
    params: list = []
    if recording_ids:
        where += f" AND id IN ({', '.join('?' * len(recording_ids))})"
        params = list(recording_ids)
    rows = store.connection().execute(
        f"SELECT id, path, stored_plain_sha256 FROM recordings WHERE {where} ORDER BY id",
        params).fetchall()
    lines, problems = [], 0
    for recording_id, path, expected in rows:
        try:
            found = crypt.decrypt_sha256(folder.recordings / path, key)
        except (CryptError, OSError) as error:
            problems += 1
            lines.append(f"decrypted   recording {recording_id}: {error}")
            continue
        if found != expected:
            problems += 1
            lines.append(f"decrypted   recording {recording_id}: the plaintext's SHA-256 is "
                         f"{found}, the index says {expected}")
    lines.append(f"decrypted   {len(rows)} encrypted recording(s) checked with key "
                 f"{key.public.fingerprint}: {problems} problem(s)")
    return lines, problems


def _data_argument(parser: argparse.ArgumentParser, *, inherited: bool = False) -> None:
    parser.add_argument(
        "--data", type=Path, default=argparse.SUPPRESS if inherited else Path("data"),
        metavar="DIR", help="data folder (./data)",
    )


def _recording_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a recording id: {text!r}") from None


def register(commands: argparse._SubParsersAction) -> None:
    shown = commands.add_parser("encryption", help="recordings encrypted at rest: the key's "
                                                   "state, set up, key files, passphrase")
    _data_argument(shown)
    shown.set_defaults(handler=status)
    actions = shown.add_subparsers(dest="action", metavar="ACTION")
    made = actions.add_parser("setup", help="make the box's recordings key and turn "
                                            "encryption on")
    _data_argument(made, inherited=True)
    made.add_argument("--key-file", type=Path, metavar="PATH",
                      help="also write the key to this key file (a USB stick)")
    made.add_argument("--no-passphrase", action="store_true",
                      help="no passphrase: the key file alone unlocks the key")
    made.set_defaults(handler=setup)
    written = actions.add_parser("key-file", help="write another key file of the key")
    _data_argument(written, inherited=True)
    written.add_argument("path", type=Path, metavar="PATH")
    written.add_argument("--key-file", type=Path, metavar="EXISTING",
                         help="unlock by this key file instead of the passphrase")
    written.set_defaults(handler=key_file)
    changed = actions.add_parser("passphrase", help="seal the key by a new passphrase")
    _data_argument(changed, inherited=True)
    changed.add_argument("--key-file", type=Path, metavar="EXISTING",
                         help="unlock by this key file instead of the passphrase")
    changed.set_defaults(handler=passphrase)
    opened = actions.add_parser("decrypt", help="write one recording's plaintext to a file")
    _data_argument(opened, inherited=True)
    opened.add_argument("recording", type=_recording_id, metavar="RECORDING-ID")
    opened.add_argument("out", type=Path, metavar="OUT")
    opened.add_argument("--key-file", type=Path, metavar="EXISTING",
                        help="unlock by this key file instead of the passphrase")
    opened.set_defaults(handler=decrypt)
