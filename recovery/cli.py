"""The ``recover`` command: ``linerec recover`` and ``python -m recovery``.

It does what every start of the engine does first, on its own and while no
engine runs (it takes the engine's lock), and prints one line per finding
and a summary; it also checks the configuration, which it never changes.
Exit status: 0 when the data folder was whole, 1 when it found problems
(fixed, or left for a person: recordings damaged beyond repair, an index
whose files are nearly all gone, a broken configuration; the report says
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

from firmware.config import ConfigError, ConfigStore
from firmware.datafolder import (
    DATA_HELP,
    DataFolder,
    EngineLock,
    default_data_folder,
    private_files,
)
from firmware.errors import LinerecError
from recovery.database import DatabaseRebuild
from recovery.folder import RecoveryError, RecoveryReport, check_data_folder, recover_data_folder
from recovery.reconcile import MissingHeldBack

EXIT_WHOLE = 0
EXIT_PROBLEMS_FOUND = 1
EXIT_BAD_INPUT = 2

HELP = "make the data folder whole after a crash or a power cut (no engine may run on it)"
DESCRIPTION = (
    "Rebuild a damaged database (from the newest good snapshot, then every recording "
    "from its sidecar), close the calls a crash left in progress, repair unfinished "
    "recordings, clean up what a crash left and make the recording files and the index "
    "agree. Exit status: 0 the folder was whole, 1 problems were found (fixed, or left "
    "for a person), 2 bad usage or a folder that cannot be recovered."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, default=default_data_folder(), metavar="DIR", help=DATA_HELP
    )
    parser.add_argument(
        "--accept-missing",
        action="store_true",
        help="mark the index's recordings whose files are gone as missing even when most "
        "are (once you know the recordings disk is mounted and they really are gone)",
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
        report = recover_data_folder(folder, time.time(), accept_missing=args.accept_missing)
    except OSError as error:
        where = error.filename or folder.root
        raise RecoveryError(
            f"cannot recover {folder.root}: {where}: {error.strerror or error}"
        ) from error
    finally:
        lock.release()
    config_problem = configuration_problem(folder)
    for line in report_lines(folder, report, config_problem):
        print(line)
    return EXIT_WHOLE if report.clean and config_problem is None else EXIT_PROBLEMS_FOUND


def configuration_problem(folder: DataFolder) -> str | None:
    """What is wrong with the configuration, with how to put it right; None if it is good."""
    try:
        ConfigStore(folder.root).read()
    except ConfigError as error:
        return str(error)
    return None


def report_lines(
    folder: DataFolder, report: RecoveryReport, config_problem: str | None = None
) -> list[str]:
    """One line per finding, then a summary line that says whether anything is left to do."""
    if report.clean and config_problem is None:
        return [f"{folder.root}: nothing to recover"]
    lines = []
    if report.database is not None:
        lines += database_lines(folder, report.database, report)
    lines.extend(
        f"set aside   {path}: a journal whose database is gone" for path in report.set_aside
    )
    if report.calls_closed:
        lines.append(
            f"closed      {_count(report.calls_closed, 'call')} left in progress by a crash "
            "(ended with their last recording, or now; as answered or missed)"
        )
    # Where a database was rebuilt, its own lines count what was indexed again.
    indexed = report.indexed if report.database is None else []
    if report.calls_rebuilt and report.database is None:
        lines.append(
            f"rebuilt     {_count(report.calls_rebuilt, 'call')} the index had lost, "
            "from their recordings' sidecars"
        )
    for paths, finding in (
        (report.repaired, "repaired    {}: left unfinished; its header now covers all the audio "
                          "that reached the disk"),
        (indexed, "re-indexed  {}: the index did not have it; added from its sidecar (or its "
                  "header)"),
        (report.orphans_removed, "removed     {}: an empty recording (no audio) the index never "
                                 "had, with its sidecar"),
        (report.temporary_removed, "removed     {}: a temporary sidecar a crash left"),
        (report.partials_removed, "removed     {}: an unfinished compressed file a crash left"),
        (report.transcodes_finished, "compressed  {}: its compression, cut short by a crash, "
                                     "is finished (the old file removed)"),
        (report.transcodes_undone, "removed     {}: a compressed file the index never took "
                                   "(a crash cut its compression short; it is done again)"),
        (report.deletions_finished, "deleted     {}: retention had marked it deleted; its "
                                    "file is removed now"),
        (report.sidecars_recreated, "sidecar     {}: its sidecar was missing; written again "
                                    "from the index"),
        (report.found, "found       {}: marked missing before, its file is back"),
        (report.missing, 'missing     {}: in the index but the file is gone; its row is marked '
                         '"missing"'),
    ):
        lines.extend(finding.format(folder.recordings / path) for path in paths)
    lines.extend(
        f"deleted     {folder.voicemail / path}: a voicemail message marked deleted; its file "
        "is removed now" for path in report.messages_removed
    )
    lines.extend(
        f"replaced    {problem}; written again from the index"
        for problem in report.sidecars_replaced
    )
    if report.missing_held_back is not None:
        lines.append(held_back_line(folder, report.missing_held_back))
    lines.extend(f"damaged     {problem}" for problem in report.damaged)
    if config_problem is not None:
        lines.append(f"config      {config_problem}")
    lines.append(_summary(folder, report, config_problem))
    return lines


def held_back_line(folder: DataFolder, held_back: MissingHeldBack) -> str:
    return (
        f"held back   {held_back.gone} of the index's {held_back.of} recordings "
        f"({held_back.percent} %) have no file in {folder.recordings}: none is marked missing, "
        "since a recordings disk that did not mount looks like this; mount it and run "
        f"again, or if they are really gone: linerec recover --accept-missing --data {folder.root}"
    )


def database_lines(
    folder: DataFolder, rebuild: DatabaseRebuild, report: RecoveryReport
) -> list[str]:
    """What happened to a damaged or vanished database, and what the rebuild lost."""
    lines = []
    if rebuild.problem == "missing":
        lines.append(f"database    {folder.database}: missing")
    else:
        kept = ", ".join(str(path) for path in rebuild.kept) or "nothing readable"
        lines.append(f"database    {folder.database}: damaged ({rebuild.problem}); kept at {kept}")
    lines.extend(
        f"skipped     the snapshot {problem}" for problem in rebuild.backups_skipped
    )
    if rebuild.backup is not None:
        taken = _local(rebuild.backup_taken_at)
        lines.append(f"restored    {folder.database} from the snapshot {rebuild.backup} ({taken})")
        since = f"since {taken}"
    else:
        lines.append(
            f"rebuilt     {folder.database} empty: no snapshot in {folder.database_backups}"
        )
        since = "ever"
    lines.append(
        f"re-indexed  {_count(len(report.indexed), 'recording')} and "
        f"{_count(report.calls_rebuilt, 'call')} from their sidecars"
    )
    lost = rebuild.lost()
    unknown = rebuild.unknown()
    told = ", ".join(lost) if lost else "nothing that could be counted"
    if unknown and rebuild.problem != "missing":
        told += f" (its {', '.join(unknown)} could not be counted)"
    lines.append(
        f"lost        against the old database: {told}; what changed {since} in users, "
        "customers, contact records, notes and tags, the audit log, and calls without "
        "a recording, is not in the rebuilt one"
    )
    return lines


def _local(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)) if stamp else "unknown"


def _summary(folder: DataFolder, report: RecoveryReport, config_problem: str | None) -> str:
    parts = []
    if report.fixed:
        done = [
            "database rebuilt" if report.database is not None else "",
            f"{_count(report.calls_closed, 'call')} closed" if report.calls_closed else "",
            f"{_count(len(report.repaired), 'recording')} repaired" if report.repaired else "",
            f"{len(report.indexed)} re-indexed" if report.indexed else "",
            f"{report.calls_rebuilt} calls rebuilt" if report.calls_rebuilt else "",
            f"{len(report.found)} found again" if report.found else "",
            f"{len(report.missing)} marked missing" if report.missing else "",
            f"{len(report.orphans_removed) + len(report.temporary_removed)} leftovers removed"
            if report.orphans_removed or report.temporary_removed
            else "",
            f"{len(report.deletions_finished) + len(report.messages_removed)} deletions finished"
            if report.deletions_finished or report.messages_removed
            else "",
            f"{len(report.sidecars_recreated) + len(report.sidecars_replaced)} sidecars "
            "written again"
            if report.sidecars_recreated or report.sidecars_replaced
            else "",
            f"{len(report.set_aside)} journals set aside" if report.set_aside else "",
        ]
        parts.append("found and fixed problems: " + ", ".join(part for part in done if part))
    if report.missing_held_back is not None:
        parts.append(
            f"{report.missing_held_back.gone} recordings without their file left as they "
            "were: is the recordings disk mounted?"
        )
    if config_problem is not None:
        parts.append("the configuration cannot be read: the engine will not start until it is")
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
    private_files()
    parser = argparse.ArgumentParser(prog="python -m recovery", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except LinerecError as error:
        print(f"recovery: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
