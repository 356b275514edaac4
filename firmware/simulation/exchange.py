"""The exchange a simulated line reaches when the box places a call itself.

When the box takes an idle simulated line (its relay) the office starts an
``ExchangeCall`` on it, which plays the exchange and the far end frame by
frame: dial tone ``DIAL_TONE_AFTER_S`` after the seizure (none on a line of
the scenario's ``dead_lines``); the digits the box dials, heard as the
exchange hears them (the DTMF in the audio the box plays, decoded by the
box's own DTMF receiver, or the relay's pulse trains); the number complete
when it names a callee of the scenario or after ``DIGIT_TIMEOUT_S`` without
a digit; then, after a moment of silence, what the callee does
(``CalleeScript.answers``, or for a number no callee names a mix drawn from
the scenario's seed):

- ``human``: ringback for ``after_rings`` cycles, then "Hello?" (喂？) once,
  then silence (the line's noise); with ``hangs_up_s``, the exchange's busy
  tone that long after the answer (the person hung up);
- ``machine``: ringback, then a recorded greeting of several seconds and a
  beep;
- ``fax``: ringback, then the answering fax's CED (2100 Hz) and its calling
  tone (CNG) between;
- ``busy``: busy tone; ``sit``: the special information tone and "the number
  is not in service"; ``no_answer``: ringback until the box gives up.

The speech is espeak-ng's (``firmware.prompts.speech``, the voices the
answering-machine corpus is built from), speech-like audio where espeak-ng
is missing. When the scenario has an operator on the line (click-to-dial),
they pick up ``picks_up_s`` after the number is complete; once the box has
let go they talk with the far end for ``talk_s`` and hang up (a dialling
task's operator, ``after_answer_s``: that long after the far end answered).
What the box plays to the far end once it answered is kept (``heard``): the
message a machine was left, and whether the box spoke over its greeting.

Each call leaves its truth, ``DialledCall``: what the exchange heard and
what the box should decide (``expected``), with the times the office saw.
"""

from __future__ import annotations

import functools
import logging
import zlib
from dataclasses import dataclass

import numpy as np

from audio_format import FRAME_SAMPLES, FRAME_SECONDS, SAMPLE_RATE
from drivers.simline import SimLine
from dsp_ext import levels
from dsp_ext.dtmf import DtmfDetector
from firmware.country.profiles import (
    FAX_ANSWER_SECONDS,
    FAX_ANSWER_TONE,
    FAX_CALLING_TONE,
    SPECIAL_INFORMATION_TONE,
    profile,
)
from firmware.country.tones import tone_generator
from firmware.simulation.scenario import CalleeScript, OperatorScript, Scenario
from firmware.simulation.voices import Conversation, speech

log = logging.getLogger(__name__)

DIAL_TONE_AFTER_S = 0.3  # the exchange's dial tone after the line is taken
DIGIT_TIMEOUT_S = 3.0  # no digit this long: the number is complete
CONNECT_S = 1.0  # silence between the last digit and the far end's first sound
TONE_LEVEL_DBM0 = -13.0
SPEECH_LEVEL_DBM0 = -18.0
BEEP_HZ, BEEP_S, BEEP_DBM0 = 1000.0, 0.5, -14.0
FAX_GAP_S = 1.0  # between the fax's tones
HELLO_AGAIN_S = 4.0  # a person who hears nothing says hello once more after this
MOST_S = 600.0  # the exchange clears a call that lasted this long
# For numbers no callee names: (what answers, weight).
MIX = (("human", 45), ("machine", 25), ("no_answer", 10), ("busy", 10), ("fax", 5), ("sit", 5))
HELLO = {"zh": ("喂？", "喂，你好。", "你好，哪位？"), "en": ("Hello?", "Hello.", "Yes, hello?")}
GREETINGS = {
    "zh": ("您好，我现在不方便接电话，请在提示音后留言，谢谢。",
           "您好，这里是华信贸易公司，现在是非工作时间，请在提示音后留下您的姓名和电话。"),
    "en": ("Hi, you have reached John. I can't take your call right now. Please leave a "
           "message after the tone.",
           "Thank you for calling. Nobody can take your call at the moment. Please leave your "
           "name and number after the beep."),
}
NOT_IN_SERVICE = {"zh": "您拨打的号码是空号，请查证后再拨。",
                  "en": "The number you have dialled is not in service. Please check the "
                        "number and try again."}


PHONE_TALK_S = 6.0  # the operator whose phone the box dialled for talks this long


