"""The device configuration: one typed schema, kept in TinyDB behind an atomic storage.

The configuration is small and changes rarely, by an admin: lines, the
country profile, recording modes and schedules, the no-record list,
retention. It lives in ``<data>/config.json`` as TinyDB tables (``device``:
one document; ``lines``: one document per line). Every write replaces the whole file
atomically (temporary file, fsync, rename), so a power cut leaves the old
or the new configuration, never a broken one; and nothing is written that
does not pass the schema.

A file that cannot be read as a configuration (empty, cut short, not JSON,
not UTF-8, tables of the wrong shape, a folder in its place) is an error
naming the file and what is wrong, never replaced by the defaults: the
defaults record every line and have an empty no-record list. Every save
keeps the version it replaces and the new one under
``<data>/backups/config/`` (the last ``CONFIG_BACKUPS_KEPT``), which
``ConfigStore.restore`` (``linerec config restore``) puts back.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tinydb import TinyDB
from tinydb.storages import Storage

from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.schema import SchemaError, in_range, parse, setting, to_document
from firmware.store.backups import config_copies
from firmware.store.files import make_folders, write_atomically

log = logging.getLogger(__name__)

COUNTRIES = ("CN", "US", "GB", "DE")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_PHONE_NUMBER = re.compile(r"^\+?[0-9*#]{1,32}$")
MAX_KEEP_DAYS = 36_500  # a hundred years: longer is a typing mistake


class ConfigError(LinerecError):
    """The configuration file cannot be read or does not fit the schema."""

    def __init__(self, path: Path, problems: list[str], hint: str | None = None) -> None:
        message = f"{path}: " + "; ".join(problems)
        super().__init__(f"{message}; {hint}" if hint else message)
        self.path = path
        self.problems = problems
        self.hint = hint  # what a person can do about it (the command that restores a copy)


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


def _group_names(value: list[str]) -> str | None:
    wrong = [name for name in value if not name.strip() or len(name) > 60]
    return f"{wrong} are not customer group names (1 to 60 characters)" if wrong else None


_PROMPT_KEY = re.compile(r"^[a-z0-9_]{1,40}$")


def _prompt_key(value: str) -> str | None:
    if _PROMPT_KEY.match(value):
        return None
    return f"{value!r} is not a prompt's key (a-z, 0-9 and _, e.g. voicemail_greeting)"


_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def _email(value: str) -> str | None:
    return None if not value or _EMAIL.match(value) else f"{value!r} is not an e-mail address"


def _emails(value: list[str]) -> str | None:
    wrong = [address for address in value if not _EMAIL.match(address)]
    return f"{wrong} are not e-mail addresses" if wrong else None


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
    # Retention deletes this line's finished recordings once they are this many days
    # old (0: no age limit; space alone decides, see Retention).
    keep_days: int = setting(0, check=in_range(0, MAX_KEEP_DAYS))


ANNOUNCEMENT_DIRECTIONS = ("off", "inbound", "outbound", "both")
BUILT_IN_ANNOUNCEMENT = "announcement"  # the prompt library's own "this call may be recorded"


def _announcement_prompt(value: str | int) -> str | None:
    if isinstance(value, int):
        return None if value >= 1 else f"{value} is not a prompt's id (1 or more)"
    if value == BUILT_IN_ANNOUNCEMENT:
        return None
    return (
        f"{value!r} is not a prompt: {BUILT_IN_ANNOUNCEMENT!r} (the box's own) or a "
        "prompt's id"
    )


@dataclass(frozen=True)
class Voicemail:
    """The box answers a call nobody took after ``rings`` rings (``firmware.acts.voicemail``):
    the greeting, a beep, then the caller's message, at most ``max_s`` seconds, ended by
    ``silence_s`` of quiet or the caller hanging up. With ``schedule`` only inside its
    weekly windows (empty: always); with ``groups`` only for callers who are customers
    of one of those customer groups (empty: every caller). The messages are kept as
    ``keep_days`` and ``keep_unheard`` say, within the device's ``Retention``."""

    enabled: bool = False
    rings: int = setting(5, check=in_range(1, 20))
    schedule: list[TimeWindow] = setting([])
    groups: list[str] = setting([], check=_group_names)
    greeting: str = setting("voicemail_greeting", check=_prompt_key)  # a prompt's key
    max_s: int = setting(120, check=in_range(10, 600))
    silence_s: int = setting(5, check=in_range(2, 30))
    # Retention deletes this line's messages once they are this many days old (0: no age
    # limit), only those marked heard while ``keep_unheard`` (see Retention).
    keep_days: int = setting(0, check=in_range(0, MAX_KEEP_DAYS))
    keep_unheard: bool = True


