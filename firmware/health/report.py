"""The box's health report: what ``linerec status`` prints and the health page shows.

``gather`` reads the data folder (disk, recordings, snapshots, the hash
chain and its signing key, the backups off the box and their last results),
the configuration (retention's settings), the
engine's answer to ``status`` (lines, storage problems, retention's state;
None when the engine is not running) and the machine, and lists in
``problems`` what needs a person, each as one sentence. It never raises for
what it finds: a database or a configuration it cannot read is a problem in
the report.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from firmware.backup import ledger
from firmware.backup.service import interval_s
from firmware.backup.targets import describe
from firmware.config import ConfigError, ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.health.system import SystemFacts, system_facts
from firmware.link import contract
from firmware.store import chain
from firmware.store.backups import config_copies, latest_database_backup
from firmware.store.db import Store, StoreError
from firmware.store.retention import DiskSpace, RetentionPolicy
from firmware.store.storage_usage import Forecast, RecordingsUsage, forecast, recordings_usage

RECENT_PROBLEM_S = 15 * 60.0  # a storage problem this recent is still a problem
BEHIND_LIMIT_S = 5.0  # a worker further behind its audio than this needs a look
SNAPSHOT_AGE_LIMIT_S = 2 * 86400.0
HOT_C = 80.0  # a Pi's SoC slows itself down from about here
LOW_MEMORY_SHARE = 0.1
FILLS_SOON = 7.0  # days
UNSIGNED_LIMIT_S = 3600.0  # an entry left unsigned this long: the engine does not sign


@dataclass(frozen=True)
class Problem:
    """Something that needs a person, as an English sentence with ``{named}`` values, so
    that a page can show it in its own language."""

    text: str
    values: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text.format(**self.values)


@dataclass(frozen=True)
class Disk:
    total: int
    free: int
    target_free: int | None  # retention keeps at least this free (None: retention off)
    floor: int  # below this the lines are about to lose audio


@dataclass(frozen=True)
class ChainState:
    """The hash chain as the health page shows it (its signatures are not checked here:
    ``linerec verify`` does that)."""

    entries: int
    signed_seq: int  # the highest entry a signature covers (0: none)
    signed_at: float | None
    oldest_unsigned_at: float | None  # when the first entry after it was appended
    key_state: str  # ready, none (made on first use), missing, unreadable
    key_fingerprint: str | None
    key_problem: str | None


@dataclass(frozen=True)
class BackupState:
    """A backup target's last results (``firmware.backup``), as the status shows them."""

    target: str
    where: str
    scheduled: bool  # backups on, and this target on
    interval_s: float  # how often the schedule runs
    last_outcome: str | None  # running, verified, failed, interrupted; None: never run
    last_at: float | None
    last_error: str | None
    last_success_at: float | None
    files_held: int
    bytes_held: int
    files_done: int  # of the run in progress, or the last one
    files_total: int


@dataclass(frozen=True)
class EncryptionState:
    """Recordings encrypted at rest (``device.encryption``), as the files and the index say
    (whether a web process holds the key unlocked is the web's to add)."""

    enabled: bool
    key_made: bool  # keys/recordings-public.pem is there
    plain: int  # finished recordings still plain on the disk
    plain_since: float | None  # when the oldest of them ended


@dataclass(frozen=True)
class HealthReport:
    folder: str
    checked_at: float
    utc_offset_s: int
    disk: Disk | None
    recordings: RecordingsUsage | None
    forecast: Forecast | None
    retention_enabled: bool | None  # None: the configuration cannot be read
    retention: contract.RetentionState | None  # the engine's, while it runs
    database_snapshot_at: float | None
    config_copy_at: float | None
    engine_running: bool
    lines: tuple[contract.LineReport, ...]
    storage_problems: tuple[contract.StorageProblem, ...]
    system: SystemFacts
    problems: tuple[Problem, ...] = field(default=())
    chain: ChainState | None = None  # None: no database yet, or it cannot be read
    backups: tuple[BackupState, ...] = ()  # each backup target off the box
    archive: contract.ArchiveState | None = None  # compression after the call, the engine's
    mail: contract.MailState | None = None  # the box's e-mail, the engine's
    encryption: EncryptionState | None = None  # None: the configuration cannot be read

    @property
    def healthy(self) -> bool:
        return not self.problems