@dataclass
class DialledCall:
    """The truth of one call the box placed on a simulated line (times: office seconds).

    ``expected`` is what the box should decide (``contract.DialResult``): what the
    callee does (``no_dial_tone`` on a dead line), or ``handed_over`` when the
    line's operator picks up before the box decides."""

    line: int
    seized_at: float
    answers: str = ""  # what the callee does, once the number is complete
    dialled: str = ""  # the digits the exchange heard
    by: str = ""  # tone or pulse
    expected: str = ""
    completed_at: float | None = None  # the number complete
    answered_at: float | None = None  # the far end picked up
    picked_up_at: float | None = None  # the operator's phone
    released_at: float | None = None  # the box let go
    ended_at: float | None = None  # the exchange cleared the call
    # What the box played to the far end from its answer on (int16), and whether any of it
    # sounded before a machine's greeting and beep had ended (a message would be cut).
    heard: np.ndarray | None = None
    over_greeting: bool = False
    greeting_ended_at: float | None = None  # a machine's greeting and beep ended
    spoke_at: float | None = None  # the box's first sound after the answer
    hung_up_at: float | None = None  # the far end hung up (``CalleeScript.hangs_up_s``)


def answers_for(scenario: Scenario, number: str, line: int, count: int) -> CalleeScript:
    """Who ``number`` reaches: its callee, or one drawn from the mix for it."""
    named = scenario.callee_of(number)
    if named is not None:
        return named
    rng = np.random.default_rng([scenario.seed, line, count, zlib.crc32(number.encode())])
    kinds, weights = zip(*MIX, strict=True)
    chosen = str(rng.choice(kinds, p=np.array(weights) / sum(weights)))
    return CalleeScript(number=number, answers=chosen, after_rings=int(rng.integers(1, 4)))


@functools.lru_cache(maxsize=64)
def spoken(text: str, language: str, seed: int) -> np.ndarray:
    """``text`` spoken as line audio at the far end's level (float samples)."""
    try:
        from firmware.prompts.speech import speak  # noqa: PLC0415 - espeak-ng, when asked

        samples = speak(text, language).astype(np.float64)
    except Exception as error:  # no espeak-ng here: speech-like audio of about its length
        log.info("the exchange speaks without espeak-ng: %s", error)
        seconds = max(0.6, 0.09 * len(text) if language == "en" else 0.25 * len(text))
        return speech(seconds, seed, SPEECH_LEVEL_DBM0)
    loud = np.flatnonzero(np.abs(samples) > 64)
    if loud.size:
        samples = samples[loud[0] : loud[-1] + 1]
    rms = float(np.sqrt(np.mean(samples**2))) or 1.0
    return samples * (levels.reference_rms() * 10 ** (SPEECH_LEVEL_DBM0 / 20) / rms)


def _tone(tone, seconds: float, level_dbm0: float = TONE_LEVEL_DBM0, *,
          repeat: bool = True) -> np.ndarray:
    return tone_generator(tone, level_dbm0, repeat=repeat).generate(
        int(seconds * SAMPLE_RATE)).astype(np.float64)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE))


def _frames(seconds: float) -> int:
    return round(seconds / FRAME_SECONDS)