def _reply_text(value: str) -> str | None:
    if len(value) > 500:
        return f"{len(value)} characters: at most 500"
    return None


@dataclass(frozen=True)
class LineSms:
    """What a line texts by itself, through the GSM modem (``device.sms``): a reply to
    the caller of a missed call (``missed_call_reply``, with the templates' placeholders;
    "": none), and a notice of each voicemail message to ``voicemail_notify``'s numbers.
    Each is sent once (``firmware.sms.greetings``)."""

    missed_call_reply: str = setting("", check=_reply_text)
    voicemail_notify: list[str] = setting([], check=_phone_numbers)


@dataclass(frozen=True)
class Line:
    number: int = setting(check=in_range(1, 64))
    name: str = ""
    enabled: bool = True
    audio: str = setting("sim:", check=_driver_url)  # capture: alsa:..., wav:..., sim:
    signals: str = setting("sim:", check=_driver_url)  # ring/loop/relay: gpio:..., sim:
    playback: str = setting("sim:", check=_driver_url)  # prompts to the line: alsa:..., sim:
    # A voice modem on the line (serial:/dev/ttyACM0[?listen=<n>]): when set, the
    # line's ring, caller ID, hook and audio come from it and audio/signals are unused.
    modem: str = setting("", check=_optional_driver_url)
    recording: Recording = setting(Recording())
    voicemail: Voicemail = setting(Voicemail())
    # Before recording, the box tells both parties the call may be recorded: on inbound
    # calls when answered, outbound calls when connected, both, or off. The prompt is
    # the library's own (BUILT_IN_ANNOUNCEMENT) or a prompt's id (firmware.prompts).
    announcement: Literal["off", "inbound", "outbound", "both"] = "off"
    announcement_prompt: str | int = setting(BUILT_IN_ANNOUNCEMENT, check=_announcement_prompt)
    # How the box dials on the line when it places a call: DTMF tones, or pulses of its
    # relay (loop disconnect, for an exchange or a PBX port that takes no tones).
    dialling: Literal["tone", "pulse"] = "tone"
    sms: LineSms = setting(LineSms())

    @property
    def given_name(self) -> str:
        """The name an admin gave the line; "" when it only repeats the number (a new
        box's "Line 1"), which the pages already say in their own language."""
        return "" if self.name == f"Line {self.number}" else self.name


@dataclass(frozen=True)
class Retention:
    """Circular recording: what the box deletes so that its disk never fills.

    While free space on the recordings' disk is below the target, the larger
    of ``min_free_percent`` of the disk and ``min_free_gb``, the oldest
    finished recordings are deleted, then, when no recording may go, the
    oldest voicemail messages marked heard; recordings and messages under
    legal hold never are, nor, with ``keep_until_backed_up``, those no backup
    has copied yet.
    ``enabled`` false: nothing is ever deleted, and a full disk stops the
    recordings (the Storage page says when).
    """

    enabled: bool = True
    min_free_percent: float = setting(10.0, check=in_range(0, 90))
    min_free_gb: float = setting(0.0, check=in_range(0, 100_000))  # GB of 2**30 bytes, as df -h
    keep_until_backed_up: bool = False


