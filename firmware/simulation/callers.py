"""Simulated callers who hear what the box plays and answer it, frame by frame.

Most of a scenario is computed ahead (``timeline``): the office knows when
each ring, key and word happens. A call the box acts on cannot be: the box
decides when it answers, when its prompts start and end and when it lets
go, and the caller answers what they hear. Such a call plays through a
``CallerAgent`` from the moment the box may act on it.

The agent has ears and hands on its line. It hears what the box plays
(``SimLine.take_played``: a prompt is playing while the frames played are
not silent, and has ended after ``QUIET_S`` of silence) and whether the box
holds the line (its relay); it sends keys, speech and the exchange's busy
tone after the caller hangs up, mixed into the line's audio, and rings the
line or puts the office's phone on hook. What it does is its behaviour: a
generator of steps like the box's own scripts (``firmware.acts``),
``result = yield step``:

- ``UntilSeized(timeout_s)``, ``UntilReleased(timeout_s)``: the box takes
  the line, lets it go (gives True, or False when the time passed);
- ``RingUntilAnswered(rings)``: ring by the country's cadence until the box
  takes the line (gives the ring it answered in, 1 for the first) or
  ``rings`` bursts passed (gives None);
- ``UntilPrompt(timeout_s)``: a prompt starts (gives True or False);
- ``UntilQuiet(quiet_s, timeout_s)``: the prompt heard has ended;
- ``Wait(seconds)``; ``Press(keys, level_dbm0, on_ms)``: keys on the phone's
  keypad; ``Speak(seconds)``: the caller talks;
- ``OperatorHangsUp()``: the office's phone goes on hook (the operator left
  the caller to the box);
- ``HangUp()``: the caller hangs up; the exchange plays busy tone on the line
  until the box lets go;
- ``PickUp()``: a phone of the office picks up (the box rang them through):
  the box lets go and the call goes on with that phone.

The agent's call is over when the box lets go of the line after holding
it (unless a phone of the office took the call), or when the behaviour
ended and the box does not hold the line. Each kind
of call has its behaviour, one small function in ``BEHAVIOURS``, chosen by
its scenario fields (``behaviour_for``): the survey (the operator hands the
caller over with the survey's key code), voicemail (nobody answers; the box
answers after a number of rings, the caller speaks after the beep), an IVR
menu (keys after the welcome prompt, then what the menu leads to: the survey,
an announcement, voicemail, a phone of the office), a black-listed caller
(rings until the box answers and hangs up), an announced call (the office's
phone and the caller hear the announcement as the call is answered).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from audio_format import FRAME_SAMPLES, FRAME_SECONDS, SAMPLE_RATE
from dsp_ext import levels
from firmware.country.profiles import profile
from firmware.country.tones import tone_generator
from firmware.simulation.scenario import CallScript
from firmware.simulation.voices import speech

QUIET_S = 0.3  # this long without sound from the box ends the prompt heard
HEARD_DBM0 = -50.0  # a frame the box played louder than this is sound
BUSY_LEVEL_DBM0 = -13.0
BUSY_MOST_S = 30.0  # the exchange stops the busy tone after this
MOST_S = 900.0  # no agent's call lasts longer than this
HAND_OVER_S = 3.0  # the operator waits this long for the box to take the caller
OPERATOR_LEAVES_S = 0.6  # and hangs up this long after it did
PROMPT_WAIT_S = 25.0  # a caller waits this long for the box's first prompt
KEY_GAP_MS = 120.0  # between two keys of the caller's
EXTRA_RINGS = 3  # a caller lets the line ring this many more times than the box should need
SPEECH_LEVEL_DBM0 = -20.0
PICK_UP_AFTER_S = 4.0  # a phone of the office picks up this long into the box's ringback
ANNOUNCEMENT_WAIT_S = 15.0  # an announced call's parties listen this long for it


# ---- the steps ---------------------------------------------------------------------


@dataclass(frozen=True)
class UntilSeized:
    timeout_s: float = 10.0


@dataclass(frozen=True)
class UntilReleased:
    timeout_s: float = 60.0


@dataclass(frozen=True)
class RingUntilAnswered:
    rings: int = 6


@dataclass(frozen=True)
class UntilPrompt:
    timeout_s: float = PROMPT_WAIT_S


@dataclass(frozen=True)
class UntilQuiet:
    quiet_s: float = QUIET_S
    timeout_s: float = 60.0


@dataclass(frozen=True)
class Wait:
    seconds: float


@dataclass(frozen=True)
class Press:
    keys: str
    level_dbm0: float = -10.0
    on_ms: float = 80.0
    gap_ms: float = KEY_GAP_MS


@dataclass(frozen=True)
class Speak:
    seconds: float
    level_dbm0: float = SPEECH_LEVEL_DBM0


@dataclass(frozen=True)
class OperatorHangsUp:
    pass


@dataclass(frozen=True)
class HangUp:
    pass


@dataclass(frozen=True)
class PickUp:
    pass


Step = (
    UntilSeized | UntilReleased | RingUntilAnswered | UntilPrompt | UntilQuiet | Wait | Press
    | Speak | OperatorHangsUp | HangUp | PickUp
)
Behaviour = Callable[[CallScript, np.random.Generator], Generator[Step, Any, Any]]
KeySound = Callable[[str, float, float], np.ndarray]  # digit, level (dBm0), on (ms)


# ---- the line as the agent sees it ----------------------------------------------------


class Line:
    """What an agent needs of a simulated line (``drivers.simline.SimLine`` has it)."""

    relay_seized: bool

    def take_played(self, timeout: float | None = 0.0) -> np.ndarray | None: ...
    def set_ringing(self, ringing: bool) -> None: ...
    def set_off_hook(self, off_hook: bool) -> None: ...


@dataclass
class Heard:
    """What the caller heard of the box, and did, by the agent's frames."""

    seized_at: int | None = None  # the frame the agent saw the box take the line
    released_at: int | None = None
    answered_in_ring: int | None = None
    prompts: list[int] = field(default_factory=list)  # the frames prompts started at
    keys: list[tuple[int, str]] = field(default_factory=list)  # (frame the key began, key)
    hung_up_at: int | None = None