class ExchangeCall:
    """The exchange and the far end of one call the box places on a simulated line."""

    def __init__(self, line: SimLine, number: int, scenario: Scenario, start: int, *,
                 count: int = 0, operator: OperatorScript | None = None,
                 offset: float = 0.0, by_phone: bool = False) -> None:
        self.line = line
        # The box dials for the phone lifted on the line (click-to-dial with the operator's
        # phone): the call is the phone's from the start and ends when it hangs up.
        self.by_phone = by_phone
        self.number = number
        self.scenario = scenario
        self.start = start  # the office's frame the box took the line in
        self.count = count  # calls placed on this line before it (for the mix)
        self.offset = offset  # office seconds at frame 0 (the round's start)
        self.operator = operator
        self.country = scenario.country
        self.language = "zh" if self.country == "CN" else "en"
        self.truth = DialledCall(number, self._seconds(start))
        if by_phone:
            self.truth.picked_up_at = self.truth.seized_at
        self.dead = number in scenario.dead_lines
        self._seizure = line.seizures  # the relay's seizure this call began with
        self.done = False
        self._now = start
        self._phase = "seized"  # seized, dial_tone, digits, connecting, far_end, over
        self._dtmf = DtmfDetector(self.country)
        self._digits: list[str] = []
        self._last_digit = start
        self._tones = profile(self.country).tones
        self._sound: list[np.ndarray] = []  # what the far end sends, in order
        self._loop: np.ndarray | None = None  # sent over and over once the rest has gone
        self._position = 0
        self._answer_at: int | None = None  # the frame the far end picks up in
        self._operator_at: int | None = None  # the frame the operator picks up in
        self._operator_ends: int | None = None
        self._talk: Conversation | None = None
        self._talk_from = 0
        self._greeting_ends: int | None = None  # a machine's: the frame its beep ends in
        self._hangs_up_at: int | None = None  # the far end hangs up: busy tone from then
        self._heard: list[np.ndarray] = []

    def _seconds(self, frame: int) -> float:
        return self.offset + frame * FRAME_SECONDS

    # ---- the office's side -----------------------------------------------------------

    def frame(self, number: int) -> np.ndarray | None:
        """What the exchange sends in frame ``number``; called once per frame, in order."""
        self._now = number
        if self.done:
            return None
        self._hear()
        self._operator()
        if self._over():
            self._end()
            return None
        return self._send()

    def abandon(self, number: int) -> None:
        if not self.done:
            self._now = number
            self._end()

    # ---- ears ------------------------------------------------------------------------

    def _hear(self) -> None:
        played = []
        while (frame := self.line.take_played()) is not None:
            played.append(frame)
        if self._phase not in ("dial_tone", "digits"):
            self._heard_after_answer(played)
            return
        heard = [digit.digit for digit in self._dtmf.feed(np.concatenate(played))] \
            if played else []
        pulses = self.line.take_pulses()
        if pulses:
            heard += ["0" if count == 10 else str(count) for count in pulses]
            self.truth.by = "pulse"
        elif heard:
            self.truth.by = "tone"
        if heard:
            self._digits += heard
            self._last_digit = self._now
            self._phase = "digits"
            self._sound, self._loop = [], None  # the dial tone stops at the first digit
        if self._phase == "digits" and self._complete():
            self._connect()

    def _heard_after_answer(self, played: list[np.ndarray]) -> None:
        if self._answer_at is None or self._now < self._answer_at or not played:
            return
        audio = np.concatenate(played)
        self._heard.append(audio.astype(np.int16))
        loud = levels.rms_dbm0(audio) > -50.0
        if loud and self.truth.spoke_at is None:
            self.truth.spoke_at = self._seconds(self._now)
        # What the box plays is taken here a frame before it sounds on the line.
        if loud and self._greeting_ends is not None and self._now + 1 < self._greeting_ends:
            self.truth.over_greeting = True

    def _complete(self) -> bool:
        dialled = "".join(self._digits)
        return (self.scenario.callee_of(dialled) is not None
                or self._now - self._last_digit >= _frames(DIGIT_TIMEOUT_S))

    # ---- the call --------------------------------------------------------------------

    def _connect(self) -> None:
        dialled = "".join(self._digits)
        callee = answers_for(self.scenario, dialled, self.number, self.count)
        truth = self.truth
        truth.dialled, truth.answers, truth.expected = dialled, callee.answers, callee.answers
        truth.completed_at = self._seconds(self._now)
        self._phase = "far_end"
        if self.by_phone:  # the call is the phone's, whatever the far end does
            truth.expected = "handed_over"
        if self.operator is not None and not self.operator.after_answer_s:
            self._operator_at = self._now + _frames(self.operator.picks_up_s)
        ringback = self._tones["ringback"]
        cycle = sum(ringback.cadence_s)
        parts = [_silence(CONNECT_S)]
        if callee.answers in ("busy", "sit", "no_answer"):
            self._sound = parts
            self._loop = self._refusal(callee.answers)
            return
        ringing = cycle * callee.after_rings
        if ringing:
            parts.append(_tone(ringback, ringing))
        self._answer_at = self._now + _frames(CONNECT_S + ringing)
        if callee.hangs_up_s:
            self._hangs_up_at = self._answer_at + _frames(callee.hangs_up_s)
        if self.operator is not None and self.operator.after_answer_s:
            self._operator_at = self._answer_at + _frames(self.operator.after_answer_s)
        answer = self._answer(callee.answers)
        if callee.answers == "machine":
            self._greeting_ends = self._answer_at + _frames(answer.size / SAMPLE_RATE)
            self.truth.greeting_ended_at = self._seconds(self._greeting_ends)
        parts.append(answer)
        self._sound = parts
        self._loop = self._after_answer(callee.answers)

    def _refusal(self, answers: str) -> np.ndarray:
        if answers == "busy":
            return _tone(self._tones["busy"], sum(self._tones["busy"].cadence_s) * 4)
        if answers == "no_answer":
            return _tone(self._tones["ringback"], sum(self._tones["ringback"].cadence_s))
        sit = _tone(SPECIAL_INFORMATION_TONE, 1.0, -16.0, repeat=False)
        message = spoken(NOT_IN_SERVICE[self.language], self.language, self.count)
        return np.concatenate([sit, _silence(0.1), message, _silence(1.0)])

    def _answer(self, answers: str) -> np.ndarray:
        rng = np.random.default_rng([self.scenario.seed, self.number, self.count])
        if answers == "human":
            text = str(rng.choice(HELLO[self.language]))
            return np.concatenate([_silence(0.4), spoken(text, self.language, self.count)])
        if answers == "machine":
            text = str(rng.choice(GREETINGS[self.language]))
            t = np.arange(int(BEEP_S * SAMPLE_RATE)) / SAMPLE_RATE
            beep = np.sin(2 * np.pi * BEEP_HZ * t) * levels.sine_amplitude(BEEP_DBM0)
            return np.concatenate([_silence(0.5), spoken(text, self.language, self.count),
                                   _silence(0.4), beep])
        return np.concatenate([_silence(0.3), _tone(FAX_ANSWER_TONE, FAX_ANSWER_SECONDS)])

    def _after_answer(self, answers: str) -> np.ndarray:
        if answers == "human":  # nobody speaks: they ask once more, then wait
            again = spoken(HELLO[self.language][0], self.language, self.count + 1)
            return np.concatenate([_silence(HELLO_AGAIN_S), again, _silence(HELLO_AGAIN_S)])
        if answers == "fax":
            return np.concatenate([_silence(FAX_GAP_S), _tone(FAX_CALLING_TONE, 3.5)])
        return _silence(1.0)

    def _operator(self) -> None:
        """The operator of the line picks up, talks once the box let go, hangs up."""
        truth = self.truth
        if self._operator_at is not None and self._now >= self._operator_at \
                and truth.picked_up_at is None and truth.released_at is None:
            truth.picked_up_at = self._seconds(self._now)
            truth.expected = "handed_over"  # the box still holds the line: it lets go
            self.line.set_off_hook(True)
        if self._answer_at is not None and self._now >= self._answer_at \
                and truth.answered_at is None:
            truth.answered_at = self._seconds(self._now)
        if self._hangs_up_at is not None and self._now >= self._hangs_up_at \
                and truth.released_at is None:  # the far end hung up: the exchange's busy tone
            self._hangs_up_at = None
            truth.hung_up_at = self._seconds(self._now)
            self._sound, self._position = [], 0
            self._loop = _tone(self._tones["busy"], sum(self._tones["busy"].cadence_s) * 4)
        if self.by_phone:
            if self._answer_at is not None \
                    and self._now >= self._answer_at + _frames(PHONE_TALK_S):
                self.line.set_off_hook(False)  # the operator talked, and hangs up
            if not self.line.off_hook and truth.released_at is None:  # the phone hung up
                truth.released_at = self._seconds(self._now)
                self._phase = "over"
            return
        # Let go and taken again between two frames: this call is over all the same.
        seized = self.line.relay_seized and self.line.seizures == self._seizure
        if not seized and truth.released_at is None and self._now > self.start:
            truth.released_at = self._seconds(self._now)
            if truth.picked_up_at is not None:  # the call is the operator's now
                self._operator_ends = self._now + _frames(self.operator.talk_s)
                self._talk = Conversation(self.operator.talk_s, self.scenario.seed + self.count)
                self._talk_from = self._now
                self._sound, self._loop, self._position = [], None, 0
        if self._operator_ends is not None and self._now >= self._operator_ends:
            self.line.set_off_hook(False)
            self._operator_ends = None
            self._talk = None
            self._phase = "over"

    def _over(self) -> bool:
        truth = self.truth
        if self._now - self.start >= _frames(MOST_S):
            return True
        if self._phase == "over":
            return True
        # The box let go with no phone on the line: the exchange clears the call.
        return truth.released_at is not None and truth.picked_up_at is None

    def _end(self) -> None:
        self.done = True
        self.truth.ended_at = self._seconds(self._now)
        if self._heard:
            self.truth.heard = np.concatenate(self._heard)
        if not self.truth.expected:  # the box let go before the number was complete
            self.truth.expected = "no_dial_tone" if self.dead else "failed"
        if self.truth.picked_up_at is not None:
            self.line.set_off_hook(False)

    # ---- mouth -----------------------------------------------------------------------

    def _send(self) -> np.ndarray | None:
        if self._talk is not None:  # the far end talks with the operator
            return self._talk.render((self._now - self._talk_from) * FRAME_SAMPLES,
                                     FRAME_SAMPLES)
        if self._phase == "seized" and not self.dead \
                and self._now - self.start >= _frames(DIAL_TONE_AFTER_S):
            self._phase = "dial_tone"
            self._sound, self._loop = [], _tone(self._tones["dial"], 4.0)
        out = np.zeros(FRAME_SAMPLES)
        filled = 0
        while filled < FRAME_SAMPLES:
            if not self._sound:
                if self._loop is None:
                    break
                self._sound, self._position = [self._loop], 0
            part = self._sound[0]
            take = part[self._position : self._position + FRAME_SAMPLES - filled]
            out[filled : filled + take.size] = take
            filled += take.size
            self._position += take.size
            if self._position >= part.size:
                self._sound.pop(0)
                self._position = 0
        return out if filled else None