def _keeps_room_free(retention: Retention) -> str | None:
    if retention.enabled and retention.min_free_percent == 0 and retention.min_free_gb == 0:
        return (
            "min_free_percent and min_free_gb are both 0: set one above 0 so that "
            "retention keeps room free, or turn retention off"
        )
    return None


_TARGET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.:-]{0,252})$")
BACKUP_KINDS = ("usb", "sftp", "smb", "s3")
S3_PROVIDERS = ("Minio", "AWS", "Ceph", "Other")


def _target_name(value: str) -> str | None:
    if _TARGET_NAME.match(value):
        return None
    return f"{value!r} is not a target name (a-z, 0-9, - and _, at most 32, e.g. 'nas')"


def _host(value: str) -> str | None:
    return None if not value or _HOST.match(value) else f"{value!r} is not a host name or address"


def _endpoint(value: str) -> str | None:
    if not value or re.match(r"^https?://[^\s/]+(/\S*)?$", value):
        return None
    return f"{value!r} is not an address such as https://minio.office.lan:9000"


def _no_blanks(value: str) -> str | None:
    if re.search(r"[\n\r\t]", value):
        return f"{value!r} must not hold tabs or line breaks"
    return None


@dataclass(frozen=True)
class BackupTarget:
    """Where a backup goes (``firmware.backup``): a USB disk's folder, a NAS over SFTP or
    SMB, or an S3-compatible bucket. Only where and who: passwords and keys are kept in
    the data folder's rclone configuration (``offsite/rclone.conf``, mode 0600), never
    here."""

    name: str = setting(check=_target_name)
    kind: Literal["usb", "sftp", "smb", "s3"] = setting()
    enabled: bool = True
    # usb: the folder on the mounted disk (absolute); sftp: the folder on the server;
    # smb: the folder inside the share; s3: the folder inside the bucket ("" for its top).
    path: str = setting("", check=_no_blanks)
    host: str = setting("", check=_host)  # sftp, smb
    port: int = setting(0, check=in_range(0, 65535))  # 0: the protocol's own (22, 445)
    user: str = setting("", check=_no_blanks)  # sftp, smb
    share: str = setting("", check=_no_blanks)  # smb
    domain: str = setting("", check=_no_blanks)  # smb: the Windows domain, "" for WORKGROUP
    endpoint: str = setting("", check=_endpoint)  # s3: the server's address; "" for AWS
    region: str = setting("", check=_no_blanks)  # s3
    bucket: str = setting("", check=_no_blanks)  # s3
    provider: Literal["Minio", "AWS", "Ceph", "Other"] = "Minio"  # s3
    # usb: a folder on the box's own disk is refused (a USB disk that did not mount
    # would fill the box's card); true allows it, e.g. a second internal disk.
    allow_same_disk: bool = False


def _target_complete(target: BackupTarget) -> str | None:
    needed = {
        "usb": ("path",),
        "sftp": ("host",),
        "smb": ("host", "share"),
        "s3": ("bucket",),
    }[target.kind]
    missing = [name for name in needed if not getattr(target, name)]
    if missing:
        return f"a target of kind {target.kind} needs its {' and its '.join(missing)}"
    if target.kind == "usb" and not target.path.startswith("/"):
        return f"{target.path!r}: a USB disk's folder is an absolute path such as /media/usb"
    if target.kind == "s3" and target.provider != "AWS" and not target.endpoint:
        return f"an S3 target of provider {target.provider} needs its endpoint"
    return None


@dataclass(frozen=True)
class BackupSchedule:
    """When the engine backs up: every day at ``at`` (the box's local time), or every
    ``hours`` hours."""

    every: Literal["day", "hours"] = "day"
    at: str = setting("02:00", check=_clock_time)
    hours: int = setting(6, check=in_range(1, 168))


@dataclass(frozen=True)
class Backup:
    """Backups off the box (``firmware.backup``), to each enabled target on the schedule."""

    enabled: bool = False
    schedule: BackupSchedule = setting(BackupSchedule())
    targets: list[BackupTarget] = setting([])