class CallerAgent:
    """One caller on one line, from ``start`` (the office's frame number) on.

    ``frame(number)`` is called for every frame of the line from then on,
    before the frame is pushed; it returns what the caller sends in it
    (float samples to add to the line's audio), and sets ``done`` once the
    call is over for the caller.
    """

    def __init__(
        self,
        line: Line,
        behaviour: Generator[Step, Any, Any],
        *,
        start: int,
        country: str = "CN",
        key_sound: KeySound | None = None,
        seed: int = 0,
    ) -> None:
        self.line = line
        self.start = start
        self.country = country
        self.key_sound = key_sound or _key_sound
        self.seed = seed
        self.heard = Heard()
        self.done = False
        self.ended_at: int | None = None  # the frame the call ended for the caller
        self._behaviour: Generator[Step, Any, Any] | None = behaviour
        self._step: Step | None = None
        self._step_at = start
        self._now = start
        self._sending: list[np.ndarray] = []  # float audio queued to send, in order
        self._playing = False  # the box's prompt is sounding
        self._loud_at: int | None = None  # the last frame the box played sound
        self._was_seized = False
        self._picked_up = False  # a phone of the office took the call from the box
        self._busy = None  # the exchange's busy tone, once the caller hung up
        self._busy_since = 0
        self._ringing_from: int | None = None
        self._ring_bursts: list[tuple[int, int]] = []
        self._ring_limit = 0
        self._started = False

    # ---- the office's side ----------------------------------------------------------

    def frame(self, number: int) -> np.ndarray | None:
        """What the caller sends in frame ``number``; called once per frame, in order."""
        self._now = number
        self._listen()
        if self.done:
            return None
        if not self._started:
            self._started = True
            self._advance(None, first=True)
        else:
            self._run_step()
        if self._over():
            self._end()
            return None
        return self._send()

    def abandon(self, number: int) -> None:
        """The office stops: the call ends where it is."""
        if not self.done:
            self._now = number
            self._end()

    # ---- ears ----------------------------------------------------------------------

    def _listen(self) -> None:
        while (played := self.line.take_played()) is not None:
            loud = played.any() and levels.rms_dbm0(played) > HEARD_DBM0
            if loud:
                if not self._playing:
                    self._playing = True
                    self.heard.prompts.append(self._now)
                self._loud_at = self._now
        if self._playing and self._loud_at is not None and (
            self._now - self._loud_at >= _frames(QUIET_S)
        ):
            self._playing = False
        seized = self.line.relay_seized
        if seized and not self._was_seized:
            self._was_seized = True
            if self.heard.seized_at is None:
                self.heard.seized_at = self._now
        elif not seized and self._was_seized and self.heard.released_at is None:
            self.heard.released_at = self._now

    def _over(self) -> bool:
        if self.heard.released_at is not None and not self._picked_up:
            return True  # the box let go: the exchange clears the call
        if self._now - self.start >= _frames(MOST_S):
            return True
        if self._busy is not None:
            return self._now - self._busy_since >= _frames(BUSY_MOST_S) or (
                self.heard.seized_at is None and self._now - self._busy_since >= _frames(1.0)
            )
        # The caller has nothing more to do, and the box does not hold the line.
        return self._behaviour is None and not self._sending and (
            not self._was_seized or self._picked_up)

    def _end(self) -> None:
        self.done = True
        self.ended_at = self._now
        self._stop_ringing()
        if self._behaviour is not None:
            self._behaviour.close()
            self._behaviour = None

    # ---- the behaviour ---------------------------------------------------------------

    def _advance(self, value: Any, *, first: bool = False) -> None:
        """Give the step's result to the behaviour and start the steps it asks for, until
        one has to wait."""
        while self._behaviour is not None:
            try:
                step = next(self._behaviour) if first else self._behaviour.send(value)
            except StopIteration:
                self._behaviour, self._step = None, None
                return
            first = False
            self._step, self._step_at = step, self._now
            done, value = self._begin(step)
            if not done:
                return

    def _begin(self, step: Step) -> tuple[bool, Any]:
        """Start ``step``; (True, its result) if it is over at once."""
        if isinstance(step, Press):
            for key in step.keys:
                self.heard.keys.append((self._now + self._queued_frames(), key))
                self._sending.append(self.key_sound(key, step.level_dbm0, step.on_ms))
                self._sending.append(np.zeros(round(step.gap_ms * SAMPLE_RATE / 1000)))
            return False, None  # over once sent
        if isinstance(step, Speak):
            voice = speech(step.seconds, self.seed + len(self.heard.keys), step.level_dbm0)
            self._sending.append(voice)
            return False, None
        if isinstance(step, OperatorHangsUp | PickUp):
            picks_up = isinstance(step, PickUp)
            self._picked_up = self._picked_up or picks_up
            self.line.set_off_hook(picks_up)
            return True, None
        if isinstance(step, HangUp):
            self._sending.clear()
            self.heard.hung_up_at = self._now
            tone = profile(self.country).tones["busy"]
            self._busy = tone_generator(tone, BUSY_LEVEL_DBM0)
            self._busy_since = self._now
            self._behaviour.close()  # a caller who hung up does nothing more
            self._behaviour = None
            return False, None
        if isinstance(step, RingUntilAnswered):
            self._ringing_from = self._now
            self._ring_limit = step.rings
            self._ring_bursts = self._cadence(step.rings)
            return False, None
        return self._check(step)

    def _run_step(self) -> None:
        step = self._step
        if step is None or self._behaviour is None:
            return
        if isinstance(step, RingUntilAnswered):
            done, value = self._ring()
        elif isinstance(step, Press | Speak):
            done, value = not self._sending, None
        else:
            done, value = self._check(step)
        if done:
            self._advance(value)

    def _check(self, step: Step) -> tuple[bool, Any]:
        """Whether a waiting step is over now, and what it gives."""
        waited = (self._now - self._step_at) * FRAME_SECONDS
        if isinstance(step, Wait):
            return waited >= step.seconds - FRAME_SECONDS / 2, None
        if isinstance(step, UntilSeized):
            heard = self._was_seized and self.heard.released_at is None
        elif isinstance(step, UntilReleased):
            heard = self.heard.released_at is not None
        elif isinstance(step, UntilPrompt):
            heard = self._playing
        elif isinstance(step, UntilQuiet):
            heard = self._loud_at is not None and (
                self._now - self._loud_at >= _frames(step.quiet_s)
            )
        else:
            raise TypeError(f"a caller cannot {step!r}")
        return heard or waited >= step.timeout_s, heard

    # ---- hands -----------------------------------------------------------------------

    def _queued_frames(self) -> int:
        return sum(part.size for part in self._sending) // FRAME_SAMPLES

    def _send(self) -> np.ndarray | None:
        if self._busy is not None:
            return self._busy.render(
                (self._now - self._busy_since) * FRAME_SAMPLES, FRAME_SAMPLES
            ).astype(np.float64)
        if not self._sending:
            return None
        out = np.zeros(FRAME_SAMPLES)
        filled = 0
        while filled < FRAME_SAMPLES and self._sending:
            part = self._sending[0]
            take = part[: FRAME_SAMPLES - filled]
            out[filled : filled + take.size] = take
            filled += take.size
            if take.size == part.size:
                self._sending.pop(0)
            else:
                self._sending[0] = part[take.size :]
        return out

    def _cadence(self, rings: int) -> list[tuple[int, int]]:
        cadence = profile(self.country).ring_cadence_s
        bursts, at = [], self._now
        for _ in range(rings):
            for on, off in zip(cadence[0::2], cadence[1::2], strict=True):
                bursts.append((at, at + _frames(on)))
                at += _frames(on) + _frames(off)
        return bursts

    def _ring(self) -> tuple[bool, Any]:
        per_ring = len(profile(self.country).ring_cadence_s) // 2
        if self._was_seized:
            self._stop_ringing()
            index = sum(1 for on, _ in self._ring_bursts if on <= self._now)
            self.heard.answered_in_ring = max(1, math.ceil(index / per_ring))
            return True, self.heard.answered_in_ring
        ringing = any(on <= self._now < off for on, off in self._ring_bursts)
        self.line.set_ringing(ringing)
        if self._now >= self._ring_bursts[-1][1]:
            self._stop_ringing()
            return True, None
        return False, None

    def _stop_ringing(self) -> None:
        if self._ringing_from is not None:
            self.line.set_ringing(False)
            self._ringing_from = None


