"""The per-line state machine: what a line is doing, as a pure table.

``step(state, event) -> (state, actions)`` does no I/O and reads no clock:
every event carries its time, every fact the machine needs is in the state,
and what should happen (log a call, start a recording, seize the line) comes
back as actions for the line's worker to carry out. The table ``TRANSITIONS``
maps every (phase, event type) pair to its handler, so nothing is left to a
default; tests walk all of it.

Phases of a line::

    IDLE --RingOn--> RINGING --OffHook--> IN_CALL (inbound, answered)
      |                 '--no ring for ring_timeout_s--> IDLE (missed call)
      '--OffHook--> DIALLING --no digit for dial_settle_s--> IN_CALL (outbound)
    IN_CALL <--voice / silence for hold_after_s--> SILENT (on hold)
    IN_CALL / SILENT / DIALLING --OnHook--> IDLE (call ends)
    IDLE / RINGING / IN_CALL / SILENT --Seize--> SEIZED (the box holds the line)
    SEIZED --Release--> IDLE, or IN_CALL while a phone of the office is off hook

Where the line cannot see its phones while the box holds it, click-to-dial
dials for the phone off hook instead (``DialsForPhone`` in DIALLING: the
call's number, its digits the box's own DTMF, ignored as heard; ``Dialled`` at
the last digit, then settled as a phone's dialling is).

A call the box places itself (``Seize`` with its number, from IDLE) is an
outbound call like one dialled on a phone: its number known from the start,
nothing of it recorded before ``Dialled`` (the digits are out: the no-record
list decides from there, as for a phone's dialling), answered when the far end
picks up (``FarEndAnswered``) or when a phone of the office takes it over at
the release (click-to-dial).

Recording follows the line's mode: ``auto`` records answered calls from the
answer (inbound) or from the last digit dialled (outbound, from the pre-roll
kept while the dialling settles), ``schedule`` does
the same inside its weekly windows, ``vox`` records while there is voice,
``manual`` on command during an answered call (``RecordCommand``, or a
key code typed on a phone: ``Policy.start_code``, ``stop_code``), ``off``
never; numbers on the no-record list are never recorded, whatever the mode
(their calls are still logged).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from firmware.link.contract import Phase  # the web shows a line's phase: the contract names them

# ---- facts the machine is given -----------------------------------------------


@dataclass(frozen=True)
class Window:
    """A weekly window in local time: weekdays 0 (Monday) to 6, minutes since midnight."""

    weekdays: frozenset[int]
    start_minute: int
    end_minute: int  # may be before start_minute: the window runs past midnight

    def contains(self, weekday: int, minute: int) -> bool:
        if self.start_minute <= self.end_minute:
            return weekday in self.weekdays and self.start_minute <= minute < self.end_minute
        # Past midnight: the part after midnight belongs to the previous day's window.
        if minute >= self.start_minute:
            return weekday in self.weekdays
        return minute < self.end_minute and (weekday - 1) % 7 in self.weekdays


def _offset_at(policy: Policy, at: float) -> int:
    """Seconds east of UTC of the line's local time at ``at``."""
    if not policy.time_zone:
        return policy.utc_offset_s
    try:
        zone = ZoneInfo(policy.time_zone)
        offset = datetime.fromtimestamp(at, UTC).astimezone(zone).utcoffset()
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return policy.utc_offset_s
    return policy.utc_offset_s if offset is None else int(offset.total_seconds())


