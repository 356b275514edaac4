"""The box's health report: what ``linerec status`` prints and the health page shows.

``gather`` reads the data folder (disk, recordings, snapshots), the
configuration (retention's settings), the engine's answer to ``status``
(lines, storage problems, retention's state; None when the engine is not
running) and the machine, and lists in ``problems`` what needs a person,
each as one sentence. It never raises for what it finds: a database or a
configuration it cannot read is a problem in the report.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from firmware.config import ConfigError, ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.health.system import SystemFacts, system_facts
from firmware.link import contract
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


def _mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime if path is not None else None
    except OSError:
        return None


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
        *_machine_problems(report.system),
    ]


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
