"""``linerec status [--data DIR] [--json]``: the box's health, for a person or a program.

It asks the running engine for its status over the bus (a box whose engine
is not running says so) and reads the data folder itself: the disk and its
forecast, retention, the last snapshots, each line's lag and lost audio,
recent storage problems, the hash chain and its key, the backups off the
box, the machine. Exit
status 0 when healthy, 1 when something needs a person (the problems are
listed), 2 for a data folder that is not there.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from firmware.config import ConfigError, ConfigStore, default_config
from firmware.country.profiles import local_offset_s
from firmware.datafolder import DATA_HELP, DataFolder, default_data_folder
from firmware.health.report import HealthReport, engine_status, gather
from firmware.schema import to_document
from firmware.store.signing import grouped
from firmware.store.storage_usage import size_text

EXIT_HEALTHY = 0
EXIT_PROBLEMS = 1


def local_offset(folder: DataFolder) -> int:
    """The box's local time (its country profile's UTC offset), for the times printed."""
    try:
        config = ConfigStore(folder.root).read() or default_config()
    except ConfigError:  # said in the report's problems
        config = default_config()
    return local_offset_s(config.device.country, config.device.time_zone)


def run(args: argparse.Namespace) -> int:
    folder = DataFolder(args.data)
    folder.check()
    report = gather(folder, engine_status(folder), utc_offset_s=local_offset(folder))
    if args.json:
        document = {
            **to_document(report),
            "problems": [str(problem) for problem in report.problems],
            "healthy": report.healthy,
        }
        print(json.dumps(document, ensure_ascii=False, indent=1))
    else:
        print("\n".join(report_lines(report)))
    return EXIT_HEALTHY if report.healthy else EXIT_PROBLEMS


def _when(report: HealthReport, at: float | None) -> str:
    if at is None:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(at + report.utc_offset_s))


def _days(days: float) -> str:
    return "more than a year" if days > 365 else f"{days:.0f} days"


def report_lines(report: HealthReport) -> list[str]:
    """The report as a person reads it: one topic a line, then the problems."""
    lines = [f"linerec status of {report.folder} at {_when(report, report.checked_at)}"]
    lines += _storage_lines(report)
    lines += _engine_lines(report)
    system = report.system
    facts = [system.model or "this machine"]
    if system.temperature_c is not None:
        facts.append(f"{system.temperature_c:.1f} °C")
    if system.load_1m is not None:
        facts.append(f"load {system.load_1m:.2f} ({system.cpus} CPUs)")
    if system.memory_total and system.memory_available is not None:
        facts.append(
            f"memory {size_text(system.memory_available)} free of {size_text(system.memory_total)}"
        )
    if system.uptime_s is not None:
        facts.append(f"up {system.uptime_s / 86400:.1f} days")
    lines.append("machine     " + ", ".join(facts))
    if report.healthy:
        lines.append("healthy")
    else:
        lines.append(f"{len(report.problems)} problem(s):")
        lines += [f"  - {problem}" for problem in report.problems]  # Problem reads as text
    return lines


def _storage_lines(report: HealthReport) -> list[str]:
    lines = []
    disk, usage, outlook = report.disk, report.recordings, report.forecast
    if disk is not None:
        share = 100 * disk.free / disk.total if disk.total else 0
        total, free = size_text(disk.total), size_text(disk.free)
        lines.append(f"disk        {total}, {free} free ({share:.0f} %)")
    if usage is not None:
        lines.append(
            f"recordings  {usage.count} kept, {size_text(usage.bytes)}, oldest "
            f"{_when(report, usage.oldest_started_at)}, {usage.held} under legal hold; "
            f"{size_text(round(usage.per_day))} a day lately"
        )
    if outlook is not None:
        if outlook.deleting_now:
            lines.append("forecast    retention is deleting the oldest recordings now")
        elif outlook.days_until_retention is not None:
            days = _days(outlook.days_until_retention)
            lines.append(f"forecast    retention starts deleting in {days}")
        elif outlook.days_until_full is not None:
            lines.append(f"forecast    the disk fills in {_days(outlook.days_until_full)}")
    if report.retention_enabled is not None:
        state = "on" if report.retention_enabled else "off"
        retention = report.retention
        if retention is not None and retention.last_round_at is not None:
            state += (
                f"; last round {_when(report, retention.last_round_at)}, "
                f"{retention.last_round_deleted} deleted ({retention.deleted_total} since the "
                "engine started)"
            )
        lines.append(f"retention   {state}")
    lines.append(
        f"snapshots   database {_when(report, report.database_snapshot_at)}, "
        f"configuration {_when(report, report.config_copy_at)}"
    )
    lines += _archive_lines(report)
    lines += _encryption_lines(report)
    lines += _chain_lines(report)
    lines += _backup_lines(report)
    return lines


def _encryption_lines(report: HealthReport) -> list[str]:
    """Recordings encrypted at rest: on or off, the key, what is still plain."""
    state = report.encryption
    if state is None:
        return []
    if not state.enabled:
        return ["encryption  off" + (" (a key is set up: recordings encrypted before stay "
                                     "encrypted)" if state.key_made else "")]
    if not state.key_made:
        return ["encryption  on, but no recordings key: run linerec encryption setup"]
    return [f"encryption  on: {state.plain} finished recording(s) still plain; playing and "
            "exporting need the key unlocked (the web's Settings > Encryption)"]


def _archive_lines(report: HealthReport) -> list[str]:
    """Compression after the call, as the engine's archive worker reports it."""
    archive = report.archive
    if archive is None:
        return []
    if not archive.enabled:
        return ["archive     off: recordings stay as recorded (G.711 WAV)"]
    facts = [f"{archive.waiting} waiting", f"{archive.done} compressed since the engine "
             f"started ({size_text(archive.saved_bytes)} freed)"]
    if archive.last_done_at is not None:
        facts.append(f"last {_when(report, archive.last_done_at)}")
    if archive.failed:
        facts.append(f"{archive.failed} passed over after an error")
    if archive.last_problem:
        facts.append(f"last problem {_when(report, archive.last_problem_at)}: "
                     f"{archive.last_problem}")
    text = "archive     on: " + ", ".join(facts[:2])
    if facts[2:]:
        text += "; " + "; ".join(facts[2:])
    return [text]


