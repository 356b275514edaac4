"""The device configuration: one typed schema, kept in TinyDB behind an atomic storage.

The configuration is small and changes rarely, by an admin: lines, the
country profile, recording modes and schedules, the no-record list. It lives
in ``<data>/config.json`` as TinyDB tables (``device``: one document;
``lines``: one document per line). Every write replaces the whole file
atomically (temporary file, fsync, rename), so a power cut leaves the old
or the new configuration, never a broken one; and nothing is written that
does not pass the schema.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tinydb import TinyDB
from tinydb.storages import Storage

from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.schema import SchemaError, in_range, parse, setting, to_document
from firmware.store.files import write_atomically

COUNTRIES = ("CN", "US", "GB", "DE")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_PHONE_NUMBER = re.compile(r"^\+?[0-9*#]{1,32}$")


class ConfigError(LinerecError):
    """The configuration file cannot be read or does not fit the schema."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def _clock_time(value: str) -> str | None:
    return None if _CLOCK_TIME.match(value) else f"{value!r} is not a time HH:MM (00:00-23:59)"


def _weekdays(value: list[str]) -> str | None:
    wrong = [day for day in value if day not in WEEKDAYS]
    if wrong:
        return f"{wrong} are not weekdays ({', '.join(WEEKDAYS)})"
    return None if value else "name at least one day"


def _phone_numbers(value: list[str]) -> str | None:
    wrong = [number for number in value if not _PHONE_NUMBER.match(number)]
    return f"{wrong} are not phone numbers (digits, optional leading +)" if wrong else None


def _driver_url(value: str) -> str | None:
    return None if ":" in value else f"{value!r} is not a driver setting such as 'sim:'"


def _optional_driver_url(value: str) -> str | None:
    return _driver_url(value) if value else None


@dataclass(frozen=True)
class TimeWindow:
    """A weekly recording window, e.g. Monday to Friday 09:00-18:00."""

    days: list[str] = setting(check=_weekdays)
    start: str = setting(check=_clock_time)
    end: str = setting(check=_clock_time)  # an end before the start runs past midnight


@dataclass(frozen=True)
class VoiceActivation:
    threshold_dbm0: float = setting(-45.0, check=in_range(-70, 0))
    hangover_ms: int = setting(3000, check=in_range(0, 60000))
    preroll_ms: int = setting(500, check=in_range(0, 5000))


@dataclass(frozen=True)
class Recording:
    # auto: while the line is off-hook; vox: while there is voice; manual: by
    # command; schedule: off-hook inside the time windows; off: never.
    mode: Literal["auto", "vox", "manual", "schedule", "off"] = "auto"
    encoding: Literal["pcm16", "alaw", "ulaw"] = "alaw"
    vox: VoiceActivation = setting(VoiceActivation())
    schedule: list[TimeWindow] = setting([])


@dataclass(frozen=True)
class Line:
    number: int = setting(check=in_range(1, 64))
    name: str = ""
    enabled: bool = True
    audio: str = setting("sim:", check=_driver_url)  # capture: alsa:..., wav:..., sim:
    signals: str = setting("sim:", check=_driver_url)  # ring/loop/relay: gpio:..., sim:
    playback: str = setting("null:", check=_driver_url)  # prompts to the line
    # A voice modem on the line (serial:/dev/ttyACM0[?listen=<n>]): when set, the
    # line's ring, caller ID, hook and audio come from it and audio/signals are unused.
    modem: str = setting("", check=_optional_driver_url)
    recording: Recording = setting(Recording())


@dataclass(frozen=True)
class Device:
    country: Literal["CN", "US", "GB", "DE"] = "CN"
    no_record: list[str] = setting([], check=_phone_numbers)


@dataclass(frozen=True)
class Config:
    device: Device
    lines: list[Line]


def default_config(line_count: int = 4) -> Config:
    """What a new box starts with: China's profile and simulated lines recording on off-hook."""
    return Config(
        Device(),
        [Line(number=number, name=f"Line {number}") for number in range(1, line_count + 1)],
    )


def _check_lines(lines: list[Line], places: list[str]) -> list[str]:
    numbers = [line.number for line in lines]
    duplicates = sorted({number for number in numbers if numbers.count(number) > 1})
    problems = [f"lines: line number {number} is used twice" for number in duplicates]
    for place, line in zip(places, lines, strict=True):
        if line.recording.mode == "schedule" and not line.recording.schedule:
            problems.append(f"{place}.recording.schedule: mode 'schedule' needs a window")
    return problems