def _check_backup(backup: Backup) -> str | None:
    names = [target.name for target in backup.targets]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        return f"targets: the name {twice[0]!r} is used twice"
    for target in backup.targets:
        problem = _target_complete(target)
        if problem:
            return f"targets.{target.name}: {problem}"
    if backup.enabled and not any(target.enabled for target in backup.targets):
        return "backups are on but no target is: add a target or turn backups off"
    return None


@dataclass(frozen=True)
class Archive:
    """Compression after the call (``firmware.archive``, the engine's ``archive`` thread).

    With ``compress``, each finished recording's G.711 WAV (28.8 MB an hour) is
    replaced by an Ogg Opus file at ``bitrate_kbps`` (VBR, DTX, narrowband): the
    standard tier. With ``archive_after_days`` above 0, recordings older than that
    are re-encoded at ``archive_bitrate_kbps``: the long-archive tier. The
    original's SHA-256 stays in the index; recordings under legal hold are left as
    recorded. ``complexity`` trades the encoder's speed for quality (0..10). The
    defaults come from ``make bench`` (``bench.archive``) on call-like audio.
    """

    compress: bool = True
    bitrate_kbps: float = setting(10.0, check=in_range(5, 32))
    archive_after_days: int = setting(0, check=in_range(0, MAX_KEEP_DAYS))  # 0: no such tier
    archive_bitrate_kbps: float = setting(7.0, check=in_range(5, 32))
    complexity: int = setting(3, check=in_range(0, 10))


def _archive_tier_smaller(archive: Archive) -> str | None:
    if (archive.compress and archive.archive_after_days
            and archive.archive_bitrate_kbps > archive.bitrate_kbps):
        return (
            f"archive_bitrate_kbps ({archive.archive_bitrate_kbps:g}) is above bitrate_kbps "
            f"({archive.bitrate_kbps:g}): the long-archive tier would make old recordings "
            "larger and worse; set it at or below the standard tier's"
        )
    return None


_KEY_CODE = re.compile(r"^[*#][0-9*#]{1,7}$")


def _key_code(value: str) -> str | None:
    if not value or _KEY_CODE.match(value):
        return None
    return (
        f"{value!r} is not a key code: 2 to 8 keys (0-9, * and #), the first * or #, "
        "so that digits typed in a call (an account number) are never taken for one"
    )


@dataclass(frozen=True)
class ManualCodes:
    """Keys pressed on a phone during an answered call: on a line in manual mode ``start``
    records and ``stop`` stops; on any line ``survey`` hands the caller to the
    satisfaction survey ("" for none)."""

    start: str = setting("*1", check=_key_code)
    stop: str = setting("*0", check=_key_code)
    survey: str = setting("*5", check=_key_code)


def _distinct_codes(codes: ManualCodes) -> str | None:
    named = [("start", codes.start), ("stop", codes.stop), ("survey", codes.survey)]
    for index, (name, code) in enumerate(named):
        for other_name, other in named[index + 1 :]:
            if code and other and (code.startswith(other) or other.startswith(code)):
                return (
                    f"{name} {code!r} and {other_name} {other!r}: neither code may be the "
                    "other, or begin it"
                )
    return None


@dataclass(frozen=True)
class Encryption:
    """Recordings encrypted at rest (``firmware.archive.crypt``), off by default.

    With ``enabled``, the archive thread encrypts each finished recording's stored
    file to the box's public recordings key (``keys/recordings-public.pem``) as soon
    as the call has ended (after its compression when that is on). Playing and
    exporting need the private key, unlocked after each start by the passphrase or
    by the key file at ``key_file`` (an absolute path, e.g. on a USB stick; empty:
    none). Turning it on needs the key made first (``linerec encryption setup`` or
    *Settings → Encryption*).
    """

    enabled: bool = False
    key_file: str = setting("", check=lambda value: None if not value or value.startswith("/")
                            else "must be an absolute path, or empty")


def _time_zone(name: str) -> str | None:
    if not name:
        return None
    if name not in _time_zones():
        return f"{name!r} is not a time zone (write it as Asia/Shanghai or Europe/London)"
    return None


