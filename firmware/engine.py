"""The line engine: one worker thread per line, the store, the event bus.

Threads, by name: ``capture-<n>`` reads line n's audio and signals as they
come and queues them (``firmware.line_input``); ``line-<n>`` takes them
frame by frame, runs its detectors and state machine and carries out the
actions (call log, recording; ``firmware.line_worker``), and may fall
behind the line for a while (a slow disk) without losing audio; ``bus``
serves the Unix socket;
``audio`` serves live listening (``firmware.live_audio``), fed by the
workers only while someone listens.
Time on a line is its sample clock: the worker's start time plus 20 ms per
frame read, so a simulated office played faster than real time keeps exact
call times and durations.

Start-up first makes the store whole again after a crash (unfinished calls
are closed, unfinished recordings repaired, files and index reconciled),
then opens the bus and the live audio socket, then the lines; shutdown goes
in reverse.

``reload_config`` (a bus command, sent by the web UI after a change) applies
a new configuration without a restart: recording policies (mode, schedule,
no-record list) at the next frame of every line; a line whose drivers,
encoding, voice thresholds or enabled state changed, or every line when the
country profile changed, is restarted on its own once its call in progress
has ended (the call is logged and recorded to its end under the old
settings); lines added are started and lines removed stopped the same way.
A line restarted on unchanged drivers keeps them open, and its new worker
goes on with the audio the old one's reader had queued: not a frame is lost.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.audio import FRAME_SECONDS
from firmware import line_state as machine
from firmware import numbers
from firmware.bus import EventBus
from firmware.call_log import CallLog
from firmware.config import Config, ConfigStore, Line
from firmware.detectors import LineDetectors
from firmware.errors import LinerecError
from firmware.line_worker import LineIO, LineWorker
from firmware.live_audio import AUDIO_SOCKET, LiveAudioServer
from firmware.policy import policy_for
from firmware.profiles import profile
from firmware.recorder import LineRecorder
from firmware.store.db import Store
from firmware.store.recordings import recover

log = logging.getLogger(__name__)

DATABASE_FILE = "linerec.db"
RECORDINGS_DIR = "recordings"
BUS_SOCKET = "engine.sock"
LOCK_FILE = "engine.lock"


class EngineBusyError(LinerecError):
    """Another engine already runs on this data folder."""


class DataFolderLock:
    """One engine per data folder: an exclusive lock on ``engine.lock``, held while it runs.

    Two engines on one folder would write the same database and recording
    files and delete each other's bus socket. The lock goes with the
    process, so a crashed engine never leaves it behind.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self._descriptor: int | None = None

    def acquire(self) -> None:
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(descriptor)
            raise EngineBusyError(
                f"another engine (process {holder}) already runs on {self.path.parent}; "
                "stop it first, or use another --data folder"
            ) from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        self._descriptor = descriptor

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing drops the lock
            self._descriptor = None