def validate(document: dict[str, Any], line_places: list[str] | None = None) -> Config:
    """A plain ``{"device": {...}, "lines": [...]}`` document as a Config, or SchemaError.

    Problems name their place as ``lines[i]...``, or as ``line_places[i]`` when
    given (the configuration file keys its lines by document id).
    """
    if not isinstance(document, dict):
        raise SchemaError([f"expected an object, got {type(document).__name__}"])
    unknown = sorted(set(document) - {"device", "lines"})
    problems = [f"{key}: unknown section (known: device, lines)" for key in unknown]
    device = lines = None
    try:
        device = parse(Device, document.get("device", {}))
    except SchemaError as error:
        problems += [f"device.{problem}" for problem in error.problems]
    raw_lines = document.get("lines", [])
    if not isinstance(raw_lines, list):
        problems.append("lines: expected a list of lines")
        raw_lines = []
    places = line_places or [f"lines[{index}]" for index in range(len(raw_lines))]
    parsed_lines = []
    for place, raw_line in zip(places, raw_lines, strict=True):
        try:
            parsed_lines.append(parse(Line, raw_line))
        except SchemaError as error:
            problems += [f"{place}.{problem}" for problem in error.problems]
    if not problems:
        lines = parsed_lines
        problems += _check_lines(lines, places)
    if problems:
        raise SchemaError(problems)
    return Config(device, lines)


def to_plain(config: Config) -> dict[str, Any]:
    return {
        "device": to_document(config.device),
        "lines": [to_document(line) for line in config.lines],
    }


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces its file atomically on every write.

    TinyDB's own JSONStorage rewrites the file in place, which a power cut
    can leave half-written. A file that is not valid JSON is reported, never
    silently replaced by an empty configuration.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, Any] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        if not text.strip():
            return None
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ConfigError(self.path, [f"not valid JSON ({error})"]) from error
        if not isinstance(data, dict):
            raise ConfigError(self.path, ["not a TinyDB document store"])
        return data

    def write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
        write_atomically(self.path, text.encode("utf-8"))

    def close(self) -> None:
        pass


class ConfigStore:
    """The configuration file of a data folder."""

    def __init__(self, data_dir: str | Path) -> None:
        self.path = DataFolder(data_dir).config

    def _database(self) -> TinyDB:
        return TinyDB(self.path, storage=AtomicJSONStorage)

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> Config:
        """The configuration; a new box gets the default one, written out."""
        database = self._database()
        raw = database.storage.read()
        if raw is None:
            config = default_config()
            self.save(config)
            return config
        device_docs = database.table("device").all()
        line_docs = database.table("lines").all()
        document = {
            "device": dict(device_docs[0]) if device_docs else {},
            "lines": [dict(doc) for doc in line_docs],
        }
        unknown_tables = sorted(set(raw) - {"device", "lines"})
        if unknown_tables:
            raise ConfigError(self.path, [f"unknown tables {unknown_tables}"])
        if len(device_docs) > 1:
            raise ConfigError(self.path, ["the device table must hold one document"])
        places = [f"lines.{doc.doc_id}" for doc in line_docs]
        try:
            return validate(document, places)
        except SchemaError as error:
            raise ConfigError(self.path, error.problems) from error

    def save(self, config: Config) -> None:
        """Check ``config`` against the schema, then replace the file in one write."""
        plain = to_plain(config)
        try:
            validate(plain)
        except SchemaError as error:
            raise ConfigError(self.path, error.problems) from error
        tables = {
            "device": {"1": plain["device"]},
            "lines": {str(index + 1): line for index, line in enumerate(plain["lines"])},
        }
        AtomicJSONStorage(self.path).write(tables)

    def update_line(self, number: int, **changes: Any) -> Config:
        """Change settings of one line (checked against the schema); return the new config."""
        plain = to_plain(self.load())
        for line in plain["lines"]:
            if line["number"] == number:
                line.update(changes)
                break
        else:
            raise ConfigError(self.path, [f"no line {number}"])
        return self._save_plain(plain)

    def set_device(self, **changes: Any) -> Config:
        """Change device settings (checked against the schema); return the new config."""
        plain = to_plain(self.load())
        plain["device"].update(changes)
        return self._save_plain(plain)

    def _save_plain(self, plain: dict[str, Any]) -> Config:
        try:
            updated = validate(plain)
        except SchemaError as error:
            raise ConfigError(self.path, error.problems) from error
        self.save(updated)
        return updated


def line_settings(config: Config, number: int) -> Line:
    for line in config.lines:
        if line.number == number:
            return line
    raise KeyError(f"no line {number} in the configuration")


__all__ = [
    "COUNTRIES",
    "WEEKDAYS",
    "Config",
    "ConfigError",
    "ConfigStore",
    "Device",
    "Line",
    "Recording",
    "TimeWindow",
    "VoiceActivation",
    "default_config",
    "line_settings",
    "validate",
]