@functools.cache
def _time_zones() -> frozenset[str]:
    import zoneinfo  # noqa: PLC0415 - read once, only when a zone is set

    return frozenset(zoneinfo.available_timezones())


@dataclass(frozen=True)
class Firewall:
    """The call firewall's settings (its lists and rules are in the database:
    ``firmware.store.firewall``). With ``approval``, an operator's change of the black or
    red list waits until a leader of their group (or a super user) approves it."""

    approval: bool = False


def _check_firewall(firewall: Firewall) -> str | None:
    if not isinstance(firewall.approval, bool):
        return "approval must be true or false"
    return None


@dataclass(frozen=True)
class Smtp:
    """The admin's mail server, for the box's notices (a new voicemail message). The
    password is kept in the data folder (``smtp-password``, mode 0600), never here.
    ``tls``: ``starttls`` (port 587), ``tls`` (implicit, port 465) or ``none``."""

    host: str = setting("", check=_host)  # "": no e-mail is sent
    port: int = setting(587, check=in_range(1, 65535))
    tls: Literal["starttls", "tls", "none"] = "starttls"
    user: str = setting("", check=_no_blanks)
    sender: str = setting("", check=_email)
    recipients: list[str] = setting([], check=_emails)

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender and self.recipients)


def _smtp_complete(smtp: Smtp) -> str | None:
    if smtp.host and not smtp.sender:
        return "a mail server needs the sender's address"
    if smtp.host and not smtp.recipients:
        return "a mail server needs at least one recipient"
    return None


@dataclass(frozen=True)
class Sms:
    """Text messages through a GSM modem (``drivers.gsm_modem``, the engine's ``sms``
    thread). ``modem``: its serial port, e.g. ``serial:/dev/ttyUSB2`` or
    ``serial:/dev/linerec-gsm?baud=115200``; "" (the default): no modem, nothing is sent
    (the queue waits). ``delivery_reports``: ask the network for a report on each
    message (it is marked delivered when it comes). ``validity_hours``: how long the
    network keeps trying to deliver a message to a phone that is off."""

    modem: str = setting("", check=_optional_driver_url)
    delivery_reports: bool = True
    validity_hours: int = setting(24, check=in_range(1, 24 * 7 * 63))
    # The language of the box's own messages (voicemail notices) and of the lines'
    # replies' placeholders ($title$: 先生/女士 or Mr/Ms, $date$).
    language: Literal["zh", "en"] = "zh"
    # A message holding a sensitive word (firmware.store.sms_words): refused ("block"),
    # or held until a leader or an admin approves it ("hold").
    word_filter: Literal["block", "hold"] = "hold"
    # Greetings (birthdays, holidays) are queued from this local time of their day.
    greeting_time: str = setting("09:00", check=_clock_time)
    # The template greeting customers on their birthday (0: none), days before it.
    birthday_template: int = setting(0, check=in_range(0, 2**31))
    birthday_days_ahead: int = setting(0, check=in_range(0, 30))

    @property
    def enabled(self) -> bool:
        return bool(self.modem)


@dataclass(frozen=True)
class Device:
    country: Literal["CN", "US", "GB", "DE"] = "CN"
    # The box's local time (pages, file names, schedules): an IANA time zone such as
    # Asia/Shanghai; "" for the country's.
    time_zone: str = setting("", check=_time_zone)
    no_record: list[str] = setting([], check=_phone_numbers)
    manual_codes: ManualCodes = setting(ManualCodes(), check=_distinct_codes)
    retention: Retention = setting(Retention(), check=_keeps_room_free)
    backup: Backup = setting(Backup(), check=_check_backup)
    archive: Archive = setting(Archive(), check=_archive_tier_smaller)
    encryption: Encryption = setting(Encryption())
    firewall: Firewall = setting(Firewall(), check=_check_firewall)
    smtp: Smtp = setting(Smtp(), check=_smtp_complete)
    sms: Sms = setting(Sms())


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
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise ConfigError(self.path, ["a folder, not a file"]) from None
        except OSError as error:
            raise ConfigError(self.path, [f"cannot read: {error.strerror or error}"]) from error
        return parse_tables(self.path, data)

    def write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, encode_tables(data))

    def close(self) -> None:
        pass