@dataclass(frozen=True)
class Policy:
    """How a line records and times out; changed on the fly by ``PolicyChanged``."""

    mode: str = "auto"  # auto, vox, manual, schedule, off
    no_record: frozenset[str] = frozenset()  # numbers as they arrive (caller ID, digits)
    windows: tuple[Window, ...] = ()
    utc_offset_s: int = 8 * 3600  # local time for the windows (China by default)
    time_zone: str = ""  # when set (an IANA name), the windows follow it, summer time included
    ring_timeout_s: float = 8.0  # no ring for this long after a burst: the caller gave up
    dial_settle_s: float = 4.0  # no digit for this long: dialling is over
    hold_after_s: float = 30.0  # no voice for this long in a call: on hold
    preroll_s: float = 0.5  # voice-activated recordings start this long before the voice
    # Manual mode: keys pressed on a phone during an answered call start and stop the
    # recording ("" for none). Their digits are not the call's.
    start_code: str = ""
    stop_code: str = ""
    # Any mode: keys that hand the caller to the satisfaction survey ("" for none).
    survey_code: str = ""
    screen: Any = None  # the call firewall (firmware.store.firewall.Screen); falsy: nothing to do
    region: str = "CN"  # how the firewall reads the numbers it is given
    # The announcement before recording: off, inbound, outbound or both; its prompt (a
    # key of the prompt library or a prompt's id). Played by the worker's trigger.
    announcement: str = "off"
    announcement_prompt: str | int = "announcement"
    # The line's voice menu (firmware.acts.ivr.LineIvr): it answers a ringing call after
    # its rings; None: the line has none.
    ivr: Any = None
    # The line's audio is heard while a phone of the office holds the line. A voice modem
    # set without listen= is not on the line then: only what the box holds is recorded.
    hears_phones: bool = True

    def codes(self) -> tuple[str, ...]:
        """The key codes a line watches for during an answered call."""
        manual = (self.start_code, self.stop_code) if self.mode == "manual" else ()
        return tuple(code for code in (*manual, self.survey_code) if code)


def local_time(policy: Policy, at: float) -> datetime:
    """The line's local time at ``at`` (naive), as its schedule and voice menu read it."""
    return datetime.fromtimestamp(at + _offset_at(policy, at), UTC).replace(tzinfo=None)


def in_window(policy: Policy, at: float) -> bool:
    local = time.gmtime(at + _offset_at(policy, at))
    minute = local.tm_hour * 60 + local.tm_min
    return any(window.contains(local.tm_wday, minute) for window in policy.windows)


# ---- state ---------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    direction: str  # "in" or "out"
    started_at: float
    answered_at: float | None = None
    caller_id: Any = None  # the caller-ID result object, when one arrived
    number: str | None = None  # caller's number, or the digits dialled
    digits: str = ""  # every digit seen during the call
    rings: int = 0  # ring bursts heard so far (an inbound call)
    placed: bool = False  # the box placed the call (its dial act)
    dialled_at: float | None = None  # ... and its number was out at this time

    @property
    def placing(self) -> bool:
        """The box is placing the call and has not dialled all of its number yet."""
        return self.placed and self.dialled_at is None


@dataclass(frozen=True)
class LineState:
    policy: Policy = field(default_factory=Policy)
    phase: Phase = Phase.IDLE
    call: Call | None = None
    ringing: bool = False
    off_hook: bool = False  # a phone on the line is off-hook (loop current)
    last_ring_at: float = 0.0  # end of the last ring burst, or its start while ringing
    last_digit_at: float = 0.0
    voice: bool = False
    voice_since: float = 0.0  # when the voice last started
    quiet_since: float = 0.0  # when the voice last stopped
    manual_recording: bool = False
    code_digits: str = ""  # digits of the call that may be the start of a key code, held back
    recording: bool = False
    # The call firewall: an incoming call is screened from its first ring until it has
    # decided (caller ID, or none by the second ring); ``blocked`` is what blocked it.
    screening: bool = False
    blocked: Any = None  # the firewall's Verdict, when it blocks the call


# ---- events ----------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    at: float  # Unix time


@dataclass(frozen=True)
class RingOn(Event):
    pass


@dataclass(frozen=True)
class RingOff(Event):
    pass


@dataclass(frozen=True)
class CallerIdReceived(Event):
    caller_id: Any = None
    number: str | None = None


@dataclass(frozen=True)
class OffHook(Event):
    pass


@dataclass(frozen=True)
class OnHook(Event):
    pass


@dataclass(frozen=True)
class Digit(Event):
    digit: str = ""


@dataclass(frozen=True)
class VoiceStarted(Event):
    pass


@dataclass(frozen=True)
class VoiceStopped(Event):
    pass


@dataclass(frozen=True)
class Tick(Event):
    """Time passes: lets timeouts fire when nothing else happens."""


@dataclass(frozen=True)
class RecordCommand(Event):
    start: bool = True


@dataclass(frozen=True)
class Seize(Event):
    number: str | None = None  # from IDLE: the box places a call to this number


