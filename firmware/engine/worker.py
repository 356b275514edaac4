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

The box's own doings on the line (``firmware.acts``: a survey, voicemail, a
firewall's message, an IVR menu, an announcement) run in the same frame
loop: the line's ``LinePlayer`` writes a frame out for each frame taken in
and takes the echo of it out of what the detectors hear, and its
``LineActor`` carries out the running script's steps. An act starts on a
command (``act``) or when one of the line's ``triggers`` asks for it after
a step of the state machine (voicemail after N rings, say).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from audio_format import FRAME_SECONDS
from drivers.audio import CaptureStream, PlaybackStream
from drivers.signals import (
    CallerIdReport,
    DialPulse,
    KeyReported,
    LineSignals,
    LoopStarted,
    LoopStopped,
    SignalEvent,
)
from firmware.acts import dial
from firmware.acts.steps import ScriptResult
from firmware.config import Line
from firmware.engine import state as machine
from firmware.engine.acting import Act, LineActor
from firmware.engine.actions import LineActions
from firmware.engine.detectors import LineDetectors, signal_event
from firmware.engine.player import LinePlayer
from firmware.engine.reader import LineInput
from firmware.link.live_audio import AudioTap

log = logging.getLogger(__name__)

TICK_FRAMES = 5  # timeouts are checked every 100 ms of line time
# A key the line's hardware reported is not taken again when the detectors hear the
# end of its tone this soon after (a voice modem that just stopped playing).
REPORTED_KEY_S = 0.5

# Asked after each step of the machine, while no act runs: an act to start now, or None.
Trigger = Callable[[machine.LineState, list[machine.Action]], "Act | None"]


