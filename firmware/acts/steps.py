"""The steps a box-held call is made of, and what each gives back to its script.

A script is a generator: ``result = yield step``. When the caller hangs up,
``CallerGone`` is thrown into it at the step it waits on; whatever it
returns then is its result all the same.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ALL_KEYS = "0123456789*#ABCD"


class CallerGone(Exception):  # noqa: N818 - an event the script is told of, not a fault
    """The caller hung up (busy tone, loop drop, or nothing heard for too long)."""


@dataclass(frozen=True)
class Play:
    """Play a prompt (a key of the prompt library, or a prompt's id) to the end.

    With ``barge_in`` a key pressed meanwhile ends the prompt and is kept for
    the next ``GetKey``; otherwise keys pressed meanwhile are kept all the
    same (type-ahead) and the prompt plays on. Gives True when it played to its
    end, False when it did not (a key ended it, the prompt is missing, the line's
    playback failed).
    """

    prompt: str | int
    barge_in: bool = True


@dataclass(frozen=True)
class GetKey:
    """Wait for one key, at most ``timeout_s`` after the step starts.

    Gives the key (even one not in ``keys``: the script judges it) or None
    when the time passed; a key typed ahead during a prompt is given at once.
    """

    keys: str = ALL_KEYS
    timeout_s: float = 5.0


@dataclass(frozen=True)
class Record:
    """Record what the caller says, until ``max_s``, ``silence_s`` of quiet, or a key.

    Gives a ``Recorded``.
    """

    max_s: float = 120.0
    silence_s: float = 5.0
    end_keys: str = "#"


@dataclass(frozen=True)
class Recorded:
    audio: np.ndarray  # int16, 8 kHz, echo removed
    seconds: float
    ended_by: str  # length, silence, key, hang_up


@dataclass(frozen=True)
class Pause:
    """Let the line be quiet for ``seconds``. Gives None."""

    seconds: float


@dataclass(frozen=True)
class WaitForOnHook:
    """Wait until no phone of the office is off hook (the operator hung up), at most
    ``timeout_s``. Gives True if they did."""

    timeout_s: float = 30.0


@dataclass(frozen=True)
class RingThrough:
    """Hand the caller to the office's phones: ring them and play ringback until one
    picks up, at most ``timeout_s``. Gives True when a phone picked up (the box then
    lets go of the line and the call goes on with that phone: the script's next step,
    if it yields one, is never taken), False when none did."""

    timeout_s: float = 30.0


@dataclass(frozen=True)
class AwaitTone:
    """Listen for the exchange's ``tone`` (a name of the country's tone plan: ``dial``) on
    the line the box holds, at most ``timeout_s``. Gives True once it sounds (confirmed),
    False when the time passed."""

    tone: str
    timeout_s: float


@dataclass(frozen=True)
class SendDigits:
    """Dial ``digits`` on the line the box holds: DTMF tones through the line's player, or
    (``pulse``) loop breaks of its relay with a pause between digits. Gives True once the
    last digit is out, False when the line could not (its playback or relay failed)."""

    digits: str
    pulse: bool = False


@dataclass(frozen=True)
class AwaitOffHook:
    """Wait at most ``timeout_s`` for a phone of the office to go off hook on the idle line
    (the box does not hold it). Gives True once one is (at once if one already is), False
    when the time passed."""

    timeout_s: float


@dataclass(frozen=True)
class Heard:
    """What ``FollowCall`` heard: ``what`` and, for a decision, the seconds from the
    first frame followed (the end of the dialling) to it."""

    what: str
    decided_s: float | None = None


@dataclass(frozen=True)
class FollowCall:
    """Follow the call just dialled: call progress, then who answered (the
    answering-machine detector, ``firmware.tools.amd``), frame by frame from the
    step's first frame on, across the steps that follow one another.

    Gives a ``Heard`` for the next thing heard: ``ringing`` (the exchange's
    ringback began), ``answered`` (the far end picked up), then the decision:
    ``human``, ``machine``, ``fax``, ``notsure``, ``busy``, ``no_answer``, ``sit``.
    With ``hand_over``, a phone of the office picked up hands the call over
    (``handed_over``: the box lets go, as ``RingThrough``'s pick-up does)."""

    hand_over: bool = False


@dataclass(frozen=True)
class AwaitPickUp:
    """Wait at most ``timeout_s`` for a phone of the office to pick up: the call is handed
    over to it (the script is told ``Heard("handed_over")`` and the box lets go). Gives
    None when no phone did. With ``ring_office`` the box wants the office meanwhile
    (``LineStatus.office_wanted``; the phones rung where the line's hardware can), the
    far end hearing nothing of the box: a hang-up of theirs (busy tone) is heard."""

    timeout_s: float
    ring_office: bool = False


@dataclass(frozen=True)
class AwaitGreetingEnd:
    """After an answering machine answered: wait for the end of its greeting, that is its
    beep (a steady pure tone) ending, or ``quiet_s`` without voice once it spoke, at most
    ``timeout_s``. Gives ``beep``, ``quiet`` or None (the time passed)."""

    quiet_s: float = 1.5
    timeout_s: float = 30.0


@dataclass(frozen=True)
class Progress:
    """Tell how far the script got (``stage``, e.g. ``dialling``); done at once, gives None."""

    stage: str


Step = (Play | GetKey | Record | Pause | WaitForOnHook | RingThrough | AwaitTone | SendDigits
        | FollowCall | AwaitPickUp | AwaitGreetingEnd | Progress)
Script = Generator[Step, Any, Any]


@dataclass
class ScriptResult:
    """What a finished script gave, and how it ended."""

    name: str
    value: Any = None
    caller_hung_up: bool = False
    handed_over: bool = False  # a phone took the call (ring-through)
    facts: dict[str, Any] = field(default_factory=dict)
