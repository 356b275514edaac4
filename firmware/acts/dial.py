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
the box hangs up once it knows the result, but for two things a dialling
task asks for:

- ``hold_s``: a person who answered is held for the office (``holding``: the
  box wants a phone of the office on the line, rung where the line can) up to
  ``hold_s``; a phone picked up takes the call (``handed_over``), else the box
  hangs up (``human``, as when the person hangs up first).
- ``machine_message``: on an answering machine the box waits for the end of
  its greeting (its beep, or quiet after its voice), plays the prompt and
  hangs up; ``DialOutcome.message_left`` when it went out whole.

Where the line cannot see its phones while the box holds it (a GPIO line's
loop sensor sees the relay's current too), click-to-dial dials with the
operator's phone instead (``phone``): the box does not take the line. It asks
the operator to lift the handset (``lift_handset``) and waits for the line to
go off hook, at most ``LIFT_WAIT_S`` (``failed`` if nobody lifts it; an
operator already off hook skips this), then hears the exchange's dial tone
and plays the number's DTMF beside the phone through the line's player; once
the last digit is out the call is the phone's (``handed_over``). The operator
hanging up before that ends it ``failed``. Such a line dials by tone only:
its relay cannot pulse a loop the phone holds.

Stages (``contract.DialStage``): ``lift_handset``, ``dial_tone``, ``dialling``, ``ringing``,
``busy``, ``answered``, ``holding``; ``DIALLED`` is the script's own word for the number
being out (the call log's outbound call is complete from there).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.acts.steps import (
    AwaitGreetingEnd,
    AwaitOffHook,
    AwaitPickUp,
    AwaitTone,
    CallerGone,
    FollowCall,
    Heard,
    Play,
    Progress,
    Script,
    SendDigits,
)

NAME = "dial"
DIAL_TONE_WAIT_S = 5.0  # no dial tone this long after taking the line: the exchange gives none
LIFT_WAIT_S = 20.0  # click-to-dial with the phone: the operator has this long to lift it
OPERATOR_WAIT_S = 15.0  # the far end answered: the operator's phone has this long to pick up
GREETING_QUIET_S = 1.5  # a machine's greeting without a beep has ended after this quiet
GREETING_MOST_S = 30.0  # a greeting still going this long after the decision: no message
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
    message_left: bool = False  # an answering machine got the machine message whole


def dialable(number: str) -> bool:
    """Whether the box can dial ``number``: 1 to ``MAX_DIGITS`` of 0-9, * and #."""
    return 0 < len(number) <= MAX_DIGITS and all(digit in DIGITS for digit in number)


def dial(number: str, *, pulse: bool = False, hand_over: bool = False,
         dial_tone_wait_s: float = DIAL_TONE_WAIT_S,
         operator_wait_s: float = OPERATOR_WAIT_S, hold_s: float = 0.0,
         machine_message: str | int | None = None) -> Script:
    """The script placing a call to ``number`` on the line the box holds; its result is a
    ``DialOutcome``. ``pulse``: dial by loop breaks (digits 0-9 only); ``hold_s`` and
    ``machine_message`` (without ``hand_over``): see the module."""
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
    if hand_over and heard.what in ANSWERED:
        # Someone answered before the operator picked up: hold them a moment.
        taken = yield AwaitPickUp(operator_wait_s)
        return DialOutcome(taken.what if isinstance(taken, Heard) else heard.what,
                           heard.decided_s)
    if heard.what == "human" and hold_s > 0:
        return (yield from _hold(heard, hold_s))
    if heard.what == "machine" and machine_message is not None:
        return (yield from _leave_message(heard, machine_message))
    return DialOutcome(heard.what, heard.decided_s)


def dial_with_phone(number: str, *, off_hook: bool = False,
                    lift_wait_s: float = LIFT_WAIT_S,
                    dial_tone_wait_s: float = DIAL_TONE_WAIT_S) -> Script:
    """The script dialling ``number`` for the operator's phone on a line the box does not
    hold (click-to-dial where the line cannot see its phones while seized): ``off_hook``,
    the phone is off hook already. Its result is a ``DialOutcome``: ``handed_over`` once
    the number is out, ``no_dial_tone``, or ``failed`` (nobody lifted the phone in
    ``lift_wait_s``, the line's playback failed; the operator hanging up ends it too)."""
    if not off_hook:
        yield Progress("lift_handset")
        if not (yield AwaitOffHook(lift_wait_s)):
            return DialOutcome("failed")
    if not (yield AwaitTone("dial", dial_tone_wait_s)):
        return DialOutcome("no_dial_tone")
    yield Progress("dial_tone")
    yield Progress("dialling")
    if not (yield SendDigits(number)):
        return DialOutcome("failed")
    yield Progress(DIALLED)
    return DialOutcome("handed_over", 0.0)


def _hold(heard: Heard, hold_s: float) -> Script:
    """A person answered: hold them for the office up to ``hold_s``."""
    try:
        yield Progress("holding")
        taken = yield AwaitPickUp(hold_s, ring_office=True)
    except CallerGone:  # they hung up while held
        return DialOutcome("human", heard.decided_s)
    if isinstance(taken, Heard):
        return DialOutcome(taken.what, heard.decided_s)
    return DialOutcome("human", heard.decided_s)


def _leave_message(heard: Heard, prompt: str | int) -> Script:
    """An answering machine answered: the prompt after its greeting, then hang up."""
    try:
        if (yield AwaitGreetingEnd(GREETING_QUIET_S, GREETING_MOST_S)) is None:
            return DialOutcome("machine", heard.decided_s)
        played = yield Play(prompt, barge_in=False)
    except CallerGone:  # the machine hung up before or during the message
        return DialOutcome("machine", heard.decided_s)
    return DialOutcome("machine", heard.decided_s, message_left=bool(played))