@dataclass(frozen=True)
class DialsForPhone(Event):
    """The box starts dialling ``number`` for the phone off hook on the line, which it does
    not hold (click-to-dial where the line cannot see its phones while seized)."""

    number: str = ""


@dataclass(frozen=True)
class Dialled(Event):
    """The box has dialled the number of the call it places."""


@dataclass(frozen=True)
class FarEndAnswered(Event):
    """The far end picked up the call the box places (the answering-machine detector)."""


@dataclass(frozen=True)
class Release(Event):
    pass


@dataclass(frozen=True)
class PolicyChanged(Event):
    policy: Policy = field(default_factory=Policy)


EVENT_TYPES: tuple[type[Event], ...] = (
    RingOn,
    RingOff,
    CallerIdReceived,
    OffHook,
    OnHook,
    Digit,
    VoiceStarted,
    VoiceStopped,
    Tick,
    RecordCommand,
    Seize,
    DialsForPhone,
    Dialled,
    FarEndAnswered,
    Release,
    PolicyChanged,
)

# ---- actions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    at: float


@dataclass(frozen=True)
class CallStarted(Action):
    direction: str = "in"


@dataclass(frozen=True)
class Placing(Action):
    """The box places the call just started: to ``number``."""

    number: str = ""


@dataclass(frozen=True)
class CallerIdKnown(Action):
    caller_id: Any = None
    number: str | None = None


@dataclass(frozen=True)
class DigitDialled(Action):
    digit: str = ""
    digits: str = ""  # all so far


@dataclass(frozen=True)
class CallAnswered(Action):
    pass


@dataclass(frozen=True)
class CallEnded(Action):
    outcome: str = "answered"  # answered, missed, unanswered


@dataclass(frozen=True)
class StartRecording(Action):
    since: float = 0.0  # keep the line's audio from this time on (before ``at``: pre-roll)


@dataclass(frozen=True)
class StopRecording(Action):
    pass


@dataclass(frozen=True)
class SeizeLine(Action):
    on: bool = True


@dataclass(frozen=True)
class PhaseChanged(Action):
    phase: Phase = Phase.IDLE


@dataclass(frozen=True)
class Screened(Action):
    """The call firewall let the incoming call through (``verdict`` None: it had nothing
    to decide with, the call was answered first) or blocks it (``verdict.action`` reject
    or message)."""

    verdict: Any = None
    blocked: bool = False


@dataclass(frozen=True)
class ActRequested(Action):
    """Someone on the line asked the box to do ``act`` (the survey's key code)."""

    act: str = ""


# ---- transitions -----------------------------------------------------------------

Result = tuple[LineState, list[Action]]
ANSWERED = (Phase.IN_CALL, Phase.SILENT, Phase.SEIZED)  # a call is under way
Handler = Callable[[LineState, Any], Result]


def _stay(state: LineState, event: Event) -> Result:
    """The event means nothing in this phase."""
    return state, []


def _start_call(state: LineState, event: Event, direction: str, phase: Phase) -> Result:
    call = Call(direction=direction, started_at=event.at)
    return replace(state, phase=phase, call=call), [CallStarted(event.at, direction)]


def _ring_on_idle(state: LineState, event: RingOn) -> Result:
    state = replace(state, screening=bool(state.policy.screen), blocked=None)
    state, actions = _start_call(state, event, "in", Phase.RINGING)
    call = replace(state.call, rings=1)
    return replace(state, call=call, ringing=True, last_ring_at=event.at), actions


def _ring_on(state: LineState, event: RingOn) -> Result:
    call = replace(state.call, rings=state.call.rings + 1)
    state = replace(state, call=call, ringing=True, last_ring_at=event.at)
    if state.screening and call.rings >= 2:
        # Caller ID comes before the second ring or not at all: decide without it.
        return _screen(state, event.at, None, None)
    return state, []


def _screen(state: LineState, at: float, number: str | None, reason_absent: str | None) -> Result:
    """The call firewall's decision on the ringing call, from what caller ID gave."""
    policy = state.policy
    verdict = policy.screen.verdict(
        number, reason_absent, at,
        region=policy.region, utc_offset_s=_offset_at(policy, at), time_zone=policy.time_zone,
    )
    blocked = verdict.action != "allow"
    state = replace(state, screening=False, blocked=verdict if blocked else None)
    return state, [Screened(at, verdict, blocked)]


