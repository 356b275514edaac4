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

    @property
    def now(self) -> float:
        """Line time: the start plus the audio read so far."""
        return self.started_at + self.frames * FRAME_SECONDS

    def submit(self, make_event: Callable[[float], machine.Event]) -> None:
        """Queue a command (from any thread); it becomes an event at the next frame."""
        self._commands.put(make_event)

    def run(self) -> None:
        try:
            while (frame := self.io.capture.read()) is not None:
                self._frame(frame)
        except Exception as error:  # a line must not take the engine down with it
            self.failure = error
            log.exception("line %d stopped on an error", self.number)
        finally:
            self._finish()

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
        self._ios: list[LineIO] = []
        self._publish_lock = threading.Lock()
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

    def _start_line(self, line: Line, started_at: float) -> None:
        country = profile(self.config.device.country)
        io = self.open_line(line)
        self._ios.append(io)
        vox = line.recording.vox
        recorder = LineRecorder(
            line.number,
            self.recordings_dir,
            line.recording.encoding,
            history_s=max(6.0, vox.preroll_ms / 1000),
            clock=lambda: self.workers[line.number].now,
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
        self.workers[line.number] = worker
        worker.start()

    def _publish(self, event: dict[str, Any]) -> None:
        with self._publish_lock:
            if self.bus is not None:
                self.bus.publish(event)
            if self.publish is not None:
                self.publish(event)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every line's audio has ended; True if they all did."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for worker in self.workers.values():
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            worker.join(remaining)
        return not any(worker.is_alive() for worker in self.workers.values())

    def stop(self) -> None:
        for io in self._ios:
            io.close()  # a blocked read() returns None: the worker finishes its call
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
            return {"lines": [self._line_status(worker) for worker in self.workers.values()]}
        if command == "reload_config":
            self.config = self.config_store.load()
            for line in self.config.lines:
                worker = self.workers.get(line.number)
                if worker is not None:
                    policy = policy_for(self.config, line)
                    worker.submit(lambda at, p=policy: machine.PolicyChanged(at, policy=p))
            return {}
        worker = self._worker(message)
        on = bool(message.get("on", True))
        if command == "record":
            worker.submit(lambda at: machine.RecordCommand(at, start=on))
        elif command == "seize":
            worker.submit(lambda at: machine.Seize(at) if on else machine.Release(at))
        else:
            raise ValueError(f"unknown command {command!r} (status, reload_config, record, seize)")
        return {"line": worker.number}

    def _worker(self, message: dict[str, Any]) -> LineWorker:
        number = message.get("line")
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
