"""Hardware profiles: the driver settings of each line for a supported line interface.

A profile is a TOML file in ``firmware/hardware/profiles/`` (``hat-2``,
``hat-4``, ``modem-2``; docs/wiring.md shows the wiring each assumes) or
anywhere else, named by its path::

    title = "2-line HAT, one USB sound card per line"

    [[lines]]
    number = 1
    audio = "alsa:plughw:CARD=linerec1,DEV=0"
    playback = "alsa:plughw:CARD=linerec1,DEV=0"
    signals = "gpio:ring=17,loop=27,relay=22,active_low=ring+loop"

Each line gives some of ``audio``, ``playback``, ``signals`` and ``modem``.
Applying a profile writes them into the configuration through the config
store (checked by its schema); a line that gives no ``modem`` gets none (a
modem would override its interface), the settings it leaves out are kept.
A line the configuration lacks is added with the defaults; lines the
profile does not name are left as they are.

Loading checks every URL with the drivers' own parsers (nothing is opened)
and that no GPIO pin is given to two lines.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.errors import DriverURLError
from drivers.opening import ACCEPTED_AUDIO_URLS
from drivers.signals import ACCEPTED_SIGNAL_URLS
from drivers.signals_gpio import parse_gpio_target
from drivers.url import parse_url
from firmware.config import (
    Config,
    ConfigError,
    ConfigStore,
    default_config,
    to_plain,
    validate,
)
from firmware.errors import LinerecError
from firmware.schema import SchemaError

PROFILE_FOLDER = Path(__file__).parent / "profiles"
LINE_SETTINGS = ("audio", "playback", "signals", "modem")

__all__ = [
    "PROFILE_FOLDER",
    "HardwareProfile",
    "LineChange",
    "ProfileError",
    "ProfileLine",
    "apply_profile",
    "load_profile",
    "plan",
    "profile_names",
]


class ProfileError(LinerecError):
    """A profile that is not there or not right; the message names it and the problem."""


@dataclass(frozen=True)
class ProfileLine:
    number: int
    settings: dict[str, str]  # some of LINE_SETTINGS


@dataclass(frozen=True)
class HardwareProfile:
    name: str
    title: str
    path: Path
    lines: list[ProfileLine] = field(default_factory=list)

    @property
    def line_numbers(self) -> list[int]:
        return [line.number for line in self.lines]


def profile_names() -> list[str]:
    """The profiles that come with the box."""
    return sorted(path.stem for path in PROFILE_FOLDER.glob("*.toml"))


def _profile_path(name: str) -> Path:
    if name.endswith(".toml") or "/" in name:
        return Path(name)
    path = PROFILE_FOLDER / f"{name}.toml"
    if not path.is_file():
        raise ProfileError(
            f"no hardware profile {name!r} (profiles: {', '.join(profile_names())}; "
            "or give the path of a .toml file)"
        )
    return path


def _check_url(key: str, url: str) -> list[int]:
    """Problems raise DriverURLError; returns the GPIO pins a signals URL takes."""
    if key in ("audio", "playback"):
        schemes = {"alsa": frozenset(), "wav": frozenset({"pace"}), "sim": frozenset({"depth"})}
        schemes["null"] = frozenset()
        parse_url(url, schemes, ACCEPTED_AUDIO_URLS)
    elif key == "signals":
        parsed = parse_url(
            url,
            {"gpio": frozenset(), "sim": frozenset()},
            ACCEPTED_SIGNAL_URLS,
            raw_schemes=frozenset({"gpio"}),
        )
        if parsed.scheme == "gpio":
            config = parse_gpio_target(parsed)
            pins = (config.ring, config.loop, config.relay, config.reversal)
            return [pin for pin in pins if pin is not None]
    elif url:  # modem: "" is none
        from drivers.modem_line import split_line_options  # noqa: PLC0415 - pyserial-free check

        split_line_options(url)
    return []


def _parse_line(place: str, raw: Any, pins: dict[int, str]) -> ProfileLine:
    if not isinstance(raw, dict):
        raise ValueError(f"{place}: expected a table of settings")
    unknown = sorted(set(raw) - {"number", *LINE_SETTINGS})
    if unknown:
        raise ValueError(
            f"{place}: unknown key(s) {', '.join(unknown)} (known: number, "
            f"{', '.join(LINE_SETTINGS)})"
        )
    number = raw.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 64:
        raise ValueError(f"{place}.number: {number!r} is not a line number 1-64")
    settings = {}
    for key in LINE_SETTINGS:
        if key not in raw:
            continue
        if not isinstance(raw[key], str):
            raise ValueError(f"{place}.{key}: expected a driver URL as a string")
        try:
            taken = _check_url(key, raw[key])
        except DriverURLError as error:
            raise ValueError(f"{place}.{key}: {error}") from None
        for pin in taken:
            if pin in pins:
                raise ValueError(f"{place}.signals: GPIO {pin} is already {pins[pin]}'s")
            pins[pin] = f"line {number}"
        settings[key] = raw[key]
    if not settings:
        raise ValueError(f"{place}: gives none of {', '.join(LINE_SETTINGS)}")
    return ProfileLine(number, settings)


def load_profile(name: str) -> HardwareProfile:
    """The profile called ``name`` (or the file at that path), checked; ProfileError if not."""
    path = _profile_path(name)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProfileError(f"{path}: cannot read it: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProfileError(f"{path}: not a TOML file: {error}") from None
    try:
        unknown = sorted(set(document) - {"title", "lines"})
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(unknown)} (known: title, lines)")
        raw_lines = document.get("lines")
        if not isinstance(raw_lines, list) or not raw_lines:
            raise ValueError("no [[lines]]: a profile gives at least one line")
        pins: dict[int, str] = {}
        lines = [_parse_line(f"lines[{i}]", raw, pins) for i, raw in enumerate(raw_lines)]
        numbers = [line.number for line in lines]
        twice = sorted({n for n in numbers if numbers.count(n) > 1})
        if twice:
            raise ValueError(f"line {twice[0]} is given twice")
    except ValueError as error:
        raise ProfileError(f"{path}: {error}") from None
    title = str(document.get("title", path.stem))
    return HardwareProfile(path.stem, title, path, lines)


@dataclass(frozen=True)
class LineChange:
    number: int
    added: bool
    changes: dict[str, tuple[str, str]]  # setting -> (old, new)


def plan(
    profile: HardwareProfile, config: Config | None
) -> tuple[dict[str, Any], list[LineChange]]:
    """The configuration (as a plain document) with ``profile`` applied, and what changes."""
    plain = to_plain(config if config is not None else default_config())
    by_number = {line["number"]: line for line in plain["lines"]}
    defaults = to_plain(default_config(1))["lines"][0]
    report = []
    for line in profile.lines:
        target = by_number.get(line.number)
        added = target is None
        if target is None:
            target = {"number": line.number, "name": f"Line {line.number}"}
            plain["lines"].append(target)
            by_number[line.number] = target
        wanted = {"modem": "", **line.settings}
        changes = {}
        for key, value in wanted.items():
            old = target.get(key, defaults[key])
            if old != value:
                changes[key] = (old, value)
            target[key] = value
        report.append(LineChange(line.number, added, changes))
    plain["lines"].sort(key=lambda line: line["number"])
    return plain, report


def apply_profile(
    profile: HardwareProfile, store: ConfigStore, dry_run: bool = False
) -> list[LineChange]:
    """Write the profile's lines into the configuration of ``store`` (checked by its schema)."""
    plain, report = plan(profile, store.read())
    try:
        config = validate(plain)
    except SchemaError as error:  # a profile line the schema refuses
        raise ConfigError(store.path, error.problems) from error
    if not dry_run and any(change.changes or change.added for change in report):
        store.save(config)
    return report