def encode_tables(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return "a number"


def parse_tables(path: Path, data: bytes) -> dict[str, Any]:
    """The TinyDB tables in a configuration file's bytes, or ConfigError saying what is
    wrong with them (an empty file too: a new box has no file, not an empty one)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            path, [f"not UTF-8 text (byte {data[error.start]:#04x} at offset {error.start})"]
        ) from None
    if not text.strip():
        raise ConfigError(path, ["an empty file" if not data else "holds nothing but blanks"])
    try:
        tables = json.loads(text)
    except ValueError as error:
        # A string still open at the end is cut short too: only the end leaves one open.
        ends_early = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        cut = " (it ends early: cut short?)" if ends_early else ""
        raise ConfigError(
            path, [f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}{cut}"]
        ) from None
    if not isinstance(tables, dict):
        raise ConfigError(
            path, [f"expected an object of tables (device, lines), found {_json_kind(tables)}"]
        )
    problems = []
    for name, table in tables.items():
        if not isinstance(table, dict):
            problems.append(
                f"{name}: expected a table (an object of documents by number), "
                f"found {_json_kind(table)}"
            )
            continue
        for document_id, document in table.items():
            if not document_id.isdigit():
                problems.append(f"{name}.{document_id}: document keys are numbers")
            elif not isinstance(document, dict):
                problems.append(
                    f"{name}.{document_id}: expected a document (an object), "
                    f"found {_json_kind(document)}"
                )
    if problems:
        raise ConfigError(path, problems)
    return tables


def read_config_file(path: Path) -> Config:
    """The configuration in the file ``path``, checked against the schema; ConfigError
    if it cannot be read or does not fit. Writes nothing."""
    database = TinyDB(path, storage=AtomicJSONStorage)
    raw = database.storage.read()
    if raw is None:
        raise ConfigError(path, ["no such file"])
    device_docs = database.table("device").all()
    line_docs = database.table("lines").all()
    document = {
        "device": dict(device_docs[0]) if device_docs else {},
        "lines": [dict(doc) for doc in line_docs],
    }
    unknown_tables = sorted(set(raw) - {"device", "lines"})
    if unknown_tables:
        raise ConfigError(path, [f"unknown tables {unknown_tables}"])
    if len(device_docs) > 1:
        raise ConfigError(path, ["the device table must hold one document"])
    places = [f"lines.{doc.doc_id}" for doc in line_docs]
    try:
        return validate(document, places)
    except SchemaError as error:
        raise ConfigError(path, error.problems) from error


class ConfigStore:
    """The configuration file of a data folder, and the copies kept of it."""

    def __init__(self, data_dir: str | Path) -> None:
        self.folder = DataFolder(data_dir)
        self.path = self.folder.config

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> Config:
        """The configuration; a new box gets the default one, written out.

        A file that cannot be read or does not fit the schema is a ConfigError
        that says what is wrong and how to put back the last good copy.
        """
        config = self.read()
        if config is None:
            config = default_config()
            self.save(config)
        return config

    def read(self) -> Config | None:
        """The configuration as its file holds it, writing nothing; None on a new box.

        A box that had a configuration (copies of it are kept) and lost the
        file is an error too: its defaults would record numbers that must not be.
        """
        try:
            if not self.path.exists() and not self.path.is_symlink():
                if config_copies(self.folder).latest() is not None:
                    raise ConfigError(self.path, ["missing, although copies of it are kept"])
                return None
            return read_config_file(self.path)
        except ConfigError as error:
            raise ConfigError(error.path, error.problems, self.restore_hint()) from None

    def restore_hint(self) -> str:
        """What to do about a configuration that cannot be read."""
        if config_copies(self.folder).latest() is not None:
            return (
                "put back the last good copy with: "
                f"linerec config restore --data {self.folder.root}"
            )
        return (
            f"no earlier copy is kept in {self.folder.config_backups}: correct the file "
            f"(linerec check-config --data {self.folder.root} lists what is wrong)"
        )

    def save(self, config: Config) -> None:
        """Check ``config`` against the schema, then replace the file in one write.

        The version it replaces is kept first (in backups/config when it is a
        good one, in damaged/ when not), and the new one after it, so that
        ``restore`` always has the last good configuration.
        """
        plain = to_plain(config)
        try:
            validate(plain)
        except SchemaError as error:
            raise ConfigError(self.path, error.problems) from error
        tables = {
            "device": {"1": plain["device"]},
            "lines": {str(index + 1): line for index, line in enumerate(plain["lines"])},
        }
        self._keep_current()
        AtomicJSONStorage(self.path).write(tables)
        try:
            self._keep_copy(encode_tables(tables))
        except OSError as error:  # saved all the same; the copy before it is still kept
            log.warning(
                "%s: saved, but no copy kept in %s: %s",
                self.path,
                self.folder.config_backups,
                error.strerror or error,
            )

    def _keep_copy(self, data: bytes) -> Path:
        """``data`` as the newest copy, unless the newest copy holds it already."""
        copies = config_copies(self.folder)
        latest = copies.latest()
        if latest is not None and latest.read_bytes() == data:
            return latest
        return copies.add(data)

    def _keep_current(self) -> None:
        """Keep the file about to be replaced: a good one with the copies, anything
        else (a broken file, a folder in its place) set aside in damaged/."""
        if self.path.is_dir():
            self._set_aside()
            return
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        try:
            read_config_file(self.path)
        except ConfigError:
            self._set_aside()
            return
        self._keep_copy(data)

    def _set_aside(self) -> Path:
        make_folders(self.folder.damaged)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.folder.damaged / f"config-{stamp}.json"
        number = 2
        while target.exists():
            target = self.folder.damaged / f"config-{stamp}-{number}.json"
            number += 1
        self.path.rename(target)
        return target

    def restore(self, source: Path | None = None) -> tuple[Path, Config]:
        """Put back the newest good copy, or ``source``: checked against the schema first,
        then saved as the configuration. Returns where it came from and what it holds."""
        if source is not None:
            return source, self._put_back(source, read_config_file(source))
        problems = []
        for copy in config_copies(self.folder).all():
            try:
                config = read_config_file(copy)
            except ConfigError as error:
                problems.append(str(error))
                continue
            return copy, self._put_back(copy, config)
        if problems:
            raise ConfigError(self.path, ["no good copy to restore: " + "; ".join(problems)])
        raise ConfigError(
            self.path, [f"no copy to restore: {self.folder.config_backups} holds none"]
        )

    def _put_back(self, source: Path, config: Config) -> Config:
        self.save(config)
        log.info("%s: restored from %s", self.path, source)
        return config

    def backup(self, target: Path | None = None) -> Path:
        """Keep a copy of the configuration now: in backups/config, or as ``target`` (a
        file, or a folder to put it in). The configuration must be a good one."""
        if self.read() is None:
            raise ConfigError(self.path, ["no configuration yet: nothing to back up"])
        data = self.path.read_bytes()
        if target is None:
            return self._keep_copy(data)
        if target.is_dir():
            target = target / config_copies(self.folder).new_path(time.time()).name
        write_atomically(target, data)
        return target

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
    "BACKUP_KINDS",
    "COUNTRIES",
    "S3_PROVIDERS",
    "WEEKDAYS",
    "Archive",
    "Backup",
    "BackupSchedule",
    "BackupTarget",
    "Config",
    "ConfigError",
    "ConfigStore",
    "Device",
    "Line",
    "LineSms",
    "Recording",
    "Retention",
    "Sms",
    "Smtp",
    "TimeWindow",
    "VoiceActivation",
    "Voicemail",
    "default_config",
    "line_settings",
    "read_config_file",
    "validate",
]
