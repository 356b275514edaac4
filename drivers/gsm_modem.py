"""A GSM modem on a serial port: text messages sent and received with AT commands.

``GsmModem(url)`` takes the voice modem's URL forms (``drivers.at_serial``),
``serial:<device>[?baud=115200][&flow=none]`` (a USB GSM modem's AT port, e.g.
``serial:/dev/ttyUSB2``; ``flow`` defaults to ``none`` here, as the UART of
most GSM modules has no flow control) or any pyserial URL. It stands on the
same transport as the voice modem (``AtConnection``: one command at a time,
a reader thread, ``ModemGoneError`` once the port fails), and its protocol
knows the GSM unsolicited results (``+CMTI``, ``+CDSI``, ``+CMT``, ``+CDS``).

``initialise()`` ends a message prompt a run killed mid-send left open
(ESC), turns echo off (``ATE0``) and numeric errors on (``AT+CMEE=1``),
checks the SIM (``AT+CPIN?``: ``SimNotReadyError``), chooses PDU mode
(``AT+CMGF=0``) or, for a modem that has none, text mode (``AT+CMGF=1`` with
the UCS2 character set), and asks for new messages and delivery reports
(``AT+CNMI``: reports straight to the box as ``+CDS``, else stored and
announced as ``+CDSI``, else none).

Sending: ``send_pdu(hex, length)`` (``AT+CMGS=<length>``, the prompt
``"> "``, the PDU and Ctrl-Z) and in text mode ``send_text``; both return
the message reference the modem answers (``+CMGS: <mr>``). Through the
modem's store (PDU mode; ``initialise`` chooses where with ``AT+CPMS``, ``ME``
else ``SM``: ``write_storage``): ``write_pdu`` (``AT+CMGW``, the place:
``+CMGW: <index>``), ``send_stored`` (``AT+CMSS``, ``+CMSS: <mr>``) and
``list_outgoing`` (``AT+CMGL=2`` and ``=3``: stored unsent and sent), so that
after a kill the box can ask the modem whether a part went. Receiving:
``next_event()`` gives ``MessageWaiting`` (``+CMTI``), ``ReportWaiting``
(``+CDSI``) and ``Arrived`` (``+CMT``, ``+CDS``); ``read_message``,
``list_messages`` and ``delete_message`` read and free the modem's store.
The PDUs themselves are ``firmware.sms.pdu``'s business: this driver
carries them as hex.

Every ``+CMS ERROR: <n>`` and ``+CME ERROR: <n>`` is a ``GsmCommandError``
with its meaning and what to do about it (``drivers.gsm_errors``); no network
is ``NoNetworkError`` (``require_network``), the SIM ``SimNotReadyError``, a
modem unplugged ``ModemGoneError``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from drivers import gsm_errors
from drivers.at_serial import AtConnection
from drivers.errors import (
    GsmCommandError,
    ModemCommandError,
    ModemTimeoutError,
    NoNetworkError,
    SimNotReadyError,
)
from drivers.modem import ERROR_RESULTS, AtProtocol, ModemEvent, ResultCode, Unsolicited

__all__ = [
    "Arrived",
    "GsmFacts",
    "GsmModem",
    "MessageWaiting",
    "Registration",
    "ReportWaiting",
    "StoredMessage",
    "TextMessage",
    "TextReport",
    "open_gsm_modem",
]

ESC = b"\x1b"
CTRL_Z = b"\x1a"
SEND_TIMEOUT_S = 60.0  # a message may take this long to reach the network and be answered
QUIET_S = 0.2  # after ESC: what the modem says about the prompt it closed comes by then
# Text-mode first octet (AT+CSMP): SMS-SUBMIT with a relative validity period, and the
# delivery report asked for.
SUBMIT_FIRST_OCTET = 0x11
STATUS_REPORT_REQUEST = 0x20
# AT+CNMI=<mode>,<mt>,<bm>,<ds>,<bfr>, most wanted first: new messages stored and
# announced (+CMTI), reports given straight (+CDS), then stored and announced (+CDSI),
# then none.
NOTIFICATIONS = (
    ("AT+CNMI=2,1,0,1,0", "direct"),
    ("AT+CNMI=2,1,0,2,0", "stored"),
    ("AT+CNMI=2,1,0,0,0", None),
    ("AT+CNMI=1,1,0,0,0", None),
)
WRITE_STORAGES = ("ME", "SM")  # where sent messages are written, most wanted first
STATUS_NAMES = {0: "unread", 1: "read", 2: "unsent", 3: "sent"}
TEXT_STATUS = {
    "REC UNREAD": "unread",
    "REC READ": "read",
    "STO UNSENT": "unsent",
    "STO SENT": "sent",
}
REGISTRATION = {
    0: "not registered",
    1: "home",
    2: "searching",
    3: "denied",
    4: "unknown",
    5: "roaming",
}


@dataclass(frozen=True)
class GsmFacts:
    """What ``initialise`` found out about the modem."""

    manufacturer: str
    model: str
    text_mode: bool  # the modem has no PDU mode: messages go as text (AT+CMGF=1)
    reports: str | None  # delivery reports: "direct" (+CDS), "stored" (+CDSI), None
    smsc: str | None  # the service centre's number the SIM holds (AT+CSCA?), if any


@dataclass(frozen=True)
class Registration:
    """The modem on the network (AT+CREG?)."""

    status: int  # 0 not registered, 1 home, 2 searching, 3 denied, 4 unknown, 5 roaming

    @property
    def name(self) -> str:
        return REGISTRATION.get(self.status, f"status {self.status}")

    @property
    def registered(self) -> bool:
        return self.status in (1, 5)


@dataclass(frozen=True)
class TextMessage:
    """A received message as a modem in text mode gives it."""

    sender: str
    timestamp: datetime | None  # the service centre's, with its time zone
    text: str


@dataclass(frozen=True)
class TextReport:
    """A delivery report as a modem in text mode gives it."""

    reference: int  # the message reference +CMGS answered
    recipient: str
    status: int  # TP-ST (TS 23.040 9.2.3.15): below 0x20 delivered


@dataclass(frozen=True)
class StoredMessage:
    """One message in the modem's store: a PDU (PDU mode), or a text message or report."""

    index: int
    status: str  # unread, read, unsent, sent
    storage: str = "SM"
    pdu: str | None = None
    message: TextMessage | None = None
    report: TextReport | None = None