def _ring_off(state: LineState, event: RingOff) -> Result:
    return replace(state, ringing=False, last_ring_at=event.at), []


def _caller_id(state: LineState, event: CallerIdReceived) -> Result:
    call = replace(state.call, caller_id=event.caller_id, number=event.number)
    state = replace(state, call=call)
    actions: list[Action] = [CallerIdKnown(event.at, event.caller_id, event.number)]
    if state.screening:
        reason = getattr(event.caller_id, "reason_absent", None)
        state, screened = _screen(state, event.at, event.number, reason)
        actions += screened
    return state, actions


def _caller_id_when_idle(state: LineState, event: CallerIdReceived) -> Result:
    """ETSI and some Chinese exchanges send caller ID before the first ring."""
    state = replace(state, screening=bool(state.policy.screen), blocked=None)
    state, actions = _start_call(state, event, "in", Phase.RINGING)
    state = replace(state, last_ring_at=event.at)
    more_state, more_actions = _caller_id(state, event)
    return more_state, actions + more_actions


def _answer(state: LineState, event: OffHook) -> Result:
    call = replace(state.call, answered_at=event.at)
    actions: list[Action] = [CallAnswered(event.at)]
    if state.screening:  # answered before the firewall could decide: it lets it be
        state = replace(state, screening=False)
        actions.append(Screened(event.at))
    state = replace(state, phase=Phase.IN_CALL, call=call, ringing=False, quiet_since=event.at)
    return state, actions


def _off_hook_idle(state: LineState, event: OffHook) -> Result:
    state, actions = _start_call(state, event, "out", Phase.DIALLING)
    return replace(state, last_digit_at=event.at, quiet_since=event.at), actions


def _digit(state: LineState, event: Digit) -> Result:
    if state.call.placed and state.phase == Phase.DIALLING:
        # The box's own DTMF, dialling for the phone (its last digit's echo may be heard
        # after it went out): the number is known.
        return state, []
    call = replace(state.call, digits=state.call.digits + event.digit)
    if state.phase == Phase.DIALLING:
        call = replace(call, number=call.digits)
    state = replace(state, call=call, last_digit_at=event.at)
    return state, [DigitDialled(event.at, event.digit, call.digits)]


def _release_digits(state: LineState, digits: str, at: float) -> Result:
    """``digits`` become the call's own, each told as dialled."""
    actions: list[Action] = []
    call = state.call
    for digit in digits:
        call = replace(call, digits=call.digits + digit)
        actions.append(DigitDialled(at, digit, call.digits))
    return replace(state, call=call, code_digits=""), actions


def _digit_answered(state: LineState, event: Digit) -> Result:
    """A key pressed during an answered call: a line in manual mode watches for its codes.

    Keys that may begin a code are held back; a code completed starts or stops
    the recording and is never the call's digits; keys that turn out not to be
    a code are the call's after all.
    """
    codes = state.policy.codes()
    typed = state.code_digits + event.digit
    if not codes:  # keys held back before the mode changed are the call's, in order
        state, actions = _release_digits(state, typed, event.at)
        return replace(state, last_digit_at=event.at), actions
    if typed in codes:
        if typed == state.policy.survey_code:
            return replace(state, code_digits=""), [ActRequested(event.at, "survey")]
        start = typed == state.policy.start_code
        return replace(state, code_digits="", manual_recording=start), []
    # The longest end of what was typed that may still become a code is held back.
    keep = next(
        (n for n in range(len(typed), 0, -1) if any(c.startswith(typed[-n:]) for c in codes)),
        0,
    )
    state, actions = _release_digits(state, typed[: len(typed) - keep], event.at)
    return replace(state, code_digits=typed[len(typed) - keep :], last_digit_at=event.at), actions


def _connect_outbound(state: LineState, at: float) -> Result:
    call = replace(state.call, answered_at=at)
    return replace(state, phase=Phase.IN_CALL, call=call, quiet_since=at), [CallAnswered(at)]


