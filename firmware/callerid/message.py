"""Caller-ID messages (Bellcore GR-30, ETSI EN 300 659-3): SDMF, MDMF, message waiting.

A message is its type, its length, that many data bytes and a checksum
(the two's complement of the sum of the others, mod 256). ``parse_message``
turns the received bytes into a ``CallerId``; the ``build_*`` functions make
the bytes for the generators. A checksum that fails is reported in
``checksum_ok``, never hidden: ``CallerId.valid`` is what the engine trusts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from firmware.errors import LinerecError

__all__ = [
    "CALLER_ID_TYPES",
    "MDMF_CALLER_ID",
    "MDMF_MESSAGE_WAITING",
    "SDMF_CALLER_ID",
    "SDMF_MESSAGE_WAITING",
    "CallerId",
    "CallerIdError",
    "build_mdmf",
    "build_message_waiting",
    "build_sdmf",
    "checksum",
    "parse_message",
]

SDMF_CALLER_ID = 0x04
SDMF_MESSAGE_WAITING = 0x06
MDMF_CALLER_ID = 0x80
MDMF_MESSAGE_WAITING = 0x82
# The types a caller-ID transmitter sends; others come from speech or tones.
CALLER_ID_TYPES = frozenset(
    {SDMF_CALLER_ID, SDMF_MESSAGE_WAITING, MDMF_CALLER_ID, MDMF_MESSAGE_WAITING}
)

# MDMF parameter types
PARAM_DATE = 0x01
PARAM_NUMBER = 0x02
PARAM_DIALABLE = 0x03
PARAM_NUMBER_ABSENT = 0x04
PARAM_NAME = 0x07
PARAM_NAME_ABSENT = 0x08
PARAM_VISUAL_INDICATOR = 0x0B

_MWI_SDMF = {b"\x42\x42\x42": True, b"\x6f\x6f\x6f": False}
_ABSENCE = ("O", "P")


class CallerIdError(LinerecError, ValueError):
    """Arguments a caller-ID message cannot be built from."""


@dataclass(frozen=True)
class CallerId:
    """One caller-ID report, whatever carried it (FSK, DTMF or a modem).

    format: "SDMF", "MDMF", "DTMF" or "MODEM". number and name as sent
    (None when absent); date "MMDDHHMM" as sent; reason_absent "O" (out of
    area / unavailable) or "P" (private) when the number is withheld, and
    name_absent likewise for the name. checksum_ok: True or False for FSK,
    None where the carrier has no checksum. raw: the bytes received.
    parameters: every MDMF parameter as (type, bytes), unknown ones too.
    problem: why the message is unusable ("truncated", "malformed ...")
    or "". start_s: where the message started in the audio, if known.
    """

    format: str
    number: str | None = None
    name: str | None = None
    date: str | None = None
    reason_absent: str | None = None
    name_absent: str | None = None
    dialable_number: str | None = None
    message_waiting: bool | None = None
    message_type: int | None = None
    checksum_ok: bool | None = None
    raw: bytes = b""
    parameters: tuple[tuple[int, bytes], ...] = field(default=())
    problem: str = ""
    start_s: float | None = None
    carrier: str = ""  # "bell202", "v23", "dtmf" or "modem"

    @property
    def valid(self) -> bool:
        """True when nothing says the content is wrong (checksum, structure, length)."""
        return self.checksum_ok is not False and not self.problem

    def to_json(self) -> dict:
        """The fields of the ``linerec dsp cid`` contract."""
        return {
            "format": self.format,
            "number": self.number,
            "name": self.name,
            "date": self.date,
            "reason_absent": self.reason_absent,
            "checksum_ok": self.checksum_ok,
            "start_s": None if self.start_s is None else round(self.start_s, 3),
        }


def checksum(body: bytes) -> int:
    """The checksum byte for type + length + data."""
    return (-sum(body)) & 0xFF


def _text(data: bytes) -> str:
    # Numbers and names are ASCII; anything else is shown, not dropped.
    return data.decode("latin-1")


def _absence(data: bytes) -> str | None:
    text = _text(data)
    return text if text in _ABSENCE else None


def _parse_sdmf(message_type: int, data: bytes) -> dict:
    if message_type == SDMF_MESSAGE_WAITING:
        return {"message_waiting": _MWI_SDMF.get(bytes(data[:3]))}
    fields: dict = {}
    if len(data) < 8:
        fields["problem"] = f"malformed SDMF: {len(data)} data bytes, the date alone needs 8"
        return fields
    fields["date"] = _text(data[:8])
    rest = data[8:]
    absent = _absence(rest)
    if absent:
        fields["reason_absent"] = absent
    elif rest:
        fields["number"] = _text(rest)
    return fields


def _parse_mdmf(data: bytes) -> dict:
    fields: dict = {}
    parameters = []
    position = 0
    while position < len(data):
        if position + 2 > len(data):
            fields["problem"] = f"malformed MDMF: parameter header cut at byte {position}"
            break
        kind, length = data[position], data[position + 1]
        value = bytes(data[position + 2 : position + 2 + length])
        if len(value) < length:
            fields["problem"] = (
                f"malformed MDMF: parameter 0x{kind:02x} says {length} bytes, {len(value)} remain"
            )
            break
        parameters.append((kind, value))
        position += 2 + length
        if kind == PARAM_DATE:
            fields["date"] = _text(value)
        elif kind == PARAM_NUMBER:
            fields["number"] = _text(value)
        elif kind == PARAM_DIALABLE:
            fields["dialable_number"] = _text(value)
        elif kind == PARAM_NUMBER_ABSENT:
            fields["reason_absent"] = _absence(value) or _text(value)
        elif kind == PARAM_NAME:
            fields["name"] = _text(value)
        elif kind == PARAM_NAME_ABSENT:
            fields["name_absent"] = _absence(value) or _text(value)
        elif kind == PARAM_VISUAL_INDICATOR and value:
            fields["message_waiting"] = value[0] == 0xFF
    fields["parameters"] = tuple(parameters)
    return fields


def parse_message(raw: bytes, start_s: float | None = None, carrier: str = "") -> CallerId:
    """Parse type, length, data and checksum; never raises on any input."""
    raw = bytes(raw)
    if len(raw) < 2:
        return CallerId(
            "UNKNOWN",
            raw=raw,
            checksum_ok=False,
            problem="truncated",
            start_s=start_s,
            carrier=carrier,
        )
    message_type, length = raw[0], raw[1]
    data = raw[2 : 2 + length]
    complete = len(raw) >= 3 + length
    checksum_ok = complete and sum(raw[: 3 + length]) & 0xFF == 0
    if message_type in (SDMF_CALLER_ID, SDMF_MESSAGE_WAITING):
        message_format, fields = "SDMF", _parse_sdmf(message_type, data)
    elif message_type & 0x80:
        message_format, fields = "MDMF", _parse_mdmf(data)
    else:
        message_format, fields = (
            "UNKNOWN",
            {"problem": f"unknown message type 0x{message_type:02x}"},
        )
    if message_format == "MDMF" and not fields.get("parameters") and not fields.get("problem"):
        fields["problem"] = "MDMF message without parameters"
    if not complete:
        fields["problem"] = "truncated"
    return CallerId(
        message_format,
        message_type=message_type,
        checksum_ok=checksum_ok,
        raw=raw[: 3 + length],
        start_s=start_s,
        carrier=carrier,
        **fields,
    )


def _ascii(value: str, what: str) -> bytes:
    try:
        return value.encode("ascii")
    except UnicodeEncodeError:
        raise CallerIdError(f"{what} must be ASCII for caller ID, got {value!r}") from None


def _finish(message_type: int, data: bytes) -> bytes:
    if len(data) > 255:
        raise CallerIdError(f"caller-ID data is {len(data)} bytes; at most 255 fit")
    body = bytes([message_type, len(data)]) + data
    return body + bytes([checksum(body)])


def _check_date(date: str) -> bytes:
    if len(date) != 8 or not date.isdigit():
        raise CallerIdError(f"date must be 8 digits MMDDHHMM, got {date!r}")
    return date.encode("ascii")


def build_sdmf(date: str, number: str = "", reason_absent: str = "") -> bytes:
    """An SDMF caller-ID message: MMDDHHMM then the number, or 'O' / 'P'."""
    if reason_absent and reason_absent not in _ABSENCE:
        raise CallerIdError(f"reason_absent must be 'O' or 'P', got {reason_absent!r}")
    return _finish(SDMF_CALLER_ID, _check_date(date) + _ascii(reason_absent or number, "number"))


def build_mdmf(
    *,
    date: str | None = None,
    number: str | None = None,
    name: str | None = None,
    reason_absent: str | None = None,
    name_absent: str | None = None,
    dialable_number: str | None = None,
    extra: tuple[tuple[int, bytes], ...] = (),
    message_type: int = MDMF_CALLER_ID,
) -> bytes:
    """An MDMF message with the given parameters, in the usual order, then ``extra``."""
    data = b""
    for kind, value in (
        (PARAM_DATE, None if date is None else _check_date(date)),
        (PARAM_NUMBER, None if number is None else _ascii(number, "number")),
        (PARAM_DIALABLE, None if dialable_number is None else _ascii(dialable_number, "number")),
        (PARAM_NUMBER_ABSENT, None if reason_absent is None else _ascii(reason_absent, "reason")),
        (PARAM_NAME, None if name is None else _ascii(name, "name")),
        (PARAM_NAME_ABSENT, None if name_absent is None else _ascii(name_absent, "reason")),
        *extra,
    ):
        if value is None:
            continue
        if len(value) > 255:
            raise CallerIdError(f"parameter 0x{kind:02x} is {len(value)} bytes; at most 255")
        data += bytes([kind, len(value)]) + value
    return _finish(message_type, data)


def build_message_waiting(waiting: bool, mdmf: bool = False) -> bytes:
    """Message-waiting indication: SDMF 0x06 or MDMF 0x82 with a visual indicator."""
    if mdmf:
        return build_mdmf(
            extra=((PARAM_VISUAL_INDICATOR, b"\xff" if waiting else b"\x00"),),
            message_type=MDMF_MESSAGE_WAITING,
        )
    return _finish(SDMF_MESSAGE_WAITING, b"\x42\x42\x42" if waiting else b"\x6f\x6f\x6f")
