"""The engine <-> web contract: every event the engine publishes and every command it takes.

Each message is a frozen dataclass; ``encode`` and the ``decode_*``
functions are the one JSON encoding of them all, used by the engine's bus,
the web process and the command line alike. On the wire, one JSON object
per line, each carrying the protocol version ``v``::

    engine -> client  {"v": 1, "event": {"type": "caller_id", "line": 1, "call_id": 7,
                                         "number": "13800138000", ..., "status": {...}}}
                      {"v": 1, "reply": 3, "ok": true, ...the reply's fields}
                      {"v": 1, "reply": 3, "ok": false, "error": "no line 9; lines: [1, 2]"}
    client -> engine  {"v": 1, "id": 3, "command": "record", "line": 1, "on": true}

Every event of a line carries ``status``, the whole status of its line just
after the event (``LineStatus``): the web keeps it as it is and never works a
line's state out from the events. News of the box as a whole, not of a line
(``BoxEvent``: the GSM modem's text messages, ``SmsChanged``), carries its
whole state the same way. A client may leave ``v`` out of a command (as a
person typing one does); a message of another version, or one that does not
fit its type, raises ``ContractError``: the receiver logs it and drops it.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar, get_args

from firmware.errors import LinerecError
from firmware.schema import SchemaError, parse, to_document

PROTOCOL_VERSION = 1

Direction = Literal["in", "out"]
Outcome = Literal["answered", "missed", "unanswered", "blocked"]  # unanswered: outgoing
BlockAction = Literal["reject", "message"]  # the call firewall's: hang up, or a message first
# How far a call the box places has got (``DialProgress``), and how it ended (``DialEnded``).
DialStage = Literal[
    "lift_handset", "dial_tone", "dialling", "ringing", "busy", "answered", "holding",
    "handed_over",
]
DialResult = Literal[
    "human", "machine", "fax", "busy", "no_answer", "sit", "notsure", "no_dial_tone", "failed",
    "handed_over",
]
DIAL_STAGES: tuple[str, ...] = get_args(DialStage)
DIAL_RESULTS: tuple[str, ...] = get_args(DialResult)


T = TypeVar("T")


class ContractError(LinerecError, ValueError):
    """A message that is not JSON, not of this protocol version, or does not fit its type."""


class Phase(enum.Enum):
    """What a line is doing: the phases of its state machine (``firmware.engine.state``)."""

    IDLE = "idle"
    RINGING = "ringing"
    DIALLING = "dialling"
    IN_CALL = "in_call"
    SILENT = "silent"  # in a call, no voice for a while: on hold
    SEIZED = "seized"  # the box holds the line itself


@dataclass(frozen=True)
class LineStatus:
    """A line as the live page shows it: its phase, its call, and whether it records."""

    line: int
    online: bool = True  # False: the line's worker is not running
    phase: Phase = Phase.IDLE
    recording: bool = False
    call_id: int | None = None
    direction: Direction | None = None
    number: str | None = None  # the caller's, or the digits dialled
    name: str | None = None  # from caller ID
    location_zh: str | None = None
    location_en: str | None = None
    since: float | None = None  # when the call started (Unix time)
    act: str | None = None  # what the box itself does on the line: survey, voicemail, ...
    # The call firewall (firmware.store.firewall): an incoming call is being screened from
    # its first ring until the firewall has decided, and ``blocked`` while the box blocks
    # it. The caller's card never pops while either is true.
    screening: bool = False
    blocked: bool = False
    # The box rings the office for a caller it holds (a voice menu's ring-through): a phone
    # of the office should pick the line up. ``office_rung``: the line's hardware rang
    # the phones; otherwise only the web tells the operators.
    office_wanted: bool = False
    office_rung: bool = False
    # A call the box places on the line (``DialCommand``): how far it got (one of
    # ``DIAL_STAGES``), then its result (one of ``DIAL_RESULTS``), for as long as the call
    # lasts; None for any other call.
    dial: str | None = None

    @property
    def state(self) -> str:
        """The phase's name, or ``offline``: how pages and the README name a line's state."""
        return self.phase.value if self.online else "offline"


# ---- events: engine -> clients ----------------------------------------------------------


class EventKind(enum.Enum):
    LINE_STATE = "line_state"
    CALL_STARTED = "call_started"
    CALLER_ID = "caller_id"
    DIGIT = "digit"
    CALL_ANSWERED = "call_answered"
    CALL_ENDED = "call_ended"
    RECORDING_STARTED = "recording_started"
    RECORDING_STOPPED = "recording_stopped"
    RECORDING_FAILED = "recording_failed"
    SEIZED = "seized"
    RELEASED = "released"
    ACT_STARTED = "act_started"
    ACT_ENDED = "act_ended"
    CALL_BLOCKED = "call_blocked"
    SMS = "sms"
    DIAL_PROGRESS = "dial_progress"
    DIAL_ENDED = "dial_ended"


@dataclass(frozen=True)
class Event:
    """Something that happened on a line; ``status`` is the line just after it."""

    kind: ClassVar[EventKind]
    line: int
    call_id: int | None
    status: LineStatus


@dataclass(frozen=True)
class LineStateChanged(Event):
    """The line's phase changed, or the line started or stopped (``status.online``)."""

    kind = EventKind.LINE_STATE