def _end_call(state: LineState, event: Event) -> Result:
    released: list[Action] = []
    if state.code_digits and state.call is not None:
        # Keys held back as the start of a code that never came were the call's own.
        state, released = _release_digits(state, state.code_digits, event.at)
    call = state.call
    if state.blocked is not None:
        outcome = "blocked"
    elif call is None or call.answered_at is not None:
        outcome = "answered"
    else:
        outcome = "missed" if call.direction == "in" else "unanswered"
    state = replace(
        state,
        phase=Phase.IDLE,
        call=None,
        ringing=False,
        voice=False,
        manual_recording=False,
        code_digits="",
        screening=False,
        blocked=None,
    )
    return state, [*released, CallEnded(event.at, outcome)]


def _voice_started(state: LineState, event: VoiceStarted) -> Result:
    state = replace(state, voice=True, voice_since=event.at)
    # In DIALLING, voice does not end the dialling: the digits themselves, the
    # dial tone and the ringback sound like voice to an energy detector.
    if state.phase == Phase.SILENT:
        return replace(state, phase=Phase.IN_CALL), []
    return state, []


def _voice_stopped(state: LineState, event: VoiceStopped) -> Result:
    return replace(state, voice=False, quiet_since=event.at), []


def _tick_ringing(state: LineState, event: Tick) -> Result:
    if not state.ringing and event.at - state.last_ring_at >= state.policy.ring_timeout_s:
        # The caller hung up when the ringing stopped; the timeout only tells us.
        return _end_call(state, Tick(state.last_ring_at))
    return state, []


def _tick_dialling(state: LineState, event: Tick) -> Result:
    if state.call.placing:  # the box is dialling for the phone: not over before the number
        return state, []
    quiet_for = event.at - state.last_digit_at
    if state.call.digits and quiet_for >= state.policy.dial_settle_s:
        return _connect_outbound(state, event.at)
    # No digit at all for twice as long: a hotline, or a number dialled where
    # we cannot hear it. It is a call all the same, with no number.
    if not state.call.digits and quiet_for >= 2 * state.policy.dial_settle_s:
        return _connect_outbound(state, event.at)
    return state, []


def _tick_in_call(state: LineState, event: Tick) -> Result:
    if not state.voice and event.at - state.quiet_since >= state.policy.hold_after_s:
        return replace(state, phase=Phase.SILENT), []
    return state, []


def lifted(state: LineState) -> bool:
    """A phone of the line is off hook with nothing dialled yet: the box may dial for it."""
    call = state.call
    return (state.phase == Phase.DIALLING and call is not None and call.direction == "out"
            and not call.digits and not call.placed)


def record_refusal(state: LineState, start: bool) -> str | None:
    """Why a recording command (``start`` or stop) cannot take effect now, or None.

    The reasons are ``RECORD_REFUSALS``' keys: a line records by hand only
    in manual mode, only during an answered call, never a number on the
    no-record list.
    """
    if state.policy.mode != "manual":
        return "not_manual"
    if state.phase == Phase.DIALLING or (state.call is not None and state.call.placing):
        return "dialling"
    if state.call is None or state.phase not in ANSWERED:
        return "not_in_call"
    number = state.call.number
    if start and number is not None and number in state.policy.no_record:
        return "no_record"
    return None


def _record_command(state: LineState, event: RecordCommand) -> Result:
    if record_refusal(state, event.start) is not None:
        return state, []
    return replace(state, manual_recording=event.start), []


def _seize(state: LineState, event: Seize) -> Result:
    actions: list[Action] = [SeizeLine(event.at, True)]
    if state.call is None:
        state, started = _start_call(state, event, "out", Phase.SEIZED)
        if event.number:  # the box places a call
            call = replace(state.call, number=event.number, placed=True)
            state = replace(state, call=call)
            started.append(Placing(event.at, event.number))
        actions = started + actions
    elif state.call.answered_at is None:  # answering a ringing line (voicemail, IVR, firewall)
        call = replace(state.call, answered_at=event.at)
        state = replace(state, phase=Phase.SEIZED, call=call, ringing=False)
        actions.append(CallAnswered(event.at))
    else:  # taking over a call the office answered (the survey after the operator)
        state = replace(state, phase=Phase.SEIZED)
    return replace(state, quiet_since=event.at), actions


def _dials_for_phone(state: LineState, event: DialsForPhone) -> Result:
    """The phone off hook is dialled for by the box: the call's number known from now, its
    dialling over at ``Dialled`` (then settled as a phone's dialling is)."""
    call = state.call
    if call.digits or call.placed or not event.number:
        return state, []
    call = replace(call, number=event.number, placed=True)
    state = replace(state, call=call, last_digit_at=event.at)
    return state, [Placing(event.at, event.number)]


