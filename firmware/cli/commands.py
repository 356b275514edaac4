"""The ``linerec`` command (also ``python -m firmware``).

Exit status: 0 on success, 2 for a usage error or an input the command
cannot take (the error is one line on stderr), 1 for anything else.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

import firmware
from firmware.config import ConfigError, ConfigStore
from firmware.datafolder import DATA_HELP, DataFolder, default_data_folder, private_files
from firmware.errors import LinerecError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2

# The modules that add the commands (each has ``register``), in the order ``--help``
# lists them, and the commands each adds. A command's module is imported only when that
# command runs (every one for ``--help`` or an unknown command): ``linerec engine`` thus
# imports none of the others' (updates, backups, hardware tests, the DSP tools), which
# would cost the engine memory for as long as it runs. ``tests/test_cli.py`` checks the
# names against what the modules register.
COMMAND_MODULES = {
    "firmware.cli.processes": ("run", "engine", "web"),
    "recovery.cli": ("recover",),
    "firmware.cli.maintenance": ("config", "backup", "factory-reset"),
    "firmware.cli.offsite": ("target", "restore", "archive"),
    "firmware.cli.status": ("status",),
    "firmware.cli.integrity": ("verify", "chain"),
    "firmware.cli.encryption": ("encryption",),
    "firmware.cli.hardware": ("hw-profile", "hw-test"),
    "firmware.cli.sms": ("sms",),
    "firmware.cli.update": ("update",),
    "firmware.cli.dsp": ("dsp",),
}


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


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``linerec`` parser: with every command, or with ``command``'s module's alone."""
    parser = argparse.ArgumentParser(prog="linerec", description="Phone-line recorder and CRM box.")
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, names in COMMAND_MODULES.items():
        if command is not None and command not in names:
            continue
        module = importlib.import_module(name)
        if name == "firmware.cli.processes":
            module.register(commands, _positive_float, _port)
        else:
            module.register(commands)
        if name == "firmware.cli.processes" and command is None:
            _add_check_config(commands)
    if command == "check-config":
        _add_check_config(commands)
    return parser


def _add_check_config(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "check-config", help="check the device configuration and report every problem"
    )
    check.add_argument("--data", type=Path, default=default_data_folder(), help=DATA_HELP)
    check.set_defaults(handler=_check_config)


def _command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs, if it names one first (no option before it)."""
    if not argv or argv[0].startswith("-"):
        return None
    known = {name for names in COMMAND_MODULES.values() for name in names} | {"check-config"}
    return argv[0] if argv[0] in known else None


def main(argv: Sequence[str] | None = None) -> int:
    private_files()  # the data the box makes is its user's alone, whatever the umask
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command(argv))
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
