"""Placing a call: dial tone, the number, then what the far end does.

The box holds the line (its relay) and waits for the exchange's dial tone;
with none within ``DIAL_TONE_WAIT_S`` it gives up (``no_dial_tone``). It
dials the number (DTMF through the line's player, or pulses of its relay
where the line dials so), then follows the call (``FollowCall``): ringback,
busy, the special information tone, no answer, or an answer and who
answered it (a person, an answering machine, a fax). Each stage is told as
it comes (``Progress``); the script's result is a ``DialOutcome``.

For click-to-dial (``hand_over``) the call is the operator's: as soon as
their phone is picked up after the dialling the box lets go and the call
goes on with it (``handed_over``); a far end that answers before the
operator does is held for ``OPERATOR_WAIT_S`` more. Without ``hand_over``
the box hangs up once it knows the result.

Stages (``contract.DialStage``): ``dial_tone``, ``dialling``, ``ringing``,
``busy``, ``answered``; ``DIALLED`` is the script's own word for the number
being out (the call log's outbound call is complete from there).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.acts.steps import (
    AwaitPickUp,
    AwaitTone,
    FollowCall,
    Heard,
    Progress,
    Script,
    SendDigits,
)

NAME = "dial"
DIAL_TONE_WAIT_S = 5.0  # no dial tone this long after taking the line: the exchange gives none
OPERATOR_WAIT_S = 15.0  # the far end answered: the operator's phone has this long to pick up
DIALLED = "dialled"  # the number is out (a stage the engine keeps, not one it tells)
DIGITS = "0123456789*#"
MAX_DIGITS = 32
ANSWERED = ("human", "machine", "fax", "notsure")  # a decision after an answer


@dataclass(frozen=True)
class DialOutcome:
    """How a placed call ended (``contract.DialResult``) and when it was decided: seconds
    from the end of the dialling (None: it never got that far)."""

    result: str
    decided_s: float | None = None


def dialable(number: str) -> bool:
    """Whether the box can dial ``number``: 1 to ``MAX_DIGITS`` of 0-9, * and #."""
    return 0 < len(number) <= MAX_DIGITS and all(digit in DIGITS for digit in number)


def dial(number: str, *, pulse: bool = False, hand_over: bool = False,
         dial_tone_wait_s: float = DIAL_TONE_WAIT_S,
         operator_wait_s: float = OPERATOR_WAIT_S) -> Script:
    """The script placing a call to ``number`` on the line the box holds; its result is a
    ``DialOutcome``. ``pulse``: dial by loop breaks (digits 0-9 only)."""
    if not (yield AwaitTone("dial", dial_tone_wait_s)):
        return DialOutcome("no_dial_tone")
    yield Progress("dial_tone")
    yield Progress("dialling")
    if not (yield SendDigits(number, pulse=pulse)):
        return DialOutcome("failed")
    yield Progress(DIALLED)
    while True:
        heard = yield FollowCall(hand_over=hand_over)
        if heard.what in ("ringing", "answered"):
            yield Progress(heard.what)
            continue
        if heard.what == "busy":
            yield Progress("busy")
        break
    outcome = DialOutcome(heard.what, heard.decided_s)
    if hand_over and heard.what in ANSWERED:
        # Someone answered before the operator picked up: hold them a moment.
        taken = yield AwaitPickUp(operator_wait_s)
        if isinstance(taken, Heard):
            return DialOutcome(taken.what, heard.decided_s)
    return outcome