@dataclass
class LineIO:
    """What a line is connected to: its audio in, its signals (if any), its audio out."""

    capture: CaptureStream
    signals: LineSignals | None = None
    playback: PlaybackStream | None = None

    def close(self) -> None:
        self.capture.close()
        if self.signals is not None:
            self.signals.close()
        if self.playback is not None:
            self.playback.close()


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
        actor: LineActor | None = None,
        triggers: tuple[Trigger, ...] = (),
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
        self.actor = actor or LineActor(LinePlayer(io.playback), lambda prompt: None, "CN")
        self.player = self.actor.player
        self.triggers = triggers
        self.failure: BaseException | None = None
        self._reported: tuple[str, float] | None = None  # the last key the hardware reported
        # (False, at -> event) or (True, state -> act or None)
        self._commands: queue.SimpleQueue[tuple[bool, Callable]] = queue.SimpleQueue()
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
        self._commands.put((False, make_event))

    def act(self, make_act: Callable[[machine.LineState], Act | None]) -> None:
        """Queue an act (from any thread): ``make_act`` is asked at the next frame, with the
        line's state then, and may decline (None)."""
        self._commands.put((True, make_act))

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
        number = self.input.taken - 1  # the capture's count of this frame
        if self.tap is not None and self.tap.listening:
            self.tap.feed(frame)
        heard = self.player.clean(frame, number)  # without the echo of the box's prompts
        keys = self._take_signals(signals, at)
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                break
            is_act, make = command
            if is_act:
                self._begin_act(make(self.state), at)
            else:
                self._step(make(at))
        keys += self._detect(heard, at)
        if self.frames % TICK_FRAMES == 0:
            self._step(machine.Tick(at))
        if self.actor.running:
            result = self.actor.frame(heard, at, keys, self.state.off_hook)
            self._take_stages()
            if result is not None:
                self._act_ended(result, at)
        self.actions.frame(frame, at)
        self.player.next_frame(number, self.input.backlog)
        self.frames += 1

    def _take_signals(self, signals: tuple[SignalEvent, ...], at: float) -> list[str]:
        """Step the machine on the line's signals; the keys among them for a running act."""
        keys = []
        for change in signals:
            for event in self._translate(change, at):
                if isinstance(event, machine.Digit) and self.actor.running:
                    keys.append(event.digit)
                self._step(event)
        return keys

    def _detect(self, heard, at: float) -> list[str]:
        """Run the detectors on a frame heard; the keys found for a running act."""
        keys = []
        for event in self.detectors.feed(heard, at, self.state.phase):
            if isinstance(event, machine.Digit) and self._reported_already(event):
                continue
            if isinstance(event, machine.Digit) and self.actor.running:
                keys.append(event.digit)  # for the act (a key that started one is not)
            self._step(event)
        return keys

    def _translate(self, change: SignalEvent, at: float) -> list[machine.Event]:
        # While the box's own relay holds the line, a sensor of the whole loop
        # sees the relay's current: it says nothing about the phones.
        signals = self.io.signals
        if (
            signals.seized
            and not signals.senses_phones_while_seized
            and isinstance(change, LoopStarted | LoopStopped)
        ):
            return []
        if isinstance(change, DialPulse):
            return list(self.detectors.pulse(at))
        if isinstance(change, CallerIdReport):
            return self.detectors.modem_report(change.text, at)
        if isinstance(change, KeyReported):
            self._reported = (change.digit, at)
            return [machine.Digit(at, digit=change.digit)]
        event = signal_event(change, at)
        return [event] if event is not None else []

    def _reported_already(self, event: machine.Digit) -> bool:
        reported = self._reported
        return (
            reported is not None
            and reported[0] == event.digit
            and event.at - reported[1] <= REPORTED_KEY_S
        )

    def _step(self, event: machine.Event) -> None:
        before = self.state
        self.state, actions = machine.step(self.state, event)
        self.actions.carry_out(self.state, actions)
        if before.call is not None and self.state.call is None:  # the call ended
            if self.actor.running:  # under the act: the caller is gone
                self._act_ended(self.actor.abandon(event.at), event.at)
            self.player.reset()
        elif self.triggers and self.state.call is not None and not self.actor.running:
            for trigger in self.triggers:
                act = trigger(self.state, actions)
                if act is not None:
                    self._begin_act(act, event.at)
                    break

    # ---- the box's own doings on the line ----------------------------------------------

    def _begin_act(self, act: Act | None, at: float) -> None:
        if act is None:
            return
        if self.actor.running or (act.places and self.state.phase != machine.Phase.IDLE
                                  and not (not act.seize and machine.lifted(self.state))):
            self._declined(act, "the line is busy")
            return
        if act.seize and self.state.phase != machine.Phase.SEIZED:
            # The relay first: a line it cannot take goes on as it was (a ringing call
            # rings out and is logged as missed), and the worker goes on.
            try:
                self.actions.seize(True)
            except Exception as error:
                log.error("line %d: the relay could not take the line for %s: %s",
                          self.number, act.name, error)
                self._declined(act, "its relay failed")
                return
            self._step(machine.Seize(at, number=act.places))
            if self.state.phase != machine.Phase.SEIZED:
                log.warning("line %d: could not take the line for %s", self.number, act.name)
                with contextlib.suppress(Exception):
                    self.actions.seize(False)
                self._declined(act, "the line could not be taken")
                return
        self.actions.act_started(act.name, at)
        result = self.actor.begin(act, at)
        self._take_stages()
        if result is not None:
            self._act_ended(result, at)

    def _declined(self, act: Act, why: str) -> None:
        """An act that cannot start; one placing a call is told so (its command was taken)."""
        if act.places:
            log.warning("line %d: the call to %s is not placed: %s", self.number, act.places, why)
            self.actions.act_declined(act.name, dict(act.facts))

    def _take_stages(self) -> None:
        """The stages the running script told: the machine stepped for those that change
        the call (a placed call's number out, its far end answering), then told."""
        progress, self.actor.progress = self.actor.progress, []
        for act, stage, at in progress:
            if stage == "dialling" and act.places and not act.seize:
                self._step(machine.DialsForPhone(at, number=act.places))
            if stage == dial.DIALLED:
                self._step(machine.Dialled(at))
            elif stage == "answered" and act.places:
                self._step(machine.FarEndAnswered(at))
            self.actions.act_stage(act.name, dict(act.facts), stage, at)

    def _act_ended(self, result: ScriptResult | None, at: float) -> None:
        if result is None:
            return
        self.actions.act_ended(result, at)
        if self.state.phase == machine.Phase.SEIZED:
            self._step(machine.Release(at))

    def _finish(self) -> None:
        """The line stops: a call in progress ends now, and its recording is closed."""
        at = self.now
        with contextlib.suppress(Exception):
            if self.actor.running:
                self._act_ended(self.actor.abandon(at), at)
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