def engine_status(folder: DataFolder, timeout: float = 3.0) -> contract.StatusReply | None:
    """The engine's answer to ``status``, or None when no engine answers on the folder."""
    from firmware.link.bus import BusClient, BusError  # noqa: PLC0415 - sockets only when asked

    try:
        with BusClient(folder.bus_socket, timeout=timeout) as client:
            reply = client.command(contract.StatusCommand())
    except (BusError, OSError, contract.CommandRefusedError, contract.ContractError):
        return None
    return reply if isinstance(reply, contract.StatusReply) else None


def gather(
    folder: DataFolder,
    status: contract.StatusReply | None,
    *,
    now: float | None = None,
    utc_offset_s: int = 8 * 3600,
) -> HealthReport:
    """The report of ``folder``, with the engine's ``status`` (None: the engine is not
    running)."""
    now = time.time() if now is None else now
    problems: list[Problem] = []
    settings = _retention_settings(folder, problems)
    disk = _disk(folder, settings)
    usage = _usage(folder, now, utc_offset_s, problems)
    outlook = None
    if disk is not None and usage is not None:
        outlook = forecast(
            disk.free, disk.target_free or 0, usage.per_day, disk.target_free is not None
        )
    snapshot = latest_database_backup(folder)
    copy = config_copies(folder).latest()
    chain_state = _chain(folder) if usage is not None else None
    report = HealthReport(
        folder=str(folder.root),
        checked_at=now,
        utc_offset_s=utc_offset_s,
        disk=disk,
        recordings=usage,
        forecast=outlook,
        retention_enabled=None if settings is None else settings.enabled,
        retention=status.retention if status else None,
        database_snapshot_at=_mtime(snapshot),
        config_copy_at=_mtime(copy),
        engine_running=status is not None,
        lines=status.lines if status else (),
        storage_problems=status.storage_problems if status else (),
        system=system_facts(),
        chain=chain_state,
        backups=_backups(folder) if usage is not None else (),
        archive=status.archive if status else None,
        mail=status.mail if status else None,
        encryption=_encryption(folder) if usage is not None else None,
    )
    problems += _problems(report, folder, now)
    return dataclasses.replace(report, problems=tuple(problems))


def _retention_settings(folder: DataFolder, problems: list[Problem]) -> RetentionPolicy | None:
    try:
        config = ConfigStore(folder.root).read() or default_config()  # a new box: its defaults
    except ConfigError as error:
        problems.append(Problem("the configuration cannot be read: {error}", {"error": error}))
        return None
    return RetentionPolicy.from_settings(config.device.retention, config.lines)


def _disk(folder: DataFolder, settings: RetentionPolicy | None) -> Disk | None:
    where = folder.recordings if folder.recordings.is_dir() else folder.root
    try:
        space = DiskSpace.of(where)
    except OSError:
        return None
    policy = settings if settings is not None else RetentionPolicy()
    target = policy.target_free(space) if policy.enabled else None
    return Disk(space.total, space.free, target, policy.emergency_floor(space))


def _usage(
    folder: DataFolder, now: float, utc_offset_s: int, problems: list[Problem]
) -> RecordingsUsage | None:
    if not folder.database.is_file():
        return None
    try:
        with Store(folder.database) as store:
            return recordings_usage(store, now, utc_offset_s)
    except (sqlite3.Error, StoreError) as error:
        problems.append(Problem(
            "the database cannot be read: {error} (linerec recover repairs it)", {"error": error}
        ))
        return None


def _chain(folder: DataFolder) -> ChainState | None:
    from firmware.store.signing import key_status  # noqa: PLC0415 - cryptography when asked

    try:
        with Store(folder.database) as store:
            top = chain.head(store)
            signed = chain.latest_signature(store)
            signed_seq = signed.seq if signed is not None else 0
            first_unsigned = chain.entry(store, signed_seq + 1)
            key = key_status(folder, store)
    except (sqlite3.Error, StoreError):
        return None  # said by the recordings' line already
    return ChainState(
        entries=top.seq if top is not None else 0,
        signed_seq=signed_seq,
        signed_at=signed.signed_at if signed is not None else None,
        oldest_unsigned_at=first_unsigned.at if first_unsigned is not None else None,
        key_state=key.state,
        key_fingerprint=key.fingerprint,
        key_problem=key.problem,
    )


def _mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime if path is not None else None
    except OSError:
        return None