def _dialled(state: LineState, event: Dialled) -> Result:
    call = state.call
    if call is None or not call.placing:
        return state, []
    call = replace(call, digits=call.number, dialled_at=event.at)
    state = replace(state, call=call, last_digit_at=event.at)
    return state, [DigitDialled(event.at, call.number[-1], call.number)]


def _far_end_answered(state: LineState, event: FarEndAnswered) -> Result:
    call = state.call
    if call is None or not call.placed or call.answered_at is not None:
        return state, []
    call = replace(call, answered_at=event.at)
    return replace(state, call=call, quiet_since=event.at), [CallAnswered(event.at)]


def _release(state: LineState, event: Release) -> Result:
    if state.off_hook:
        # Someone picked up an extension while the box held the line: the call goes on.
        call = state.call
        actions: list[Action] = [SeizeLine(event.at, False)]
        if call.answered_at is None:  # connected now (a call the box placed, handed over)
            call = replace(call, answered_at=event.at)
            actions.append(CallAnswered(event.at))
        return replace(state, phase=Phase.IN_CALL, call=call), actions
    state, actions = _end_call(state, event)
    return state, [SeizeLine(event.at, False), *actions]


def _policy_changed(state: LineState, event: PolicyChanged) -> Result:
    return replace(state, policy=event.policy), []


def _table() -> dict[tuple[Phase, type[Event]], Handler]:
    table: dict[tuple[Phase, type[Event]], Handler] = {}

    def on(phases: tuple[Phase, ...], event_type: type[Event], handler: Handler) -> None:
        for phase in phases:
            table[phase, event_type] = handler

    everywhere = tuple(Phase)
    in_a_call = (Phase.DIALLING, Phase.IN_CALL, Phase.SILENT)

    # Whatever the phase, these only update facts.
    on(everywhere, PolicyChanged, _policy_changed)
    # A command only counts during an answered call in manual mode (``record_refusal``).
    on(everywhere, RecordCommand, _record_command)
    on(everywhere, VoiceStarted, _voice_started)
    on(everywhere, VoiceStopped, _voice_stopped)

    on((Phase.IDLE,), RingOn, _ring_on_idle)
    on((Phase.IDLE,), CallerIdReceived, _caller_id_when_idle)
    on((Phase.IDLE,), OffHook, _off_hook_idle)
    on((Phase.IDLE,), Seize, _seize)
    for event_type in (RingOff, OnHook, Digit, Tick, Release):
        on((Phase.IDLE,), event_type, _stay)

    on((Phase.RINGING,), RingOn, _ring_on)
    on((Phase.RINGING,), RingOff, _ring_off)
    on((Phase.RINGING,), CallerIdReceived, _caller_id)
    on((Phase.RINGING,), OffHook, _answer)
    on((Phase.RINGING,), Tick, _tick_ringing)
    on((Phase.RINGING,), Seize, _seize)
    # DTMF caller ID arrives as digits before answering; the caller-ID decoder
    # turns them into CallerIdReceived, so raw digits mean nothing here.
    for event_type in (OnHook, Digit, Release):
        on((Phase.RINGING,), event_type, _stay)

    on(in_a_call, OnHook, _end_call)
    on((Phase.DIALLING,), Digit, _digit)
    on((Phase.IN_CALL, Phase.SILENT), Digit, _digit_answered)
    on((Phase.DIALLING,), Tick, _tick_dialling)
    on((Phase.IN_CALL,), Tick, _tick_in_call)
    on((Phase.SILENT,), Tick, _stay)
    # A ring, a second off-hook (an extension joining) or caller ID during a
    # call (call waiting) does not change the call being recorded.
    for event_type in (RingOn, RingOff, OffHook, CallerIdReceived, Release):
        on(in_a_call, event_type, _stay)
    # The box takes an answered call over (a survey once the operator hangs up).
    on((Phase.DIALLING,), Seize, _stay)
    on((Phase.IN_CALL, Phase.SILENT), Seize, _seize)

    on((Phase.SEIZED,), Release, _release)
    on((Phase.SEIZED,), Dialled, _dialled)
    # The box dials for the phone that holds the line (it does not take the line).
    on((Phase.DIALLING,), DialsForPhone, _dials_for_phone)
    on((Phase.DIALLING,), Dialled, _dialled)
    on(tuple(p for p in Phase if p != Phase.DIALLING), DialsForPhone, _stay)
    on((Phase.SEIZED,), FarEndAnswered, _far_end_answered)
    # Only the box's own call, held by the box, is dialled or answered at the far end.
    on((Phase.IDLE, Phase.RINGING, Phase.IN_CALL, Phase.SILENT), Dialled, _stay)
    on((Phase.IDLE, Phase.RINGING, *in_a_call), FarEndAnswered, _stay)
    on((Phase.SEIZED,), Digit, _digit)
    # An extension picking up while the box holds the line joins the call;
    # when the box releases it, the line is still off-hook and in a call.
    on((Phase.SEIZED,), OffHook, _stay)
    # Caller ID that comes late (a modem reports it with the next ring) still names the
    # caller of a call the box answered.
    on((Phase.SEIZED,), CallerIdReceived, _caller_id)
    for event_type in (RingOn, RingOff, OnHook, Tick, Seize):
        on((Phase.SEIZED,), event_type, _stay)
    return table