def _frames(seconds: float) -> int:
    return round(seconds / FRAME_SECONDS)


def _key_sound(digit: str, level_dbm0: float, on_ms: float) -> np.ndarray:
    from dsp_ext.dtmf import dtmf_generate  # noqa: PLC0415 - the office's own keys only

    return dtmf_generate(digit, level_dbm0=level_dbm0, twist_db=2.0, on_ms=on_ms, off_ms=0).astype(
        np.float64
    )


# ---- behaviours ------------------------------------------------------------------------


def answer_prompt(
    keys: str,
    *,
    when: str = "during",
    delay_s: float = 1.0,
    hang_up_after_s: float = 0.0,
    level_dbm0: float = -10.0,
) -> Generator[Step, Any, Any]:
    """The caller's answer to the box's next prompt: ``keys`` ``delay_s`` into it
    (``when="during"``) or after it ended (``"after"``), or hanging up
    ``hang_up_after_s`` into it; then they listen until the box lets go."""
    if not (yield UntilPrompt()):
        return
    if hang_up_after_s > 0:
        yield Wait(hang_up_after_s)
        yield HangUp()
        return
    if keys:
        if when == "after":
            yield UntilQuiet()
        yield Wait(delay_s)
        yield Press(keys, level_dbm0)
    yield UntilReleased()