@dataclass(frozen=True)
class CallStarted(Event):
    kind = EventKind.CALL_STARTED
    direction: Direction = "in"


@dataclass(frozen=True)
class CallerIdKnown(Event):
    kind = EventKind.CALLER_ID
    number: str | None = None
    number_e164: str | None = None
    name: str | None = None
    reason_absent: str | None = None  # "O" unavailable, "P" private
    location_zh: str | None = None
    location_en: str | None = None


@dataclass(frozen=True)
class DigitDialled(Event):
    kind = EventKind.DIGIT
    digit: str = ""
    digits: str = ""  # every digit of the call so far


@dataclass(frozen=True)
class CallAnswered(Event):
    kind = EventKind.CALL_ANSWERED
    direction: Direction | None = None
    number: str | None = None


@dataclass(frozen=True)
class CallEnded(Event):
    kind = EventKind.CALL_ENDED
    outcome: Outcome = "answered"


@dataclass(frozen=True)
class RecordingStarted(Event):
    kind = EventKind.RECORDING_STARTED
    path: str = ""  # under the recordings folder


@dataclass(frozen=True)
class RecordingStopped(Event):
    kind = EventKind.RECORDING_STOPPED
    path: str = ""
    samples: int = 0


@dataclass(frozen=True)
class RecordingFailed(Event):
    kind = EventKind.RECORDING_FAILED
    error: str = ""
    path: str | None = None  # None when the file could not even be made


@dataclass(frozen=True)
class LineSeized(Event):
    kind = EventKind.SEIZED


@dataclass(frozen=True)
class LineReleased(Event):
    kind = EventKind.RELEASED


@dataclass(frozen=True)
class ActStarted(Event):
    """The box began something of its own on the line (``firmware.acts``): ``act`` names it."""

    kind = EventKind.ACT_STARTED
    act: str = ""


@dataclass(frozen=True)
class ActEnded(Event):
    """What the box did on the line ended: ``done``, ``caller_hung_up`` or ``handed_over``
    (a phone of the office took the call); ``value`` is its result as text (a survey's
    key), if it has one."""

    kind = EventKind.ACT_ENDED
    act: str = ""
    outcome: str = "done"
    value: str | None = None


@dataclass(frozen=True)
class CallBlocked(Event):
    """The call firewall blocked the incoming call: ``rule`` is the key of what decided
    (``black_list``, ``prefix:0898``, ``withheld:P``, ``location:广东``, ``time:<id>``),
    ``rule_id`` the rule's id (None for the black list), ``action`` how it is blocked."""

    kind = EventKind.CALL_BLOCKED
    number: str | None = None
    rule: str = ""
    rule_id: int | None = None
    action: BlockAction = "reject"


