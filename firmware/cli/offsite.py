"""``linerec target``, ``linerec restore`` and ``linerec archive``: backups off the box.

- ``linerec target list|set|secret|test|remove|schedule``: set the backup targets up
  (the configuration's ``device.backup``); a secret is read from standard input,
  never from the command line (which ``ps`` shows) and never printed back.
- ``linerec restore --from TARGET [--box ID] --data DIR``: a backup onto a fresh data
  folder (``firmware.backup.restore``).
- ``linerec archive --from TARGET list|search|verify``: the backups of many boxes in
  one target (``firmware.backup.archive``).

``linerec backup --to TARGET`` (a run now) is with the local copies, in
``firmware.cli.maintenance``. Errors are one line on stderr with exit status 2
(``firmware.cli.commands``); a restore or a verify that found problems exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from firmware.backup import archive, ledger
from firmware.backup.rclone import Rclone
from firmware.backup.restore import RestoreReport, restore
from firmware.backup.run import try_target
from firmware.backup.source import choose_box, open_source
from firmware.backup.targets import (
    SECRETS,
    TargetError,
    describe,
    secrets_set,
    set_secret,
    target_named,
    write_rclone_config,
)
from firmware.cli import maintenance
from firmware.config import BACKUP_KINDS, S3_PROVIDERS, ConfigStore, to_plain
from firmware.datafolder import DATA_HELP, DataFolder, default_data_folder
from firmware.store.db import Store
from firmware.store.storage_usage import size_text
from recovery.cli import report_lines as recovery_lines

EXIT_OK = 0
EXIT_PROBLEMS = 1
TARGET_FIELDS = ("path", "host", "port", "user", "share", "domain", "endpoint", "region",
                 "bucket", "provider")


def _data_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, default=default_data_folder(), metavar="DIR", help=DATA_HELP
    )


def _when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at)) if at else "never"


def _tell_the_engine(folder: DataFolder) -> str:
    return maintenance._tell_the_engine(folder)


# ---- linerec target ---------------------------------------------------------------------


def target_list(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    config = ConfigStore(folder.root).load()
    backup = config.device.backup
    schedule = backup.schedule
    when = f"daily at {schedule.at}" if schedule.every == "day" else f"every {schedule.hours} h"
    print(f"backups     {'on' if backup.enabled else 'off'}, {when}")
    results = {}
    if folder.database.is_file():
        with Store(folder.database) as store:
            results = {r.target: r for r in ledger.results(store, [t.name for t in backup.targets])}
    for target in backup.targets:
        kept = secrets_set(folder, target)
        secrets = ", ".join(f"{name} {'set' if on else 'NOT SET'}" for name, on in kept.items())
        result = results.get(target.name)
        latest = result.latest if result else None
        last = "never run" if latest is None else (
            f"last {latest.outcome} {_when(latest.finished_at or latest.started_at)}"
            + (f" ({latest.error})" if latest.error else "")
        )
        print(f"{target.name:<11} {describe(target)}{'' if target.enabled else ' (off)'}; "
              f"{secrets or 'no secret needed'}; {last}")
    if not backup.targets:
        print("no target yet: linerec target set NAME --kind usb|sftp|smb|s3 ...")
    return EXIT_OK


def target_set(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    store = ConfigStore(folder.root)
    plain = to_plain(store.load())
    targets = plain["device"]["backup"]["targets"]
    current = next((t for t in targets if t["name"] == args.name), None)
    if current is None:
        if args.kind is None:
            raise TargetError(f"a new target needs --kind ({', '.join(BACKUP_KINDS)})")
        current = {"name": args.name, "kind": args.kind}
        targets.append(current)
    elif args.kind is not None:
        current["kind"] = args.kind
    for name in TARGET_FIELDS:
        value = getattr(args, name)
        if value is not None:
            current[name] = value
    if args.enabled is not None:
        current["enabled"] = args.enabled == "yes"
    if args.allow_same_disk is not None:
        current["allow_same_disk"] = args.allow_same_disk == "yes"
    config = store.set_device(backup=plain["device"]["backup"])
    write_rclone_config(folder, config.device.backup)
    target = target_named(config, args.name)
    print(f"target      {target.name}: {describe(target)}")
    missing = [name for name, kept in secrets_set(folder, target).items() if not kept]
    if missing:
        print(f"secrets     not set yet: {', '.join(missing)} (linerec target secret "
              f"{target.name} NAME, the value on standard input)")
    print(_tell_the_engine(folder))
    return EXIT_OK


def target_secret(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    config = ConfigStore(folder.root).load()
    value = sys.stdin.read()
    value = value if args.secret == "private_key" else value.rstrip("\r\n")
    rclone = Rclone(folder.rclone_config, folder.offsite_work)
    set_secret(folder, config, args.name, args.secret, value, obscure=rclone.obscure)
    print(f"secret      {args.name} {args.secret} {'kept' if value else 'removed'} in "
          f"{folder.rclone_config} (readable by this user only)")
    return EXIT_OK


def target_test(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    config = ConfigStore(folder.root).load()
    print(try_target(folder, config, args.name))
    return EXIT_OK


def target_remove(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    store = ConfigStore(folder.root)
    plain = to_plain(store.load())
    backup = plain["device"]["backup"]
    target_named(store.load(), args.name)  # an unknown name: one line
    backup["targets"] = [t for t in backup["targets"] if t["name"] != args.name]
    if not backup["targets"]:
        backup["enabled"] = False
    config = store.set_device(backup=backup)
    write_rclone_config(folder, config.device.backup)
    print(f"removed     target {args.name} and its secrets (what it holds stays there)")
    print(_tell_the_engine(folder))
    return EXIT_OK


def target_schedule(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    store = ConfigStore(folder.root)
    plain = to_plain(store.load())
    backup = plain["device"]["backup"]
    if args.on:
        backup["enabled"] = True
    if args.off:
        backup["enabled"] = False
    if args.daily is not None:
        backup["schedule"].update(every="day", at=args.daily)
    if args.hours is not None:
        backup["schedule"].update(every="hours", hours=args.hours)
    config = store.set_device(backup=backup)
    schedule = config.device.backup.schedule
    when = f"daily at {schedule.at}" if schedule.every == "day" else f"every {schedule.hours} h"
    print(f"backups     {'on' if config.device.backup.enabled else 'off'}, {when}")
    print(_tell_the_engine(folder))
    return EXIT_OK


# ---- linerec restore ----------------------------------------------------------------------


def restore_command(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    source = open_source(args.source, folder if folder.root.is_dir() else None,
                         args.rclone_config)
    box = choose_box(source, args.box)
    report = restore(folder, source, box, force=args.force, new_id=args.new_id)
    for line in restore_lines(folder, source.where, report):
        print(line)
    return EXIT_OK if report.clean else EXIT_PROBLEMS


def restore_lines(folder: DataFolder, where: str, report: RestoreReport) -> list[str]:
    lines = [
        f"source      {where}, box {report.box_id} ({report.hostname or 'no name'}), "
        f"backed up {_when(report.backed_up_at)}"
    ]
    lines += [f"moved aside {source} -> {target}" for source, target in report.moved_aside]
    lines.append(
        f"copied      {report.copied_files} files ({size_text(report.copied_bytes)}) into "
        f"{folder.root}"
    )
    lines.append(
        f"checked     {report.checked} files equal to the backup's SHA-256"
        + (f"; {len(report.differ)} differ" if report.differ else "")
    )
    lines += [f"differs     {problem}" for problem in report.differ]
    if report.database is not None:
        lines.append(
            f"database    {folder.database} from {report.database} ({report.recordings} "
            f"recordings, {report.calls} calls, {report.voicemails} voicemail messages)"
        )
    lines += [
        f"no file     {folder.voicemail / path}: a voicemail message the database lists, but "
        "the backup does not hold its file (it came during the last run)"
        for path in report.voicemails_without_file
    ]
    if report.database_problem:
        lines.append(f"database    {report.database_problem}")
    lines.append(f"config      {report.config_problem or f'{folder.config}: good'}")
    lines.append(
        f"box id      {report.box_id}: this box goes on backing up into the same folder"
        if report.kept_id else "box id      a new one is made at this box's first backup"
    )
    if report.recovery is not None:
        lines += [f"recovery    {line}" for line in recovery_lines(folder, report.recovery)]
    lines.append(
        f"{folder.root}: restored"
        + ("" if report.clean else " with the problems above")
        + f"; start the box with: linerec engine --data {folder.root}"
    )
    return lines


# ---- linerec archive ----------------------------------------------------------------------


def archive_command(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    source = open_source(args.source, folder if folder.root.is_dir() else None,
                         args.rclone_config)
    if args.action == "list":
        return _archive_list(source)
    if args.action == "search":
        return _archive_search(source, args)
    return _archive_verify(source, args)


def _archive_list(source) -> int:
    found, foreign = archive.list_boxes(source)
    for box in found:
        manifest = box.manifest
        print(f"{box.box_id:<16} {manifest.get('hostname', '?'):<16} backed up "
              f"{_when(manifest.get('backed_up_at'))}, {manifest.get('recordings', 0)} "
              f"recordings, {size_text(int(manifest.get('bytes') or 0))}")
    for name in foreign:
        print(f"foreign          {name} (not a linerec backup; left alone)")
    print(f"{source.where}: {len(found)} boxes")
    return EXIT_OK


def _archive_search(source, args: argparse.Namespace) -> int:
    query = archive.Query(args.day, args.line, args.number, args.box)
    results, problems = archive.search(source, query, limit=args.limit)
    for entry in results:
        if args.json:
            print(json.dumps(entry, ensure_ascii=False, sort_keys=True))
            continue
        duration = entry.get("duration_s")
        print(
            f"{entry['box_id']:<16} {entry.get('day')} {entry.get('time')} line "
            f"{entry.get('line')} {entry.get('direction') or '-':<3} "
            f"{entry.get('number') or '-':<16} "
            f"{f'{duration:.0f} s' if duration is not None else '-':>6}  {entry['path']}"
        )
    for problem in problems:
        print(f"linerec: error: {problem}", file=sys.stderr)
    if not args.json:
        print(f"{len(results)} recordings")
    return EXIT_PROBLEMS if problems else EXIT_OK


def _archive_verify(source, args: argparse.Namespace) -> int:
    checks = archive.verify(source, args.box, download=args.download)
    clean = all(check.clean for check in checks)
    if args.json:
        print(json.dumps([asdict(check) for check in checks], ensure_ascii=False))
        return EXIT_OK if clean else EXIT_PROBLEMS
    for check in checks:
        if check.problem:
            print(f"{check.box_id:<16} cannot be read: {check.problem}")
            continue
        print(f"{check.box_id:<16} {check.files} files: {check.intact} intact, "
              f"{len(check.changed)} changed, {len(check.missing)} missing ({check.how})")
        for problem in check.changed:
            print(f"{check.box_id:<16} changed   {problem}")
        for problem in check.missing:
            print(f"{check.box_id:<16} missing   {problem}")
    print(f"{source.where}: {len(checks)} boxes, "
          + ("every file intact" if clean else "problems found (listed above)"))
    return EXIT_OK if clean else EXIT_PROBLEMS


def _source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", required=True, metavar="TARGET",
                        help="a target of the data folder's configuration, a folder, or "
                             "remote:path with --rclone-config")
    parser.add_argument("--rclone-config", type=Path, metavar="FILE",
                        help="an rclone configuration for --from remote:path")
    _data_argument(parser)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    return value


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``target``, ``restore`` and ``archive`` to the ``linerec`` command."""
    _register_target(commands)
    _register_restore(commands)
    _register_archive(commands)


