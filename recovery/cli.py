"""The ``recover`` command: ``linerec recover`` and ``python -m recovery``.

It does what every start of the engine does first, on its own and while no
engine runs (it takes the engine's lock), and prints one line per finding
and a summary. Exit status: 0 when the data folder was whole, 1 when it
found problems (fixed, or recordings damaged beyond repair: the report says
which), 2 for a usage error or a folder it cannot recover (one line on
stderr). This module uses nothing of ``firmware.cli``, so that systemd can
run ``python -m recovery`` even when the rest of the command line is broken.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from firmware.datafolder import DataFolder, EngineLock
from firmware.errors import LinerecError
from recovery.folder import RecoveryError, RecoveryReport, check_data_folder, recover_data_folder

EXIT_WHOLE = 0
EXIT_PROBLEMS_FOUND = 1
EXIT_BAD_INPUT = 2

HELP = "make the data folder whole after a crash or a power cut (no engine may run on it)"
DESCRIPTION = (
    "Close the calls a crash left in progress, repair unfinished recordings and make "
    "the recording files and the index agree. Exit status: 0 the folder was whole, "
    "1 problems were found (fixed, or recordings damaged beyond repair), "
    "2 bad usage or a folder that cannot be recovered."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, default=Path("data"), metavar="DIR", help="data folder (./data)"
    )


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``recover`` to the ``linerec`` command."""
    parser = commands.add_parser("recover", help=HELP, description=DESCRIPTION)
    add_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    check_data_folder(folder)  # before the lock, whose file would otherwise be the first made
    lock = EngineLock(folder)
    try:
        lock.acquire()  # an engine running on the folder makes this fail: one line, status 2
    except OSError as error:
        raise RecoveryError(
            f"cannot take the engine lock {lock.path}: {error.strerror or error}"
        ) from error
    try:
        report = recover_data_folder(folder, time.time())
    except OSError as error:
        where = error.filename or folder.root
        raise RecoveryError(
            f"cannot recover {folder.root}: {where}: {error.strerror or error}"
        ) from error
    finally:
        lock.release()
    for line in report_lines(folder, report):
        print(line)
    return EXIT_WHOLE if report.clean else EXIT_PROBLEMS_FOUND


def report_lines(folder: DataFolder, report: RecoveryReport) -> list[str]:
    """One line per finding, then a summary line that says whether anything is left to do."""
    if report.clean:
        return [f"{folder.root}: nothing to recover"]
    lines = []
    if report.calls_closed:
        lines.append(
            f"closed      {_count(report.calls_closed, 'call')} left in progress by a crash "
            "(ended now, as answered or missed)"
        )
    for path in report.repaired:
        lines.append(
            f"repaired    {folder.recordings / path}: left unfinished; "
            "its header now covers all the audio that reached the disk"
        )
    for path in report.indexed:
        lines.append(
            f"re-indexed  {folder.recordings / path}: the index did not have it; "
            "added from its sidecar"
        )
    for path in report.missing:
        lines.append(
            f"missing     {folder.recordings / path}: in the index but the file is gone; "
            'its row is marked "missing"'
        )
    lines.extend(f"damaged     {problem}" for problem in report.damaged)
    lines.append(_summary(folder, report))
    return lines


def _summary(folder: DataFolder, report: RecoveryReport) -> str:
    parts = []
    if report.fixed:
        done = [
            f"{_count(report.calls_closed, 'call')} closed" if report.calls_closed else "",
            f"{_count(len(report.repaired), 'recording')} repaired" if report.repaired else "",
            f"{len(report.indexed)} re-indexed" if report.indexed else "",
            f"{len(report.missing)} marked missing" if report.missing else "",
        ]
        parts.append("found and fixed problems: " + ", ".join(part for part in done if part))
    if report.damaged:
        parts.append(
            f"{_count(len(report.damaged), 'recording')} damaged beyond repair and left as "
            f"found: move {'it' if len(report.damaged) == 1 else 'them'} out of "
            f"{folder.recordings}, or put back a good copy from a backup"
        )
    return f"{folder.root}: " + "; ".join(parts)


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m recovery``: the same command, runnable without ``firmware.cli``."""
    parser = argparse.ArgumentParser(prog="python -m recovery", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except LinerecError as error:
        print(f"recovery: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
