"""``linerec hw-test``: the installer's check of each line, step by step, PASS or FAIL.

Each configured line goes through four steps, each opened on the line's
own driver settings (``audio``, ``playback``, ``signals`` or ``modem``):

- **ring**: waits for a ring (the installer calls the line);
- **hook**: waits for a handset lifted and put back;
- **relay**: closes the seize relay for a moment (after asking: it takes the
  line off hook) and reads the loop current back if the loop detector sees
  it, then releases it;
- **audio**: measures the line's noise on the capture device, then plays a
  1004 Hz tone to the playback device and measures it on the capture side
  (with ``playback = null:``, the line's level alone).

Every step ends in one ``StepResult``: PASS, FAIL (with what to check) or
SKIP (with why). Interactive runs wait for Enter before each step (``s``
skips it); ``assume_yes`` runs them one after the other without asking,
each within its timeout. The drivers are the real ones, so the tests run
this on ``sim:`` lines and gpiozero's ``MockFactory``.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from drivers.errors import DriverError
from drivers.opening import open_capture, open_playback, open_signals
from drivers.signals import LineSignals, LoopStarted, LoopStopped, RingStarted, RingStopped
from firmware.config import Line

__all__ = ["STEPS", "HwTest", "StepResult", "tone_level_dbm0"]

STEPS = ("ring", "hook", "relay", "audio")
PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"

TONE_HZ = 1004.0
TONE_DBM0 = -10.0
SAMPLE_RATE = 8000
FRAME = 160
_REFERENCE_RMS = 32768 * 10 ** (-3.14 / 20) / math.sqrt(2)  # A-law: 0 dBm0 is 3.14 dB below
_NOISE_FRAMES = 25  # 0.5 s of the line alone
_TONE_FRAMES = 50  # 1 s of tone
_SETTLE_FRAMES = 10  # the tone's first 200 ms (buffers, the card's delay) are not measured
_MIN_TONE_DBM0 = -50.0
_OVER_NOISE_DB = 10.0
_RELAY_READBACK_S = 2.0
_CAPTURE_GRACE_S = 3.0  # beyond the audio's own length, for a card to start


def _dbm0(rms: float) -> float:
    return 20 * math.log10(rms / _REFERENCE_RMS) if rms > 0 else -math.inf


def level_dbm0(samples: np.ndarray) -> float:
    values = samples.astype(np.float64)
    return _dbm0(math.sqrt(float(np.mean(values * values)))) if values.size else -math.inf


def tone_level_dbm0(samples: np.ndarray, hz: float = TONE_HZ) -> float:
    """The level of the ``hz`` sine in ``samples`` alone (a least-squares fit), in dBm0."""
    t = np.arange(samples.size) / SAMPLE_RATE
    basis = np.stack([np.sin(2 * np.pi * hz * t), np.cos(2 * np.pi * hz * t)], axis=1)
    coefficients, *_ = np.linalg.lstsq(basis, samples.astype(np.float64), rcond=None)
    return _dbm0(float(np.hypot(*coefficients)) / math.sqrt(2))


def tone(frames: int, level: float = TONE_DBM0, hz: float = TONE_HZ) -> np.ndarray:
    amplitude = _REFERENCE_RMS * math.sqrt(2) * 10 ** (level / 20)
    t = np.arange(frames * FRAME) / SAMPLE_RATE
    return np.round(amplitude * np.sin(2 * np.pi * hz * t)).astype(np.int16)


@dataclass(frozen=True)
class StepResult:
    line: int
    step: str
    outcome: str  # PASS, FAIL, SKIP
    detail: str

    def __str__(self) -> str:
        return f"line {self.line} {self.step:<5} {self.outcome}  {self.detail}"


def _pins(url: str) -> str:
    """The pins of a gpio: URL as the installer reads them, for the hints."""
    if not url.startswith("gpio:"):
        return url
    return url.removeprefix("gpio:").split(",active_low")[0]


@dataclass
class HwTest:
    """The steps on the lines given; ``say`` prints, ``ask`` reads an answer (None: --yes)."""

    lines: list[Line]
    steps: tuple[str, ...] = STEPS
    timeout: float = 60.0
    say: Callable[[str], None] = print
    ask: Callable[[str], str] | None = input  # None: non-interactive, every answer yes
    signals_options: dict[str, Any] = field(default_factory=dict)
    relay_hold: float = 1.0  # seconds the relay stays closed
    results: list[StepResult] = field(default_factory=list)

    @property
    def interactive(self) -> bool:
        return self.ask is not None

    def run(self) -> list[StepResult]:
        for line in self.lines:
            self.say(f"== line {line.number}{f' ({line.name})' if line.given_name else ''}")
            for step in self.steps:
                result = self._run_step(line, step)
                self.results.append(result)
                self.say(str(result))
        return self.results

    @property
    def passed(self) -> bool:
        return all(result.outcome != FAIL for result in self.results)

    # -- the frame of every step

    def _go_ahead(self, line: Line, step: str, what: str) -> bool:
        """Tell the installer what to do; False when they skip the step."""
        self.say(f"line {line.number} {step}: {what}")
        if not self.interactive:
            return True
        assert self.ask is not None
        answer = self.ask("  press Enter to start, s to skip: ").strip().lower()
        return not answer.startswith("s")

    def _run_step(self, line: Line, step: str) -> StepResult:
        try:
            return getattr(self, f"_step_{step}")(line)
        except (DriverError, OSError) as error:
            return StepResult(line.number, step, FAIL, f"cannot open the line's driver: {error}")

    @contextlib.contextmanager
    def _signals(self, line: Line) -> Iterator[LineSignals]:
        if line.modem:
            from drivers.modem_line import open_modem_line  # noqa: PLC0415 - pyserial if used

            modem_line = open_modem_line(line.modem)
            try:
                modem_line.start()
                yield modem_line.signals
            finally:
                modem_line.close()
            return
        with open_signals(line.signals, **self.signals_options) as signals:
            yield signals

    def _wait(self, signals: LineSignals, kind: type, seconds: float) -> Any:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            event = signals.poll(left)
            if isinstance(event, kind):
                return event
        return None

    # -- the steps

    def _step_ring(self, line: Line) -> StepResult:
        what = f"call this line now; waiting up to {self.timeout:.0f} s for a ring"
        if not self._go_ahead(line, "ring", what):
            return StepResult(line.number, "ring", SKIP, "skipped")
        with self._signals(line) as signals:
            started_at = time.monotonic()
            started = self._wait(signals, RingStarted, self.timeout)
            if started is None:
                where = f"the modem ({line.modem})" if line.modem else _pins(line.signals)
                return StepResult(
                    line.number,
                    "ring",
                    FAIL,
                    f"no ring in {self.timeout:.0f} s: check that the line is plugged into this "
                    f"line's socket and rings a phone beside it, the ring detect on {where}, "
                    "and active_low in the signals setting",
                )
            waited = time.monotonic() - started_at
            stopped = self._wait(signals, RingStopped, 10.0)
        burst = f", burst {stopped.at - started.at:.1f} s" if stopped else ""
        return StepResult(line.number, "ring", PASS, f"ring seen after {waited:.1f} s{burst}")

    def _step_hook(self, line: Line) -> StepResult:
        what = f"lift a handset on this line, then put it back (within {self.timeout:.0f} s)"
        if not self._go_ahead(line, "hook", what):
            return StepResult(line.number, "hook", SKIP, "skipped")
        hint = (
            f"the loop detect on {_pins(line.signals)} and active_low in the signals setting"
            if not line.modem
            else "that the modem reports the handset (<DLE>H/<DLE>h; not every modem does)"
        )
        with self._signals(line) as signals:
            if signals.off_hook:
                self.say(f"  a phone on line {line.number} is off hook: put it back first")
                if self._wait(signals, LoopStopped, self.timeout) is None:
                    return StepResult(
                        line.number, "hook", FAIL, f"the line stays off hook: check {hint}"
                    )
            lifted = self._wait(signals, LoopStarted, self.timeout)
            if lifted is None:
                return StepResult(
                    line.number,
                    "hook",
                    FAIL,
                    f"no handset lifted seen in {self.timeout:.0f} s: check {hint}",
                )
            replaced = self._wait(signals, LoopStopped, self.timeout)
        if replaced is None:
            return StepResult(
                line.number, "hook", FAIL, f"lifted seen, but not put back: check {hint}"
            )
        return StepResult(
            line.number, "hook", PASS, f"lifted and put back ({replaced.at - lifted.at:.1f} s)"
        )

    def _step_relay(self, line: Line) -> StepResult:  # noqa: PLR0911 - one return per verdict
        if line.modem:
            return StepResult(line.number, "relay", SKIP, "a modem line has no relay of ours")
        what = (
            f"closes the relay for {self.relay_hold:.0f} s: the line goes off hook "
            "(only on a free line)"
        )
        if not self._go_ahead(line, "relay", what):
            return StepResult(line.number, "relay", SKIP, "skipped")
        with self._signals(line) as signals:
            if signals.off_hook:
                return StepResult(
                    line.number,
                    "relay",
                    FAIL,
                    "a phone on the line is off hook: put it back and run the step again",
                )
            signals.seize(True)
            closed_at = time.monotonic()
            try:
                loop = self._wait(signals, LoopStarted, _RELAY_READBACK_S)
                time.sleep(max(0.0, self.relay_hold - (time.monotonic() - closed_at)))
            finally:
                signals.seize(False)
            released = self._wait(signals, LoopStopped, _RELAY_READBACK_S) if loop else None
        pins = _pins(line.signals)
        if loop and released:
            return StepResult(
                line.number, "relay", PASS, "relay closed and opened; loop current read back"
            )
        if loop:
            return StepResult(
                line.number,
                "relay",
                FAIL,
                f"loop current stayed after the relay opened: check the relay on {pins} "
                "(contact stuck?) and active_low=...+relay",
            )
        if self.interactive:
            assert self.ask is not None
            heard = self.ask("  did the relay click on and off? [y/n]: ").strip().lower()
            if heard.startswith("y"):
                return StepResult(
                    line.number,
                    "relay",
                    PASS,
                    "relay clicks; no loop current read back (no line on it, or the loop "
                    "detect is not in the relay's loop)",
                )
        return StepResult(
            line.number,
            "relay",
            FAIL,
            f"relay driven, but no loop current read back in {_RELAY_READBACK_S:.0f} s: check "
            f"the relay and its transistor on {pins}, the line plugged in, the loop detect",
        )

    def _step_audio(self, line: Line) -> StepResult:  # noqa: PLR0911 - one return per verdict
        if line.modem:
            return StepResult(
                line.number,
                "audio",
                SKIP,
                "a modem line's audio comes only in a call: hw_tests checks it (LINEREC_HW_MODEM)",
            )
        with_tone = not line.playback.startswith("null:")
        what = (
            f"plays a {TONE_HZ:.0f} Hz tone to {line.playback} and measures it on {line.audio}"
            if with_tone
            else f"measures the line's level on {line.audio} (playback is null:, no tone)"
        )
        if not self._go_ahead(line, "audio", what):
            return StepResult(line.number, "audio", SKIP, "skipped")
        with open_capture(line.audio) as capture:
            quiet = self._read(capture, _NOISE_FRAMES)
            if quiet is None:
                return StepResult(
                    line.number,
                    "audio",
                    FAIL,
                    f"the capture {line.audio} gave no audio: check that the card is plugged "
                    "in and is this line's (cat /proc/asound/cards)",
                )
            noise = level_dbm0(quiet)
            problem = self._capture_problem(line, quiet)
            if problem:
                return StepResult(line.number, "audio", FAIL, problem)
            if not with_tone:
                return StepResult(
                    line.number, "audio", PASS, f"line level {noise:.0f} dBm0 (no tone played)"
                )
            heard = self._play_and_capture(line, capture)
        if heard is None:
            return StepResult(line.number, "audio", FAIL, f"the capture {line.audio} stopped")
        level = tone_level_dbm0(heard[_SETTLE_FRAMES * FRAME :])
        facts = (
            f"tone sent at {TONE_DBM0:.0f} dBm0 came back at {level:.0f} dBm0, "
            f"line noise {noise:.0f} dBm0"
        )
        devices = (
            f"{line.audio} is"
            if line.playback == line.audio
            else f"{line.playback} and {line.audio} are"
        )
        if level < _MIN_TONE_DBM0 or level < noise + _OVER_NOISE_DB:
            return StepResult(
                line.number,
                "audio",
                FAIL,
                f"{facts}: the tone is not heard; check that {devices} this line's card, "
                "the card's volumes (alsamixer), and the transformer",
            )
        return StepResult(line.number, "audio", PASS, facts)

    @staticmethod
    def _read(capture: Any, frames: int) -> np.ndarray | None:
        """``frames`` frames, or None when the capture ends or gives none in time."""
        read: list[np.ndarray] = []

        def reader() -> None:
            for _ in range(frames):
                frame = capture.read()
                if frame is None:
                    return
                read.append(frame)

        thread = threading.Thread(target=reader, name="hwtest-capture", daemon=True)
        thread.start()
        thread.join(frames * FRAME / SAMPLE_RATE + _CAPTURE_GRACE_S)
        if thread.is_alive():  # a card that gives nothing: closing it ends the read
            capture.close()
            thread.join(5)
            return None
        return np.concatenate(read) if len(read) == frames else None

    @staticmethod
    def _capture_problem(line: Line, samples: np.ndarray) -> str | None:
        card = line.audio
        if not samples.any():
            return (
                f"the capture {card} reads pure zeros: check that its capture is not muted "
                "and its input is the line (alsamixer, F4)"
            )
        clipped = float(np.mean(np.abs(samples.astype(np.int32)) >= 32767))
        if clipped > 0.01:
            return f"the capture {card} clips ({clipped:.0%} of samples): turn its gain down"
        return None

    def _play_and_capture(self, line: Line, capture: Any) -> np.ndarray | None:
        samples = tone(_TONE_FRAMES)
        failure: list[BaseException] = []

        def play() -> None:
            try:
                with open_playback(line.playback) as playback:
                    for frame in samples.reshape(-1, FRAME):
                        playback.write(frame)
            except BaseException as error:  # reported by the step
                failure.append(error)

        player = threading.Thread(target=play, name="hwtest-tone", daemon=True)
        player.start()
        heard = self._read(capture, _TONE_FRAMES)
        player.join(10)
        if failure:
            raise failure[0]
        return heard
