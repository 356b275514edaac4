"""A box-held call's script run on a line, frame by frame in line time.

``LineActor`` belongs to one line's worker. ``begin`` starts a script
(``firmware.acts``); then for every frame the worker hands it the frame
heard (the echo of the box's own prompts already taken out), the keys the
detectors found in it and whether a phone of the office is off hook, and
the actor carries out the step the script waits on: a prompt through the
line's ``LinePlayer``, a key with its timeout, a message recorded, a pause,
the office's phones rung. When the script returns, ``frame`` gives its
``ScriptResult`` and the worker lets go of the line.

The caller is gone when the exchange says so (busy or congestion tone on
the line; not while a placed call is dialled and followed, whose busy tone is
its result) or when the script has held the line for ``MOST_S``; the script
is then told (``CallerGone``) and ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dsp_ext.dtmf import dtmf_generate
from dsp_ext.levels import rms_dbm0
from firmware.acts.steps import (
    AwaitGreetingEnd,
    AwaitOffHook,
    AwaitPickUp,
    AwaitTone,
    CallerGone,
    FollowCall,
    GetKey,
    Heard,
    Pause,
    Play,
    Progress,
    Record,
    Recorded,
    RingThrough,
    Script,
    ScriptResult,
    SendDigits,
    Step,
    WaitForOnHook,
)
from firmware.country.profiles import profile
from firmware.country.tones import detector, tone_generator
from firmware.engine.player import LinePlayer
from firmware.tools.amd import AnsweringMachineDetector

log = logging.getLogger(__name__)

MOST_S = 600.0  # no script holds a line longer than this
# Where the line cannot tell the office's phones from the box's own hold, a person
# asked to hang up is taken to have done so after this.
HANG_UP_GRACE_S = 3.0
QUIET_DBM0 = -45.0  # below this a frame of a message is silence
GONE_TONES = ("busy", "congestion")  # the exchange tells the box the caller hung up
RINGBACK_DBM0 = -16.0
# The box's own DTMF: the low tone at -7 dBm0, the high 2 dB above it, 100 ms on and off
# (Q.23 asks for 40 ms at least of each).
DTMF_LEVEL_DBM0 = -7.0
DTMF_TWIST_DB = 2.0
DTMF_ON_MS = DTMF_OFF_MS = 100.0
INTER_DIGIT_S = 0.8  # between two digits dialled by pulses
ANSWERED_STATUSES = ("HUMAN", "MACHINE", "FAX", "NOTSURE")  # the detector's, after an answer
# Steps that read the line's tones themselves: busy tone there is a placed call's result.
READS_TONES = (AwaitTone, SendDigits, FollowCall)
# The end of an answering machine's greeting (``AwaitGreetingEnd``): its beep, a pure tone
# (90 % of the power within +-60 Hz of one frequency of 300-3400 Hz that holds still, in
# 32 ms windows) for BEEP_FRAMES frames at least, then not; or quiet after its voice, voice
# being VOICE_OVER_FLOOR_DB above the lowest frame level of the last FLOOR_FRAMES frames.
BEEP_WINDOW = 256
BEEP_CONCENTRATION = 0.9
BEEP_FRAMES = 8
BEEP_MIN_DBM0 = -45.0
FLOOR_FRAMES = 100
VOICE_OVER_FLOOR_DB = 10.0
MIN_VOICE_DBM0 = -48.0
GONE_TONE_HZ = 50.0  # a pure tone this near a busy or congestion tone's frequency: no beep
_BEEP_TAPER = np.hanning(BEEP_WINDOW)
_BEEP_BINS = (round(300 * BEEP_WINDOW / 8000), round(3400 * BEEP_WINDOW / 8000))

PromptAudio = Callable[[str | int], np.ndarray | None]


@dataclass(frozen=True)
class Act:
    """A script to run on a line: ``seize`` when the box must hold the line for it
    (everything but an announcement in a call the office answered)."""

    name: str
    script: Script
    seize: bool = True
    facts: tuple[tuple[str, Any], ...] = ()  # told with the result (the rule that blocked, ...)
    places: str | None = None  # the number of the call the act places (from an idle line)


class LineActor:
    """Runs one script at a time on a line."""

    def __init__(
        self,
        player: LinePlayer,
        prompt_audio: PromptAudio,
        country: str,
        ring_phones: Callable[[bool], bool] = lambda on: False,
        *,
        senses_phones: bool = True,
        pulse_digit: Callable[[str], float] | None = None,
        pulsing: Callable[[], bool] = lambda: False,
    ) -> None:
        self.player = player
        self.prompt_audio = prompt_audio
        self.country = country
        self.ring_phones = ring_phones  # True if the line's hardware rang them
        self.senses_phones = senses_phones  # the hook is known while the box holds the line
        # The line's relay dials a digit by pulses (the seconds the train takes), None where
        # it cannot; ``pulsing``: a train is still going on (in real time).
        self.pulse_digit = pulse_digit
        self.pulsing = pulsing
        # Stages the scripts told (``Progress``), for the worker to take: (act, stage, time).
        self.progress: list[tuple[Act, str, float]] = []
        self.act: Act | None = None
        self._script: Script | None = None
        self._step: Step | None = None
        self._step_at = 0.0
        self._began_at = 0.0
        self._typed: list[str] = []  # keys pressed and not yet taken by a step
        self._message: list[np.ndarray] = []
        self._quiet_since = 0.0
        self._tones = None
        self._ringback = None
        self._amd: AnsweringMachineDetector | None = None  # following a placed call
        self._followed: set[str] = set()  # what FollowCall has told already
        self._pulses: list[str] = []  # digits still to dial by pulses
        self._next_pulse_at = 0.0
        self._ringing = False  # the office is wanted for the caller the script holds
        self._greeting: _GreetingEnd | None = None  # an answering machine's greeting heard

    @property
    def running(self) -> bool:
        return self.act is not None

    def begin(self, act: Act, at: float) -> ScriptResult | None:
        """Start ``act``'s script now; a script that ends at once gives its result."""
        if self.act is not None:
            self.abandon(at)
        self.act, self._script = act, act.script
        self._began_at = at
        self._typed = []
        self._amd, self._followed = None, set()
        self._tones = detector(self.country)
        self.player.start()
        return self._advance(None, at, first=True)

    def frame(
        self, heard: np.ndarray, at: float, keys: list[str], off_hook: bool
    ) -> ScriptResult | None:
        """One frame of the line while the script runs; its result when it ended."""
        if self.act is None:
            return None
        self._typed.extend(keys)
        if self._caller_gone(heard, at):
            return self._throw(at)
        waiting = at - self._step_at
        step = self._step
        if isinstance(step, Record):
            return self._record(step, heard, at)
        if isinstance(step, RingThrough):
            return self._ring_through(step, waiting, off_hook, at)
        if isinstance(step, SendDigits | FollowCall | AwaitPickUp | AwaitGreetingEnd):
            return self._placing(step, heard, at, off_hook)
        done, value = self._step_done(step, waiting, off_hook)
        return self._advance(value, at) if done else None

    def _step_done(self, step: Step, waiting: float, off_hook: bool) -> tuple[bool, Any]:
        """Whether the step is over this frame, and what it gives."""
        done, value = False, None
        if isinstance(step, Play):
            barged = step.barge_in and bool(self._typed)
            if barged:
                self.player.stop()
            done = barged or not self.player.busy
            value = done and not barged and not self.player.failed
        elif isinstance(step, GetKey):
            done = bool(self._typed) or waiting >= step.timeout_s
            value = self._typed.pop(0) if self._typed else None
        elif isinstance(step, Pause):
            done = waiting >= step.seconds
        elif isinstance(step, AwaitTone):
            sounding = self._tones.sounding
            value = sounding is not None and sounding.tone == step.tone
            done = value or waiting >= step.timeout_s
        elif isinstance(step, AwaitOffHook):
            done, value = off_hook or waiting >= step.timeout_s, off_hook
        elif isinstance(step, WaitForOnHook):
            if not self.senses_phones:  # the hold hides the phones: a grace period instead
                done, value = waiting >= min(step.timeout_s, HANG_UP_GRACE_S), True
            else:
                done, value = not off_hook or waiting >= step.timeout_s, not off_hook
        return done, value

    def _ring_through(
        self, step: RingThrough, waiting: float, off_hook: bool, at: float
    ) -> ScriptResult | None:
        if off_hook:
            self._stop_ringing()
            return self._handed_over(at)
        if waiting >= step.timeout_s:
            self._stop_ringing()
            return self._advance(False, at)
        self._play_ringback()
        return None

    def _handed_over(self, at: float, told: Any = True) -> ScriptResult:
        """A phone picked up: the script is told (``told``) and its result kept; it may do
        no more on the line, which is the phone's now."""
        value = None
        try:
            self._script.send(told)
        except StopIteration as done:
            value = done.value
        except Exception:
            log.exception("the %s script failed", self.act.name)
        else:
            self._script.close()
        return self._finish(at, value=value, handed_over=True)

    def abandon(self, at: float) -> ScriptResult | None:
        """The line's call ended under the script (or the line stops): the caller is gone."""
        if self.act is None:
            return None
        return self._throw(at)

    # ---- placing a call ------------------------------------------------------------------

    def _placing(self, step: SendDigits | FollowCall | AwaitPickUp | AwaitGreetingEnd,
                 heard: np.ndarray, at: float, off_hook: bool) -> ScriptResult | None:
        if isinstance(step, SendDigits):
            return self._send_digits(step, at)
        if isinstance(step, FollowCall):
            return self._follow(step, heard, at, off_hook)
        if isinstance(step, AwaitGreetingEnd):
            ended = self._greeting.feed(heard, at)
            if ended is None and at - self._step_at < step.timeout_s:
                return None
            return self._advance(ended, at)
        return self._await_pick_up(step, at, off_hook)

    def _await_pick_up(self, step: AwaitPickUp, at: float, off_hook: bool
                       ) -> ScriptResult | None:
        if off_hook:  # the operator's phone takes the call
            self._office_wanted(False)
            return self._handed_over(at, Heard("handed_over"))
        if at - self._step_at < step.timeout_s:
            return None
        self._office_wanted(False)
        return self._advance(None, at)

    def _office_wanted(self, wanted: bool) -> None:
        """Want the office for the caller the script holds (ring its phones where the line
        can), or no longer."""
        if wanted != self._ringing:
            self._ringing = wanted
            self.ring_phones(wanted)

    def _send_digits(self, step: SendDigits, at: float) -> ScriptResult | None:
        """One frame of dialling: DTMF played out, or the next digit's pulses when due."""
        if not step.pulse:
            if self.player.failed:
                log.error("the line's playback failed while the %s script dialled", self.act.name)
                return self._advance(False, at)
            return None if self.player.busy else self._advance(True, at)
        if at < self._next_pulse_at or self.pulsing():
            return None
        if not self._pulses:
            return self._advance(True, at)
        digit = self._pulses.pop(0)
        try:
            seconds = self.pulse_digit(digit)
        except Exception as error:
            log.error("the relay could not dial %r by pulses: %s", digit, error)
            return self._advance(False, at)
        self._next_pulse_at = at + seconds + (INTER_DIGIT_S if self._pulses else 0.0)
        return None

    def _follow(self, step: FollowCall, heard: np.ndarray, at: float,
                off_hook: bool) -> ScriptResult | None:
        """One frame of a placed call's progress, through the answering-machine detector."""
        if step.hand_over and off_hook:
            return self._handed_over(at, Heard("handed_over"))
        if self._amd is None:
            self._amd = AnsweringMachineDetector(self.country)
        amd = self._amd
        decided = amd.feed(heard)
        # Each stage once, in order: ringing, answered, then the decision (a fax's tone or
        # a silent line decide with no answer found first: they answered all the same).
        answered = amd.answered_at_s is not None or (
            decided is not None and decided.status in ANSWERED_STATUSES)
        for stage, reached in (("ringing", amd.ringing), ("answered", answered)):
            if reached and stage not in self._followed:
                self._followed.add(stage)
                return self._advance(Heard(stage), at)
        if decided is not None:
            return self._advance(Heard(decided.status.lower(), decided.at_s), at)
        return None

    # ---- steps -------------------------------------------------------------------------

    def _caller_gone(self, heard: np.ndarray, at: float) -> bool:
        if at - self._began_at >= MOST_S:
            log.warning("a %s script held the line for %.0f s: ended", self.act.name, MOST_S)
            return True
        if isinstance(self._step, RingThrough):
            return False  # the ringback the box plays itself is not the exchange's
        ended = self._tones.feed(heard)
        if isinstance(self._step, READS_TONES):
            return False
        # The exchange plays busy tone until the line is let go: it is enough that it
        # sounds (confirmed), not that it stopped.
        sounding = self._tones.sounding
        return any(tone.tone in GONE_TONES for tone in ended) or (
            sounding is not None and sounding.tone in GONE_TONES
        )

    def _record(self, step: Record, heard: np.ndarray, at: float) -> ScriptResult | None:
        self._message.append(heard.copy())
        loud = rms_dbm0(heard) > QUIET_DBM0
        if loud:
            self._quiet_since = at
        ended_by = None
        end_keys = [key for key in self._typed if key in step.end_keys]
        if end_keys:
            self._typed.clear()
            ended_by = "key"
        elif at - self._step_at >= step.max_s:
            ended_by = "length"
        elif at - self._quiet_since >= step.silence_s:
            ended_by = "silence"
        if ended_by is None:
            return None
        return self._advance(self._recorded(ended_by, trim_quiet=ended_by == "silence"), at)

    def _recorded(self, ended_by: str, *, trim_quiet: bool = False) -> Recorded:
        frames = self._message
        if trim_quiet:  # the silence that ended it is not the message
            while frames and rms_dbm0(frames[-1]) <= QUIET_DBM0:
                frames.pop()
        audio = np.concatenate(frames) if frames else np.zeros(0, dtype=np.int16)
        self._message = []
        return Recorded(audio, audio.size / 8000, ended_by)

    def _play_ringback(self) -> None:
        if self._ringback is None:
            tone = profile(self.country).tones["ringback"]
            self._ringback = tone_generator(tone, RINGBACK_DBM0)
        if not self.player.busy:
            self.player.play(self._ringback.generate(160))

    def _stop_ringing(self) -> None:
        self.ring_phones(False)
        self.player.stop()
        self._ringback = None

    # ---- the script --------------------------------------------------------------------

    def _advance(self, value: Any, at: float, *, first: bool = False) -> ScriptResult | None:
        try:
            step = next(self._script) if first else self._script.send(value)
        except StopIteration as done:
            return self._finish(at, value=done.value)
        except Exception:  # a fault in a script must not stop the line
            log.exception("the %s script failed", self.act.name)
            return self._finish(at)
        return self._start_step(step, at)

    def _start_step(self, step: Step, at: float) -> ScriptResult | None:
        self._step, self._step_at = step, at
        if isinstance(step, Play):
            audio = self.prompt_audio(step.prompt)
            if audio is None or not audio.size:
                log.error("the %s script's prompt %r is missing: passed over", self.act.name,
                          step.prompt)
                return self._advance(False, at)
            if step.barge_in and self._typed:
                return self._advance(False, at)  # a key typed ahead skips the prompt
            self.player.play(audio)
        elif isinstance(step, Record):
            self._message, self._quiet_since = [], at
        elif isinstance(step, RingThrough):
            self.ring_phones(True)
        elif isinstance(step, AwaitPickUp) and step.ring_office:
            self._office_wanted(True)
        elif isinstance(step, AwaitGreetingEnd):
            self._greeting = _GreetingEnd(step.quiet_s, at, self.country)
        elif isinstance(step, Progress):
            self.progress.append((self.act, step.stage, at))
            return self._advance(None, at)
        elif isinstance(step, SendDigits):
            return self._start_digits(step, at)
        return None

    def _start_digits(self, step: SendDigits, at: float) -> ScriptResult | None:
        if step.pulse:
            if self.pulse_digit is None or not all(d in "0123456789" for d in step.digits):
                log.error("the %s script cannot dial %r by pulses on this line",
                          self.act.name, step.digits)
                return self._advance(False, at)
            self._pulses, self._next_pulse_at = list(step.digits), at
            return self._send_digits(step, at)
        if not self.player.can_play:
            log.error("the %s script cannot dial: the line cannot play", self.act.name)
            return self._advance(False, at)
        self.player.play(dtmf_generate(step.digits, level_dbm0=DTMF_LEVEL_DBM0,
                                       twist_db=DTMF_TWIST_DB, on_ms=DTMF_ON_MS,
                                       off_ms=DTMF_OFF_MS))
        return None

    def _throw(self, at: float) -> ScriptResult:
        self.player.stop()
        if isinstance(self._step, RingThrough):
            self._stop_ringing()
        value = None
        if isinstance(self._step, Record):
            # What the caller said before hanging up is their message.
            value = self._recorded("hang_up", trim_quiet=True)
        try:
            if value is not None:
                self._script.send(value)
            self._script.throw(CallerGone())
        except StopIteration as done:
            return self._finish(at, value=done.value, caller_hung_up=True)
        except CallerGone:
            return self._finish(at, caller_hung_up=True)
        except Exception:
            log.exception("the %s script failed", self.act.name)
            return self._finish(at, caller_hung_up=True)
        self._script.close()  # it went on after the caller left: nobody listens
        return self._finish(at, caller_hung_up=True)

    def _finish(self, at: float, *, value: Any = None, caller_hung_up: bool = False,
                handed_over: bool = False) -> ScriptResult:
        act = self.act
        self.act, self._script, self._step = None, None, None
        self._office_wanted(False)
        self._greeting = None
        self.player.rest()
        return ScriptResult(act.name, value, caller_hung_up, handed_over, dict(act.facts))