def _register_target(commands: argparse._SubParsersAction) -> None:
    target = commands.add_parser("target", help="set up where backups off the box go")
    actions = target.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the targets, their secrets (set or not), "
                                              "their last run")
    _data_argument(listing)
    listing.set_defaults(handler=target_list)
    setting = actions.add_parser("set", help="add a target, or change one")
    setting.add_argument("name", metavar="NAME", help="the target's name, e.g. nas")
    setting.add_argument("--kind", choices=BACKUP_KINDS)
    setting.add_argument("--path", help="usb: the disk's folder; sftp/smb/s3: the folder there")
    setting.add_argument("--host")
    setting.add_argument("--port", type=_port)
    setting.add_argument("--user")
    setting.add_argument("--share", help="smb: the share")
    setting.add_argument("--domain", help="smb: the Windows domain (WORKGROUP)")
    setting.add_argument("--endpoint", help="s3: the server, e.g. https://minio.lan:9000")
    setting.add_argument("--region")
    setting.add_argument("--bucket")
    setting.add_argument("--provider", choices=S3_PROVIDERS)
    setting.add_argument("--enabled", choices=("yes", "no"))
    setting.add_argument("--allow-same-disk", choices=("yes", "no"),
                         help="usb: allow a folder on the box's own disk")
    _data_argument(setting)
    setting.set_defaults(handler=target_set)
    secret = actions.add_parser(
        "secret", help="keep a target's password or key, read from standard input",
        description="The value is read from standard input (e.g. printf %%s \"$PW\" | linerec "
                    "target secret nas password) and kept in <data>/offsite/rclone.conf, mode "
                    "0600; empty input removes it. Secrets by kind: "
                    + "; ".join(f"{kind}: {', '.join(names) or 'none'}"
                                for kind, names in SECRETS.items()),
    )
    secret.add_argument("name", metavar="NAME")
    secret.add_argument("secret", metavar="SECRET",
                        choices=sorted({name for names in SECRETS.values() for name in names}))
    _data_argument(secret)
    secret.set_defaults(handler=target_secret)
    test = actions.add_parser("test", help="reach a target and write a small file there")
    test.add_argument("name", metavar="NAME")
    _data_argument(test)
    test.set_defaults(handler=target_test)
    remove = actions.add_parser("remove", help="remove a target and its secrets")
    remove.add_argument("name", metavar="NAME")
    _data_argument(remove)
    remove.set_defaults(handler=target_remove)
    schedule = actions.add_parser("schedule", help="backups on or off, and when")
    switch = schedule.add_mutually_exclusive_group()
    switch.add_argument("--on", action="store_true")
    switch.add_argument("--off", action="store_true")
    when = schedule.add_mutually_exclusive_group()
    when.add_argument("--daily", metavar="HH:MM", help="every day at this local time")
    when.add_argument("--hours", type=int, metavar="N", help="every N hours")
    _data_argument(schedule)
    schedule.set_defaults(handler=target_schedule)