TRANSITIONS = _table()


# ---- recording rule ----------------------------------------------------------------


def _nothing_kept(state: LineState) -> bool:
    """Whether nothing of the line's audio may be kept now, whatever the mode."""
    call = state.call
    if call is not None and call.number is not None and call.number in state.policy.no_record:
        return True
    return (
        # as a phone's dialling: nothing is kept before the number is out
        (call is not None and call.placing)
        # a blocked caller never reaches the office: nothing of it is kept
        or state.blocked is not None
        # the line's audio is silence while a phone holds it
        or (not state.policy.hears_phones and state.phase != Phase.SEIZED)
        # the number is known only once the dialling ends: nothing of a call is kept
        # before it can be checked against the no-record list, in any mode
        or state.phase == Phase.DIALLING
    )


def recording_wanted(state: LineState, at: float) -> bool:
    """Whether the line should be recording now, by its mode and the call's number."""
    policy = state.policy
    call = state.call
    if _nothing_kept(state):
        return False
    if policy.mode == "vox":
        return state.voice and state.phase != Phase.RINGING
    in_call = call is not None
    answered = in_call and state.phase in ANSWERED
    manual = in_call and policy.mode == "manual" and state.manual_recording
    automatic = {
        "auto": answered,
        "schedule": answered and policy.mode == "schedule" and in_window(policy, at),
    }.get(policy.mode, False)
    return policy.mode != "off" and (automatic or manual)


def _recording_since(state: LineState, at: float) -> float:
    """Where a recording starting now should begin in the line's audio."""
    since = at
    if state.policy.mode == "vox":
        since = min(at, state.voice_since) - state.policy.preroll_s
    call = state.call
    if call is not None and call.direction == "out" and call.digits:
        # The call began when the dialling ended: the pre-roll and the
        # connecting never reach back into the digits.
        since = max(since, state.last_digit_at) if state.policy.mode == "vox" else min(
            at, state.last_digit_at
        )
    return since


def step(state: LineState, event: Event) -> Result:
    """The line's next state and what to do, for one event."""
    handler = TRANSITIONS[state.phase, type(event)]
    before = state.phase
    # The hook is a fact about the line whatever the phase makes of it.
    if isinstance(event, OffHook | OnHook):
        state = replace(state, off_hook=isinstance(event, OffHook))
    state, actions = handler(state, event)
    if state.phase != before:
        actions.append(PhaseChanged(event.at, state.phase))
    wanted = recording_wanted(state, event.at)
    if wanted and not state.recording:
        state = replace(state, recording=True)
        actions.append(StartRecording(event.at, since=_recording_since(state, event.at)))
    elif state.recording and not wanted:
        state = replace(state, recording=False)
        # Stop before the call is logged as ended, so the recording is complete
        # when the call record points at it.
        ended = [index for index, action in enumerate(actions) if isinstance(action, CallEnded)]
        actions.insert(ended[0] if ended else len(actions), StopRecording(event.at))
    return state, actions
