"""The engine under faults: killed at random moments, and a disk that fills up; and
recovery itself killed at random moments, on what a crash left."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from firmware.config import ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.store.db import Store
from firmware.store.recordings import (
    RecordingError,
    file_sha256,
    inspect_wav,
    read_sidecar,
    recording_files,
)
from firmware.tools.wavfile import read_wav
from recovery import recover_data_folder
from tests.mount_namespace import run_in_mount_namespace
from tests.recovery_folders import crashed_folder

KILLS_DEFAULT = 5
KILLS_RETENTION_DEFAULT = 3
KILLS_FULL = 50
# Recovery killed: rounds of (a fresh crashed folder, kills, one whole run).
RECOVERY_ROUNDS_DEFAULT, RECOVERY_KILLS_PER_ROUND_DEFAULT = 2, 3
RECOVERY_ROUNDS_FULL, RECOVERY_KILLS_PER_ROUND_FULL = 10, 5


def run_command(data_dir, scenario="short", speed=40):
    return [
        sys.executable,
        "-m",
        "firmware",
        "run",
        "--data",
        str(data_dir),
        "--scenario",
        scenario,
        "--speed",
        str(speed),
        "--port",
        "0",  # any free port for the web UI: tests run side by side
    ]


def recover_command(data_dir) -> list[str]:
    return [sys.executable, "-m", "recovery", "--data", str(data_dir)]


def kill_recovery_at_a_random_moment(data_dir, rng, within: tuple[float, float]) -> None:
    """Start ``python -m recovery`` on the folder and SIGKILL it ``within`` seconds."""
    process = subprocess.Popen(
        recover_command(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(float(rng.uniform(*within)))
    process.send_signal(signal.SIGKILL)
    process.wait()


def time_to_recover(data_dir) -> float:
    started = time.monotonic()
    subprocess.run(recover_command(data_dir), capture_output=True, check=False)
    return time.monotonic() - started


def partial_recordings(data_dir) -> dict[str, tuple[int, int]]:
    """Recordings a crash cut off: (samples the header promised, whole samples on the disk)."""
    root = data_dir / "recordings"
    found = {}
    for path in recording_files(root):
        sidecar = read_sidecar(path) or {}
        if sidecar.get("state") != "recording":
            continue
        try:
            on_disk = inspect_wav(path).samples
            promised = read_wav(path).samples.size if path.stat().st_size else 0
        except (RecordingError, ValueError):
            continue  # an empty leftover: recovery removes it
        found[path.relative_to(root).as_posix()] = (min(promised, on_disk), on_disk)
    return found


def check_no_leftovers(data_dir) -> None:
    """No temporary sidecars, no empty recordings, every recording with its sidecar."""
    root = data_dir / "recordings"
    if not root.exists():
        return
    files = [path for path in root.rglob("*") if path.is_file()]
    assert [path for path in files if path.name.startswith(".")] == []
    wavs = {path.with_suffix("") for path in files if path.suffix == ".wav"}
    sidecars = {path.with_suffix("") for path in files if path.suffix == ".json"}
    assert wavs == sidecars
    assert [path for path in files if path.stat().st_size == 0] == []


def check_store_is_whole(data_dir) -> dict:
    """After recovery: every file valid and indexed, every row's file present, no call open,
    no leftovers of a crash, every recording retention deleted gone from the disk."""
    root = data_dir / "recordings"
    with Store(data_dir / "linerec.db") as store:
        report = recover_data_folder(DataFolder(data_dir), time.time())  # what the next start does
        assert report.damaged == []
        assert report.missing_held_back is None
        check_no_leftovers(data_dir)
        on_disk = {path.relative_to(root).as_posix() for path in recording_files(root)}
        rows = {row.path: row for row in store.recordings()}
        assert set(rows) == on_disk
        for path, row in rows.items():
            audio = read_wav(root / path)
            assert not audio.truncated
            assert audio.samples.size == row.samples
            assert row.state in ("complete", "repaired")
            assert row.sha256 == file_sha256(root / path)
            assert read_sidecar(root / path)["state"] in ("complete", "repaired", "recording")
        calls = store.calls(limit=10_000)
        assert all(call.outcome != "in_progress" for call in calls)
        return {
            "complete": {p: r.sha256 for p, r in rows.items() if r.state == "complete"},
            "ended_calls": {c.id for c in calls},
            "samples": {p: r.samples for p, r in rows.items()},
            "deleted": {r.path for r in store.recordings(include_deleted=True)
                        if r.state == "deleted"},
        }


def web_children_of(pid: int) -> list[int]:
    """The web processes ``linerec run`` (process ``pid``) started, still running."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not a process
            continue
        if b"--parent-pid" not in arguments or b"webui" not in arguments:
            continue
        if arguments[arguments.index(b"--parent-pid") + 1] == str(pid).encode():
            found.append(int(entry.name))
    return found