@dataclass(frozen=True)
class DialProgress(Event):
    """A call the box places (``DialCommand``) got to ``stage``: ``lift_handset``
    (click-to-dial on a line that cannot see its phones while the box holds it: the
    operator is to lift the handset, the box dials for the phone), ``dial_tone`` (the
    exchange's dial tone heard), ``dialling`` (the digits going out), ``ringing``
    (ringback), ``busy``, ``answered`` (the far end picked up), ``holding`` (a person
    answered a call placed with ``DialCommand.hold_s``: the box holds them and wants the
    office's phone on the line picked up, ``LineStatus.office_wanted``), ``handed_over``
    (the office's phone took the call; the box let go). ``attempt`` is the command's, as
    given."""

    kind = EventKind.DIAL_PROGRESS
    number: str = ""
    stage: DialStage = "dial_tone"
    attempt: str | None = None


@dataclass(frozen=True)
class DialEnded(Event):
    """A call the box placed is decided, once per ``DialCommand`` taken.

    ``result``: ``human``, ``machine`` (an answering machine), ``fax``,
    ``busy``, ``no_answer`` (ringback until the box gave up), ``sit`` (the
    special information tone: a number not in service), ``notsure`` (answered,
    nobody could be told apart), ``no_dial_tone`` (the exchange never gave
    dial tone), ``failed`` (the box could not dial: its relay or playback
    failed, or the line stopped; in click-to-dial with the operator's phone, nobody
    lifted the handset in time or the operator hung up before the number was out),
    ``handed_over`` (the office's phone picked up
    and the call goes on as an ordinary call). ``decided_s``: seconds from the
    end of the dialling to the result (None: it never got that far).
    ``attempt`` is the command's, as given. ``call_id`` is the call's row in the
    call log (its direction ``out``, its number the one dialled).

    For a call placed with ``hold_s`` the result comes once the hold is over:
    ``handed_over`` when the office's phone took the person, ``human`` when nobody
    picked up in time or the person hung up first. ``message_left``: an answering
    machine was left the command's ``machine_message`` whole (result ``machine``)."""

    kind = EventKind.DIAL_ENDED
    number: str = ""
    result: DialResult = "failed"
    decided_s: float | None = None
    attempt: str | None = None
    message_left: bool = False


@dataclass(frozen=True)
class SmsState:
    """Text messages through the GSM modem (``firmware.engine.sms``): the modem, its SIM
    and network, and the queue. Times are Unix time; None: not known (yet)."""

    enabled: bool = False  # a modem is set (device.sms.modem)
    port: str = ""
    present: bool = False  # the modem answers on its port and is ready to send
    model: str | None = None
    mode: str | None = None  # "pdu", or "text" for a modem without PDU mode
    sim: str | None = None  # "READY", or what is wrong: "SIM not inserted", "SIM PIN", ...
    network: str | None = None  # home, roaming, searching, denied, not registered, unknown
    operator: str | None = None
    signal_dbm: int | None = None
    reports: str | None = None  # delivery reports: "direct", "stored", or None: none
    queued: int = 0  # messages waiting to go (queued or being sent)
    held: int = 0  # held back until someone releases them
    failed: int = 0  # messages in the queue that failed
    sent: int = 0  # messages sent since the engine started
    received: int = 0  # messages received since the engine started
    last_error: str | None = None
    last_error_at: float | None = None
    checked_at: float | None = None  # the last look at the modem


@dataclass(frozen=True)
class BoxEvent:
    """News of the box as a whole, not of a line: it carries its whole state."""

    kind: ClassVar[EventKind]