def _backup_lines(report: HealthReport) -> list[str]:
    lines = []
    for state in report.backups:
        facts = [f"{state.target} ({state.where}{'' if state.scheduled else ', not scheduled'})"]
        if state.last_outcome == "running":
            facts.append(f"running, {state.files_done} of {state.files_total} files")
        elif state.last_outcome is not None:
            facts.append(f"last {state.last_outcome} {_when(report, state.last_at)}")
        else:
            facts.append("never run")
        if state.last_success_at is not None and state.last_outcome != "verified":
            facts.append(f"last verified {_when(report, state.last_success_at)}")
        facts.append(f"{state.files_held} files ({size_text(state.bytes_held)}) held there")
        lines.append("backup      " + "; ".join(facts))
    return lines


def _chain_lines(report: HealthReport) -> list[str]:
    state = report.chain
    if state is None:
        return []
    key = (grouped(state.key_fingerprint) if state.key_fingerprint
           else {"none": "none yet (made on first use)"}.get(state.key_state, state.key_state))
    if state.key_state in ("missing", "unreadable"):
        key += f" ({state.key_state})"
    signed = (f"signed up to entry {state.signed_seq} at {_when(report, state.signed_at)}"
              if state.signed_seq else "not signed yet")
    return [f"chain       {state.entries} entries, {signed}; key {key}"]


def _engine_lines(report: HealthReport) -> list[str]:
    if not report.engine_running:
        return ["engine      not running"]
    lines = [f"engine      running, {len(report.lines)} lines"]
    for line in report.lines:
        status = line.status
        lines.append(
            f"line {status.line:<6} {status.state}, {line.behind_s:.2f} s behind (most "
            f"{line.most_behind_s:.2f} s), {line.overruns} frames lost, {line.unsaved} writes "
            "waiting"
        )
    for problem in report.storage_problems:
        where = f"line {problem.line}" if problem.line is not None else "engine"
        lines.append(
            f"storage     {where}: {problem.what}: {problem.error} ({problem.count} times, last "
            f"{_when(report, problem.last_at)})"
        )
    return lines


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "status", help="the box's health: disk, retention, lines, storage problems, machine"
    )
    parser.add_argument("--data", type=Path, default=default_data_folder(), help=DATA_HELP)
    parser.add_argument("--json", action="store_true", help="one JSON object, for programs")
    parser.set_defaults(handler=run)
