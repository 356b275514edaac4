"""Caller ID reported by voice modems over serial, as text.

Formatted reports (``AT+VCID=1``) are lines such as ``DATE = 1123``,
``TIME = 1042``, ``NMBR = 13800138000`` (or ``O`` / ``P``), ``NAME = ZHANG
SAN``, some modems adding ``DDN_NMBR`` or writing ``DATE=1123``;
unformatted ones (``AT+VCID=2``) give the message bytes in hex, alone on
a line or as ``MESG = ...``. ``ModemCallerIdParser`` takes bytes however
they arrive (any split) and gives the same ``CallerId`` objects as the
audio path. It knows nothing of the transport; ``ModemCallerIdListener``
reads from anything with pySerial's ``read``/``in_waiting``.
"""

from __future__ import annotations

import re

from firmware.callerid.message import CallerId, parse_message

__all__ = ["ENABLE_COMMAND", "ModemCallerIdListener", "ModemCallerIdParser"]

ENABLE_COMMAND = b"AT+VCID=1\r"
_FIELD = re.compile(r"^\s*(DATE|TIME|NMBR|NAME|DDN_NMBR|MESG)\s*=\s*(.*?)\s*$", re.IGNORECASE)
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2}){4,}$")
_MAX_LINE = 512  # a longer "line" is noise: dropped so it cannot grow without bound


class ModemCallerIdParser:
    """Feed it the modem's bytes; it returns each caller-ID report once complete."""

    def __init__(self) -> None:
        self._pending = b""
        self._fields: dict[str, str] = {}
        self._lines: list[str] = []

    def feed(self, data: bytes) -> list[CallerId]:
        reports = []
        buffer = self._pending + bytes(data)
        # a CR at the end may be half of a CR LF split between two reads: keep it
        held = b"\r" if buffer.endswith(b"\r") else b""
        *lines, rest = re.split(rb"\r\n|\r|\n", buffer[: len(buffer) - len(held)])
        self._pending = rest + held
        if len(self._pending) > _MAX_LINE:
            self._pending = b""
        for line in lines:
            reports += self._line(line[:_MAX_LINE].decode("latin-1"))
        return reports

    def flush(self) -> list[CallerId]:
        """The report being gathered, if any (call it when the modem has gone quiet)."""
        if self._pending.strip():
            line, self._pending = self._pending.decode("latin-1"), b""
            reports = self._line(line)
        else:
            reports = []
        return reports + self._emit()

    def _line(self, line: str) -> list[CallerId]:
        text = line.strip()
        match = _FIELD.match(text)
        if match:
            key, value = match.group(1).upper(), match.group(2)
            reports = self._emit() if key in self._fields else []
            if key == "MESG":
                return reports + self._emit() + self._unformatted(value, text)
            self._fields[key] = value
            self._lines.append(text)
            if "NAME" in self._fields and ("NMBR" in self._fields or "DDN_NMBR" in self._fields):
                reports += self._emit()
            return reports
        if _HEX.match(text):
            return self._emit() + self._unformatted(text, text)
        # RING, OK, a blank line or anything else ends a report under way
        if text or self._fields:
            return self._emit()
        return []

    @staticmethod
    def _unformatted(hex_text: str, line: str) -> list[CallerId]:
        try:
            raw = bytes.fromhex(hex_text.replace(" ", ""))
        except ValueError:
            return [
                CallerId(
                    "MODEM",
                    raw=line.encode("latin-1"),
                    carrier="modem",
                    problem=f"unformatted report is not hex: {line!r}",
                )
            ]
        return [parse_message(raw, carrier="modem")]

    def _emit(self) -> list[CallerId]:
        fields, lines = self._fields, self._lines
        self._fields, self._lines = {}, []
        if not fields:
            return []
        number = fields.get("NMBR", fields.get("DDN_NMBR"))
        name = fields.get("NAME")
        reason = number if number in ("O", "P") else None
        name_absent = name if name in ("O", "P") else None
        date = None
        if "DATE" in fields or "TIME" in fields:
            date = fields.get("DATE", "") + fields.get("TIME", "")
        problem = ""
        if date is not None and not re.fullmatch(r"\d{8}", date):
            problem = f"date and time are not MMDD and HHMM: {date!r}"
        if number is None and name is None:
            problem = problem or "report without number or name"
        return [
            CallerId(
                "MODEM",
                number=None if reason else number,
                name=None if name_absent else name,
                date=date,
                reason_absent=reason,
                name_absent=name_absent,
                raw="\r\n".join(lines).encode("latin-1"),
                carrier="modem",
                problem=problem,
            )
        ]


class ModemCallerIdListener:
    """Reads a serial port (or anything with ``read`` and ``in_waiting``) for reports."""

    def __init__(self, port) -> None:
        self.port = port
        self.parser = ModemCallerIdParser()

    def enable(self) -> None:
        """Ask the modem for formatted caller-ID reports."""
        self.port.write(ENABLE_COMMAND)

    def poll(self) -> list[CallerId]:
        """Read what has arrived (waiting up to the port's timeout for one byte)."""
        data = self.port.read(max(1, getattr(self.port, "in_waiting", 0)))
        reports = self.parser.feed(data) if data else []
        if not data:
            reports += self.parser.flush()
        return reports