@dataclass(frozen=True)
class SmsChanged(BoxEvent):
    """The GSM modem or the text-message queue changed (a message sent, delivered or
    received, the modem unplugged, the network lost, ...)."""

    kind = EventKind.SMS
    sms: SmsState = SmsState()


Published = Event | BoxEvent  # what the engine publishes: a line's events and the box's


EVENT_TYPES: dict[EventKind, type[Published]] = {
    event_type.kind: event_type
    for event_type in (
        LineStateChanged,
        CallStarted,
        CallerIdKnown,
        DigitDialled,
        CallAnswered,
        CallEnded,
        RecordingStarted,
        RecordingStopped,
        RecordingFailed,
        LineSeized,
        LineReleased,
        ActStarted,
        ActEnded,
        CallBlocked,
        SmsChanged,
        DialProgress,
        DialEnded,
    )
}

# ---- commands: clients -> engine, and their replies ----------------------------------------


class CommandKind(enum.Enum):
    STATUS = "status"
    RECORD = "record"
    SEIZE = "seize"
    RELOAD_CONFIG = "reload_config"
    ACT = "act"
    RELOAD_FIREWALL = "reload_firewall"
    RELOAD_MENUS = "reload_menus"
    DIAL = "dial"


@dataclass(frozen=True)
class Command:
    kind: ClassVar[CommandKind]


@dataclass(frozen=True)
class Reply:
    """What a command answers when it succeeds (a refusal is an error, ``CommandRefusedError``)."""


@dataclass(frozen=True)
class LineReport:
    """A line's status with how its audio keeps up (the ``status`` command's answer)."""

    status: LineStatus
    overruns: int = 0  # frames its driver lost
    behind_s: float = 0.0  # how far its worker is behind its audio now
    most_behind_s: float = 0.0  # and at worst since it started
    unsaved: int = 0  # call-log writes the store has not taken yet (it is failing)


@dataclass(frozen=True)
class StorageProblem:
    """A store or file error the engine met and went on past, the same ones counted once."""

    line: int | None  # None: not a line's (the engine's own)
    what: str  # what could not be written, e.g. "a new call", "a recording"
    error: str
    first_at: float  # Unix time
    last_at: float
    count: int = 1


@dataclass(frozen=True)
class RetentionState:
    """What retention last saw and did (times are Unix time; None: not yet)."""

    enabled: bool = True
    checked_at: float | None = None  # the last look at free space
    total_bytes: int | None = None
    free_bytes: int | None = None
    target_free_bytes: int | None = None  # retention deletes while free space is below this
    floor_bytes: int | None = None  # and at once below this
    last_round_at: float | None = None
    last_round_deleted: int = 0
    last_round_freed_bytes: int = 0
    deleted_total: int = 0  # since the engine started
    stuck: bool = False  # short of the target, and nothing left that may be deleted
    last_problem: str | None = None
    last_problem_at: float | None = None


@dataclass(frozen=True)
class ArchiveState:
    """What the archive worker (compression after the call) last saw and did (times are
    Unix time; None: not yet)."""

    enabled: bool = False  # compression or the long-archive tier is on
    checked_at: float | None = None  # the last look at the queue
    waiting: int = 0  # recordings waiting for a tier
    done: int = 0  # recordings compressed since the engine started
    saved_bytes: int = 0  # what they freed on the disk, since the engine started
    last_done_at: float | None = None
    last_done: str | None = None  # its file, under the recordings folder
    last_problem: str | None = None
    last_problem_at: float | None = None
    failed: int = 0  # recordings passed over after an error (tried again later)


@dataclass(frozen=True)
class MailState:
    """The box's e-mail (``firmware.engine.mailer``): sent since the engine started, and
    the last message it gave up on (Unix time)."""

    sent: int = 0
    failed: int = 0
    last_problem: str | None = None
    last_problem_at: float | None = None