@dataclass(frozen=True)
class MessageWaiting(ModemEvent):
    """A message arrived and is in the modem's store (+CMTI)."""

    storage: str = "SM"
    index: int = 0


@dataclass(frozen=True)
class ReportWaiting(ModemEvent):
    """A delivery report arrived and is in the modem's store (+CDSI)."""

    storage: str = "SR"
    index: int = 0


@dataclass(frozen=True)
class Arrived(ModemEvent):
    """A message (+CMT) or delivery report (+CDS) given straight to the box, not stored."""

    pdu: str | None = None
    message: TextMessage | None = None
    report: TextReport | None = None


GsmEvent = MessageWaiting | ReportWaiting | Arrived


def fields(value: str) -> list[str]:
    """The comma-separated fields of a response, quotes taken off (commas inside quotes,
    as in a time stamp, stay)."""
    found, current, quoted = [], [], False
    for char in value:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            found.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    found.append("".join(current).strip())
    return found


_TIMESTAMP = re.compile(r"^(\d\d)/(\d\d)/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d\d?)?$")


def text_timestamp(value: str) -> datetime | None:
    """``yy/MM/dd,hh:mm:ss±zz`` (zz in quarter hours) as a time, or None."""
    match = _TIMESTAMP.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    quarters = int(match.group(7) or 0)
    try:
        return datetime(
            2000 + year,
            month,
            day,
            hour,
            minute,
            second,
            tzinfo=timezone(timedelta(minutes=15 * quarters)),
        )
    except ValueError:
        return None


