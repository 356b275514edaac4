"""The AT-command protocol of voice modems, apart from any transport.

``AtProtocol.feed(bytes)`` turns what a modem sends into events, whether the
bytes came from a serial port or a test. It knows two states:

- command state: text lines ending in CR/LF. Final result codes (OK,
  ERROR, CONNECT, VCON, NO CARRIER, BUSY, NO DIALTONE, NO ANSWER, and the
  GSM errors ``+CMS ERROR: <n>`` and ``+CME ERROR: <n>``) become
  ``ResultCode``; an unsolicited ``RING`` becomes ``Ring``; caller-ID
  report lines (``DATE = 1123``, ``TIME = 1042``, ``NMBR = 13800138000``,
  ``NAME = ZHANG SAN``, ``NMBR = O``/``P``, ``MESG = 0C...``) become
  ``CallerIdLine`` with the line as sent, for the firmware to parse;
  anything else is an ``InfoLine``, except the unsolicited result codes
  the protocol was told of (``unsolicited``: a GSM modem's ``+CMTI:``,
  ``+CDS:``, ...), which become ``Unsolicited``, with the line after them
  for those that carry one (``with_data``: ``+CMT: ,24`` then the PDU).
  ``<DLE><code>`` pairs (voice-mode events such as DTMF digits, busy or
  dial tone) become ``DleCode``. After ``expect_prompt()``, the prompt
  ``"> "`` that asks for a message's text (``AT+CMGS``) becomes ``Prompt``
  as soon as it is seen: no line end follows it.
- voice data state, entered at the CONNECT that answers ``AT+VRX`` when
  ``expect_voice_data()`` was called first: bytes are audio
  (``VoiceData``), ``<DLE><DLE>`` is one 0x10 data byte and ``<DLE><SUB>``
  two, ``<DLE><ETX>`` ends the data (``VoiceDataEnd``), and any other
  ``<DLE><code>`` is a ``DleCode``.

Every event carries ``at``, the monotonic time its bytes were fed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from drivers.voice_codecs import SampleFormat

__all__ = [
    "DLE",
    "END_OF_DATA",
    "ETX",
    "AtProtocol",
    "CallerIdLine",
    "DleCode",
    "InfoLine",
    "ModemEvent",
    "Prompt",
    "ResultCode",
    "Ring",
    "Unsolicited",
    "VoiceCompression",
    "VoiceData",
    "VoiceDataEnd",
    "parse_vsm_list",
]

DLE = 0x10
ETX = 0x03
SUB = 0x1A
RECEIVE_ABORT = bytes([DLE, ord("!")])  # host -> modem: stop AT+VRX
END_OF_DATA = bytes([DLE, ETX])  # host -> modem: the end of the voice sent (AT+VTX, AT+VTR)

RESULT_CODES = ("OK", "ERROR", "CONNECT", "VCON", "NO CARRIER", "BUSY", "NO DIALTONE", "NO ANSWER")
# Final results of GSM modems (3GPP TS 27.005 3.2.5, TS 27.007 9.2): "+CMS ERROR: 330".
ERROR_RESULTS = ("+CMS ERROR", "+CME ERROR")
PROMPT = b"> "
CALLER_ID_FIELDS = frozenset({"DATE", "TIME", "NMBR", "NAME", "MESG", "DDN_NMBR", "FM", "TO"})
DTMF_CODES = "0123456789*#ABCD"

# The meaning of the common <DLE> codes (ITU-T V.253), for messages and logs.
DLE_CODE_NAMES = {
    "b": "busy tone",
    "c": "fax calling tone",
    "d": "dial tone",
    "e": "data calling tone",
    "h": "local handset on hook",
    "H": "local handset off hook",
    "q": "quiet (silence after voice)",
    "s": "silence",
    "R": "ring",
    "t": "handset off hook",
    "u": "data buffer underrun",
    "o": "data buffer overrun",
    "/": "start of DTMF tone",
    "~": "end of DTMF tone",
}


@dataclass(frozen=True)
class ModemEvent:
    at: float  # monotonic time the bytes were fed


@dataclass(frozen=True)
class ResultCode(ModemEvent):
    code: str  # one of RESULT_CODES
    text: str  # the line as sent, e.g. "CONNECT 9600"


@dataclass(frozen=True)
class Ring(ModemEvent):
    text: str = "RING"


@dataclass(frozen=True)
class CallerIdLine(ModemEvent):
    field: str  # "DATE", "TIME", "NMBR", "NAME", "MESG", ...
    value: str  # what follows "=", stripped
    line: str  # the whole line as the modem sent it


@dataclass(frozen=True)
class InfoLine(ModemEvent):
    text: str


@dataclass(frozen=True)
class Prompt(ModemEvent):
    """The modem waits for the data of the command in progress (a message after AT+CMGS)."""


@dataclass(frozen=True)
class Unsolicited(ModemEvent):
    """An unsolicited result code the protocol was told of, e.g. ``+CMTI: "SM",3``."""

    text: str  # the line as sent
    data: str = ""  # the line after it, for a code that carries one (+CMT, +CDS: the PDU)

    @property
    def name(self) -> str:
        """The code's name, e.g. ``+CMTI``."""
        return self.text.partition(":")[0].strip().upper()

    @property
    def value(self) -> str:
        """What follows the colon, stripped."""
        return self.text.partition(":")[2].strip()