def survey_caller(call: CallScript, rng: np.random.Generator) -> Generator[Step, Any, Any]:
    """The operator pressed the survey's code: once the box holds the line they hang up;
    the caller rates the call (``survey``), presses nothing (``"none"``), or hangs up
    during the opening prompt (``survey_hangs_up``)."""
    seized = yield UntilSeized(HAND_OVER_S)
    yield Wait(OPERATOR_LEAVES_S)
    yield OperatorHangsUp()
    if not seized:
        return
    keys = "" if call.survey == "none" else call.survey
    hang_up = call.hangs_up_after_s or (call.keys_delay_s if call.survey_hangs_up else 0.0)
    yield from answer_prompt(
        keys, when=call.keys_when, delay_s=call.keys_delay_s, hang_up_after_s=hang_up,
        level_dbm0=call.key_level_dbm0,
    )


def leave_message(call: CallScript, *, hang_up_after_s: float = 0.0) -> Generator[
        Step, Any, Any]:
    """At the box's greeting: speak ``message_s`` after the greeting and the beep, then
    hang up (or hang up ``hang_up_after_s`` into the greeting)."""
    if not (yield UntilPrompt()):
        yield HangUp()
        return
    if hang_up_after_s > 0:
        yield Wait(hang_up_after_s)
        yield HangUp()
        return
    yield UntilQuiet(0.6)  # the greeting and the beep after it
    yield Speak(call.message_s)
    yield Wait(0.5)
    yield HangUp()