PLAIN_LIMIT_S = 900.0  # a finished recording still plain this long after its end: a problem


def _encryption(folder: DataFolder) -> EncryptionState | None:
    try:
        config = ConfigStore(folder.root).read() or default_config()
    except ConfigError:
        return None
    try:
        with Store(folder.database) as store:
            plain, since = store.connection().execute(
                "SELECT count(*), min(coalesce(ended_at, started_at)) FROM recordings "
                "WHERE state IN ('complete', 'repaired') AND stored_encrypted IS NULL"
            ).fetchone()
    except (sqlite3.Error, StoreError):
        return None
    return EncryptionState(config.device.encryption.enabled,
                           folder.recordings_public_key.exists(), plain, since)


def _encryption_problems(state: EncryptionState | None, now: float) -> list[Problem]:
    if state is None or not state.enabled:
        return []
    if not state.key_made:
        return [Problem("encryption is on, but the box has no recordings key: recordings "
                        "stay plain until it is set up")]
    if state.plain and state.plain_since is not None and now - state.plain_since > PLAIN_LIMIT_S:
        return [Problem("{count} finished recordings are still not encrypted, the oldest "
                        "ended {ago} ago", {"count": state.plain,
                                            "ago": _age(now - state.plain_since)})]
    return []


def _problems(report: HealthReport, folder: DataFolder, now: float) -> list[Problem]:
    engine = [] if report.engine_running else [
        Problem("the line engine is not running: no call is logged or recorded")
    ]
    return [
        *engine,
        *_line_problems(report.lines),
        *_storage_problems(report, now),
        *_disk_problems(report),
        *_snapshot_problems(report, folder, now),
        *_chain_problems(report.chain, now),
        *_backup_problems(report.backups, now),
        *_archive_problems(report.archive, now),
        *_mail_problems(report.mail, now),
        *_encryption_problems(report.encryption, now),
        *_machine_problems(report.system),
    ]


def _archive_problems(archive: contract.ArchiveState | None, now: float) -> list[Problem]:
    """A recent problem of the archive worker: a recording it could not compress, a full
    disk, libopusenc missing (the recordings stay as recorded meanwhile: nothing is lost)."""
    if archive is None or archive.last_problem is None or archive.last_problem_at is None:
        return []
    if now - archive.last_problem_at > RECENT_PROBLEM_S:
        return []
    return [Problem("compression after the call: {problem} ({ago} ago)",
                    {"problem": archive.last_problem, "ago": _age(now - archive.last_problem_at)})]


def _mail_problems(mail: contract.MailState | None, now: float) -> list[Problem]:
    """A recent e-mail the box gave up sending (a voicemail notice): the server's answer."""
    if mail is None or mail.last_problem is None or mail.last_problem_at is None:
        return []
    if now - mail.last_problem_at > RECENT_PROBLEM_S:
        return []
    return [Problem("e-mail not sent: {problem} ({ago} ago)",
                    {"problem": mail.last_problem, "ago": _age(now - mail.last_problem_at)})]


def _backups(folder: DataFolder) -> tuple[BackupState, ...]:
    try:
        config = ConfigStore(folder.root).read() or default_config()
    except ConfigError:  # said already
        return ()
    backup = config.device.backup
    if not backup.targets:
        return ()
    try:
        with Store(folder.database) as store:
            results = ledger.results(store, [target.name for target in backup.targets])
    except (sqlite3.Error, StoreError):
        return ()
    states = []
    for target, result in zip(backup.targets, results, strict=True):
        latest = result.latest
        states.append(BackupState(
            target=target.name,
            where=describe(target),
            scheduled=backup.enabled and target.enabled,
            interval_s=interval_s(backup.schedule),
            last_outcome=latest.outcome if latest else None,
            last_at=(latest.finished_at or latest.started_at) if latest else None,
            last_error=latest.error if latest else None,
            last_success_at=result.last_success_at,
            files_held=result.files_held,
            bytes_held=result.bytes_held,
            files_done=latest.files_done if latest else 0,
            files_total=latest.files_total if latest else 0,
        ))
    return tuple(states)


