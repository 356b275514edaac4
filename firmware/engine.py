"""The line engine: one worker thread per line, the store, the event bus.

Threads, by name: ``line-<n>`` reads line n's audio frame by frame, runs
its detectors and state machine and carries out the actions (call log,
recording); ``bus`` serves the Unix socket; ``audio`` serves live listening
(``firmware.live_audio``), fed by the workers only while someone listens.
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
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.audio import FRAME_SECONDS, CaptureStream
from drivers.signals import (
    CallerIdReport,
    DialPulse,
    LineSignals,
    LoopStarted,
    LoopStopped,
    SignalEvent,
)
from firmware import line_state as machine
from firmware import numbers
from firmware.bus import EventBus
from firmware.call_log import CallLog
from firmware.config import Config, ConfigStore, Line
from firmware.detectors import LineDetectors, signal_event
from firmware.errors import LinerecError
from firmware.live_audio import AUDIO_SOCKET, AudioTap, LiveAudioServer
from firmware.policy import policy_for
from firmware.profiles import profile
from firmware.recorder import LineRecorder
from firmware.store.db import Store
from firmware.store.recordings import recover

log = logging.getLogger(__name__)

TICK_FRAMES = 5  # timeouts are checked every 100 ms of line time
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
class LineIO:
    """What a line is connected to: its audio in, its signals (if any)."""

    capture: CaptureStream
    signals: LineSignals | None = None

    def close(self) -> None:
        self.capture.close()
        if self.signals is not None:
            self.signals.close()


class LineWorker(threading.Thread):
    """Runs one line until its audio ends or the engine stops."""

    def __init__(
        self,
        line: Line,
        io: LineIO,
        detectors: LineDetectors,
        call_log: CallLog,
        *,
        policy: machine.Policy,
        started_at: float,
        tap: AudioTap | None = None,
    ) -> None:
        super().__init__(name=f"line-{line.number}", daemon=True)
        self.number = line.number
        self.io = io
        self.detectors = detectors
        self.call_log = call_log
        self.recorder = call_log.recorder
        self.state = machine.LineState(policy=policy)
        self.started_at = started_at
        self.tap = tap  # live listening
        self.frames = 0
        self.failure: BaseException | None = None
        self._commands: queue.SimpleQueue[Callable[[float], machine.Event]] = queue.SimpleQueue()
        self._retire = threading.Event()
        self.retired = False  # stopped on request (``retire``), not because its audio ended
        self.on_exit: Callable[[LineWorker], None] | None = None

    @property
    def now(self) -> float:
        """Line time: the start plus the audio read so far."""
        return self.started_at + self.frames * FRAME_SECONDS

    def submit(self, make_event: Callable[[float], machine.Event]) -> None:
        """Queue a command (from any thread); it becomes an event at the next frame."""
        self._commands.put(make_event)

    def retire(self) -> None:
        """Stop as soon as the line is idle (from any thread): a call in progress goes on."""
        self._retire.set()

    @property
    def idle(self) -> bool:
        state = self.state
        return (
            state.phase == machine.Phase.IDLE
            and not state.ringing
            and not state.off_hook
            and not self.recorder.recording
        )

    def run(self) -> None:
        try:
            while (frame := self.io.capture.read()) is not None:
                self._frame(frame)
                if self._retire.is_set() and self.idle:
                    self.retired = True
                    break
        except Exception as error:  # a line must not take the engine down with it
            self.failure = error
            log.exception("line %d stopped on an error", self.number)
        finally:
            self._finish()
            if self.retired:
                with contextlib.suppress(Exception):
                    self.io.close()
            if self.on_exit is not None:
                self.on_exit(self)

    def _frame(self, frame) -> None:
        at = self.now
        if self.tap is not None and self.tap.listening:
            self.tap.feed(frame)
        for event in self._signal_events(at):
            self._step(event)
        while True:
            try:
                make_event = self._commands.get_nowait()
            except queue.Empty:
                break
            self._step(make_event(at))
        for event in self.detectors.feed(frame, at, self.state.phase):
            self._step(event)
        if self.frames % TICK_FRAMES == 0:
            self._step(machine.Tick(at))
        finished = self.recorder.feed(frame)
        if finished is not None:
            self.call_log.recording_error(finished, at)
        self.frames += 1

    def _signal_events(self, at: float) -> list[machine.Event]:
        signals = self.io.signals
        if signals is None:
            return []
        events: list[machine.Event] = []
        while (change := signals.poll(0)) is not None:
            events.extend(self._translate(change, at))
        return events

    def _translate(self, change: SignalEvent, at: float) -> list[machine.Event]:
        # While the box's own relay holds the line, the loop current is ours:
        # it says nothing about the phones.
        if self.io.signals.seized and isinstance(change, LoopStarted | LoopStopped):
            return []
        if isinstance(change, DialPulse):
            return list(self.detectors.pulses.pulse(at))
        if isinstance(change, CallerIdReport):
            return self.detectors.modem_report(change.text, at)
        event = signal_event(change, at)
        return [event] if event is not None else []

    def _step(self, event: machine.Event) -> None:
        self.state, actions = machine.step(self.state, event)
        self.call_log.apply_all(actions)

    def _finish(self) -> None:
        """The line stops: a call in progress ends now, and its recording is closed."""
        at = self.now
        phase = self.state.phase
        with contextlib.suppress(Exception):
            if phase == machine.Phase.SEIZED:
                self._step(machine.Release(at))
            elif phase == machine.Phase.RINGING:
                self._step(machine.Tick(at + self.state.policy.ring_timeout_s + 1))
            elif phase != machine.Phase.IDLE:
                self._step(machine.OnHook(at))
            if self.recorder.recording:
                self._step(machine.PolicyChanged(at, policy=machine.Policy(mode="off")))


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

    def _start_line(self, line: Line, started_at: float) -> LineWorker:
        country = profile(self.config.device.country)
        io = self.open_line(line)
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
            if self._stopping or self.workers.get(worker.number) is not worker:
                return
            del self.workers[worker.number]
            line = next((ln for ln in self.config.lines if ln.number == worker.number), None)
            if line is not None and line.enabled:
                # Line time goes on from where the old worker left it (a simulated line
                # may run ahead of the clock; a real one loses the few frames of the swap).
                try:
                    self._start_line(line, max(self.clock(), worker.now))
                except Exception:
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
            "alive": worker.is_alive(),
        }


# What a running line worker is built from; policy settings (mode, schedule,
# pre-roll, name) change live and need no restart.
def _worker_settings(line: Line) -> tuple:
    vox = line.recording.vox
    return (
        line.enabled,
        line.audio,
        line.signals,
        line.playback,
        line.modem,
        line.recording.encoding,
        vox.threshold_dbm0,
        vox.hangover_ms,
    )


def needs_restart(old: Line | None, new: Line) -> bool:
    """Whether a line's worker must be rebuilt to take ``new`` settings."""
    return old is None or _worker_settings(old) != _worker_settings(new)
