"""``linerec update``: a new version installed beside the running one, switched to,
checked, and rolled back when it fails (``firmware.update``).

    linerec update PACKAGE [--root DIR] [--data DIR] [--check-within S] [--keep N]
    linerec update --rollback [--restore-database]
    linerec update --status
    linerec update --recover      (at boot, from linerec-recovery.service)

On the box it runs as root (the linerec command does not hand it to the box's
user): it writes /opt/linerec and asks systemctl to stop and start the units.

Exit status: 0 updated (or rolled back by hand, or the status shown); 1 the new
version failed its check and the previous one runs again (the reason is one
line on stderr); 2 nothing changed: not a linerec bundle, a damaged one, no
previous version, another update running; 3 the rollback could not be made
whole and the box needs a person (what is left is said).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from firmware.datafolder import DataFolder, data_disk_required
from firmware.update import updater
from firmware.update.updater import Outcome, Updater, services_from

DEFAULT_ROOT = Path("/opt/linerec")
DEFAULT_DATA = Path("/var/lib/linerec")  # the box's, when $LINEREC_DATA does not say


def default_data() -> Path:
    """``--data``'s default: ``$LINEREC_DATA`` (set by the installed box's linerec command and
    its units, from /etc/default/linerec), else the box's default folder."""
    return Path(os.environ.get("LINEREC_DATA") or DEFAULT_DATA)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"keep at least 2 (the current and the previous), "
                                         f"got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


class _Services:
    """The service manager, found when first used: ``--status`` on a machine without
    systemd works as long as there is no interrupted update to roll back."""

    def __init__(self, command: str | None, *, no_block: bool) -> None:
        self.command, self.no_block = command, no_block

    def stop(self) -> None:
        services_from(self.command, no_block=self.no_block).stop()

    def restart(self) -> None:
        services_from(self.command, no_block=self.no_block).restart()


def _status_lines(status: dict) -> list[str]:
    lines = [f"root        {status['root']}",
             f"current     {status['current'] or 'none'}",
             f"previous    {status['previous'] or 'none'}",
             f"installed   {', '.join(status['installed']) or 'none'}",
             f"database    schema {status['database_schema']}"]
    last = status["last_switch"]
    if last:
        lines.append(f"last switch {last.get('from')} -> {last.get('to')}, snapshot "
                     f"{last.get('snapshot')}")
    return lines


def run(args: argparse.Namespace) -> int:
    modes = sum(bool(x) for x in (args.package, args.rollback, args.status, args.recover))
    if modes != 1:
        print("linerec: error: give one of PACKAGE, --rollback, --status, --recover",
              file=sys.stderr)
        return updater.EXIT_BAD_INPUT
    if args.steady > args.check_within:
        print(f"linerec: error: --steady {args.steady:g} is longer than --check-within "
              f"{args.check_within:g}: the check could never pass", file=sys.stderr)
        return updater.EXIT_BAD_INPUT
    if data_disk_required():  # a data disk that did not mount: nothing written onto the SD card
        DataFolder(args.data).check_data_disk()
    if args.package or args.rollback:
        services_from(args.services)  # none: said before anything changes
    services = _Services(args.services, no_block=args.recover)
    def say(text: str) -> None:  # progress: beside the JSON, never in it
        print(text, file=sys.stderr if args.json else sys.stdout, flush=True)

    box = Updater(args.root, args.data, services, say=say)
    if args.status or args.recover:
        done = box.settle(check=not args.recover)
        if done:
            say(done)
        if args.recover:
            return updater.EXIT_UPDATED
        status = box.status()
        if args.json:
            print(json.dumps(status, indent=1))
        else:
            print("\n".join(_status_lines(status)))
        return updater.EXIT_UPDATED
    if args.rollback:
        outcome = box.rollback(args.check_within, args.steady, args.restore_database)
        if outcome.status == updater.EXIT_ROLLED_BACK:  # asked for: a success
            outcome = Outcome(updater.EXIT_UPDATED, outcome.message)
    else:
        outcome = box.update(args.package, args.check_within, args.keep, args.steady)
    stream = sys.stdout if outcome.status == updater.EXIT_UPDATED else sys.stderr
    prefix = "" if outcome.status == updater.EXIT_UPDATED else "linerec: update failed: "
    print(prefix + outcome.message, file=stream)
    return outcome.status


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "update", help="install a new version beside this one, switch, check, roll back on "
        "failure", description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", type=Path, metavar="PACKAGE",
                        help="a release bundle, linerec-<version>.tar.gz")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                        help=f"install root ({DEFAULT_ROOT})")
    parser.add_argument("--data", type=Path, default=default_data(),
                        help=f"data folder ($LINEREC_DATA, else {DEFAULT_DATA})")
    parser.add_argument("--check-within", type=_seconds, default=60.0, metavar="S",
                        help="the new version must be healthy within S seconds (60)")
    parser.add_argument("--steady", type=_seconds, default=10.0, metavar="S",
                        help="and stay healthy for S seconds without a break (10)")
    parser.add_argument("--keep", type=_count, default=3, metavar="N",
                        help="versions kept installed, the current one included (3)")
    parser.add_argument("--services", metavar="CMD",
                        help="command that stops or restarts the box's processes, given stop "
                        "or restart (default: systemctl on the linerec units)")
    parser.add_argument("--rollback", action="store_true",
                        help="go back to the previous version by hand")
    parser.add_argument("--restore-database", action="store_true",
                        help="with --rollback: put back the database snapshot taken before "
                        "the switch when the current version moved its schema forward")
    parser.add_argument("--status", action="store_true",
                        help="the current and previous versions (finishes an interrupted "
                        "update first)")
    parser.add_argument("--json", action="store_true", help="with --status: one JSON object")
    parser.add_argument("--recover", action="store_true",
                        help="finish an update a crash interrupted (at boot)")
    parser.set_defaults(handler=run)
