"""``linerec hw-profile list|show|apply`` and ``linerec hw-test``: the installer's commands.

``hw-profile`` writes the lines' driver settings from a hardware profile
(``firmware.hardware.profiles``); ``hw-test`` walks the installer through
ring, hook, relay and audio on each line (``firmware.hardware.hwtest``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from firmware.config import ConfigError, ConfigStore, default_config
from firmware.datafolder import DataFolder, EngineBusyError, EngineLock
from firmware.hardware.hwtest import STEPS, HwTest
from firmware.hardware.profiles import apply_profile, load_profile, profile_names
from firmware.link import contract


def _list(args: argparse.Namespace) -> int:
    for name in profile_names():
        profile = load_profile(name)
        lines = ", ".join(str(n) for n in profile.line_numbers)
        print(f"{name:<10} {profile.title} (lines {lines})")
    return 0


def _show(args: argparse.Namespace) -> int:
    profile = load_profile(args.name)
    print(f"{profile.name}: {profile.title}")
    print(f"file: {profile.path}")
    for line in profile.lines:
        print(f"line {line.number}:")
        for key, value in line.settings.items():
            print(f"  {key:<9} {value}")
    return 0


def _tell_engine(folder: DataFolder) -> str:
    from firmware.link.bus import BusClient, BusError  # noqa: PLC0415 - sockets only when asked

    try:
        with BusClient(folder.bus_socket, timeout=10) as client:
            reply = client.command(contract.ReloadConfigCommand())
    except (BusError, OSError, contract.CommandRefusedError, contract.ContractError):
        return "the engine is not running: the settings apply when it starts"
    restarting = getattr(reply, "restarting", ())
    if restarting:
        lines = ", ".join(str(n) for n in restarting)
        return f"the engine took them: line(s) {lines} restart once their call in progress ends"
    return "the engine took them"


def _apply(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    profile = load_profile(args.name)
    store = ConfigStore(folder.root)
    report = apply_profile(profile, store, dry_run=args.dry_run)
    verb = "would change" if args.dry_run else "changed"
    for change in report:
        if not change.changes and not change.added:
            print(f"line {change.number}: already as the profile has it")
            continue
        print(f"line {change.number}: {'added, ' if change.added else ''}{verb}")
        for key, (old, new) in change.changes.items():
            print(f"  {key:<9} {old or '(none)'} -> {new or '(none)'}")
    config = store.read()
    others = [
        line.number
        for line in (config.lines if config else [])
        if line.number not in profile.line_numbers
    ]
    if others:
        numbers = ", ".join(str(n) for n in others)
        print(f"line(s) {numbers}: not in {profile.name}, left as they are")
    if args.dry_run:
        print("nothing written (--dry-run)")
    elif any(change.changes or change.added for change in report):
        print(f"{store.path}: saved; {_tell_engine(folder)}")
    return 0


def _steps(text: str) -> tuple[str, ...]:
    steps = tuple(step.strip() for step in text.split(",") if step.strip())
    wrong = [step for step in steps if step not in STEPS]
    if wrong or not steps:
        raise argparse.ArgumentTypeError(
            f"{', '.join(wrong) or 'none'}: not steps (steps: {', '.join(STEPS)})"
        )
    return steps


def _hw_test(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    config = ConfigStore(folder.root).read()
    if config is None:
        config = default_config()
        print("no configuration yet: testing the default (simulated) lines")
    lines = [line for line in config.lines if line.enabled]
    if args.line:
        missing = sorted(set(args.line) - {line.number for line in config.lines})
        if missing:
            raise ConfigError(folder.config, [f"no line {n} in the configuration" for n in missing])
        lines = [line for line in config.lines if line.number in args.line]
    test = HwTest(
        lines,
        steps=args.steps,
        timeout=args.timeout,
        ask=None if args.yes else input,
    )
    lock = EngineLock(folder)  # the lines' devices are ours alone while we test them
    try:
        lock.acquire()
    except EngineBusyError as error:
        raise EngineBusyError(f"{error} (hw-test opens the lines' devices itself)") from None
    try:
        results = test.run()
    except (EOFError, KeyboardInterrupt):
        print("\nstopped")
        results = test.results
    finally:
        lock.release()
    failed = [result for result in results if result.outcome == "FAIL"]
    counts = {o: sum(r.outcome == o for r in results) for o in ("PASS", "FAIL", "SKIP")}
    print(f"== {counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    for result in failed:
        print(f"FAIL {result}")
    return 1 if failed or not results else 0


def register(commands: argparse._SubParsersAction) -> None:
    profile = commands.add_parser(
        "hw-profile", help="write the lines' audio, signals and modem settings from a preset"
    )
    actions = profile.add_subparsers(dest="profile_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the profiles that come with the box")
    listing.set_defaults(handler=_list)
    show = actions.add_parser("show", help="a profile's settings, line by line")
    show.add_argument("name", metavar="NAME", help="a profile name, or the path of a .toml file")
    show.set_defaults(handler=_show)
    apply = actions.add_parser(
        "apply", help="write a profile's settings into the configuration (checked first)"
    )
    apply.add_argument("name", metavar="NAME", help="a profile name, or the path of a .toml file")
    apply.add_argument("--data", type=Path, default=Path("data"), help="data folder (./data)")
    apply.add_argument("--dry-run", action="store_true", help="say what would change, write none")
    apply.set_defaults(handler=_apply)

    hw_test = commands.add_parser(
        "hw-test",
        help="check each line's ring, hook, relay and audio, PASS or FAIL (for installers)",
    )
    hw_test.add_argument("--data", type=Path, default=Path("data"), help="data folder (./data)")
    hw_test.add_argument(
        "--line", type=int, action="append", metavar="N", help="only line N (repeatable)"
    )
    hw_test.add_argument(
        "--steps",
        type=_steps,
        default=STEPS,
        metavar="LIST",
        help=f"the steps, comma-separated ({','.join(STEPS)}: all, the default)",
    )
    hw_test.add_argument(
        "--timeout", type=float, default=60.0, metavar="S", help="seconds a step waits (60)"
    )
    hw_test.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help="non-interactive: run every step without asking (the relay takes lines off hook)",
    )
    hw_test.set_defaults(handler=_hw_test)
