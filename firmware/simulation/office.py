"""Plays a scenario into simulated lines, frame by frame, at a chosen speed.

One thread, ``simulator``, walks the scenario's time in 20 ms frames. For
each frame it first sets the line signals that change within it (ring,
hook, polarity), then pushes every line's audio frame into its simulated
line (``drivers.simline``), where the engine reads it exactly as it reads a
sound card. The lines' capture queues are one frame deep, so the engine
never sees a ring or a hook change more than a frame before the audio it
belongs with; and a slow engine slows the simulator down instead of losing
audio.

``speed`` is how many times faster than real time the scenario plays (0:
as fast as the engine takes it). A looping scenario starts again when its
last call is over, with fresh noise and speech.

A call marked ``cue`` comes when the office is cued (``cue``: a test once
it is ready for the call, a person showing the box): its line holds just
before it, playing the quiet line with its own time standing still, and
goes on once cued; the other lines play on meanwhile. Cues are taken by the
lines in the order they began to hold; a cue given while no line holds is
kept for the next. The times expected of a line's calls after a hold are
moved by the hold (the box's line time goes on meanwhile).

Each line has a hybrid (``hybrid``): what the engine plays on it comes back
in what the engine hears, at the line's own echo return loss (6 to 20 dB,
drawn per line from the scenario's seed). A call the box acts on plays
through a caller agent (``callers``) from the moment the box may take it
over: the agent hears what the box plays, answers it, and rings or hangs up
the line; when it is done, the call's ``ExpectedCall`` gets the times the
box decided (``answered_at`` of a call the box answered, ``ended_at``),
as the office saw them: when the box's relay moved, within a frame or two
of the box's own line time. What the box plays on a line no agent listens
to is dropped.

When the box takes an idle line itself to place a call, the line's exchange
answers it (``exchange``): dial tone, the digits heard, the callee the
number reaches (the scenario's ``[[callee]]``, or a mix), the line's operator
picking up for click-to-dial. Each such call's truth is in ``dialled``.

With ``like_a_sound_card`` the office behaves as real hardware does instead:
each line buffers one second of audio and the simulator never waits for the
engine, so an engine that falls behind loses frames, counted as overruns.
The benchmark uses it to show that the engine keeps up.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable

import numpy as np

from audio_format import FRAME_SAMPLES, FRAME_SECONDS
from drivers.simline import SimLine, sim_line
from firmware.simulation.callers import CallerAgent, behaviour_for
from firmware.simulation.exchange import DialledCall, ExchangeCall
from firmware.simulation.hybrid import line_echo_path
from firmware.simulation.scenario import Scenario
from firmware.simulation.timeline import (
    ExpectedCall,
    Interaction,
    LineTimeline,
    Sounds,
    build_line,
)

log = logging.getLogger(__name__)

PREFIX = "office-"  # the simulated lines are named <prefix><line>
TAIL_S = 2.0  # quiet line played after the last call, before the audio ends
LOOP_PAUSE_S = 10.0  # between two rounds of a looping scenario
IN_STEP_WAIT_S = 5.0  # the office waits this long at most for a worker to take a frame
AGENTS_MOST_S = 600.0  # a round waits this long at most past its end for its callers


class _Round:
    """What one round of the scenario keeps while it plays."""

    def __init__(
        self, timelines: dict[int, LineTimeline], offset: float, first_expected: int,
        cued: list[tuple[int, float]],
    ) -> None:
        self.timelines = timelines
        self.offset = offset  # office time at which the round began
        # Each line's own time runs behind the round's by the frames it held for a cue.
        self.held = dict.fromkeys(timelines, 0)
        # The frames of its own time before which each line holds (its cued calls' starts).
        self.holds = {number: sorted(int(at / FRAME_SECONDS) for line, at in cued
                                     if line == number) for number in timelines}
        # The lines holding now, in the order they began to: the frame, and held before.
        self.holding: dict[int, tuple[int, int]] = {}
        self.changes = {number: list(timeline.signals) for number, timeline in timelines.items()}
        self.waiting = {
            number: list(timeline.interactions) for number, timeline in timelines.items()
        }
        self.agents: dict[int, tuple[CallerAgent, Interaction]] = {}
        self.exchanges: dict[int, ExchangeCall] = {}  # calls the box places, by line
        self.phone_calls: set[int] = set()  # lines whose lifted phone the exchange answered
        # Where each line's expected calls are in the office's ``expected``.
        self.starts: dict[int, int] = {}
        for number, timeline in timelines.items():
            self.starts[number] = first_expected
            first_expected += len(timeline.expected)


class Office:
    """A scenario on simulated lines named ``<prefix><line>``."""

    def __init__(
        self,
        scenario: Scenario,
        sounds: Sounds,
        *,
        speed: float = 1.0,
        prefix: str = PREFIX,
        on_round: Callable[[int, list[ExpectedCall]], None] | None = None,
        like_a_sound_card: bool = False,
        until_s: float | None = None,
        engine_frames: Callable[[int], int | None] | None = None,
    ) -> None:
        self.scenario = scenario
        self.sounds = sounds
        self.speed = speed
        self.prefix = prefix
        self.on_round = on_round  # told each round's expected calls, with their times
        self.like_a_sound_card = like_a_sound_card
        self.until_s = until_s  # stop a looping scenario at this scenario time
        # How many frames the engine's worker of line n has taken (None: not known). While a
        # caller's agent plays a line, the office keeps in step with it, so the caller answers
        # what the box played a frame ago, not what it played seconds of line time before
        # (the engine reads up to 10 s ahead of its worker).
        self.engine_frames = engine_frames
        self._pushed = dict.fromkeys(range(1, scenario.lines + 1), 0)
        self._out_of_step: set[int] = set()
        depth = 50 if like_a_sound_card else 1
        self.lines: dict[int, SimLine] = {
            number: sim_line(self.line_name(number), depth=depth)
            for number in range(1, scenario.lines + 1)
        }
        self.echo_paths = {number: line_echo_path(scenario.seed, number) for number in self.lines}
        for number, line in self.lines.items():
            line.set_hybrid(self.echo_paths[number].response)
        self.expected: list[ExpectedCall] = []
        self.callers: list[CallerAgent] = []  # every caller agent so far, with what it heard
        self.dialled: list[DialledCall] = []  # every call the box placed, its truth
        self.frames_played = 0
        self._cues = 0  # cues given and not yet taken by a holding line
        self._cues_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def line_name(self, number: int) -> str:
        return f"{self.prefix}{number}"

    def url(self, number: int) -> str:
        """The driver setting that connects the engine's line ``number`` to this office."""
        return f"sim:{self.line_name(number)}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        for line in self.lines.values():
            line.end_audio()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def cue(self) -> None:
        """The next cued call may come (now, or once its line gets to it)."""
        with self._cues_lock:
            self._cues += 1

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _timelines(self, round_number: int) -> dict[int, LineTimeline]:
        scenario = dataclasses.replace(self.scenario, seed=self.scenario.seed + round_number)
        return {number: build_line(scenario, number, self.sounds) for number in self.lines}

    def _run(self) -> None:
        started = time.monotonic()
        round_number = 0
        offset = 0.0  # scenario time at which this round began
        try:
            while not self._stop.is_set():
                timelines = self._timelines(round_number)
                expected = [
                    dataclasses.replace(
                        call,
                        started_at=call.started_at + offset,
                        answered_at=None if call.answered_at is None else call.answered_at + offset,
                        ended_at=call.ended_at + offset,
                        caller_id_at=None
                        if call.caller_id_at is None
                        else call.caller_id_at + offset,
                    )
                    for timeline in timelines.values()
                    for call in timeline.expected
                ]
                first = len(self.expected)
                self.expected.extend(expected)
                if self.on_round is not None:
                    self.on_round(round_number, expected)
                ends = [timeline.end for timeline in timelines.values()]
                length = max(*ends, self.scenario.length_s) + TAIL_S
                played = self._play(timelines, length, started, offset, first)
                if not self.scenario.loop or self._stop.is_set():
                    break
                offset += played
                round_number += 1
        finally:
            for line in self.lines.values():
                line.end_audio()

    def _play(
        self,
        timelines: dict[int, LineTimeline],
        length: float,
        started: float,
        offset: float,
        first_expected: int,
    ) -> float:
        """Play one round; returns how long it took, in seconds, pause and holds included."""
        round_ = _Round(timelines, offset, first_expected,
                        [(call.line, call.at) for call in self.scenario.call if call.cue])
        frames = int(length / FRAME_SECONDS) + 1
        most = frames + int(AGENTS_MOST_S / FRAME_SECONDS)
        gap_frames = int(LOOP_PAUSE_S / FRAME_SECONDS) if self.scenario.loop else 0
        frame = 0
        # In the time of the line furthest behind (the one that held longest).
        while (behind := frame - max(round_.held.values())) < frames + gap_frames or (
                (round_.agents or round_.exchanges) and behind < most):
            if (round_.agents or round_.exchanges) and behind >= frames:
                frames = behind + 1  # the round goes on until its callers are done
            scenario_time = frame * FRAME_SECONDS
            self._take_cues(round_, frame)
            if self._stop.is_set() or (
                self.until_s is not None and offset + scenario_time >= self.until_s
            ):
                self._stop.set()
                for agent, _ in round_.agents.values():
                    agent.abandon(frame)
                for exchange in round_.exchanges.values():
                    exchange.abandon(frame)
                return scenario_time
            for number, line in self.lines.items():
                audio = self._line_frame(round_, number, line, frame)
                if self.like_a_sound_card:
                    line.push_audio(audio, block=False)
                elif not line.push_audio(audio, block=True, timeout=1.0):
                    # Nobody is reading this line (not enabled in the engine): play on.
                    line.push_audio(audio, block=False)
                self._pushed[number] += 1
            self.frames_played += 1
            if self.speed > 0:
                due = started + (offset + scenario_time + FRAME_SECONDS) / self.speed
                delay = due - time.monotonic()
                if delay > 0:
                    self._stop.wait(delay)
            frame += 1
        return frame * FRAME_SECONDS

    def _take_cues(self, round_: _Round, frame: int) -> None:
        """Lines that get to a cued call begin to hold; the cues given go to them in turn."""
        for number, holds in round_.holds.items():
            if holds and number not in round_.holding and frame - round_.held[number] >= holds[0]:
                round_.holding[number] = (frame, round_.held[number])
                log.info("line %d holds until the office is cued", number)
        with self._cues_lock:
            while self._cues and round_.holding:
                self._cues -= 1
                number = next(iter(round_.holding))
                round_.holds[number].pop(0)
                began, held_before = round_.holding.pop(number)
                held_s = (round_.held[number] - held_before) * FRAME_SECONDS
                log.info("line %d cued after %.2f s", number, held_s)
                if held_s:
                    self._move_expected(round_, number, round_.offset + began * FRAME_SECONDS,
                                        held_s)

    def _move_expected(self, round_: _Round, number: int, after: float, by: float) -> None:
        """Line ``number``'s calls of the round from ``after`` on come ``by`` seconds later."""
        def moved(value: float | None) -> float | None:
            return None if value is None else value + by

        first = round_.starts[number]
        for index in range(first, first + len(round_.timelines[number].expected)):
            call = self.expected[index]
            if call.started_at >= after:
                self.expected[index] = dataclasses.replace(
                    call, started_at=call.started_at + by, answered_at=moved(call.answered_at),
                    ended_at=call.ended_at + by, caller_id_at=moved(call.caller_id_at))

    def _line_frame(self, round_: _Round, number: int, line: SimLine, frame: int) -> np.ndarray:
        """Frame ``frame`` of line ``number``: its signals set, its audio, its caller's part."""
        if number in round_.holding:  # the quiet line, its own time standing still
            round_.held[number] += 1
            audio = round_.timelines[number].quiet(round_.held[number])
            return self._exchange_frame(round_, number, line, frame, audio)
        own = frame - round_.held[number]  # the line's own frame, holds left out
        scenario_time = own * FRAME_SECONDS
        pending = round_.changes[number]
        while pending and pending[0].at < scenario_time + FRAME_SECONDS:
            self._apply(line, pending.pop(0).kind)
        # Past the round's last call this renders the quiet line alone.
        audio = round_.timelines[number].render(own * FRAME_SAMPLES, FRAME_SAMPLES)
        coming = round_.waiting[number]
        agents = round_.agents
        if number not in agents and coming and coming[0].at < scenario_time + FRAME_SECONDS:
            agents[number] = (self._agent(line, coming[0], frame), coming.pop(0))
        if number not in agents:
            return self._exchange_frame(round_, number, line, frame, audio)
        agent, interaction = agents[number]
        self._keep_in_step(number)
        sent = agent.frame(frame)
        if sent is not None:
            audio = np.clip(np.round(audio + sent), -32768, 32767).astype(np.int16)
        if agent.done:
            del agents[number]
            index = round_.starts[number] + interaction.expected
            self.expected[index] = self._as_seen(self.expected[index], agent, round_.offset)
        return audio

    def _exchange_frame(self, round_: _Round, number: int, line: SimLine, frame: int,
                        audio: np.ndarray) -> np.ndarray:
        """The exchange's part of line ``number``'s frame: a call the box places."""
        exchange = round_.exchanges.get(number)
        if exchange is None and self.scenario.callee:
            # The box places calls here: the office stays in step with the line's worker, so
            # that the exchange hears a seizure in the frame the box made it (not after the
            # frames already queued for the capture, with no dial tone in them).
            self._keep_in_step(number)
        # A phone lifted on a line the box dials for with the operator's phone (its loop
        # sensor sees the whole loop): the exchange answers the phone.
        by_phone = (exchange is None and not line.senses_phones_while_seized
                    and line.off_hook and not line.relay_seized
                    and number not in round_.phone_calls)
        if exchange is None and (line.relay_seized or by_phone):  # dial tone
            count = sum(1 for call in self.dialled if call.line == number)
            exchange = ExchangeCall(line, number, self.scenario, frame, count=count,
                                    operator=None if by_phone
                                    else self.scenario.operator_of(number),
                                    offset=round_.offset, by_phone=by_phone)
            if by_phone:
                round_.phone_calls.add(number)
            round_.exchanges[number] = exchange
            self.dialled.append(exchange.truth)
        if exchange is None:
            while line.take_played() is not None:
                pass  # nobody listens to what the box plays on this line
            return audio
        self._keep_in_step(number)
        sent = exchange.frame(frame)
        if sent is not None:
            audio = np.clip(np.round(audio + sent), -32768, 32767).astype(np.int16)
        if exchange.done:
            del round_.exchanges[number]
        if not line.off_hook:
            round_.phone_calls.discard(number)  # the phone hung up: a lift is a new call
        return audio

    def _keep_in_step(self, number: int) -> None:
        """Wait until line ``number``'s worker has taken every frame but the last pushed."""
        if self.engine_frames is None or self.like_a_sound_card or number in self._out_of_step:
            return
        deadline = time.monotonic() + IN_STEP_WAIT_S
        while (taken := self.engine_frames(number)) is not None and taken < (
            self._pushed[number] - 1
        ):
            if time.monotonic() > deadline or self._stop.is_set():
                # The line's worker does not take this office's frames (a line restarted on
                # new drivers counts afresh): play on without it.
                log.warning("line %d: the engine does not keep up; played on without it", number)
                self._out_of_step.add(number)
                return
            time.sleep(0.0005)

    def _agent(self, line: SimLine, interaction: Interaction, frame: int) -> CallerAgent:
        _, behaviour = behaviour_for(interaction.call)
        rng = np.random.default_rng(interaction.seed)
        agent = CallerAgent(
            line,
            behaviour(interaction.call, rng),
            start=frame,
            country=self.scenario.country,
            key_sound=self.sounds.key,
            seed=interaction.seed,
        )
        self.callers.append(agent)
        return agent

    @staticmethod
    def _as_seen(expected: ExpectedCall, agent: CallerAgent, offset: float) -> ExpectedCall:
        """``expected`` with the times its caller's agent saw the box decide."""
        if expected.act == "announcement":
            return expected  # the office answered and ended the call when it planned to
        heard = agent.heard
        answered_at = expected.answered_at
        if expected.box_answers_at_ring is not None:
            answered_at = (
                None if heard.seized_at is None else offset + heard.seized_at * FRAME_SECONDS
            )
        return dataclasses.replace(
            expected,
            answered_at=answered_at,
            outcome=expected.outcome if answered_at is not None else "missed",
            ended_at=offset + agent.ended_at * FRAME_SECONDS,
        )

    @staticmethod
    def _apply(line: SimLine, kind: str) -> None:
        if kind in ("ring_on", "ring_off"):
            line.set_ringing(kind == "ring_on")
        elif kind in ("off_hook", "on_hook"):
            line.set_off_hook(kind == "off_hook")
        elif kind == "reversal":
            line.reverse_polarity()
