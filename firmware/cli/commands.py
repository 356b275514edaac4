"""The ``linerec`` command (also ``python -m firmware``).

Exit status: 0 on success, 2 for a usage error or an input the command
cannot take (the error is one line on stderr), 1 for anything else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import firmware
from firmware.cli import dsp as cli_dsp
from firmware.cli import encryption as cli_encryption
from firmware.cli import hardware as cli_hardware
from firmware.cli import integrity as cli_integrity
from firmware.cli import maintenance as cli_maintenance
from firmware.cli import offsite as cli_offsite
from firmware.cli import processes as cli_engine
from firmware.cli import status as cli_status
from firmware.cli import update as cli_update
from firmware.config import ConfigError, ConfigStore
from firmware.datafolder import DATA_HELP, DataFolder, default_data_folder, private_files
from firmware.errors import LinerecError
from recovery import cli as cli_recovery

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


def _check_config(args: argparse.Namespace) -> int:
    DataFolder(args.data).check()  # a missing or read-only folder: one line, status 2
    store = ConfigStore(args.data)
    try:
        config = store.read()
    except ConfigError as error:
        if len(error.problems) == 1:  # one line: the file, what is wrong, what to do
            print(f"linerec: error: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"{error.path}: {len(error.problems)} problem(s)", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        if error.hint:
            print(f"  {error.hint}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if config is None:
        print(f"{store.path}: no configuration yet; the box will start with the default one")
        return EXIT_OK
    print(f"{store.path}: OK ({len(config.lines)} lines, country {config.device.country})")
    return EXIT_OK


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 1-65535 (or 0: any free port), got {value}")
    return value


class _VersionAction(argparse.Action):
    """``--version``: argparse's, with the version looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help or "show program's version number and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"linerec {firmware.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linerec", description="Phone-line recorder and CRM box.")
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    cli_engine.register(commands, _positive_float, _port)

    check = commands.add_parser(
        "check-config", help="check the device configuration and report every problem"
    )
    check.add_argument("--data", type=Path, default=default_data_folder(), help=DATA_HELP)
    check.set_defaults(handler=_check_config)
    cli_recovery.register(commands)
    cli_maintenance.register(commands)
    cli_offsite.register(commands)
    cli_status.register(commands)
    cli_integrity.register(commands)
    cli_encryption.register(commands)
    cli_hardware.register(commands)
    cli_update.register(commands)

    cli_dsp.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    private_files()  # the data the box makes is its user's alone, whatever the umask
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except LinerecError as error:
        print(f"linerec: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `linerec ... | head` closed our stdout: not an error
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