def web_children_end(pid: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while web_children_of(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def kill_at_random_moments(tmp_path, rng, kills: int, *, retention_deleting=False) -> None:
    """Kill ``linerec run`` at random moments, and recovery after it; with
    ``retention_deleting``, retention deletes every recording as soon as it is finished
    (its free-space target can never be met), so kills land in its rounds too."""
    data_dir = tmp_path / "data"
    if retention_deleting:
        data_dir.mkdir()
        config = default_config()
        never_enough = dataclasses.replace(config.device.retention, min_free_gb=100_000.0)
        device = dataclasses.replace(config.device, retention=never_enough)
        ConfigStore(data_dir).save(dataclasses.replace(config, device=device))
    previous = {"complete": {}, "ended_calls": set()}
    for attempt in range(kills):
        process = subprocess.Popen(run_command(data_dir), stdout=subprocess.PIPE, text=True)
        for line in process.stdout:
            if "press Ctrl-C" in line:
                break
        time.sleep(float(rng.uniform(0.0, 1.2)))
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
        # The web UI it started goes too: no server is left running without its engine.
        assert web_children_end(process.pid), (attempt, web_children_of(process.pid))
        cut_off = partial_recordings(data_dir)
        # Recovery killed too, part-way through the crashed folder; the next start finishes.
        kill_recovery_at_a_random_moment(data_dir, rng, (0.15, 0.5))
        now = check_store_is_whole(data_dir)
        # Nothing finished before the kill was lost or changed, but by retention's choice.
        for path, sha256 in previous["complete"].items():
            kept = now["complete"].get(path) == sha256
            assert kept or path in now["deleted"], (attempt, path)
        assert not now["deleted"] & set(now["samples"])  # a deleted one is never on the disk
        assert previous["ended_calls"] <= now["ended_calls"]
        # A recording cut off keeps every whole sample that reached the disk, and at least
        # all that its header (brought up to date every second) had promised.
        for path, (promised, on_disk) in cut_off.items():
            samples = now["samples"][path]
            assert samples == on_disk >= promised, (attempt, path, samples, promised, on_disk)
        previous = now
    print(
        f"{kills} kills: {len(previous['complete'])} complete recordings kept, "
        f"{len(previous['deleted'])} deleted by retention, "
        f"{len(previous['ended_calls'])} calls logged"
    )
    if retention_deleting:
        assert previous["deleted"], "retention deleted nothing: the trial missed it"


def test_sigkill_at_random_moments_loses_nothing_finished(tmp_path, rng):
    kill_at_random_moments(tmp_path, rng, KILLS_DEFAULT)


def test_sigkill_while_retention_deletes_loses_nothing_it_did_not_choose(tmp_path, rng):
    kill_at_random_moments(tmp_path, rng, KILLS_RETENTION_DEFAULT, retention_deleting=True)


@pytest.mark.slow
def test_sigkill_at_fifty_random_moments(tmp_path, rng):
    kill_at_random_moments(tmp_path, rng, KILLS_FULL)


@pytest.mark.slow
def test_sigkill_at_fifty_random_moments_while_retention_deletes(tmp_path, rng):
    kill_at_random_moments(tmp_path, rng, KILLS_FULL, retention_deleting=True)


def kill_recovery_at_random_moments(tmp_path, rng, rounds: int, kills_per_round: int) -> None:
    """Recovery of a crashed folder (damaged database, recordings cut off, leftovers of
    recordings killed as they started, a lost sidecar) killed again and again part-way;
    then one whole run must leave it whole with nothing lost."""
    empty = tmp_path / "empty"
    empty.mkdir()
    starting = time_to_recover(empty)  # the interpreter and imports, before any work
    for round_number in range(rounds):
        crashed = crashed_folder(tmp_path / f"round-{round_number}")
        data = crashed.folder.root
        copy = tmp_path / "timing"
        shutil.copytree(data, copy)
        whole = time_to_recover(copy)
        shutil.rmtree(copy)
        # From just before its work starts to just after it ends; timings on a busy machine
        # vary, so the window never closes.
        window = (0.8 * starting, max(whole, starting) + 0.05)
        for _ in range(kills_per_round):
            kill_recovery_at_a_random_moment(data, rng, window)
        now = check_store_is_whole(data)
        for path, sha256 in crashed.finished.items():
            assert now["complete"].get(path) == sha256, (round_number, path)
        for path, samples in crashed.partial.items():
            # At most a second may be lost per recording cut off; recovery loses none.
            assert samples - 8000 <= now["samples"][path] == samples, (round_number, path)
        assert [path for path in crashed.leftovers if path.exists()] == []
        assert len(list(crashed.folder.damaged.glob("linerec-*.db"))) >= 1  # kept, never lost
        again = subprocess.run(recover_command(data), capture_output=True, text=True, check=False)
        assert (again.returncode, again.stdout) == (0, f"{data}: nothing to recover\n")
    print(f"{rounds * kills_per_round} kills of recovery; recovery starts in {starting:.2f} s")


def test_sigkill_during_recovery_loses_nothing(tmp_path, rng):
    kill_recovery_at_random_moments(
        tmp_path, rng, RECOVERY_ROUNDS_DEFAULT, RECOVERY_KILLS_PER_ROUND_DEFAULT
    )


@pytest.mark.slow
def test_sigkill_during_recovery_at_fifty_random_moments(tmp_path, rng):
    kill_recovery_at_random_moments(
        tmp_path, rng, RECOVERY_ROUNDS_FULL, RECOVERY_KILLS_PER_ROUND_FULL
    )


DISK_FULL_SCRIPT = textwrap.dedent(
    """
    import json, logging, subprocess, sys
    from pathlib import Path
    data = Path(sys.argv[1])
    (data / "recordings").mkdir(parents=True)
    # A-law is 8 kB a second: 100 kB holds about 12 seconds of recording.
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=100k", "tmpfs", str(data / "recordings")],
                   check=True)
    from firmware.cli.processes import open_configured_line
    from firmware.config import ConfigStore, default_config
    from firmware.engine import Engine
    from firmware.simulation.office import Office
    from firmware.simulation.scenario import from_document
    from firmware.simulation.sounds import box_sounds
    from firmware.store.db import Store
    from firmware.tools.wavfile import read_wav
    from recovery.reconcile import reconcile

    errors = []
    class Collect(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.ERROR:
                errors.append(record.getMessage())
    logging.getLogger().addHandler(Collect())
    ConfigStore(data).save(default_config(1))
    # Retention off: the disk must fill for this test (tests/test_engine_retention.py has it on).
    ConfigStore(data).set_device(retention={"enabled": False})
    scenario = from_document({"lines": 1, "call": [
        {"line": 1, "at": 0.5, "rings": 2, "talk": 8},
        {"line": 1, "at": 30, "rings": 2, "talk": 8},
        {"line": 1, "at": 60, "rings": 2, "talk": 8},
    ]})
    office = Office(scenario, box_sounds(), speed=0, prefix="full-")
    engine = Engine(data, lambda line: open_configured_line(line, "full-"))
    engine.start()
    office.start()
    office.join(timeout=120)
    engine.wait(timeout=60)
    failure = engine.workers[1].failure
    engine.stop()
    with Store(data / "linerec.db") as store:
        report = reconcile(store, data / "recordings")
        calls = [c.outcome for c in store.calls()]
        rows = [(r.path, r.state, r.samples) for r in store.recordings()]
        valid = [read_wav(data / "recordings" / p).samples.size for p, _, _ in rows]
    print(json.dumps({"calls": calls, "rows": rows, "valid": valid, "errors": errors,
                      "failure": repr(failure), "damaged": report.damaged}))
    """
)


def test_a_full_disk_keeps_the_engine_running_and_the_finished_recordings(tmp_path):
    result = run_in_mount_namespace(DISK_FULL_SCRIPT, str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print(report)
    assert report["failure"] == "None"  # the line worker never died
    assert report["calls"] == ["answered", "answered", "answered"]  # all logged
    states = [state for _, state, _ in report["rows"]]
    assert states[0] == "complete"  # the first recording fitted and is whole
    assert report["rows"][0][2] == 8 * 8000
    assert all(state in ("complete", "repaired") for state in states)
    assert report["valid"] == [samples for _, _, samples in report["rows"]]
    assert any("No space left" in error for error in report["errors"])
    assert report["damaged"] == []


def test_a_second_engine_on_the_same_data_folder_is_refused(tmp_path):
    from firmware.config import ConfigStore, default_config  # noqa: PLC0415
    from firmware.engine import Engine, EngineBusyError  # noqa: PLC0415

    ConfigStore(tmp_path).save(default_config(0))
    first = Engine(tmp_path, lambda line: None)
    first.start()
    try:
        second = Engine(tmp_path, lambda line: None)
        with pytest.raises(EngineBusyError, match=f"process {os.getpid()}"):
            second.start()
        assert (tmp_path / "engine.sock").exists()  # the refused one left the bus alone
    finally:
        first.stop()
    again = Engine(tmp_path, lambda line: None)
    again.start()  # free once the first has stopped
    again.stop()


def test_a_killed_linerec_run_takes_its_web_process_with_it(tmp_path):
    process = subprocess.Popen(run_command(tmp_path / "data", speed=5), stdout=subprocess.PIPE,
                               text=True)
    for line in process.stdout:
        if "press Ctrl-C" in line:
            break
    assert len(web_children_of(process.pid)) == 1
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    assert web_children_end(process.pid), "the web process outlived linerec run"
