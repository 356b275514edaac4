"""The box acting on a line: how soon it speaks, and keys heard through its own prompts.

``python -m bench.acts`` runs the engine on simulated lines (``sim:``, each
with a hybrid from ``firmware.simulation.hybrid``: ERL 6-20 dB, after G.168's
echo path models), driven frame by frame in step with the line's worker, and
prints three figures against their targets, with the seed:

- **answer to first prompt sample**: the box takes a ringing line (its
  relay seized, as voicemail or an IVR menu would) with a script that
  starts with a prompt; the time, in line time, from the end of the frame
  in which the relay was seized to the first non-silent sample played, median
  and worst over N acts; and the same from the operator's hang-up to the
  survey's first sample. Target: under 300 ms. (On the box a sound card adds
  its own output latency, a period or two, to this.)
- **keys during prompts**: the box plays speech prompts (espeak-ng, English and
  Mandarin, where installed; else a speech-like signal) at -16 dBm0 while a
  caller presses keys at -5 to -25 dBm0 (the range G.24/Q.24 receivers take),
  40-80 ms long, at random offsets into the prompts, through hybrids of ERL
  6-20 dB; a key counts as heard when the box reports that digit within
  0.3 s of its end. Target: at least 99 %.
  Every digit the box reports that no key matches is false: the run prints
  each one, when the receiver heard it start and when the box reported it,
  with the keys pressed in the 3 s before it and the second after (digit,
  start, length, level, twist, and when the box reported each). Target: none.
- **false digits from prompt echo**: an hour of prompts (``--short``: five
  minutes) played with nobody pressing, as fast as the engine goes; every
  digit the box reports is false. Target: none.

The line is driven in step with the engine: each frame is pushed once the
line's worker has handled the one before, so a seed gives the same run, frame
for frame, every time.

``--short`` runs the small form used while developing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from audio_format import FRAME_SAMPLES, SAMPLE_RATE
from dsp_ext import levels
from dsp_ext.dtmf import dtmf_generate
from firmware.acts.steps import Pause, Play, Script
from firmware.config import ConfigStore, default_config
from firmware.engine import Engine
from firmware.engine import state as machine
from firmware.engine.acting import Act
from firmware.link import contract
from firmware.simulation.hybrid import echo_path
from firmware.simulation.prompts import prompt_audio as stand_in_prompts

TARGET_FIRST_SAMPLE_S = 0.300
TARGET_DETECTED = 0.99
PROMPT_DBM0 = -16.0
NOISE_DBM0 = -65.0
KEYS = "0123456789*#"
KEY_LEVELS_DBM0 = (-25.0, -5.0)
KEY_ON_MS = (40.0, 80.0)
HEARD_WITHIN_S = 0.3
LEAD_IN_MS = 50.0  # the stand-in prompts begin with this much silence (voices.speech)
ACT_S = 300.0  # one act plays prompts this long (a script holds a line 600 s at most)


# ---- prompts ----------------------------------------------------------------------------

ENGLISH = (
    "Thank you for calling. Please rate the call you just had, from one to five.",
    "For sales, press one. For support, press two. To hear this again, press star.",
    "Please leave your message after the tone. Press hash when you are done.",
    "All our operators are busy. Your call is important to us, please hold.",
)
MANDARIN = (
    "感谢您的来电。请为本次通话评分，一到五分。",
    "销售请按一，技术支持请按二，重听请按星号键。",
    "请在提示音后留言，留言完毕请按井号键。",
)


def speech_prompts() -> tuple[list[np.ndarray], str]:
    """The prompts to play, and what they are."""
    from bench.corpora.speech import speech_tools_missing, utterance  # noqa: PLC0415

    missing = speech_tools_missing()
    if missing:
        audio = [stand_in_prompts(name) for name in
                 ("survey_opening", "survey_invalid", "survey_closing", "menu", "greeting")]
        return [_at_level(a) for a in audio], f"speech-like stand-ins ({missing})"
    audio = [utterance(text) for text in ENGLISH]
    audio += [utterance(text, voice="cmn") for text in MANDARIN]
    return [_at_level(a) for a in audio], "espeak-ng speech, English and Mandarin"


def _at_level(audio: np.ndarray) -> np.ndarray:
    samples = audio.astype(np.float64)
    frames = samples[: samples.size // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    active = frames[np.sqrt(np.mean(frames**2, axis=1)) > 1e-3 * np.abs(samples).max()]
    gain = levels.sine_amplitude(PROMPT_DBM0) / np.sqrt(2) / np.sqrt(np.mean(active**2))
    return np.clip(np.round(samples * gain), -32768, 32767).astype(np.int16)


def prompts_script(prompts: list[np.ndarray], seconds: float, seed: int) -> Callable[[], Script]:
    """A script that plays the prompts in a random order, with short pauses, for ``seconds``."""

    def script() -> Script:
        rng = np.random.default_rng(seed)
        played = 0.0
        while played < seconds:
            index = int(rng.integers(len(prompts)))
            yield Play(index, barge_in=False)
            pause = float(rng.uniform(0.1, 0.6))
            yield Pause(pause)
            played += prompts[index].size / SAMPLE_RATE + pause

    return script


# ---- a line driven in step with its worker -----------------------------------------------


@dataclass
class Press:
    key: str
    start: int  # sample of the line
    end: int
    level_dbm0: float = 0.0
    twist_db: float = 0.0


@dataclass
class DrivenLine:
    """One engine line on a simulated line, driven frame by frame in step with its worker."""

    engine: Engine
    line: object  # drivers.simline.SimLine
    rng: np.random.Generator
    pushed: int = 0
    sending: list[np.ndarray] = field(default_factory=list)
    played: list[np.ndarray] = field(default_factory=list)  # what the box played, in order

    def frames(self, count: int, until: Callable[[], bool] | None = None) -> bool:
        sigma = levels.reference_rms() * 10 ** (NOISE_DBM0 / 20)
        for _ in range(count):
            frame = self.rng.normal(0.0, sigma, FRAME_SAMPLES)
            filled = 0
            while filled < FRAME_SAMPLES and self.sending:
                part = self.sending[0][: FRAME_SAMPLES - filled]
                frame[filled : filled + part.size] += part
                filled += part.size
                self.sending[0] = self.sending[0][part.size :]
                if not self.sending[0].size:
                    self.sending.pop(0)
            pcm = np.clip(np.round(frame), -32768, 32767).astype(np.int16)
            if not self.line.push_audio(pcm, timeout=10):
                raise RuntimeError("the engine stopped reading the line")
            self.pushed += 1
            self._in_step()
            while (out := self.line.take_played()) is not None:
                self.played.append(out)
            if until is not None and until():
                return True
        return until is None

    def _in_step(self) -> None:
        """Wait until the line's worker has handled every frame pushed.

        What the bench does next (an act queued, keys placed from the frame the relay
        moved in) then falls at the same frame of the line on every run of a seed; with
        a frame of slack it fell a frame either way, by the threads' timing, and so did
        the prompts against the keys (and the figures with them).
        """
        deadline = time.monotonic() + 10
        worker = self.engine.workers.get(1)
        while worker is not None and worker.is_alive() and worker.frames < self.pushed:
            if time.monotonic() > deadline:
                raise RuntimeError("the line's worker stopped taking frames")
            time.sleep(0.0002)

    def send(self, audio: np.ndarray, at_sample: int) -> None:
        """Queue ``audio`` to start at sample ``at_sample`` of the line (from now on)."""
        queued = self.pushed * FRAME_SAMPLES + sum(part.size for part in self.sending)
        if at_sample > queued:
            self.sending.append(np.zeros(at_sample - queued))
        self.sending.append(audio.astype(np.float64))


class Box:
    """An engine with one simulated line in a temporary folder, and what it told."""

    def __init__(self, folder: Path, name: str, prompts: Callable, seed: int) -> None:
        from drivers.simline import sim_line  # noqa: PLC0415
        from firmware.cli.processes import open_configured_line  # noqa: PLC0415

        store = ConfigStore(folder)
        store.save(default_config(1))
        store.update_line(1, recording={"mode": "off"})
        # Each event with the line time it was told at (told on the line's worker, in the
        # frame it was found in).
        self.events: list[tuple[contract.Event, float]] = []
        # Each digit the line's receiver heard: (digit, line time it started, line time of
        # the frame it was found in), for the report of a false one.
        self.heard: list[tuple[str, float, float]] = []
        self.engine = Engine(
            folder, lambda line: open_configured_line(line, name),
            publish=lambda event: self.events.append((event, self.worker.now)),
            prompt_audio=prompts,
        )
        self.line = DrivenLine(self.engine, sim_line(f"{name}1", depth=1),
                               np.random.default_rng(seed))
        self.engine.start()
        self._note_digits()
        self.line.frames(5)

    def _note_digits(self) -> None:
        detectors = self.worker.detectors
        feed = detectors.feed

        def feed_and_note(frame, at, phase):
            events = feed(frame, at, phase)
            self.heard.extend((event.digit, event.at, at) for event in events
                              if isinstance(event, machine.Digit))
            return events

        detectors.feed = feed_and_note

    @property
    def worker(self):
        return self.engine.workers[1]

    def phase(self) -> contract.Phase:
        return self.worker.state.phase

    def close(self) -> None:
        self.line.line.end_audio()
        self.engine.stop()


# ---- answer to first prompt sample -------------------------------------------------------


def first_sample_s(played: list[np.ndarray]) -> float | None:
    """Seconds from the start of the first played frame to its first non-silent sample."""
    audio = np.concatenate(played) if played else np.zeros(0)
    loud = np.flatnonzero(np.abs(audio) > 0)
    return None if not loud.size else float(loud[0]) / SAMPLE_RATE


def answer_latencies(folder: Path, acts: int, seed: int) -> tuple[list[float], list[float]]:
    """(relay seized -> first sample) on a ringing line; (operator on hook -> first sample)
    in a survey; over ``acts`` acts each."""
    rng = np.random.default_rng(seed)
    box = Box(folder, f"bench-acts-answer-{seed}-", stand_in_prompts, seed)
    line = box.line
    seized, hung_up = [], []
    try:
        for number in range(acts):
            line.line.set_hybrid(echo_path([seed, number]).response)
            # A ringing line the box answers with a prompt.
            line.line.set_ringing(True)
            line.frames(int(rng.integers(5, 40)))
            line.played.clear()
            box.worker.act(lambda state: Act("answer", prompts_script(
                [stand_in_prompts("greeting")], 1.0, seed)()))
            assert line.frames(50, lambda: line.line.relay_seized), "the box did not answer"
            line.line.set_ringing(False)
            # The player's first frame sounds with the frame after the one the relay moved in.
            assert line.frames(200, lambda: not line.line.relay_seized)
            seized.append(first_sample_s(line.played))
            line.frames(20)
            # A survey: the operator answers, talks, starts it with its key code, hangs up.
            line.line.set_ringing(True)
            line.frames(10)
            line.line.set_ringing(False)
            line.line.set_off_hook(True)
            line.frames(20)
            box.engine.handle_command(contract.ActCommand(1, "survey"))
            assert line.frames(20, lambda: line.line.relay_seized)
            line.frames(int(rng.integers(2, 30)))
            line.played.clear()
            line.line.set_off_hook(False)
            line.frames(1)
            # The reader takes the on-hook with the next frame it reads: the one just pushed.
            skipped = len(line.played)
            line.frames(40)
            hung_up.append(first_sample_s(line.played[max(0, skipped - 1):]))
            line.send(dtmf_generate("4", level_dbm0=-10, on_ms=80, off_ms=0), 0)
            assert line.frames(600, lambda: box.phase() == contract.Phase.IDLE)
            line.frames(10)
    finally:
        box.close()
    return seized, hung_up


# ---- keys during prompts, and false digits -------------------------------------------------


@dataclass
class FalseDigit:
    """A digit the box reported that no key pressed matches, and the keys around it."""

    digit: str
    started_s: float | None  # line time the receiver heard it start (None: not found)
    reported_s: float  # line time of the frame the box reported it in
    # The keys pressed from 3 s before it to 1 s after: (key, start s, ms, dBm0, twist dB,
    # line time the box reported it, or None if it did not).
    near: list[tuple[str, float, float, float, float, float | None]]

    def __str__(self) -> str:
        started = "?" if self.started_s is None else f"{self.started_s:.3f}"
        keys = "; ".join(
            f"{key} at {start:.3f} s, {ms:.0f} ms, {level:.1f} dBm0, twist {twist:+.1f} dB, "
            + ("not heard" if heard is None else f"reported at {heard:.3f} s")
            for key, start, ms, level, twist, heard in self.near
        )
        return (f"{self.digit} started {started} s, reported {self.reported_s:.3f} s; "
                f"keys around it: {keys or 'none'}")


@dataclass
class KeyResult:
    presses: int = 0
    heard: int = 0
    false: int = 0
    seconds: float = 0.0  # line time played
    missed: list[tuple[str, float, float, float]] = field(default_factory=list)
    false_digits: list[FalseDigit] = field(default_factory=list)


def keys_during_prompts(
    folder: Path,
    prompts: list[np.ndarray],
    *,
    presses: int,
    seed: int,
    seconds: float | None = None,
    press_every_s: tuple[float, float] = (0.9, 2.2),
) -> KeyResult:
    """Keys pressed at random offsets into prompts played through hybrids of ERL 6-20 dB
    (``presses`` of them; 0: nobody presses, for ``seconds`` of prompts)."""
    rng = np.random.default_rng(seed)
    box = Box(folder, f"bench-acts-keys-{seed}-", lambda index: prompts[int(index)], seed)
    line = box.line
    result = KeyResult()
    pressed: list[Press] = []
    # Room for every press: its gap and tone, and the act's last second left free.
    total_s = seconds if seconds is not None else presses * (sum(press_every_s) / 2 + 0.2) + 5
    try:
        act_number = 0
        while result.seconds < total_s:
            act_s = min(ACT_S, total_s - result.seconds)
            path = echo_path([seed, act_number])
            line.line.set_hybrid(path.response)
            box.worker.act(lambda state, s=act_s, n=act_number: Act(
                "prompts", prompts_script(prompts, s, seed * 1000 + n)()))
            assert line.frames(50, lambda: line.line.relay_seized), "the box took no line"
            began = line.pushed
            if presses:
                at = line.pushed * FRAME_SAMPLES + int(rng.uniform(*press_every_s) * SAMPLE_RATE)
                until = (began + int(act_s / 0.02)) * FRAME_SAMPLES - SAMPLE_RATE
                while at < until and len(pressed) < presses:
                    key = KEYS[int(rng.integers(len(KEYS)))]
                    on_ms = float(rng.uniform(*KEY_ON_MS))
                    level = float(rng.uniform(*KEY_LEVELS_DBM0))
                    twist = float(rng.uniform(-2, 4))
                    tone = dtmf_generate(key, level_dbm0=level, twist_db=twist, on_ms=on_ms,
                                         off_ms=0)
                    line.send(tone, at)
                    pressed.append(Press(key, at, at + tone.size, level, twist))
                    at += tone.size + int(rng.uniform(*press_every_s) * SAMPLE_RATE)
            assert line.frames(int(act_s / 0.02) + 2000, lambda: not line.line.relay_seized), (
                "the act did not end")
            result.seconds += (line.pushed - began) * 0.02
            line.frames(10)
            act_number += 1
    finally:
        box.close()
    start = box.worker.started_at
    digits = [
        (event.digit, (at - start) * SAMPLE_RATE)
        for event, at in box.events if isinstance(event, contract.DigitDialled)
    ]
    result.presses = len(pressed)
    used: dict[int, int] = {}  # digit reported -> key pressed, by index
    for number, press in enumerate(pressed):
        match = next(
            (i for i, (digit, at) in enumerate(digits)
             if i not in used and digit == press.key
             and press.start - FRAME_SAMPLES <= at <= press.end + HEARD_WITHIN_S * SAMPLE_RATE),
            None,
        )
        if match is None:
            result.missed.append((press.key, press.start / SAMPLE_RATE,
                                  (press.end - press.start) / 8, 0.0))
        else:
            used[match] = number
            result.heard += 1
    result.false = len(digits) - len(used)
    reported = {number: digits[i][1] / SAMPLE_RATE for i, number in used.items()}
    for i, (digit, at) in enumerate(digits):
        if i not in used:
            result.false_digits.append(_false_digit(digit, at, box, pressed, reported))
    return result


def _false_digit(digit: str, at: float, box: Box, pressed: list[Press],
                 reported_at: dict[int, float]) -> FalseDigit:
    """The false ``digit`` reported at line sample ``at``, with the receiver's start of it
    (the last one heard before the report) and the keys pressed around it (``reported_at``:
    when the box reported each key it heard, by its index in ``pressed``)."""
    start = box.worker.started_at
    reported = at / SAMPLE_RATE
    starts = [begun - start for heard, begun, found in box.heard
              if heard == digit and found - start <= reported + 1e-6]
    near = [
        (press.key, press.start / SAMPLE_RATE, (press.end - press.start) / 8,
         press.level_dbm0, press.twist_db, reported_at.get(number))
        for number, press in enumerate(pressed)
        if reported - 3.0 <= press.start / SAMPLE_RATE <= reported + 1.0
    ]
    return FalseDigit(digit, starts[-1] if starts else None, reported, near)


# ---- the report -----------------------------------------------------------------------------


def run(short: bool, seed: int) -> list[tuple[str, str]]:
    figures: list[tuple[str, str]] = [("seed", str(seed))]
    prompts, what = speech_prompts()
    figures.append(("prompts", f"{len(prompts)} prompts, {what}, at {PROMPT_DBM0:g} dBm0"))
    with tempfile.TemporaryDirectory(prefix="bench-acts-") as folder:
        started = time.perf_counter()
        acts = 5 if short else 30
        seized, hung_up = answer_latencies(Path(folder) / "answer", acts, seed)
        for name, values in (("relay seized", seized), ("operator on hook (survey)", hung_up)):
            worst = max(values)
            verdict = "met" if worst < TARGET_FIRST_SAMPLE_S else "NOT MET"
            figures.append((
                f"answer to first prompt sample, from {name}",
                f"median {statistics.median(values) * 1000:.1f} ms, worst {worst * 1000:.1f} ms "
                f"over {len(values)} acts (target < {TARGET_FIRST_SAMPLE_S * 1000:.0f} ms: "
                f"{verdict}; the prompts' own lead-in is {LEAD_IN_MS:.0f} ms)",
            ))
        presses = 100 if short else 1000
        keys = keys_during_prompts(Path(folder) / "keys", prompts, presses=presses, seed=seed)
        rate = keys.heard / keys.presses
        verdict = "met" if rate >= TARGET_DETECTED else "NOT MET"
        figures.append((
            "keys during prompts heard",
            f"{keys.heard}/{keys.presses} = {rate:.2%} (target >= {TARGET_DETECTED:.0%}: "
            f"{verdict}); {keys.false} false digits in {keys.seconds / 60:.1f} min",
        ))
        if keys.missed:
            figures.append(("  missed (key, at s, ms)", ", ".join(
                f"{k} {at:.1f} {ms:.0f}" for k, at, ms, _ in keys.missed[:10])))
        figures.extend(("  false digit", str(false)) for false in keys.false_digits[:10])
        quiet_s = 300.0 if short else 3600.0
        began = time.perf_counter()
        quiet = keys_during_prompts(Path(folder) / "quiet", prompts, presses=0,
                                    seed=seed + 1, seconds=quiet_s)
        spent = time.perf_counter() - began
        verdict = "met" if quiet.false == 0 else "NOT MET"
        figures.append((
            "false digits from prompt echo",
            f"{quiet.false} in {quiet.seconds / 60:.0f} min of prompts, nobody pressing "
            f"(target 0: {verdict}); played at x{quiet.seconds / spent:.0f} real time",
        ))
        figures.extend(("  false digit", str(false)) for false in quiet.false_digits[:10])
        figures.append(("hybrids", "ERL 6-20 dB, delay 0.25-3 ms, one per act (drawn from the "
                        "seed)"))
        figures.append(("bench time", f"{time.perf_counter() - started:.0f} s"))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.acts", description=__doc__.split(
        "\n", 1)[0])
    parser.add_argument("--short", action="store_true", help="the small form (a few minutes)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    print(f"linerec bench.acts{' --short' if args.short else ''}: the box acting on simulated "
          "lines")
    figures = run(args.short, args.seed)
    width = max(len(name) for name, _ in figures)
    for name, value in figures:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