@dataclass(frozen=True)
class StatusReply(Reply):
    lines: tuple[LineReport, ...] = ()
    storage_problems: tuple[StorageProblem, ...] = ()  # the recent ones, oldest first
    retention: RetentionState | None = None  # None: the engine runs no retention
    archive: ArchiveState | None = None  # None: the engine runs no archive worker
    mail: MailState | None = None  # None: the engine runs no mailer
    sms: SmsState | None = None  # None: the engine runs no text-message sender


@dataclass(frozen=True)
class LineReply(Reply):
    """The command was queued for this line: it takes effect at its next frame."""

    line: int = 0


@dataclass(frozen=True)
class LineFailure:
    line: int
    error: str


@dataclass(frozen=True)
class ReloadReply(Reply):
    """Which lines a new configuration restarts, starts and stops, and which failed to start."""

    restarting: tuple[int, ...] = ()
    started: tuple[int, ...] = ()
    stopping: tuple[int, ...] = ()
    failed: tuple[LineFailure, ...] = ()


@dataclass(frozen=True)
class FirewallReply(Reply):
    """The call firewall as the lines now use it: which lines took it, how many numbers
    are on its lists and how many rules are on."""

    lines: tuple[int, ...] = ()
    listed: int = 0
    rules: int = 0


@dataclass(frozen=True)
class MenusReply(Reply):
    """The voice menus as the lines now use them: the lines that answer with one."""

    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class StatusCommand(Command):
    """Every line's status and how its audio keeps up."""

    kind = CommandKind.STATUS


@dataclass(frozen=True)
class RecordCommand(Command):
    """Start (``on``) or stop a recording on a line in manual mode, during a call.

    Refused, with one of ``RECORD_REFUSALS``, when it cannot take effect."""

    kind = CommandKind.RECORD
    line: int
    on: bool = True


# Why a line refuses a ``record`` command (``firmware.engine.state.record_refusal``): the
# refusal's text, {line} its number. The web shows them in the user's language.
RECORD_REFUSALS = {
    "not_manual": "line {line} does not record by hand: its recording mode is not manual",
    "not_in_call": "line {line} is not in a call",
    "dialling": "line {line} is still dialling: recording can start once the call is connected",
    "no_record": "the number on line {line} is on the no-record list",
    "offline": "line {line} is not running",
}


@dataclass(frozen=True)
class SeizeCommand(Command):
    """Take the line off hook (``on``) or release it."""

    kind = CommandKind.SEIZE
    line: int
    on: bool = True


@dataclass(frozen=True)
class ActCommand(Command):
    """Have the box do ``act`` on a line now (``ACTS``); refused with one of
    ``ACT_REFUSALS`` when the line cannot."""

    kind = CommandKind.ACT
    line: int
    act: str = "survey"


# What a person may ask the box to do on a line (``ActCommand``).
ACTS = ("survey",)
# Why a line refuses an ``act`` command: the refusal's text, {line} its number.
ACT_REFUSALS = {
    "unknown": "the box cannot do that on a line",
    "not_in_call": "line {line} is not in an answered call",
    "busy": "the box is already doing something on line {line}",
    "no_playback": "line {line} has no way to play to the line (its playback is not set)",
    "offline": "line {line} is not running",
}