class _GreetingEnd:
    """Hears an answering machine's greeting out, frame by frame: its beep, once it stops
    (``beep``), or ``quiet_s`` without voice (``quiet``); None meanwhile. A pure tone at a
    frequency of the plan's busy or congestion tone is no beep: the machine hung up (the
    actor hears it as such once the tone is confirmed)."""

    def __init__(self, quiet_s: float, at: float, country: str) -> None:
        self.quiet_s = quiet_s
        tones = profile(country).tones
        self._gone_hz = tuple(hz for name in GONE_TONES if name in tones
                              for hz in tones[name].frequencies_hz)
        self._quiet_since = at
        self._recent = np.zeros(BEEP_WINDOW)
        self._levels: list[float] = []
        self._beep_run = 0
        self._beep_bin = -1
        self._beeped = False

    def feed(self, heard: np.ndarray, at: float) -> str | None:
        level = rms_dbm0(heard)
        self._recent = np.concatenate([self._recent, heard.astype(np.float64)])[-BEEP_WINDOW:]
        tonal = level >= BEEP_MIN_DBM0 and self._tonal()
        if tonal and any(abs(self._beep_bin * 8000 / BEEP_WINDOW - hz) < GONE_TONE_HZ
                         for hz in self._gone_hz):
            tonal, self._beep_run, self._beeped = False, 0, False
            self._quiet_since = at
        self._beep_run = self._beep_run + 1 if tonal else 0
        if self._beep_run >= BEEP_FRAMES:
            self._beeped = True
        elif self._beeped and not tonal:
            return "beep"
        self._levels = [*self._levels[-(FLOOR_FRAMES - 1):], level]
        voice = level > max(MIN_VOICE_DBM0, min(self._levels) + VOICE_OVER_FLOOR_DB)
        if voice or tonal:
            self._quiet_since = at
        elif at - self._quiet_since >= self.quiet_s:
            return "quiet"
        return None

    def _tonal(self) -> bool:
        spectrum = np.abs(np.fft.rfft(self._recent * _BEEP_TAPER)) ** 2
        total = float(spectrum.sum())
        if total <= 0.0:
            return False
        low, high = _BEEP_BINS
        peak = low + int(np.argmax(spectrum[low:high]))
        near = float(spectrum[max(0, peak - 2):peak + 3].sum())
        steady = abs(peak - self._beep_bin) <= 1
        self._beep_bin = peak
        return near >= BEEP_CONCENTRATION * total and steady