def voicemail_caller(call: CallScript, rng: np.random.Generator) -> Generator[Step, Any, Any]:
    """Nobody in the office answers; the box does after ``rings`` rings, plays its
    greeting and the beep; the caller speaks for ``message_s`` and hangs up (or hangs
    up ``hangs_up_after_s`` into the greeting)."""
    ring = yield RingUntilAnswered(call.rings + EXTRA_RINGS)
    if ring is None:
        return
    yield from leave_message(call, hang_up_after_s=call.hangs_up_after_s)


def ivr_caller(call: CallScript, rng: np.random.Generator) -> Generator[Step, Any, Any]:
    """The box answers with its menu; the caller presses ``ivr_keys`` after the welcome
    prompt, then does what the menu's node they reach asks (``ivr_to``): rates the survey
    (``survey``), listens to an announcement, leaves a message, or talks with the office's
    phone that picks up while the box rings it through."""
    ring = yield RingUntilAnswered(call.rings + EXTRA_RINGS)
    if ring is None:
        return
    if call.hangs_up_after_s > 0 or call.ivr_to in ("", "announcement"):
        yield from answer_prompt(
            call.ivr_keys, when="after", delay_s=call.keys_delay_s,
            hang_up_after_s=call.hangs_up_after_s, level_dbm0=call.key_level_dbm0,
        )
        return
    if not (yield UntilPrompt()):
        return
    yield UntilQuiet()
    yield Wait(call.keys_delay_s)
    yield Press(call.ivr_keys, call.key_level_dbm0)
    if call.ivr_to == "survey":
        yield from answer_prompt("" if call.survey in ("", "none") else call.survey,
                                 level_dbm0=call.key_level_dbm0)
    elif call.ivr_to == "voicemail":
        yield from leave_message(call)
    else:  # ring_through: the box's ringback, then a phone of the office
        if not (yield UntilPrompt()):
            return
        yield Wait(PICK_UP_AFTER_S)
        yield PickUp()
        yield Speak(call.talk)
        yield Wait(0.5)
        yield OperatorHangsUp()


def blocked_caller(call: CallScript, rng: np.random.Generator) -> Generator[Step, Any, Any]:
    """A caller on the black list: their call rings until the box answers it (once caller
    ID told the firewall who calls) and hangs up; the exchange then ends the call."""
    if (yield RingUntilAnswered(call.rings + EXTRA_RINGS)) is None:
        return
    yield UntilReleased()


def announced_call(call: CallScript, rng: np.random.Generator) -> Generator[Step, Any, Any]:
    """An answered call on a line that announces: the office's phone and the caller hear
    the announcement as the call is answered (the rest of the call is the office's)."""
    if (yield UntilPrompt(ANNOUNCEMENT_WAIT_S)):
        yield UntilQuiet()


# Which behaviour a scenario call gets, first match: (name, does it apply, behaviour).
BEHAVIOURS: tuple[tuple[str, Callable[[CallScript], bool], Behaviour], ...] = (
    ("ivr", lambda call: bool(call.ivr_keys), ivr_caller),
    ("firewall", lambda call: call.firewall == "black", blocked_caller),
    ("survey", lambda call: bool(call.survey), survey_caller),
    ("voicemail", lambda call: call.voicemail, voicemail_caller),
    ("announcement", lambda call: call.announced, announced_call),
)


def behaviour_for(call: CallScript) -> tuple[str, Behaviour] | None:
    """The act the box is to do in ``call`` and its caller's behaviour, or None."""
    for name, applies, behaviour in BEHAVIOURS:
        if applies(call):
            return name, behaviour
    return None