def _ucs2_hex(text: str) -> str:
    return text.encode("utf-16-be", "surrogatepass").hex().upper()


def _from_ucs2_hex(value: str) -> str:
    """Text the modem gave in the UCS2 character set; as it came if it is not."""
    if len(value) % 4 or not re.fullmatch(r"[0-9A-Fa-f]*", value):
        return value
    return bytes.fromhex(value).decode("utf-16-be", "replace")


class GsmModem(AtConnection):
    """A GSM modem for text messages; see the module's text."""

    accepted_urls = (
        "'serial:<device>[?baud=<speed>][&flow=none|rtscts|xonxoff]' "
        "(e.g. serial:/dev/ttyUSB2, serial:/dev/linerec-gsm) "
        "or a pyserial URL (socket://<host>:<port>, rfc2217://<host>:<port>)"
    )
    default_flow = "none"

    def __init__(
        self,
        url: str,
        *,
        send_timeout: float = SEND_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
        **options,
    ) -> None:
        protocol = AtProtocol(clock)
        self.send_timeout = send_timeout
        self.text_mode = False
        self.reports: str | None = None
        self._storage: str | None = None  # the store AT+CMGR and AT+CMGL read (AT+CPMS)
        # Where AT+CMGW writes and AT+CMSS sends from (AT+CPMS' second store); None: the
        # modem has no store to send through, messages go with AT+CMGS.
        self.write_storage: str | None = None
        self._text_parameters: tuple[int, int, int] | None = None  # AT+CSMP as last set
        self._listen(protocol)
        super().__init__(url, protocol=protocol, **options)

    def _listen(self, protocol: AtProtocol) -> None:
        # In PDU mode +CMT and +CDS come with the PDU on the line after; in text mode a
        # report is one line, a message's text follows on the next.
        with_data = ("+CMT",) if self.text_mode else ("+CMT", "+CDS")
        protocol.set_unsolicited(("+CMTI", "+CDSI", "+CDS", "+CBM"), with_data)

    def _command_error(
        self, command: str, reply: ResultCode, lines: tuple[str, ...]
    ) -> ModemCommandError:
        if reply.code not in ERROR_RESULTS:
            return super()._command_error(command, reply, lines)
        family = reply.code[1:4]
        detail = reply.text.partition(":")[2].strip()
        code = int(detail) if detail.isdigit() else None
        meaning, scope = gsm_errors.meaning_of(family, code, detail)
        return GsmCommandError(command, family, code, meaning, scope=scope, lines=lines)

    # -- starting

    def initialise(self) -> GsmFacts:
        """Make the modem ready for text messages (see the module's text); raises
        SimNotReadyError when the SIM is missing or locked."""
        with self._port_lock:
            self._port.reset_input_buffer()  # what a run before this one left unread
        self._write(ESC)  # ends a message prompt a run killed mid-send left open
        time.sleep(QUIET_S)
        with self._port_lock:
            self._port.reset_input_buffer()
        for attempt in range(3):
            try:
                self.command("AT", timeout=min(self.command_timeout, 2.0))
                break
            except ModemCommandError:
                continue  # garbage left in its buffer before the AT
            except ModemTimeoutError:
                if attempt == 2:
                    raise
        self.command("ATE0")
        self._optional("AT+CMEE=1")
        manufacturer = self._answer("AT+CGMI")
        model = self._answer("AT+CGMM")
        sim = self.sim_status()
        if sim != "READY":
            raise SimNotReadyError(
                f"the SIM of the GSM modem on {self.port_name!r} is not ready ({sim}): "
                + (
                    "insert a SIM card"
                    if "inserted" in sim
                    else "remove its PIN with a phone (the box does not enter PINs)"
                ),
                sim,
            )
        self._optional("AT+CSMS=0")  # phase 2: reports need no acknowledgement (AT+CNMA)
        try:
            self.command("AT+CMGF=0")
            self.text_mode = False
        except ModemCommandError:
            self.command("AT+CMGF=1")
            self.command('AT+CSCS="UCS2"')
            self.text_mode = True
        self._listen(self._protocol)
        self.reports = None
        for command, reports in NOTIFICATIONS:
            if self._optional(command):
                self.reports = reports
                break
        self.write_storage = None
        if not self.text_mode:
            for storage in WRITE_STORAGES:
                if self._optional(f'AT+CPMS="SM","{storage}","SM"'):
                    self._storage, self.write_storage = "SM", storage
                    break
        smsc = None
        found = self._answer("AT+CSCA?")
        if found.upper().startswith("+CSCA:"):
            number = fields(found.partition(":")[2])[0]
            smsc = (_from_ucs2_hex(number) if self.text_mode else number) or None
        return GsmFacts(manufacturer, model, self.text_mode, self.reports, smsc)

    def _optional(self, command: str) -> bool:
        """Send a command some modems refuse; whether it was taken."""
        try:
            self.command(command)
        except ModemCommandError:
            return False
        return True

    def _answer(self, command: str) -> str:
        """The first line answering ``command``, "" if refused or silent."""
        try:
            lines = self.command(command).lines
        except ModemCommandError:
            return ""
        return lines[0] if lines else ""

    def _value(self, command: str, name: str) -> list[str]:
        """The fields of the ``<name>: ...`` line answering ``command``."""
        for line in self.command(command).lines:
            if line.upper().startswith(f"{name}:"):
                return fields(line.partition(":")[2])
        raise ModemCommandError(command, f"OK without a {name} line")

    # -- the SIM, the network, the signal

    def sim_status(self) -> str:
        """``READY``, ``SIM PIN``, ``SIM PUK``, ... (AT+CPIN?), or what is wrong in words."""
        try:
            return self._value("AT+CPIN?", "+CPIN")[0].upper()
        except GsmCommandError as error:
            return error.meaning

    def registration(self) -> Registration:
        """The network registration (AT+CREG?)."""
        found = self._value("AT+CREG?", "+CREG")
        status = found[1] if len(found) > 1 else found[0]
        return Registration(int(status) if status.isdigit() else 4)

    def require_network(self) -> Registration:
        """The registration; NoNetworkError unless on the home network or roaming."""
        registration = self.registration()
        if not registration.registered:
            raise NoNetworkError(
                f"the GSM modem on {self.port_name!r} is not on a network "
                f"({registration.name}): check the aerial, the coverage and that the SIM "
                "is active"
            )
        return registration

    def signal_dbm(self) -> int | None:
        """The received signal strength in dBm (AT+CSQ), None when the modem does not know."""
        rssi = self._value("AT+CSQ", "+CSQ")[0]
        if not rssi.isdigit() or int(rssi) > 31:
            return None
        return -113 + 2 * int(rssi)

    def operator(self) -> str | None:
        """The network's name (AT+COPS?), None when not registered or not said."""
        try:
            found = self._value("AT+COPS?", "+COPS")
        except ModemCommandError:
            return None
        if len(found) < 3 or not found[2]:
            return None
        return _from_ucs2_hex(found[2]) if self.text_mode else found[2]

    def storage_use(self) -> tuple[int, int] | None:
        """Messages in the store that is read, and its size (AT+CPMS?)."""
        try:
            found = self._value("AT+CPMS?", "+CPMS")
        except ModemCommandError:
            return None
        if len(found) < 3 or not (found[1].isdigit() and found[2].isdigit()):
            return None
        return int(found[1]), int(found[2])

    # -- sending

    def send_pdu(self, pdu_hex: str, length: int) -> int | None:
        """Send one SMS-SUBMIT (PDU mode): its hex, the service centre's address first, and
        ``length``, its octets after that address. Returns the message reference the
        modem answers, None if it gave none."""
        reply = self.command(
            f"AT+CMGS={length}",
            then=pdu_hex.encode("ascii") + CTRL_Z,
            timeout=self.send_timeout,
        )
        return self._reference(reply.lines)

    def send_text(
        self,
        number: str,
        text: str,
        *,
        wide: bool,
        status_report: bool,
        validity: int = 167,
    ) -> int | None:
        """Send one message in text mode; ``wide``: UCS2 on the air (else the GSM 7-bit
        alphabet), ``validity`` the relative TP-VP (167: a day). Returns the message
        reference, None if the modem gave none."""
        first = SUBMIT_FIRST_OCTET | (STATUS_REPORT_REQUEST if status_report else 0)
        parameters = (first, validity, 8 if wide else 0)
        if parameters != self._text_parameters:
            self.command(f"AT+CSMP={first},{validity},0,{parameters[2]}")
            self._text_parameters = parameters
        reply = self.command(
            f'AT+CMGS="{_ucs2_hex(number)}"',
            then=_ucs2_hex(text).encode("ascii") + CTRL_Z,
            timeout=self.send_timeout,
        )
        return self._reference(reply.lines)

    def write_pdu(self, pdu_hex: str, length: int) -> int:
        """Write one SMS-SUBMIT to the modem's store, unsent (AT+CMGW, PDU mode); the place
        it took (``+CMGW: <index>``). A full store is ``+CMS ERROR: 322``; a modem that has
        no AT+CMGW answers ERROR (``ModemCommandError``)."""
        reply = self.command(f"AT+CMGW={length}", then=pdu_hex.encode("ascii") + CTRL_Z)
        for line in reply.lines:
            if line.upper().startswith("+CMGW:"):
                value = fields(line.partition(":")[2])[0]
                if value.isdigit():
                    return int(value)
        raise ModemCommandError("AT+CMGW", "OK without a +CMGW index")

    def send_stored(self, index: int) -> int | None:
        """Send the message written at ``index`` (AT+CMSS); the message reference the modem
        answers (``+CMSS: <mr>``), None if it gave none. The modem marks it sent there."""
        reply = self.command(f"AT+CMSS={index}", timeout=self.send_timeout)
        return self._reference(reply.lines, "+CMSS:")

    def list_outgoing(self, storage: str | None = None) -> list[StoredMessage]:
        """The messages written to the store to be sent, sent or not (AT+CMGL=2 and =3,
        "STO UNSENT" and "STO SENT" in text mode)."""
        if storage is not None:
            self.use_storage(storage)
        found: list[StoredMessage] = []
        for which in ('"STO UNSENT"', '"STO SENT"') if self.text_mode else ("2", "3"):
            lines = self.command(f"AT+CMGL={which}", timeout=max(self.command_timeout, 20)).lines
            found += self._stored(lines)
        return found

    @staticmethod
    def _reference(lines: tuple[str, ...], name: str = "+CMGS:") -> int | None:
        for line in lines:
            if line.upper().startswith(name):
                value = fields(line.partition(":")[2])[0]
                return int(value) if value.isdigit() else None
        return None

    # -- the modem's store

    def use_storage(self, storage: str) -> None:
        """Read messages from ``storage`` (SM: the SIM, ME: the modem, SR: reports)."""
        if storage != self._storage:
            self.command(f'AT+CPMS="{storage}"')
            self._storage = storage

    def read_message(self, index: int, storage: str | None = None) -> StoredMessage | None:
        """The message at ``index`` (AT+CMGR; it is then marked read), None if the place is
        empty."""
        if storage is not None:
            self.use_storage(storage)
        try:
            lines = self.command(f"AT+CMGR={index}").lines
        except GsmCommandError as error:
            if error.code in (321, 21, 22):  # invalid index, not found: nothing there
                return None
            raise
        found = self._stored(lines, index)
        return found[0] if found else None

    def list_messages(self, storage: str | None = None) -> list[StoredMessage]:
        """Every message in the store, read or not (AT+CMGL=4, "ALL" in text mode): after
        a run killed between reading a message and deleting it, the message is there
        marked read."""
        if storage is not None:
            self.use_storage(storage)
        command = 'AT+CMGL="ALL"' if self.text_mode else "AT+CMGL=4"
        return self._stored(self.command(command, timeout=max(self.command_timeout, 20)).lines)

    def delete_message(self, index: int, storage: str | None = None) -> None:
        """Free the place ``index`` (AT+CMGD)."""
        if storage is not None:
            self.use_storage(storage)
        self.command(f"AT+CMGD={index}")

    def _stored(self, lines: tuple[str, ...], index: int | None = None) -> list[StoredMessage]:
        """The messages of an AT+CMGR (``index`` given) or AT+CMGL answer."""
        found: list[StoredMessage] = []
        storage = self._storage or "SM"
        position = 0
        while position < len(lines):
            line = lines[position]
            name = line.partition(":")[0].strip().upper()
            position += 1
            if name not in ("+CMGR", "+CMGL"):
                continue
            values = fields(line.partition(":")[2])
            if name == "+CMGL":
                if not values[0].isdigit():
                    continue
                place, values = int(values[0]), values[1:]
            else:
                place = index or 0
            body = []
            while position < len(lines) and not lines[position].upper().startswith("+CMGL:"):
                body.append(lines[position])
                position += 1
            found.append(self._one_stored(place, storage, values, body))
        return found

    def _one_stored(
        self, place: int, storage: str, values: list[str], body: list[str]
    ) -> StoredMessage:
        if not self.text_mode:
            status = (
                STATUS_NAMES.get(int(values[0]), values[0]) if values[0].isdigit() else values[0]
            )
            return StoredMessage(place, status, storage, pdu=body[0] if body else "")
        status = TEXT_STATUS.get(values[0].upper(), values[0].lower())
        if len(values) > 2 and values[1].isdigit():  # <fo>,<mr>,...: a delivery report
            return StoredMessage(place, status, storage, report=self._text_report(values[1:]))
        sender = _from_ucs2_hex(values[1]) if len(values) > 1 else ""
        stamp = text_timestamp(values[3]) if len(values) > 3 else None
        text = "\n".join(_from_ucs2_hex(part) for part in body)
        return StoredMessage(place, status, storage, message=TextMessage(sender, stamp, text))

    @staticmethod
    def _text_report(values: list[str]) -> TextReport:
        """``<fo>,<mr>,[<ra>],[<tora>],<scts>,<dt>,<st>``."""
        reference = int(values[1]) if len(values) > 1 and values[1].isdigit() else 0
        recipient = _from_ucs2_hex(values[2]) if len(values) > 2 else ""
        status = values[-1]
        return TextReport(reference, recipient, int(status) if status.isdigit() else 0x40)

    # -- what the modem tells unasked

    def next_event(self, timeout: float | None = None) -> GsmEvent | None:
        """The next message or report the modem announces; None after ``timeout`` or when
        woken (``wake``). Other unsolicited lines are passed over."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            event = self.poll(remaining)
            if event is None:
                return None
            if isinstance(event, Unsolicited):
                found = self._translate(event)
                if found is not None:
                    return found
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def _translate(self, event: Unsolicited) -> GsmEvent | None:
        values = fields(event.value)
        if event.name in ("+CMTI", "+CDSI") and len(values) >= 2 and values[1].isdigit():
            kind = MessageWaiting if event.name == "+CMTI" else ReportWaiting
            return kind(event.at, values[0] or "SM", int(values[1]))
        if event.name == "+CDS":
            if self.text_mode:
                return Arrived(event.at, report=self._text_report(values))
            return Arrived(event.at, pdu=event.data)
        if event.name == "+CMT":
            if not self.text_mode:
                return Arrived(event.at, pdu=event.data)
            sender = _from_ucs2_hex(values[0])
            stamp = text_timestamp(values[2]) if len(values) > 2 else None
            return Arrived(event.at, message=TextMessage(sender, stamp, _from_ucs2_hex(event.data)))
        return None


def open_gsm_modem(url: str, **options) -> GsmModem:
    """Open the GSM modem at ``url`` (see the module's text); not yet initialised."""
    return GsmModem(url, **options)
