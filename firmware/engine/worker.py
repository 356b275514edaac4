"""One line's worker thread: its audio frame by frame through its detectors and state machine.

``LineWorker`` (a thread named ``line-<n>``) takes the line's audio and
signals from its reader thread (``capture-<n>``, ``firmware.engine.reader``),
turns them and its detections into state-machine events, steps the machine
and has the line's ``CallLog`` carry out the actions (call log, recording,
relay). Line time is the worker's start time plus 20 ms per frame taken, so
a simulated office played faster than real time keeps exact call times.
Commands from other threads (start a recording, seize the line, a new
policy) are queued and become events at the next frame; a listener's audio
tap is handed each frame only while someone listens.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from audio_format import FRAME_SECONDS
from drivers.audio import CaptureStream
from drivers.signals import (
    CallerIdReport,
    DialPulse,
    LineSignals,
    LoopStarted,
    LoopStopped,
    SignalEvent,
)
from firmware.config import Line
from firmware.engine import state as machine
from firmware.engine.actions import LineActions
from firmware.engine.detectors import LineDetectors, signal_event
from firmware.engine.reader import LineInput
from firmware.link.live_audio import AudioTap

log = logging.getLogger(__name__)

TICK_FRAMES = 5  # timeouts are checked every 100 ms of line time


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
        actions: LineActions,
        *,
        policy: machine.Policy,
        started_at: float,
        tap: AudioTap | None = None,
        line_input: LineInput | None = None,
    ) -> None:
        super().__init__(name=f"line-{line.number}", daemon=True)
        self.line = line  # the settings it was built with
        self.number = line.number
        self.io = io
        self.detectors = detectors
        self.actions = actions
        self.state = machine.LineState(policy=policy)
        self.started_at = started_at
        self.tap = tap  # live listening
        self.frames = 0
        # A successor on the same drivers goes on reading its predecessor's input.
        self.input = line_input or LineInput(io.capture, io.signals, f"capture-{line.number}")
        self.failure: BaseException | None = None
        self._commands: queue.SimpleQueue[Callable[[float], machine.Event]] = queue.SimpleQueue()
        self._retire = threading.Event()
        # Stopped on request (``retire``), not because its audio ended: its line's input
        # and drivers are left open for ``on_exit`` to hand on or ``release``.
        self.retired = False
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
            and not self.actions.recording
        )

    def run(self) -> None:
        try:
            self.input.start()
            while (arrival := self.input.take()) is not None:
                self._frame(arrival.frame, arrival.signals)
                if self._retire.is_set() and self.idle:
                    self.retired = True
                    break
        except Exception as error:  # a line must not take the engine down with it
            self.failure = error
            log.exception("line %d stopped on an error", self.number)
        finally:
            if not self.retired:
                self.input.abandon()
            self._finish()
            if self.on_exit is not None:
                self.on_exit(self)

    def release(self) -> None:
        """Close a retired worker's line input and drivers (when no successor takes them)."""
        self.input.abandon()
        with contextlib.suppress(Exception):
            self.io.close()

    def _frame(self, frame, signals: tuple[SignalEvent, ...]) -> None:
        at = self.now
        if self.tap is not None and self.tap.listening:
            self.tap.feed(frame)
        for change in signals:
            for event in self._translate(change, at):
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
        self.actions.frame(frame, at)
        self.frames += 1

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
        self.actions.carry_out(self.state, actions)

    def _finish(self) -> None:
        """The line stops: a call in progress ends now, and its recording is closed."""
        at = self.now
        phase = self.state.phase
        with contextlib.suppress(Exception):
            if phase == machine.Phase.SEIZED:
                self._step(machine.Release(at))
            elif phase == machine.Phase.RINGING:
                # Stopped in the middle of a burst, the ring ends now; between
                # bursts it ended when the last burst did. The timeout then tells
                # the machine the call was missed, ended at that moment.
                if self.state.ringing:
                    self._step(machine.RingOff(at))
                self._step(machine.Tick(at + self.state.policy.ring_timeout_s + 1))
            elif phase != machine.Phase.IDLE:
                self._step(machine.OnHook(at))
            if self.actions.recording:
                self._step(machine.PolicyChanged(at, policy=machine.Policy(mode="off")))
        with contextlib.suppress(Exception):
            self.actions.journal.flush()
