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

from audio_format import FRAME_SAMPLES, FRAME_SECONDS
from drivers.simline import SimLine, sim_line
from firmware.simulation.scenario import Scenario
from firmware.simulation.timeline import ExpectedCall, LineTimeline, Sounds, build_line

log = logging.getLogger(__name__)

TAIL_S = 2.0  # quiet line played after the last call, before the audio ends
LOOP_PAUSE_S = 10.0  # between two rounds of a looping scenario


class Office:
    """A scenario on simulated lines named ``<prefix><line>``."""

    def __init__(
        self,
        scenario: Scenario,
        sounds: Sounds,
        *,
        speed: float = 1.0,
        prefix: str = "office-",
        on_round: Callable[[int, list[ExpectedCall]], None] | None = None,
        like_a_sound_card: bool = False,
        until_s: float | None = None,
    ) -> None:
        self.scenario = scenario
        self.sounds = sounds
        self.speed = speed
        self.prefix = prefix
        self.on_round = on_round  # told each round's expected calls, with their times
        self.like_a_sound_card = like_a_sound_card
        self.until_s = until_s  # stop a looping scenario at this scenario time
        depth = 50 if like_a_sound_card else 1
        self.lines: dict[int, SimLine] = {
            number: sim_line(self.line_name(number), depth=depth)
            for number in range(1, scenario.lines + 1)
        }
        self.expected: list[ExpectedCall] = []
        self.frames_played = 0
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
                self.expected.extend(expected)
                if self.on_round is not None:
                    self.on_round(round_number, expected)
                length = max(timeline.end for timeline in timelines.values()) + TAIL_S
                self._play(timelines, length, started, offset)
                if not self.scenario.loop or self._stop.is_set():
                    break
                offset += length + LOOP_PAUSE_S
                round_number += 1
        finally:
            for line in self.lines.values():
                line.end_audio()

    def _play(
        self, timelines: dict[int, LineTimeline], length: float, started: float, offset: float
    ) -> None:
        changes = {number: list(timeline.signals) for number, timeline in timelines.items()}
        frames = int(length / FRAME_SECONDS) + 1
        gap_frames = int(LOOP_PAUSE_S / FRAME_SECONDS) if self.scenario.loop else 0
        for frame in range(frames + gap_frames):
            scenario_time = frame * FRAME_SECONDS
            if self._stop.is_set() or (
                self.until_s is not None and offset + scenario_time >= self.until_s
            ):
                self._stop.set()
                return
            for number, line in self.lines.items():
                pending = changes[number]
                while pending and pending[0].at < scenario_time + FRAME_SECONDS:
                    self._apply(line, pending.pop(0).kind)
                # Past the round's last call this renders the quiet line alone.
                audio = timelines[number].render(frame * FRAME_SAMPLES, FRAME_SAMPLES)
                if self.like_a_sound_card:
                    line.push_audio(audio, block=False)
                elif not line.push_audio(audio, block=True, timeout=1.0):
                    # Nobody is reading this line (not enabled in the engine): play on.
                    line.push_audio(audio, block=False)
            self.frames_played += 1
            if self.speed > 0:
                due = started + (offset + scenario_time + FRAME_SECONDS) / self.speed
                delay = due - time.monotonic()
                if delay > 0:
                    self._stop.wait(delay)

    @staticmethod
    def _apply(line: SimLine, kind: str) -> None:
        if kind in ("ring_on", "ring_off"):
            line.set_ringing(kind == "ring_on")
        elif kind in ("off_hook", "on_hook"):
            line.set_off_hook(kind == "off_hook")
        elif kind == "reversal":
            line.reverse_polarity()