@dataclass(frozen=True)
class DleCode(ModemEvent):
    code: str  # the character after <DLE>

    @property
    def dtmf(self) -> str | None:
        """The DTMF digit this code reports, or None."""
        return self.code if self.code in DTMF_CODES else None

    @property
    def meaning(self) -> str:
        if self.dtmf:
            return f"DTMF {self.code}"
        return DLE_CODE_NAMES.get(self.code, f"code {self.code!r}")


@dataclass(frozen=True)
class VoiceData(ModemEvent):
    data: bytes  # audio bytes, DLE shielding removed


@dataclass(frozen=True)
class VoiceDataEnd(ModemEvent):
    pass


_CALLER_ID = re.compile(r"^\s*([A-Z_]+)\s*[=:]\s*(.*?)\s*$")


def classify_line(text: str, at: float) -> ModemEvent:
    """The event one text line from the modem stands for."""
    stripped = text.strip()
    upper = stripped.upper()
    for code in RESULT_CODES:
        if upper == code or (code == "CONNECT" and upper.startswith("CONNECT ")):
            return ResultCode(at, code, stripped)
    for code in ERROR_RESULTS:
        if upper.startswith(code) and upper[len(code) :].lstrip().startswith(":"):
            return ResultCode(at, code, stripped)
    if upper == "NO DIAL TONE":
        return ResultCode(at, "NO DIALTONE", stripped)
    if upper == "RING" or upper.startswith("RING "):
        return Ring(at, stripped)
    match = _CALLER_ID.match(stripped)
    if match and match.group(1).upper() in CALLER_ID_FIELDS:
        return CallerIdLine(at, match.group(1).upper(), match.group(2), stripped)
    return InfoLine(at, stripped)


class AtProtocol:
    """Bytes from a modem in, events out; see the module docstring."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        unsolicited: Iterable[str] = (),
        with_data: Iterable[str] = (),
    ) -> None:
        self._clock = clock
        self._line = bytearray()
        self._dle_pending = False
        self._in_voice_data = False
        self._data_after_connect = False
        self._skip_lf = False
        self._prompt_expected = False
        self._awaiting_data: Unsolicited | None = None  # a code whose data line comes next
        self.set_unsolicited(unsolicited, with_data)

    def set_unsolicited(self, names: Iterable[str], with_data: Iterable[str] = ()) -> None:
        """The unsolicited result codes to tell apart (``+CMTI``, ...), and those of them
        followed by a line of data (``+CMT``, ``+CDS`` in PDU mode)."""
        self._with_data = frozenset(name.upper() for name in with_data)
        self._unsolicited = frozenset(name.upper() for name in names) | self._with_data

    def expect_prompt(self, expected: bool = True) -> None:
        """The command about to be sent answers with the prompt ``"> "``."""
        self._prompt_expected = expected

    @property
    def in_voice_data(self) -> bool:
        return self._in_voice_data

    def expect_voice_data(self, expected: bool = True) -> None:
        """The next CONNECT starts voice data (call just before sending AT+VRX)."""
        self._data_after_connect = expected

    def feed(self, data: bytes, at: float | None = None) -> list[ModemEvent]:
        at = self._clock() if at is None else at
        events: list[ModemEvent] = []
        audio = bytearray()
        for byte in data:
            if self._skip_lf:
                self._skip_lf = False
                if byte == 0x0A:
                    continue
            if self._in_voice_data:
                self._voice_byte(byte, at, audio, events)
            else:
                self._command_byte(byte, at, events)
        if audio:
            events.append(VoiceData(at, bytes(audio)))
        return events

    def _command_byte(self, byte: int, at: float, events: list[ModemEvent]) -> None:
        if self._dle_pending:
            self._dle_pending = False
            events.append(DleCode(at, chr(byte)))
            return
        if byte == DLE:
            self._dle_pending = True
            return
        if byte not in (0x0D, 0x0A):
            self._line.append(byte)
            if self._prompt_expected and self._line.lstrip() == PROMPT:
                self._prompt_expected = False
                self._line.clear()
                events.append(Prompt(at))
            return
        text = self._line.decode("latin-1")
        self._line.clear()
        if not text.strip():
            return
        if self._awaiting_data is not None:
            events.append(
                Unsolicited(self._awaiting_data.at, self._awaiting_data.text, text.strip())
            )
            self._awaiting_data = None
            return
        name = text.partition(":")[0].strip().upper() if ":" in text else ""
        if name in self._unsolicited:
            found = Unsolicited(at, text.strip())
            if name in self._with_data:
                self._awaiting_data = found
            else:
                events.append(found)
            return
        event = classify_line(text, at)
        events.append(event)
        if isinstance(event, ResultCode) and event.code == "CONNECT" and self._data_after_connect:
            self._data_after_connect = False
            self._in_voice_data = True
            self._skip_lf = byte == 0x0D

    def _voice_byte(self, byte: int, at: float, audio: bytearray, events: list[ModemEvent]) -> None:
        if not self._dle_pending:
            if byte == DLE:
                self._dle_pending = True
            else:
                audio.append(byte)
            return
        self._dle_pending = False
        if byte == DLE:
            audio.append(DLE)
        elif byte == SUB:
            audio += bytes([DLE, DLE])
        else:
            if audio:  # keep the order: audio before the code that followed it
                events.append(VoiceData(at, bytes(audio)))
                audio.clear()
            if byte == ETX:
                self._in_voice_data = False
                events.append(VoiceDataEnd(at))
            else:
                events.append(DleCode(at, chr(byte)))


def shield(data: bytes) -> bytes:
    """Audio bytes as they go in voice data, either way: every DLE doubled."""
    return data.replace(bytes([DLE]), bytes([DLE, DLE]))


@dataclass(frozen=True)
class VoiceCompression:
    """One entry of ``AT+VSM=?``: the modem's id for it and what the samples are."""

    id: int
    name: str
    sample_format: SampleFormat | None  # None: a compression we cannot decode (ADPCM, ...)
    rates: tuple[int, ...] = ()  # sample rates it offers, () if not listed

    def command(self, rate: int = 8000) -> str:
        return f"AT+VSM={self.id},{rate}"