@dataclass(frozen=True)
class DialCommand(Command):
    """Have the box place a call on ``line`` to ``number`` (digits, ``*``, ``#``).

    The box takes the line (its relay), waits for dial tone, dials (DTMF, or
    pulses where the line's ``dialling`` setting says so) and follows the call:
    ``DialProgress`` as it goes, ``DialEnded`` once decided. With ``hand_over``
    (click-to-dial) the box lets go as soon as the line's phone is picked up
    after the dialling, and the call goes on with it; where the line cannot see its
    phones while the box holds it (``LineSignals.senses_phones_while_seized``: a GPIO
    line) the box does not take the line: it asks the operator to lift the handset
    (``lift_handset``), waits for dial tone and plays the number's DTMF beside the
    phone, and the call is the phone's once the number is out (``handed_over``;
    ``failed`` when nobody lifts the handset in 20 s or the operator hangs up first;
    such a line must dial by tone). Without ``hand_over`` the box hangs
    up once it has its result. ``user`` says who asked (a user's login, or a
    program's name), for the log; ``attempt`` is any id of the caller's own,
    echoed in the events of this call. Refused with one of ``DIAL_REFUSALS``
    ({line}, {number}, {rule} filled in) when the line cannot place it now;
    the reply (``LineReply``) says it was queued for the line's next frame.

    A dialling task's call (``firmware.engine.dialling_tasks``) goes without
    ``hand_over``: nobody waits at the phone while it rings, and the box tells a
    person from a machine first. ``hold_s`` (0: hang up at the result, as
    above): when the result is ``human`` the box keeps the line up to ``hold_s``
    seconds for the operator, tells ``DialProgress`` ``holding`` and sets
    ``LineStatus.office_wanted`` (ringing the office's phones where the line has a
    ringer, as a voice menu's ring-through does); the line's phone picked up, it
    lets go as with ``hand_over`` (``handed_over``), else it hangs up (``human``).
    ``machine_message``: a prompt of the library (its key or id) the box leaves on
    an answering machine after its greeting (its beep, or its silence), then hangs
    up; ``DialEnded.message_left`` says whether it went out whole."""

    kind = CommandKind.DIAL
    line: int
    number: str
    user: str = ""
    attempt: str | None = None
    hand_over: bool = True
    hold_s: float = 0.0
    machine_message: str | None = None


# Why a line refuses a ``dial`` command: the refusal's text, {line}, {number} and {rule}
# filled in. The web shows them in the user's language.
DIAL_REFUSALS = {
    "bad_number": "{number} is not a number the box can dial (digits, * and #, at most 32)",
    "offline": "line {line} is not running",
    "busy": "line {line} is busy",
    "no_relay": "line {line} has no relay to take the line with",
    "no_playback": "line {line} has no way to play to the line (its playback is not set)",
    "no_pulse": "line {line} dials by pulses, but its relay cannot pulse",
    "no_pulse_phone": (
        "line {line} dials by pulses: click-to-dial dials with the operator's phone there, "
        "and the box cannot pulse a loop the phone holds"
    ),
    "black_list": "{number} is on the call firewall's black list",
    "do_not_call": "the call firewall's rule {rule} blocks {number}",
}


@dataclass(frozen=True)
class ReloadConfigCommand(Command):
    """Apply the configuration file as it is now (the web UI sends it after a change)."""

    kind = CommandKind.RELOAD_CONFIG


@dataclass(frozen=True)
class ReloadFirewallCommand(Command):
    """Read the call firewall's lists and rules again (the web UI sends it after a change)."""

    kind = CommandKind.RELOAD_FIREWALL


@dataclass(frozen=True)
class ReloadMenusCommand(Command):
    """Read the voice menus and which line answers with which again (the web UI sends it
    after a change)."""

    kind = CommandKind.RELOAD_MENUS


COMMAND_TYPES: dict[CommandKind, type[Command]] = {
    command_type.kind: command_type
    for command_type in (
        StatusCommand, RecordCommand, SeizeCommand, ReloadConfigCommand, ActCommand,
        ReloadFirewallCommand, ReloadMenusCommand, DialCommand,
    )
}
REPLY_TYPES: dict[type[Command], type[Reply]] = {
    StatusCommand: StatusReply,
    RecordCommand: LineReply,
    SeizeCommand: LineReply,
    ReloadConfigCommand: ReloadReply,
    ActCommand: LineReply,
    ReloadFirewallCommand: FirewallReply,
    ReloadMenusCommand: MenusReply,
    DialCommand: LineReply,
}


class CommandRefusedError(LinerecError):
    """The engine refused a command; the message is its reason."""


# ---- messages on the wire --------------------------------------------------------------