def _backup_problems(backups: tuple[BackupState, ...], now: float) -> list[Problem]:
    """A target whose last good backup is older than twice its schedule, or that never
    had one although it was tried."""
    problems = []
    for state in backups:
        if not state.scheduled:
            continue
        why = f": {state.last_error}" if state.last_error else ""
        if state.last_success_at is None:
            if state.last_outcome in ("failed", "interrupted"):
                problems.append(Problem(
                    "no backup to {target} has succeeded yet{why}",
                    {"target": state.target, "why": why},
                ))
        elif now - state.last_success_at > 2 * state.interval_s:
            problems.append(Problem(
                "the last good backup to {target} is {age} old{why}",
                {"target": state.target, "age": _age(now - state.last_success_at), "why": why},
            ))
    return problems


def _line_problems(lines: tuple[contract.LineReport, ...]) -> list[Problem]:
    problems = []
    for report in lines:
        line = report.status.line
        if not report.status.online:
            problems.append(Problem("line {line} is not running", {"line": line}))
        if report.behind_s > BEHIND_LIMIT_S:
            problems.append(Problem(
                "line {line} is {seconds} s behind its audio (a power cut now would lose that "
                "much)", {"line": line, "seconds": round(report.behind_s, 1)},
            ))
        if report.overruns:
            problems.append(Problem(
                "line {line} lost {frames} frames of audio",
                {"line": line, "frames": report.overruns},
            ))
        if report.unsaved:
            problems.append(Problem(
                "line {line}: {writes} call-log writes wait for the store",
                {"line": line, "writes": report.unsaved},
            ))
    return problems


def _storage_problems(report: HealthReport, now: float) -> list[Problem]:
    problems = []
    for problem in report.storage_problems:
        if now - problem.last_at <= RECENT_PROBLEM_S:
            values = {"what": problem.what, "times": problem.count, "error": problem.error,
                      "ago": _age(now - problem.last_at)}
            if problem.line is None:
                text = "the engine could not write {what} ({times} times, last {ago} ago): {error}"
            else:
                values["line"] = problem.line
                text = "line {line} could not write {what} ({times} times, last {ago} ago): {error}"
            problems.append(Problem(text, values))
    retention = report.retention
    if retention is not None and retention.stuck and retention.last_problem:
        problems.append(Problem("{problem}", {"problem": retention.last_problem}))
    return problems


def _disk_problems(report: HealthReport) -> list[Problem]:
    disk, outlook = report.disk, report.forecast
    problems = []
    if disk is not None and disk.free < disk.floor:
        problems.append(Problem(
            "the disk is nearly full: {free} MB free", {"free": disk.free // 2**20}
        ))
    if outlook and outlook.days_until_full is not None and outlook.days_until_full < FILLS_SOON:
        problems.append(Problem(
            "the disk fills in {days} days at the recent rate, and retention is off",
            {"days": round(outlook.days_until_full, 1)},
        ))
    return problems


def _snapshot_problems(report: HealthReport, folder: DataFolder, now: float) -> list[Problem]:
    if not folder.database.is_file():
        return []
    snapshot = report.database_snapshot_at
    if snapshot is None and now - (_mtime(folder.database) or now) > SNAPSHOT_AGE_LIMIT_S:
        return [Problem("the database has no snapshot to rebuild from (linerec backup)")]
    if snapshot is not None and now - snapshot > SNAPSHOT_AGE_LIMIT_S:
        return [Problem(
            "the newest database snapshot is {age} old", {"age": _age(now - snapshot)}
        )]
    return []


def _chain_problems(state: ChainState | None, now: float) -> list[Problem]:
    if state is None:
        return []
    if state.key_problem:
        return [Problem("the hash chain cannot be signed: {problem}",
                        {"problem": state.key_problem})]
    waiting = state.oldest_unsigned_at
    if waiting is not None and now - waiting > UNSIGNED_LIMIT_S:
        return [Problem(
            "the hash chain's entries {first} to {last} have not been signed for {age}",
            {"first": state.signed_seq + 1, "last": state.entries, "age": _age(now - waiting)},
        )]
    return []


def _machine_problems(system: SystemFacts) -> list[Problem]:
    problems = []
    if system.temperature_c is not None and system.temperature_c >= HOT_C:
        problems.append(Problem(
            "the box is hot: {degrees} °C", {"degrees": round(system.temperature_c)}
        ))
    memory, available = system.memory_total, system.memory_available
    if memory and available is not None and available < LOW_MEMORY_SHARE * memory:
        problems.append(Problem(
            "memory is low: {available} MB available", {"available": available // 2**20}
        ))
    return problems


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"