_VSM_LINE = re.compile(r'^\s*(\d+)\s*,\s*"([^"]*)"\s*(.*)$')


def _vsm_format(name: str, fields: list[str]) -> SampleFormat | None:
    upper = name.upper().replace(" ", "").replace("_", "")
    if "ADPCM" in upper:
        return None
    laws = {
        SampleFormat.ULAW: ("711U", "ULAW", "U-LAW", "MULAW", "MU-LAW"),
        SampleFormat.ALAW: ("711A", "ALAW", "A-LAW"),
    }
    for law, tags in laws.items():
        if any(tag in upper for tag in tags):
            return law
    if "LINEAR" not in upper and "PCM" not in upper:
        return None
    bits = next((int(f) for f in fields if f.strip().isdigit()), 16 if "16" in upper else 8)
    signed = "SIGNED" in upper and "UNSIGNED" not in upper
    linear = {16: SampleFormat.S16LE, 8: SampleFormat.S8 if signed else SampleFormat.U8}
    return linear.get(bits)


def parse_vsm_list(lines: Iterable[str]) -> list[VoiceCompression]:
    """The compressions a modem lists in answer to ``AT+VSM=?``.

    Lines look like ``128,"8-BIT LINEAR",(7200,8000,11025)`` or
    ``4,"G711U",8,0,(8000),(0),(0)``; lines that are not entries are skipped.
    """
    compressions = []
    for line in lines:
        match = _VSM_LINE.match(line)
        if not match:
            continue
        rest = match.group(3)
        groups = re.findall(r"\(([^)]*)\)", rest)
        plain = [f for f in re.sub(r"\([^)]*\)", "", rest).split(",") if f.strip()]
        rates = tuple(
            int(value)
            for value in (groups[0].split(",") if groups else [])
            if value.strip().isdigit()
        )
        name = match.group(2).strip()
        compressions.append(
            VoiceCompression(int(match.group(1)), name, _vsm_format(name, plain), rates)
        )
    return compressions


_PREFERENCE = (
    SampleFormat.S16LE,
    SampleFormat.ULAW,
    SampleFormat.ALAW,
    SampleFormat.U8,
    SampleFormat.S8,
)


def choose_compression(compressions: Iterable[VoiceCompression]) -> VoiceCompression | None:
    """The best one we can decode at 8 kHz: 16-bit linear, then G.711, then 8-bit linear."""
    usable = [
        c for c in compressions if c.sample_format is not None and (not c.rates or 8000 in c.rates)
    ]
    usable.sort(key=lambda c: _PREFERENCE.index(c.sample_format))
    return usable[0] if usable else None
