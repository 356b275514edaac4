"""``linerec verify`` and ``linerec chain``: the archive checked, and its hash chain shown.

``linerec verify [--data DIR] [RECORDING-ID...]`` checks the hash chain from
its first entry to its head, every signature over it, and each recording
(those named, or every one in the index) against the index, its sidecar and
the chain (``firmware.store.integrity``). It prints the chain's state, one
line per recording named (without names: per recording that is not intact
or deleted by retention with its tombstone), a summary, and the problems.
Exit status 0 when all is intact, 1 when a problem was found, 2 for bad
usage (a recording the index lacks, a folder that is not there).

``linerec chain [--data DIR]`` shows the head, its newest signature and the
key's fingerprint; ``linerec chain sign`` signs the head now;
``linerec chain rotate-key [--old-key-lost]`` puts a new signing key in
place (refused while an engine runs on the folder).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from firmware.cli import encryption as cli_encryption
from firmware.cli.status import local_offset
from firmware.datafolder import DATA_HELP, DataFolder, EngineLock, default_data_folder
from firmware.errors import LinerecError
from firmware.store import chain, integrity
from firmware.store.db import Store
from firmware.store.signing import Signer, grouped, key_status, rotate_key

EXIT_INTACT = 0
EXIT_PROBLEMS = 1
# Verdicts that need no line of their own when every recording is checked.
QUIET = ("intact", "intact_stored", "deleted", "deleted_unsigned", "recording", "waiting")
SUMMARY_NAMES = {
    "intact": "intact",
    "intact_stored": "intact (transcoded)",
    "deleted": "deleted by retention (signed tombstone)",
    "deleted_unsigned": "deleted by retention (tombstone not signed yet)",
    "deleted_untold": "deleted without a tombstone",
    "recording": "still being recorded",
    "waiting": "waiting for their call to end",
    "unchained": "not chained yet",
    "changed": "changed",
    "missing": "missing",
    "metadata": "with facts that differ from the chain",
    "after_break": "after the break in the chain",
}


class NoDatabaseError(LinerecError):
    """The data folder has no database: nothing was ever recorded there."""


def _recording_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a recording id: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"a recording id is 1 or more, got {value}")
    return value


def _open(args: argparse.Namespace) -> tuple[DataFolder, Store, int]:
    folder = DataFolder(args.data)
    folder.check()
    if not folder.database.is_file():
        raise NoDatabaseError(f"{folder.database}: no database here: nothing to check")
    return folder, Store(folder.database), local_offset(folder)


def _clock(offset: int):
    def when(at: float | None) -> str:
        if at is None:
            return "-"
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at + offset))

    return when


def verify(args: argparse.Namespace) -> int:
    folder, store, offset = _open(args)
    when = _clock(offset)
    # Encrypted recordings: their stored file and the chain need no key; with it (a key
    # file, or the passphrase asked for) their plaintext is checked too.
    key = None
    if args.key_file is not None or args.passphrase:
        key = cli_encryption.unlocked_key(folder, args.key_file)
    with store:
        report = integrity.verify(folder, store, args.recordings or None, when=when)
        if report.unknown:
            raise LinerecError(
                f"no recording {', '.join(str(n) for n in report.unknown)} in the index of "
                f"{folder.database}"
            )
        plain_lines, plain_problems = (
            cli_encryption.plaintext_lines(folder, store, key, args.recordings or None)
            if key is not None else ([], 0))
    for line in report_lines(folder, report, when, every=bool(args.recordings)):
        print(line)
    for line in plain_lines:
        print(line)
    return EXIT_INTACT if report.intact and not plain_problems else EXIT_PROBLEMS


def report_lines(folder: DataFolder, report: integrity.IntegrityReport, when, *,
                 every: bool) -> list[str]:
    """The report as a person reads it: the chain, the recordings, the problems."""
    checked = report.chain
    lines = [f"linerec verify of {folder.root} at {when(time.time())}"]
    problems_below = f", {len(checked.problems)} problem(s) below" if checked.problems else ""
    lines.append(f"chain       {checked.walk.length} entries{problems_below}")
    lines += [f"chain       {text}" for text in checked.notes]
    key = checked.key
    lines.append(f"key         {grouped(key.fingerprint)} ({key.state}), "
                 f"{folder.chain_public_key}")
    for check in report.recordings:
        if every or check.verdict not in QUIET:
            texts = "; ".join(str(text) for text in check.texts)
            lines.append(f"recording {check.recording_id:<5} {texts}")
    counts = Counter(check.verdict for check in report.recordings)
    if report.recordings:
        summary = ", ".join(f"{counts[name]} {SUMMARY_NAMES[name]}"
                            for name in SUMMARY_NAMES if counts[name])
        lines.append(f"recordings  {len(report.recordings)} checked: {summary}")
    problems = [str(text) for text in checked.problems] + [
        f"recording {check.recording_id}: {check.texts[0]}"
        for check in report.recordings if check.problem
    ]
    if problems:
        lines.append(f"{len(problems)} problem(s):")
        lines += [f"  - {problem}" for problem in problems]
    else:
        lines.append("all intact")
    return lines


def show(args: argparse.Namespace) -> int:
    folder, store, offset = _open(args)
    when = _clock(offset)
    with store:
        top = chain.head(store)
        signed = chain.latest_signature(store)
        key = key_status(folder, store)
    if top is None:
        print("entries     none yet: the chain starts with the first recording finished")
    else:
        print(f"entries     {top.seq}; the head is entry {top.seq} ({top.kind}, appended "
              f"{when(top.at)}), hash {top.hash}")
    if signed is None:
        print("signed      not yet")
    else:
        print(f"signed      entry {signed.seq} (hash {signed.hash}) at {when(signed.signed_at)} "
              f"by key {grouped(signed.key)}")
        print(f"message     {signed.message}")
        print(f"signature   {signed.signature}")
    print(f"key         {grouped(key.fingerprint)} ({key.state}), public key "
          f"{folder.chain_public_key}")
    if key.problem:
        print(f"linerec: {key.problem}")
        return EXIT_PROBLEMS
    return EXIT_INTACT


def sign_now(args: argparse.Namespace) -> int:
    folder, store, offset = _open(args)
    with store:
        chain.chain_pending(store)
        signature = Signer(folder).sign(store)
    if signature is None:
        print("nothing to sign: the chain is empty")
        return EXIT_INTACT
    print(f"signed      entry {signature.seq} at {_clock(offset)(signature.signed_at)} by key "
          f"{grouped(signature.key)}")
    return EXIT_INTACT


def rotate(args: argparse.Namespace) -> int:
    folder, store, _ = _open(args)
    lock = EngineLock(folder)
    with store:
        lock.acquire()  # a running engine would go on signing with the key it read
        try:
            rotation = rotate_key(folder, store, old_key_lost=args.old_key_lost)
        finally:
            lock.release()
    print(f"entry       {rotation.entry.seq}: key {grouped(rotation.old_key)} replaced by "
          f"{grouped(rotation.new_key)}")
    if rotation.signed_by_old is not None:
        print(f"signed      entry {rotation.entry.seq} by the old key and by the new one")
    else:
        print(f"signed      entry {rotation.entry.seq} by the new key only (the old one was "
              "lost): earlier signatures stay verifiable with the old public key, if kept")
    print(f"key         {grouped(rotation.new_key)}, {folder.chain_public_key}; note this "
          "fingerprint where the box's installation is documented")
    return EXIT_INTACT


def _data_argument(parser: argparse.ArgumentParser, *, inherited: bool = False) -> None:
    """``--data``; ``inherited`` for an action under ``chain``, whose own default must not
    undo a ``linerec chain --data DIR ACTION``."""
    parser.add_argument(
        "--data", type=Path, default=argparse.SUPPRESS if inherited else default_data_folder(),
        metavar="DIR", help=DATA_HELP,
    )


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``verify`` and ``chain`` to the ``linerec`` command."""
    check = commands.add_parser(
        "verify",
        help="check the recordings against the index and the hash chain, and the chain's "
             "links and signatures",
        description="Exit status 0: all intact; 1: a problem was found; 2: bad usage.",
    )
    _data_argument(check)
    check.add_argument("recordings", nargs="*", type=_recording_id, metavar="RECORDING-ID",
                       help="the recordings to check (every one, if none is named)")
    check.add_argument("--key-file", type=Path, metavar="PATH",
                       help="the recordings key file: also check each encrypted recording's "
                            "plaintext against the index")
    check.add_argument("--passphrase", action="store_true",
                       help="the same, the key unlocked by the passphrase (asked for)")
    check.set_defaults(handler=verify)

    shown = commands.add_parser(
        "chain", help="the hash chain's head, its signature and the signing key"
    )
    _data_argument(shown)
    shown.set_defaults(handler=show)
    actions = shown.add_subparsers(dest="action", metavar="ACTION")
    signing = actions.add_parser("sign", help="sign the chain's head now")
    _data_argument(signing, inherited=True)
    signing.set_defaults(handler=sign_now)
    rotation = actions.add_parser(
        "rotate-key",
        help="put a new signing key in place (the old one signs the change)",
        description="Refused while an engine runs on the folder: stop it first.",
    )
    _data_argument(rotation, inherited=True)
    rotation.add_argument(
        "--old-key-lost", action="store_true",
        help="the old private key is gone or unreadable: only the new key signs the change",
    )
    rotation.set_defaults(handler=rotate)