def _register_restore(commands: argparse._SubParsersAction) -> None:
    restoring = commands.add_parser(
        "restore", help="bring a backup off the box back onto a (fresh) data folder",
        description="Copy a box's backup into the data folder: configuration, database "
                    "snapshot, every recording with its sidecar; check them against the "
                    "backup's SHA-256 list; run recovery. Refuses a folder with a database "
                    "(unless --force, which moves it aside) and one an engine runs on. Exit "
                    "status: 0 restored whole, 1 restored with problems, 2 not restored.",
    )
    _source_arguments(restoring)
    restoring.add_argument("--box", metavar="ID", help="the box, when the target holds several")
    restoring.add_argument("--force", action="store_true",
                           help="move an existing database and configuration aside first")
    restoring.add_argument("--new-id", action="store_true",
                           help="do not take over the box's id (a second box, not a replacement)")
    restoring.set_defaults(handler=restore_command)


def _register_archive(commands: argparse._SubParsersAction) -> None:
    archiving = commands.add_parser(
        "archive", help="the backups of many boxes in one target: list, search, verify"
    )
    _source_arguments(archiving)
    what = archiving.add_subparsers(dest="action", metavar="ACTION", required=True)
    what.add_parser("list", help="the boxes in the target")
    searching = what.add_parser("search", help="recordings across boxes, from their indexes")
    searching.add_argument("--day", metavar="YYYY-MM-DD")
    searching.add_argument("--line", type=int)
    searching.add_argument("--number", help="any part of the number")
    searching.add_argument("--box", metavar="ID")
    searching.add_argument("--limit", type=int, default=1000)
    searching.add_argument("--json", action="store_true", help="one JSON object a line")
    verifying = what.add_parser("verify", help="check every file against the backup's hashes")
    verifying.add_argument("--box", metavar="ID")
    verifying.add_argument("--download", action="store_true",
                           help="read every file back and compare its SHA-256")
    verifying.add_argument("--json", action="store_true")
    for parser in (searching, verifying):
        parser.set_defaults(handler=archive_command)
    what.choices["list"].set_defaults(handler=archive_command)
    archiving.set_defaults(handler=archive_command)