@dataclass
class Engine:
    """The box's engine over a data folder; ``open_line`` connects a configured line."""

    data_dir: Path
    open_line: Callable[[Line], LineIO]
    publish: Callable[[dict[str, Any]], None] | None = None  # also told every event
    clock: Callable[[], float] = time.time
    workers: dict[int, LineWorker] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        self.config_store = ConfigStore(self.data_dir)
        self.store: Store | None = None
        self.bus: EventBus | None = None
        self.live_audio: LiveAudioServer | None = None
        self.config: Config | None = None
        # Re-entrant: whoever is told an event may answer it with a command (reload_config).
        self._publish_lock = threading.RLock()
        # Guards ``workers`` and ``config``: the bus thread reloads while line threads retire.
        self._lines_lock = threading.RLock()
        self._stopping = False
        self._lock = DataFolderLock(self.data_dir)

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / RECORDINGS_DIR

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        self.config = self.config_store.load()
        self.store = Store(self.data_dir / DATABASE_FILE)
        self._recover()
        if not numbers.ensure_index():
            log.warning("numbers will be logged without their location")
        self.bus = EventBus(self.data_dir / BUS_SOCKET, self.handle_command)
        self.bus.start()
        self.live_audio = LiveAudioServer(self.data_dir / AUDIO_SOCKET)
        for line in self.config.lines:
            if line.enabled:
                self.live_audio.tap(line.number)
        self.live_audio.start()
        started_at = self.clock()
        with self._lines_lock:
            for line in self.config.lines:
                if line.enabled:
                    self._start_line(line, started_at)
        log.info("engine started: %d lines, data in %s", len(self.workers), self.data_dir)

    def _recover(self) -> None:
        closed, report = recover(self.store, self.recordings_dir, self.clock())
        if closed or not report.clean:
            log.warning(
                "recovered after an unclean stop: %d calls closed, %d recordings repaired, "
                "%d re-indexed, %d missing, %d damaged",
                closed,
                len(report.repaired),
                len(report.indexed),
                len(report.missing),
                len(report.damaged),
            )
        for problem in report.damaged:
            log.error("recording beyond repair: %s", problem)

    def _start_line(
        self, line: Line, started_at: float, predecessor: LineWorker | None = None
    ) -> LineWorker:
        """Start line ``line``'s worker; a ``predecessor`` on the same drivers hands over its
        open drivers and the audio its reader has queued, so not a frame is lost."""
        country = profile(self.config.device.country)
        io = predecessor.io if predecessor is not None else self.open_line(line)
        vox = line.recording.vox
        worker: LineWorker | None = None  # bound below; the recorder's clock is its line time
        recorder = LineRecorder(
            line.number,
            self.recordings_dir,
            line.recording.encoding,
            history_s=max(6.0, vox.preroll_ms / 1000),
            clock=lambda: worker.now,
        )
        seize = io.signals.seize if io.signals is not None else (lambda on: None)
        call_log = CallLog(
            line.number, self.store, recorder, country.region, publish=self._publish, seize=seize
        )
        detectors = LineDetectors(country.country, vox.threshold_dbm0, vox.hangover_ms)
        worker = LineWorker(
            line,
            io,
            detectors,
            call_log,
            policy=policy_for(self.config, line),
            started_at=started_at,
            tap=self.live_audio.tap(line.number) if self.live_audio else None,
            line_input=predecessor.input if predecessor is not None else None,
        )
        worker.on_exit = self._line_stopped
        self.workers[line.number] = worker
        worker.start()
        return worker

    def _publish(self, event: dict[str, Any]) -> None:
        with self._publish_lock:
            if self.bus is not None:
                self.bus.publish(event)
            if self.publish is not None:
                self.publish(event)

    def _current_workers(self) -> list[LineWorker]:
        with self._lines_lock:
            return list(self.workers.values())

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every line's audio has ended; True if they all did.

        A line restarted meanwhile is waited for in its new worker.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            alive = [worker for worker in self._current_workers() if worker.is_alive()]
            if not alive:
                return True
            for worker in alive:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                worker.join(remaining)
            if deadline is not None and time.monotonic() >= deadline:
                return not any(worker.is_alive() for worker in self._current_workers())

    def stop(self) -> None:
        with self._lines_lock:
            self._stopping = True
            workers = list(self.workers.values())
        for worker in workers:
            worker.io.close()  # a blocked read() returns None: the worker finishes its call
        self.wait(timeout=10)
        if self.live_audio is not None:
            self.live_audio.stop()
            self.live_audio = None
        if self.bus is not None:
            self.bus.stop()
            self.bus = None
        if self.store is not None:
            self.store.close()
        self._lock.release()
        log.info("engine stopped")

    # ---- commands from the bus ------------------------------------------------------

    def handle_command(self, message: dict[str, Any]) -> dict[str, Any]:
        command = message["command"]
        if command == "status":
            return {"lines": [self._line_status(worker) for worker in self._current_workers()]}
        if command == "reload_config":
            return self.reload_config()
        worker = self._worker(message)
        on = bool(message.get("on", True))
        if command == "record":
            worker.submit(lambda at: machine.RecordCommand(at, start=on))
        elif command == "seize":
            worker.submit(lambda at: machine.Seize(at) if on else machine.Release(at))
        else:
            raise ValueError(f"unknown command {command!r} (status, reload_config, record, seize)")
        return {"line": worker.number}

    # ---- a new configuration, live ----------------------------------------------------

    def reload_config(self) -> dict[str, Any]:
        """Apply the configuration file as it is now; say which lines start, restart, stop.

        Raises ConfigError (the bus answers it as an error) if the file does
        not pass the schema: the running configuration is then kept.
        """
        new = self.config_store.load()
        report: dict[str, Any] = {"restarting": [], "started": [], "stopping": [], "failed": {}}
        announce: list[dict[str, Any]] = []  # told after the lock is released
        with self._lines_lock:
            old, self.config = self.config, new
            country_changed = old.device.country != new.device.country
            old_lines = {line.number: line for line in old.lines}
            new_lines = {line.number: line for line in new.lines}
            for number, worker in list(self.workers.items()):
                line = new_lines.get(number)
                if line is None or not line.enabled:
                    # Removed or disabled: no more recording from now, the line stops when idle.
                    off = machine.Policy(mode="off")
                    worker.submit(lambda at, p=off: machine.PolicyChanged(at, policy=p))
                    worker.retire()
                    report["stopping"].append(number)
                    continue
                policy = policy_for(new, line)
                worker.submit(lambda at, p=policy: machine.PolicyChanged(at, policy=p))
                if country_changed or needs_restart(old_lines.get(number), line):
                    worker.retire()
                    report["restarting"].append(number)
            for number, line in sorted(new_lines.items()):
                if line.enabled and number not in self.workers:
                    try:
                        self._start_line(line, self.clock())
                    except Exception as error:  # a broken driver setting must not stop the rest
                        log.exception("line %d could not start", number)
                        report["failed"][str(number)] = str(error)
                        continue
                    report["started"].append(number)
                    announce.append({"type": "line_state", "line": number, "state": "idle"})
        for event in announce:
            self._publish(event)
        log.info("configuration reloaded: %s", report)
        return report

    def _line_stopped(self, worker: LineWorker) -> None:
        """A line's worker ended; if it was retired for new settings, start its successor."""
        if not worker.retired:
            return
        offline = {"type": "line_state", "line": worker.number, "state": "offline"}
        with self._lines_lock:
            current = not self._stopping and self.workers.get(worker.number) is worker
            line = next((ln for ln in self.config.lines if ln.number == worker.number), None)
            restart = current and line is not None and line.enabled
            hand_over = restart and same_drivers(worker.line, line)
            if not hand_over:
                # The audio the old drivers had queued is dropped with them.
                worker.release()
            if not current:
                return
            del self.workers[worker.number]
            if restart:
                try:
                    if hand_over:
                        # Line time goes on from the old worker's last frame.
                        self._start_line(line, worker.now, predecessor=worker)
                    else:
                        # Line time goes on past the dropped audio (a simulated line may
                        # run ahead of the clock).
                        read = worker.now + worker.input.backlog * FRAME_SECONDS
                        self._start_line(line, max(self.clock(), read))
                except Exception:
                    if hand_over:
                        worker.release()  # nobody took them
                    log.exception("line %d could not restart with its new settings", worker.number)
                else:
                    log.info("line %d restarted with its new settings", worker.number)
                    return
            else:
                log.info("line %d stopped", worker.number)
        self._publish(offline)

    def _worker(self, message: dict[str, Any]) -> LineWorker:
        number = message.get("line")
        with self._lines_lock:
            if number not in self.workers:
                raise ValueError(f"no line {number!r}; lines: {sorted(self.workers)}")
            return self.workers[number]

    @staticmethod
    def _line_status(worker: LineWorker) -> dict[str, Any]:
        state = worker.state
        call = state.call
        facts = worker.call_log.call  # the call's facts as logged: location, name
        return {
            "line": worker.number,
            "state": state.phase.value,
            "recording": state.recording,
            "call_id": worker.call_log.call_id,
            "direction": call.direction if call else None,
            "number": call.number if call else None,
            "name": facts.get("name"),
            "location_zh": facts.get("location_zh"),
            "location_en": facts.get("location_en"),
            "started_at": call.started_at if call else None,
            "overruns": worker.io.capture.overruns,
            # How far the worker is behind its line's audio, now and at worst.
            "behind_s": worker.input.backlog * FRAME_SECONDS,
            "most_behind_s": worker.input.most_behind * FRAME_SECONDS,
            "alive": worker.is_alive(),
        }


# What a running line worker is built from; policy settings (mode, schedule,
# pre-roll, name) change live and need no restart.
def _driver_settings(line: Line) -> tuple:
    return (line.enabled, line.audio, line.signals, line.playback, line.modem)


def _worker_settings(line: Line) -> tuple:
    vox = line.recording.vox
    return (
        *_driver_settings(line),
        line.recording.encoding,
        vox.threshold_dbm0,
        vox.hangover_ms,
    )


def same_drivers(old: Line, new: Line) -> bool:
    """Whether a restarted line's successor can go on with its predecessor's open drivers."""
    return _driver_settings(old) == _driver_settings(new)


def needs_restart(old: Line | None, new: Line) -> bool:
    """Whether a line's worker must be rebuilt to take ``new`` settings."""
    return old is None or _worker_settings(old) != _worker_settings(new)
