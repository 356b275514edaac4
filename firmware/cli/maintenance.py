"""``linerec config backup|restore``, ``linerec backup [--to TARGET]`` and ``linerec
factory-reset``.

What an admin or installer does to keep a box's data safe and put it back:
copies of the configuration (``<data>/backups/config/``), database
snapshots (``<data>/backups/db/``), a backup off the box to a target now
(``--to``, ``firmware.backup``), and a factory reset that keeps what it
replaces. Each prints one line per thing done and ends with a summary;
errors are one line on stderr naming the file and the problem, exit 2
(through ``firmware.cli.commands``), and a ``backup`` that did only part of
its work exits 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from firmware.backup.run import back_up
from firmware.config import ConfigStore
from firmware.datafolder import DATA_HELP, DataFolder, EngineLock, default_data_folder
from firmware.errors import LinerecError
from firmware.link import contract
from firmware.link.bus import BusClient
from firmware.store.backups import BackupError, backup_database
from firmware.store.db import Store
from firmware.store.storage_usage import size_text
from recovery.reset import ResetReport, factory_reset

EXIT_OK = 0
EXIT_PARTLY = 1


class ResetRefusedError(LinerecError):
    """A factory reset was asked for without its confirmation."""


def _data_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, default=default_data_folder(), metavar="DIR", help=DATA_HELP
    )


def _describe(store: ConfigStore) -> str:
    config = store.read()
    if config is None:
        return "no configuration"
    return f"{len(config.lines)} lines, country {config.device.country}"


def config_backup(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    kept = ConfigStore(folder.root).backup(args.file)
    print(f"kept        {folder.config} as {kept}")
    return EXIT_OK


def config_restore(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    store = ConfigStore(folder.root)
    source, config = store.restore(args.file)
    print(
        f"restored    {folder.config} from {source} "
        f"({len(config.lines)} lines, country {config.device.country})"
    )
    print(_tell_the_engine(folder))
    return EXIT_OK


def _tell_the_engine(folder: DataFolder) -> str:
    """Have a running engine apply the configuration now; say what happened."""
    if not folder.bus_socket.exists():
        return "engine      not running: the configuration applies when it starts"
    try:
        with BusClient(folder.bus_socket, timeout=5.0) as client:
            client.command(contract.ReloadConfigCommand())
    except (OSError, contract.CommandRefusedError) as error:
        return f"engine      not told ({error}): restart it to apply the configuration"
    return "engine      applies it now (lines whose drivers changed restart after their call)"


def backup_now(args: argparse.Namespace) -> int:
    """The configuration and a database snapshot, now; with ``--to``, a backup off the box."""
    folder = DataFolder(args.data)
    folder.check()
    if args.to is not None:
        return backup_to(folder, args.to, check_all=args.check_all)
    failed = 0
    done = 0
    store = ConfigStore(folder.root)
    try:
        if store.exists() or store.read() is not None:
            print(f"config      {store.backup()}")
            done += 1
    except LinerecError as error:
        print(f"linerec: error: {error}", file=sys.stderr)
        failed += 1
    if folder.database.exists():
        try:
            snapshot = backup_database(folder)
        except BackupError as error:
            print(f"linerec: error: {error}", file=sys.stderr)
            failed += 1
        else:
            print(f"database    {snapshot} ({snapshot.stat().st_size / 1e6:.1f} MB)")
            done += 1
    if not (done or failed):
        print(f"{folder.root}: nothing to back up yet (no configuration, no database)")
        return EXIT_OK
    if failed:
        print(f"{folder.root}: {done} of {done + failed} copies taken", file=sys.stderr)
        return EXIT_PARTLY
    print(f"{folder.root}: backed up in {folder.backups}")
    return EXIT_OK


def backup_to(folder: DataFolder, name: str, *, check_all: bool = False) -> int:
    """A run to target ``name`` now (``firmware.backup.run``): exit 0 when every file was
    verified in the target, 1 when some were not (each listed), 2 when it could not run."""
    if not folder.database.is_file():
        raise BackupError(f"{folder.database}: no database yet: nothing to back up")
    config = ConfigStore(folder.root).load()
    with Store(folder.database) as store:
        report = back_up(folder, config, name, store=store, verify_all=check_all)
    print(f"target      {report.target} ({report.where}), box {report.box_id}")
    for path in report.resent:
        print(f"resent      {path}: gone or changed in the target")
    print(f"sent        {report.files} files ({size_text(report.bytes)}), each verified: "
          f"{report.verified_by}")
    print(f"recordings  {report.recordings_marked} newly backed up; the target holds "
          f"{report.recordings_held}")
    if report.messages_marked or report.messages_held:
        print(f"voicemail   {report.messages_marked} messages newly backed up; the target "
              f"holds {report.messages_held}")
    if report.database:
        print(f"database    {report.database}")
    for path in report.vanished:
        print(f"skipped     {path}: gone from the box meanwhile")
    for problem in report.failed:
        print(f"linerec: error: not verified: {problem}", file=sys.stderr)
    if report.failed:
        print(f"{folder.root}: {len(report.failed)} files not verified in {report.target}; the "
              "next run sends them again", file=sys.stderr)
        return EXIT_PARTLY
    print(f"{folder.root}: backed up to {report.target}")
    return EXIT_OK


def factory_reset_command(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    if not args.yes:
        raise ResetRefusedError(
            "a factory reset puts the configuration back to the defaults and moves the "
            f"database (users, customers, call log) aside into {folder.backups}"
            + (" and deletes every recording" if args.wipe_recordings else "")
            + "; add --yes to do it"
        )
    folder.check()
    lock = EngineLock(folder)
    lock.acquire()  # never under a running engine: one line, status 2
    try:
        report = factory_reset(folder, time.time(), wipe_recordings=args.wipe_recordings)
    finally:
        lock.release()
    for line in reset_lines(folder, report):
        print(line)
    return EXIT_OK


def reset_lines(folder: DataFolder, report: ResetReport) -> list[str]:
    lines = [f"moved       {source} -> {target} ({what})" for source, target, what in report.moved]
    config = report.config
    if config is not None:
        lines.append(
            f"config      {folder.config}: the defaults ({len(config.lines)} lines, "
            f"country {config.device.country}, recording {config.lines[0].recording.mode})"
            if config.lines
            else f"config      {folder.config}: the defaults"
        )
    if report.reindexed is not None:
        indexed = report.reindexed
        lines.append(
            f"re-indexed  {len(indexed.indexed)} recordings and {indexed.calls_rebuilt} calls "
            f"into the new database {folder.database}, from their sidecars"
        )
        lines.extend(f"damaged     {problem}" for problem in indexed.damaged)
    else:
        lines.append(
            f"deleted     {report.recordings_deleted} recordings "
            f"({report.bytes_deleted / 1e6:.1f} MB) from {folder.recordings}"
        )
    lines.append(
        f"{folder.root}: factory reset done; the old database and configuration are kept in "
        f"{report.kept_in}; the first visit to the web UI creates the first account"
    )
    return lines


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``config``, ``backup`` and ``factory-reset`` to the ``linerec`` command."""
    config = commands.add_parser("config", help="keep or put back copies of the configuration")
    actions = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    backup = actions.add_parser(
        "backup", help="keep a copy of the configuration now (in backups/config, or as FILE)"
    )
    backup.add_argument("file", nargs="?", type=Path, metavar="FILE", help="where to write it")
    _data_argument(backup)
    backup.set_defaults(handler=config_backup)
    restore = actions.add_parser(
        "restore",
        help="put back the last good copy of the configuration (or FILE), checked first",
    )
    restore.add_argument("file", nargs="?", type=Path, metavar="FILE", help="the copy to use")
    _data_argument(restore)
    restore.set_defaults(handler=config_restore)

    snapshot = commands.add_parser(
        "backup",
        help="keep a copy of the configuration and a database snapshot now; with --to, "
        "back up off the box",
        description="Without --to: a copy of the configuration and a database snapshot in "
        "<data>/backups. With --to TARGET: a backup off the box to that target now "
        "(recordings, sidecars, configuration, public keys, a database snapshot), each file "
        "verified there. Exit status: 0 done, 1 some files not taken or not verified, 2 "
        "could not run.",
    )
    _data_argument(snapshot)
    snapshot.add_argument("--to", metavar="TARGET", help="a backup target (linerec target list)")
    snapshot.add_argument(
        "--check-all", action="store_true",
        help="with --to: check every file the target holds by its hash (read back where the "
             "target offers none, as on SMB), not only the new ones",
    )
    snapshot.set_defaults(handler=backup_now)

    reset = commands.add_parser(
        "factory-reset",
        help="configuration back to the defaults, database moved aside (needs --yes)",
        description=(
            "Put the configuration back to the defaults and move the database (users, "
            "customers, call log) aside into <data>/backups/factory-reset-<time>/; the "
            "recordings are kept and indexed into the new database, or deleted with "
            "--wipe-recordings. Refused while an engine runs on the folder."
        ),
    )
    _data_argument(reset)
    reset.add_argument(
        "--wipe-recordings", action="store_true", help="delete every recording as well"
    )
    reset.add_argument("--yes", action="store_true", help="do it (nothing happens without it)")
    reset.set_defaults(handler=factory_reset_command)