@dataclass(frozen=True)
class CommandMessage:
    """A command as a client sent it, with the id its reply will carry."""

    id: Any
    command: Command


@dataclass(frozen=True)
class ReplyMessage:
    """A reply as the engine sent it: ``reply`` for a success, ``error`` for a refusal."""

    id: Any
    fields: dict[str, Any] | None  # a success's fields, typed by ``reply_of`` for its command
    error: str | None = None


def encode_event(event: Published) -> bytes:
    return _line({"event": {"type": event.kind.value, **to_document(event)}})


def encode_command(request_id: Any, command: Command) -> bytes:
    return _line({"id": request_id, "command": command.kind.value, **to_document(command)})


def encode_reply(request_id: Any, reply: Reply) -> bytes:
    return _line({"reply": request_id, "ok": True, **to_document(reply)})


def encode_refusal(request_id: Any, error: str) -> bytes:
    return _line({"reply": request_id, "ok": False, "error": error})


def decode_command(raw: bytes) -> CommandMessage:
    """A command line from a client; ``ContractError`` says what is wrong with it.

    The error's message is fit to send back to the client as the refusal.
    """
    message = _message(raw, version_required=False)
    name = message.pop("command", None)
    request_id = message.pop("id", None)
    if not isinstance(name, str):
        raise ContractError('expected {"id": ..., "command": ...}')
    try:
        command_type = COMMAND_TYPES[CommandKind(name)]
    except ValueError:
        known = ", ".join(kind.value for kind in CommandKind)
        raise ContractError(f"unknown command {name!r} ({known})") from None
    return CommandMessage(request_id, _build(command_type, message, name))


def decode_from_engine(raw: bytes) -> Published | ReplyMessage:
    """An event or a reply from the engine."""
    message = _message(raw, version_required=True)
    if "event" in message:
        fields = message["event"]
        if not isinstance(fields, dict) or set(message) != {"event"}:
            raise ContractError("an event must be an object, alone in its message")
        fields = dict(fields)
        kind = fields.pop("type", None)
        try:
            event_type = EVENT_TYPES[EventKind(kind)]
        except ValueError:
            raise ContractError(f"unknown event type {kind!r}") from None
        return _build(event_type, fields, kind)
    if "reply" in message:
        request_id = message.pop("reply")
        ok = message.pop("ok", None)
        if ok is True:
            return ReplyMessage(request_id, message)
        if ok is False and isinstance(message.get("error"), str) and set(message) == {"error"}:
            return ReplyMessage(request_id, None, message["error"])
        raise ContractError("a reply needs ok: true with its fields, or ok: false and an error")
    raise ContractError("neither an event nor a reply")


def reply_of(command: Command, fields: dict[str, Any]) -> Reply:
    """The typed reply to ``command`` from the fields of its ``ReplyMessage``."""
    reply_type = REPLY_TYPES[type(command)]
    return _build(reply_type, fields, reply_type.__name__)


# ---- the codec ---------------------------------------------------------------------------


def _line(message: dict[str, Any]) -> bytes:
    document = {"v": PROTOCOL_VERSION, **message}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _message(raw: bytes, *, version_required: bool) -> dict[str, Any]:
    try:
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ContractError("not a JSON object") from None
    if not isinstance(message, dict):
        raise ContractError(f"expected a JSON object, got {type(message).__name__}")
    version = message.pop("v", None if version_required else PROTOCOL_VERSION)
    if version != PROTOCOL_VERSION:
        raise ContractError(
            f"protocol version {version!r} is not spoken here (this side speaks "
            f"{PROTOCOL_VERSION})"
        )
    return message


def _build(message_type: type[T], fields: Any, place: str) -> T:
    """``message_type`` from plain JSON fields, checked against its type hints."""
    try:
        return parse(message_type, fields, place=place, noun="field")
    except SchemaError as error:
        raise ContractError(str(error)) from None
