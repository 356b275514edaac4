"""SMS PDUs as a GSM modem takes and gives them in PDU mode (AT+CMGF=0).

3GPP TS 23.040 (the transfer layer: SMS-SUBMIT, SMS-DELIVER, SMS-STATUS-REPORT, the
user data header) and TS 23.038 (the GSM 7-bit default alphabet, its extension table,
the data coding scheme).

- ``encode(message) -> Pdu``: the hex a modem takes (``AT+CMGS=<Pdu.length>``), the
  service centre's address first (``00``: the one stored in the SIM).
- ``decode(hex) -> Submit | Deliver | StatusReport``: what a modem gives (``+CMT``,
  ``+CMGR``, ``+CDS``). The message type indicator says which: 00 SMS-DELIVER, 01
  SMS-SUBMIT, 10 SMS-STATUS-REPORT (the types a modem hands to the box; the reports a
  service centre receives are not decoded here).
- ``split(text) -> list[UserData]``: a text as one message or as concatenated parts
  (IEI 0x00, 8-bit reference, or 0x08, 16-bit): GSM 7-bit when every character is in
  the default alphabet or its extension table (160 septets alone, 153 a part), else
  UCS2 (70 UTF-16 units alone, 67 a part). An extension character is two septets and is
  never split across parts, nor a UTF-16 surrogate pair. ``join(parts)`` gives the text
  back; ``submits`` makes the SMS-SUBMITs of a text.

Every fault in a PDU is one ``PduError`` whose message names the field and what is
wrong with it.
"""

from __future__ import annotations

import binascii
import enum
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from firmware.errors import LinerecError


class PduError(LinerecError):
    """A PDU that cannot be decoded, or a message that cannot be encoded; one line."""


# --- The GSM 7-bit default alphabet (TS 23.038 6.2.1) ------------------------------------

ESCAPE = 0x1B
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# The default alphabet extension table (TS 23.038 6.2.1.1): ESC then the code.
GSM7_EXTENSION = {
    "\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F,
    "[": 0x3C, "~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65,
}
assert len(GSM7_BASIC) == 128
_BASIC_CODE = {char: code for code, char in enumerate(GSM7_BASIC) if code != ESCAPE}
_EXTENSION_CHAR = {code: char for char, code in GSM7_EXTENSION.items()}


def gsm7_septets(text: str) -> list[int]:
    """The text as septets of the default alphabet; an extension character is ESC, code."""
    septets: list[int] = []
    for position, char in enumerate(text):
        code = _BASIC_CODE.get(char)
        if code is not None:
            septets.append(code)
        elif char in GSM7_EXTENSION:
            septets += (ESCAPE, GSM7_EXTENSION[char])
        else:
            raise PduError(
                f"character {char!r} (U+{ord(char):04X}) at {position} is not in the GSM "
                "7-bit default alphabet")
    return septets


def gsm7_text(septets: Iterable[int]) -> str:
    """Septets as text. An unknown extension code reads as its basic character, a lone
    escape at the end as a space (TS 23.038 6.2.1.1)."""
    chars: list[str] = []
    escaped = False
    for septet in septets:
        if escaped:
            chars.append(_EXTENSION_CHAR.get(septet, GSM7_BASIC[septet]))
            escaped = False
        elif septet == ESCAPE:
            escaped = True
        else:
            chars.append(GSM7_BASIC[septet])
    if escaped:
        chars.append(" ")
    return "".join(chars)


def is_gsm7(text: str) -> bool:
    return all(char in _BASIC_CODE or char in GSM7_EXTENSION for char in text)


def gsm7_length(text: str) -> int:
    """Septets the text takes: two for an extension character."""
    return sum(2 if char in GSM7_EXTENSION else 1 for char in text)


def pack_septets(septets: list[int], fill_bits: int = 0) -> bytes:
    """Septets packed into octets, least significant bit first, after ``fill_bits`` zero
    bits (the fill that brings the septets to a septet boundary after a header)."""
    packed = 0
    for index, septet in enumerate(septets):
        packed |= (septet & 0x7F) << (fill_bits + 7 * index)
    bits = fill_bits + 7 * len(septets)
    return packed.to_bytes((bits + 7) // 8, "little")


def unpack_septets(data: bytes, count: int, fill_bits: int = 0) -> list[int]:
    if fill_bits + 7 * count > 8 * len(data):
        raise PduError(
            f"the user data holds {(8 * len(data) - fill_bits) // 7} septets, "
            f"its length says {count}")
    packed = int.from_bytes(data, "little") >> fill_bits
    return [(packed >> (7 * index)) & 0x7F for index in range(count)]


# --- Addresses (TS 23.040 9.1.2.5) ---------------------------------------------------------

INTERNATIONAL = 0x91  # type of number 001, ISDN/telephone numbering plan
NATIONAL = 0xA1  # type of number 010
UNKNOWN = 0x81  # type of number 000: the number as dialled
ALPHANUMERIC = 0xD0  # type of number 101: GSM 7-bit text, as a sender's name
_SEMI_OCTETS = "0123456789*#abc"
_DIALLED = frozenset("0123456789*#")


@dataclass(frozen=True)
class Address:
    """A phone number (digits, ``* # a b c``) or an alphanumeric sender, with its type of
    address. ``str()`` writes an international number with its ``+``."""

    value: str
    toa: int = UNKNOWN

    @classmethod
    def of(cls, text: str) -> Address:
        """``+86 138-0013-8000`` international, ``10086`` or ``*121#`` as dialled (spaces,
        dashes, dots and brackets left out), anything else an alphanumeric sender."""
        text = text.strip()
        number = "".join(char for char in text if char not in " -.()")
        if number.startswith("+"):
            if len(number) > 1 and all(char in _DIALLED for char in number[1:]):
                return cls(number[1:], INTERNATIONAL)
            raise PduError(f"number {text!r}: after the + only digits, * and #")
        if number and all(char in _DIALLED for char in number):
            return cls(number, UNKNOWN)
        if not text:
            raise PduError("an empty address")
        return cls(text, ALPHANUMERIC)

    @property
    def type_of_number(self) -> int:
        return (self.toa >> 4) & 0x07

    @property
    def alphanumeric(self) -> bool:
        return self.type_of_number == 0b101

    def __str__(self) -> str:
        return f"+{self.value}" if self.type_of_number == 0b001 else self.value


def _semi_octets(digits: str, what: str) -> bytes:
    nibbles = []
    for char in digits:
        index = _SEMI_OCTETS.find(char.lower()) if char else -1
        if index < 0:
            raise PduError(f"{what} {digits!r}: {char!r} is not a digit, * or #")
        nibbles.append(index)
    if len(nibbles) % 2:
        nibbles.append(0x0F)
    return bytes(low | high << 4 for low, high in zip(nibbles[::2], nibbles[1::2], strict=True))


def _digits(data: bytes, count: int, what: str) -> str:
    digits = []
    for octet in data:
        for nibble in (octet & 0x0F, octet >> 4):
            if len(digits) == count:
                break
            if nibble == 0x0F:
                raise PduError(f"{what}: filler F inside the number")
            digits.append(_SEMI_OCTETS[nibble])
    return "".join(digits)


def _address_field(address: Address, what: str) -> bytes:
    """The TP address: its length in useful semi-octets, the type, the value."""
    if not 0x80 <= address.toa <= 0xFF:
        raise PduError(f"{what}: type of address {address.toa:#04x} lacks its top bit")
    if address.alphanumeric:
        septets = gsm7_septets(address.value)
        if len(septets) > 11:
            raise PduError(f"{what} {address.value!r}: an alphanumeric address takes 11 "
                           "septets at most")
        packed = pack_septets(septets)
        return bytes(((len(septets) * 7 + 3) // 4, address.toa)) + packed
    if not address.value or len(address.value) > 20:
        raise PduError(f"{what} {address.value!r}: a number has 1 to 20 digits")
    return bytes((len(address.value), address.toa)) + _semi_octets(address.value, what)


def _smsc_field(smsc: Address | None) -> bytes:
    if smsc is None:
        return b"\x00"
    if smsc.alphanumeric:
        raise PduError(f"service centre {smsc.value!r}: must be a number")
    if not smsc.value or len(smsc.value) > 20:
        raise PduError(f"service centre {smsc.value!r}: a number has 1 to 20 digits")
    body = bytes((smsc.toa,)) + _semi_octets(smsc.value, "service centre")
    return bytes((len(body),)) + body


# --- Time stamps (TS 23.040 9.2.3.11) ---------------------------------------------------------


def _bcd(value: int) -> int:
    return (value % 10) << 4 | value // 10


def _timestamp_field(moment: datetime, what: str) -> bytes:
    offset = moment.utcoffset()
    if offset is None:
        raise PduError(f"{what} {moment.isoformat()}: needs its time zone")
    quarters, rest = divmod(int(offset.total_seconds()), 900)
    if rest or not -79 <= quarters <= 79:
        raise PduError(f"{what}: time zone {offset} is not a whole number of quarter hours "
                       "within 19:45 of UTC")
    zone = _bcd(abs(quarters)) | (0x08 if quarters < 0 else 0)
    fields = (moment.year % 100, moment.month, moment.day, moment.hour, moment.minute,
              moment.second)
    return bytes(_bcd(value) for value in fields) + bytes((zone,))


def _timestamp(data: bytes, what: str) -> datetime:
    values = []
    for index, octet in enumerate(data):
        low, high = octet & 0x0F, octet >> 4
        if index == 6:
            low &= 0x07  # the sign bit
        # (the year has two digits: 90 to 99 read as the 1990s, the rest as this century)
        if low > 9 or high > 9:
            raise PduError(f"{what} {data.hex().upper()}: octet {index + 1} ({octet:02X}) "
                           "is not two decimal digits")
        values.append(low * 10 + high)
    year, month, day, hour, minute, second, quarters = values
    if data[6] & 0x08:
        quarters = -quarters
    try:
        return datetime(1900 + year if year >= 90 else 2000 + year, month, day, hour,
                        minute, second, tzinfo=timezone(timedelta(minutes=15 * quarters)))
    except ValueError as error:
        raise PduError(f"{what} {data.hex().upper()}: {error}") from None


# --- Validity period, relative format (TS 23.040 9.2.3.12.1) ------------------------------


def validity_octet(period: timedelta) -> int:
    """The smallest TP-VP (relative) that lasts at least ``period``, up to 63 weeks."""
    minutes = -(-period.total_seconds() // 60)
    if minutes <= 0:
        raise PduError(f"validity period {period}: must be positive")
    if minutes <= 720:
        return max(0, int(-(-minutes // 5)) - 1)
    if minutes <= 1440:
        return 143 + int(-(-(minutes - 720) // 30))
    days = -(-minutes // 1440)
    if days <= 30:
        return int(days) + 166
    return min(255, int(-(-days // 7)) + 192)


def validity_period(octet: int) -> timedelta:
    if octet <= 143:
        return timedelta(minutes=5 * (octet + 1))
    if octet <= 167:
        return timedelta(hours=12, minutes=30 * (octet - 143))
    if octet <= 196:
        return timedelta(days=octet - 166)
    return timedelta(weeks=octet - 192)


# --- Data coding scheme (TS 23.038 4) -------------------------------------------------------


class Alphabet(enum.Enum):
    GSM7 = "gsm7"
    DATA8 = "8bit"
    UCS2 = "ucs2"


_ALPHABET_BITS = {Alphabet.GSM7: 0x00, Alphabet.DATA8: 0x04, Alphabet.UCS2: 0x08}


def coding_scheme(alphabet: Alphabet, message_class: int | None = None) -> int:
    """The TP-DCS of the general data coding group, uncompressed, with a class if given
    (class 0: shown at once, a flash message)."""
    if message_class is None:
        return _ALPHABET_BITS[alphabet]
    if not 0 <= message_class <= 3:
        raise PduError(f"message class {message_class}: must be 0 to 3")
    return 0x10 | _ALPHABET_BITS[alphabet] | message_class


def alphabet_of(dcs: int) -> Alphabet:
    group = dcs >> 4
    if group <= 0b0111:  # general data coding, or marked for automatic deletion
        if dcs & 0x20:
            raise PduError(f"data coding scheme {dcs:02X}: compressed text is not supported")
        bits = (dcs >> 2) & 0x03
        if bits == 0b11:
            raise PduError(f"data coding scheme {dcs:02X}: reserved alphabet")
        return (Alphabet.GSM7, Alphabet.DATA8, Alphabet.UCS2)[bits]
    if group in (0b1100, 0b1101):  # message waiting, discard or store, GSM 7-bit
        return Alphabet.GSM7
    if group == 0b1110:  # message waiting, store, UCS2
        return Alphabet.UCS2
    if group == 0b1111:  # data coding / message class
        return Alphabet.DATA8 if dcs & 0x04 else Alphabet.GSM7
    raise PduError(f"data coding scheme {dcs:02X}: reserved coding group")


def message_class_of(dcs: int) -> int | None:
    if (dcs >> 4) <= 0b0111:
        return dcs & 0x03 if dcs & 0x10 else None
    if dcs >> 4 == 0b1111:
        return dcs & 0x03
    return None


# --- User data and its header (TS 23.040 9.2.3.24) ------------------------------------------

IEI_CONCAT_8 = 0x00
IEI_CONCAT_16 = 0x08
SINGLE_GSM7, PART_GSM7 = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67


@dataclass(frozen=True)
class Element:
    """One information element of a user data header."""

    iei: int
    value: bytes


@dataclass(frozen=True)
class Concat:
    """Which part of a concatenated message this is (IEI 0x00 or 0x08)."""

    reference: int
    total: int
    sequence: int
    wide: bool = False  # a 16-bit reference (IEI 0x08)

    def element(self) -> Element:
        if self.wide:
            return Element(IEI_CONCAT_16, bytes((self.reference >> 8, self.reference & 0xFF,
                                                 self.total, self.sequence)))
        return Element(IEI_CONCAT_8, bytes((self.reference, self.total, self.sequence)))


@dataclass(frozen=True)
class UserData:
    """The text (or for 8-bit data, the octets) of one message and its header."""

    text: str = ""
    alphabet: Alphabet = Alphabet.GSM7
    header: tuple[Element, ...] = ()
    data: bytes = b""  # an 8-bit message's octets

    @property
    def concat(self) -> Concat | None:
        for element in self.header:
            value = element.value
            if element.iei == IEI_CONCAT_8 and len(value) == 3:
                return Concat(value[0], value[1], value[2])
            if element.iei == IEI_CONCAT_16 and len(value) == 4:
                return Concat(value[0] << 8 | value[1], value[2], value[3], wide=True)
        return None


def _header_octets(header: tuple[Element, ...]) -> bytes:
    if not header:
        return b""
    body = b"".join(bytes((element.iei, len(element.value))) + element.value
                    for element in header)
    return bytes((len(body),)) + body


def _user_data_field(user_data: UserData) -> tuple[int, bytes]:
    """TP-UDL and TP-UD."""
    header = _header_octets(user_data.header)
    if user_data.alphabet is Alphabet.GSM7:
        header_septets = (len(header) * 8 + 6) // 7
        fill = header_septets * 7 - len(header) * 8
        septets = gsm7_septets(user_data.text)
        length = header_septets + len(septets)
        if length > SINGLE_GSM7:
            raise PduError(f"user data of {length} septets: 160 at most")
        return length, header + pack_septets(septets, fill)
    if user_data.alphabet is Alphabet.UCS2:
        try:
            body = user_data.text.encode("utf-16-be", "surrogatepass")
        except UnicodeEncodeError as error:  # pragma: no cover - surrogatepass takes all
            raise PduError(f"user data: {error}") from None
    else:
        body = user_data.data
    length = len(header) + len(body)
    if length > 140:
        raise PduError(f"user data of {length} octets: 140 at most")
    return length, header + body


def _header(data: bytes, what: str) -> tuple[tuple[Element, ...], int]:
    """The header's elements and the octets it takes, its length octet included."""
    if not data:
        raise PduError(f"{what}: the user data header indicator is set but there is no data")
    end = 1 + data[0]
    if end > len(data):
        raise PduError(f"{what}: user data header of {data[0]} octets, "
                       f"only {len(data) - 1} follow")
    elements = []
    position = 1
    while position < end:
        if position + 2 > end:
            raise PduError(f"{what}: user data header ends inside an element at octet "
                           f"{position}")
        iei, size = data[position], data[position + 1]
        if position + 2 + size > end:
            raise PduError(f"{what}: header element {iei:02X} of {size} octets overruns "
                           "the header")
        elements.append(Element(iei, data[position + 2:position + 2 + size]))
        position += 2 + size
    return tuple(elements), end


def _user_data(length: int, data: bytes, dcs: int, has_header: bool, what: str) -> UserData:
    alphabet = alphabet_of(dcs)
    if alphabet is Alphabet.GSM7:
        if length > SINGLE_GSM7:
            raise PduError(f"{what}: user data length {length} septets, 160 at most")
        needed = (length * 7 + 7) // 8
        if len(data) < needed:
            raise PduError(f"{what}: {length} septets need {needed} octets of user data, "
                           f"{len(data)} left")
        header: tuple[Element, ...] = ()
        header_septets = fill = 0
        if has_header:
            header, taken = _header(data[:needed], what)
            header_septets = (taken * 8 + 6) // 7
            fill = header_septets * 7 - taken * 8
            data = data[taken:needed]
        if header_septets > length:
            raise PduError(f"{what}: the user data header is longer than the user data")
        septets = unpack_septets(data, length - header_septets, fill)
        return UserData(gsm7_text(septets), alphabet, header)
    if length > 140:
        raise PduError(f"{what}: user data length {length} octets, 140 at most")
    if len(data) < length:
        raise PduError(f"{what}: user data length {length} octets, {len(data)} left")
    data = data[:length]
    header = ()
    if has_header:
        header, taken = _header(data, what)
        data = data[taken:]
    if alphabet is Alphabet.DATA8:
        return UserData("", alphabet, header, data)
    if len(data) % 2:
        raise PduError(f"{what}: UCS2 text of {len(data)} octets, an odd number")
    return UserData(data.decode("utf-16-be", "surrogatepass"), alphabet, header)


# --- The messages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Submit:
    """SMS-SUBMIT: a message the box sends (TS 23.040 9.2.2.2)."""

    destination: Address
    user_data: UserData
    reference: int = 0  # TP-MR; 0 lets the modem choose
    validity: timedelta | None = None  # relative format
    status_report: bool = False  # TP-SRR: ask for a delivery report
    reject_duplicates: bool = False
    reply_path: bool = False
    pid: int = 0
    message_class: int | None = None
    smsc: Address | None = None


@dataclass(frozen=True)
class Deliver:
    """SMS-DELIVER: a message the box receives (TS 23.040 9.2.2.1)."""

    originator: Address
    user_data: UserData
    timestamp: datetime  # TP-SCTS, with the service centre's time zone
    more_messages: bool = False  # TP-MMS clear: more are waiting at the centre
    status_report: bool = False  # TP-SRI: the sender asked for a report
    reply_path: bool = False
    pid: int = 0
    message_class: int | None = None
    smsc: Address | None = None


class Outcome(enum.Enum):
    DELIVERED = "delivered"  # transaction completed
    PENDING = "pending"  # temporary error, the centre still trying
    FAILED = "failed"  # permanent error, or temporary with no more attempts


# TP-ST (TS 23.040 9.2.3.15): what became of a message, in a line each.
STATUS_MEANINGS = {
    0x00: "delivered",
    0x01: "forwarded, delivery not confirmed",
    0x02: "replaced by the service centre",
    0x20: "congestion, still trying",
    0x21: "recipient busy, still trying",
    0x22: "no response from the recipient, still trying",
    0x23: "service rejected, still trying",
    0x24: "quality of service not available, still trying",
    0x25: "error in the recipient's phone, still trying",
    0x40: "remote procedure error",
    0x41: "incompatible destination",
    0x42: "connection rejected by the recipient",
    0x43: "number not obtainable",
    0x44: "quality of service not available",
    0x45: "no interworking available",
    0x46: "validity period expired: the recipient's phone stayed off",
    0x47: "deleted by the sender",
    0x48: "deleted by the service centre",
    0x49: "the message does not exist at the service centre",
    0x60: "congestion: the service centre gave up",
    0x61: "recipient busy: the service centre gave up",
    0x62: "no response from the recipient: the service centre gave up",
    0x63: "service rejected: the service centre gave up",
    0x64: "quality of service not available: the service centre gave up",
    0x65: "error in the recipient's phone: the service centre gave up",
}


def status_meaning(status: int) -> str:
    """What a delivery report's status says, in a line."""
    if status in STATUS_MEANINGS:
        return STATUS_MEANINGS[status]
    kind = ("delivered" if status < 0x20 else "still trying" if status < 0x40
            else "not delivered")
    return f"status {status:#04x} ({kind})"


@dataclass(frozen=True)
class StatusReport:
    """SMS-STATUS-REPORT: what became of a message sent with a report asked for
    (TS 23.040 9.2.2.3)."""

    reference: int  # the TP-MR of the SMS-SUBMIT
    recipient: Address
    timestamp: datetime  # when the centre took the message
    discharge: datetime  # when it was delivered, or the status last changed
    status: int  # TP-ST (TS 23.040 9.2.3.15)
    more_messages: bool = False
    qualifier: bool = False  # TP-SRQ: the report of a command, not of a submit
    pid: int | None = None
    dcs: int | None = None
    user_data: UserData | None = None
    smsc: Address | None = None

    @property
    def meaning(self) -> str:
        return status_meaning(self.status)

    @property
    def outcome(self) -> Outcome:
        if self.status < 0x20:
            return Outcome.DELIVERED
        if self.status < 0x40:
            return Outcome.PENDING
        return Outcome.FAILED


Message = Submit | Deliver | StatusReport


@dataclass(frozen=True)
class Pdu:
    """An encoded message: the hex a modem takes, and ``length``, the octets after the
    service centre's address (the number AT+CMGS asks for)."""

    hex: str
    length: int


def encode(message: Message) -> Pdu:
    if isinstance(message, Submit):
        tpdu = _encode_submit(message)
    elif isinstance(message, Deliver):
        tpdu = _encode_deliver(message)
    else:
        tpdu = _encode_status_report(message)
    return Pdu((_smsc_field(message.smsc) + tpdu).hex().upper(), len(tpdu))


def _octet(value: int, what: str) -> int:
    if not 0 <= value <= 0xFF:
        raise PduError(f"{what} {value}: must be 0 to 255")
    return value


def _encode_submit(submit: Submit) -> bytes:
    udl, ud = _user_data_field(submit.user_data)
    first = (0x01 | (0x04 if submit.reject_duplicates else 0)
             | (0x10 if submit.validity is not None else 0)
             | (0x20 if submit.status_report else 0)
             | (0x40 if submit.user_data.header else 0)
             | (0x80 if submit.reply_path else 0))
    out = bytes((first, _octet(submit.reference, "message reference")))
    out += _address_field(submit.destination, "destination")
    out += bytes((_octet(submit.pid, "protocol identifier"),
                  coding_scheme(submit.user_data.alphabet, submit.message_class)))
    if submit.validity is not None:
        out += bytes((validity_octet(submit.validity),))
    return out + bytes((udl,)) + ud


def _encode_deliver(deliver: Deliver) -> bytes:
    udl, ud = _user_data_field(deliver.user_data)
    first = (0x00 | (0 if deliver.more_messages else 0x04)
             | (0x20 if deliver.status_report else 0)
             | (0x40 if deliver.user_data.header else 0)
             | (0x80 if deliver.reply_path else 0))
    out = bytes((first,)) + _address_field(deliver.originator, "originator")
    out += bytes((_octet(deliver.pid, "protocol identifier"),
                  coding_scheme(deliver.user_data.alphabet, deliver.message_class)))
    out += _timestamp_field(deliver.timestamp, "service centre time stamp")
    return out + bytes((udl,)) + ud


def _encode_status_report(report: StatusReport) -> bytes:
    user_data = report.user_data
    first = (0x02 | (0 if report.more_messages else 0x04)
             | (0x20 if report.qualifier else 0)
             | (0x40 if user_data is not None and user_data.header else 0))
    out = bytes((first, _octet(report.reference, "message reference")))
    out += _address_field(report.recipient, "recipient")
    out += _timestamp_field(report.timestamp, "service centre time stamp")
    out += _timestamp_field(report.discharge, "discharge time")
    out += bytes((_octet(report.status, "status"),))
    indicator = ((0x01 if report.pid is not None else 0)
                 | (0x02 if report.dcs is not None or user_data is not None else 0)
                 | (0x04 if user_data is not None else 0))
    if not indicator:
        return out
    out += bytes((indicator,))
    if report.pid is not None:
        out += bytes((_octet(report.pid, "protocol identifier"),))
    if indicator & 0x02:
        dcs = report.dcs if report.dcs is not None else coding_scheme(user_data.alphabet)
        out += bytes((_octet(dcs, "data coding scheme"),))
    if user_data is not None:
        udl, ud = _user_data_field(user_data)
        out += bytes((udl,)) + ud
    return out


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def take(self, count: int, what: str) -> bytes:
        if self.position + count > len(self.data):
            raise PduError(f"the PDU ends inside {what} (octet {self.position + 1}: "
                           f"{count} needed, {len(self.data) - self.position} left)")
        chunk = self.data[self.position:self.position + count]
        self.position += count
        return chunk

    def octet(self, what: str) -> int:
        return self.take(1, what)[0]

    def rest(self) -> bytes:
        chunk = self.data[self.position:]
        self.position = len(self.data)
        return chunk

    def address(self, what: str) -> Address:
        digits = self.octet(f"the {what} length")
        toa = self.octet(f"the {what} type")
        if not toa & 0x80:
            raise PduError(f"{what}: type of address {toa:02X} lacks its top bit")
        value = self.take((digits + 1) // 2, f"the {what}")
        if (toa >> 4) & 0x07 == 0b101:
            return Address(gsm7_text(unpack_septets(value, digits * 4 // 7)), toa)
        return Address(_digits(value, digits, what), toa)

    def smsc(self) -> Address | None:
        size = self.octet("the service centre length")
        if size == 0:
            return None
        if size > 11:
            raise PduError(f"service centre address of {size} octets, 11 at most")
        toa = self.octet("the service centre type")
        value = self.take(size - 1, "the service centre address")
        digits = 2 * len(value) - (1 if value and value[-1] >> 4 == 0x0F else 0)
        return Address(_digits(value, digits, "service centre"), toa)


def _bytes(pdu: str | bytes) -> bytes:
    if isinstance(pdu, bytes):
        return pdu
    text = "".join(pdu.split())
    if len(text) % 2:
        raise PduError(f"the PDU has an odd number of hex digits ({len(text)})")
    try:
        return binascii.unhexlify(text)
    except (binascii.Error, ValueError):
        bad = next((char for char in text if char not in "0123456789abcdefABCDEF"), "?")
        raise PduError(f"the PDU is not hex: {bad!r} at {text.find(bad)}") from None


def decode(pdu: str | bytes, *, smsc: bool = True) -> Message:
    """A PDU as a modem gives it (hex), the service centre's address first unless
    ``smsc`` is False."""
    reader = _Reader(_bytes(pdu))
    centre = reader.smsc() if smsc else None
    first = reader.octet("the first octet")
    kind = first & 0x03
    if kind == 0b00:
        message: Message = _decode_deliver(reader, first, centre)
    elif kind == 0b01:
        message = _decode_submit(reader, first, centre)
    elif kind == 0b10:
        message = _decode_status_report(reader, first, centre)
    else:
        raise PduError(f"first octet {first:02X}: message type indicator 11 is reserved")
    return message  # octets after the user data are ignored: some modems pad


def _decode_submit(reader: _Reader, first: int, centre: Address | None) -> Submit:
    reference = reader.octet("the message reference")
    destination = reader.address("destination")
    pid = reader.octet("the protocol identifier")
    dcs = reader.octet("the data coding scheme")
    validity = None
    vpf = (first >> 3) & 0x03
    if vpf == 0b10:
        validity = validity_period(reader.octet("the validity period"))
    elif vpf in (0b01, 0b11):
        reader.take(7, "the validity period")  # enhanced or absolute: read past
    udl = reader.octet("the user data length")
    user_data = _user_data(udl, reader.rest(), dcs, bool(first & 0x40), "SMS-SUBMIT")
    return Submit(destination, user_data, reference, validity, bool(first & 0x20),
                  bool(first & 0x04), bool(first & 0x80), pid, message_class_of(dcs), centre)


def _decode_deliver(reader: _Reader, first: int, centre: Address | None) -> Deliver:
    originator = reader.address("originator")
    pid = reader.octet("the protocol identifier")
    dcs = reader.octet("the data coding scheme")
    stamp = _timestamp(reader.take(7, "the service centre time stamp"),
                       "service centre time stamp")
    udl = reader.octet("the user data length")
    user_data = _user_data(udl, reader.rest(), dcs, bool(first & 0x40), "SMS-DELIVER")
    return Deliver(originator, user_data, stamp, not first & 0x04, bool(first & 0x20),
                   bool(first & 0x80), pid, message_class_of(dcs), centre)


def _decode_status_report(reader: _Reader, first: int,
                          centre: Address | None) -> StatusReport:
    reference = reader.octet("the message reference")
    recipient = reader.address("recipient")
    stamp = _timestamp(reader.take(7, "the service centre time stamp"),
                       "service centre time stamp")
    discharge = _timestamp(reader.take(7, "the discharge time"), "discharge time")
    status = reader.octet("the status")
    pid = dcs = None
    user_data = None
    rest = reader.rest()
    if rest and rest[0] != 0xFF:  # modems pad the report with FF
        indicator = rest[0]
        tail = _Reader(rest[1:])
        if indicator & 0x01:
            pid = tail.octet("the protocol identifier")
        if indicator & 0x02:
            dcs = tail.octet("the data coding scheme")
        if indicator & 0x04:
            udl = tail.octet("the user data length")
            user_data = _user_data(udl, tail.rest(), dcs or 0, bool(first & 0x40),
                                   "SMS-STATUS-REPORT")
    return StatusReport(reference, recipient, stamp, discharge, status, not first & 0x04,
                        bool(first & 0x20), pid, dcs, user_data, centre)


# --- Long texts: split into parts, joined again ----------------------------------------


def split(text: str, *, reference: int = 0, wide: bool = False) -> list[UserData]:
    """The text as the user data of one message, or of concatenated parts with
    ``reference`` (8-bit, or 16-bit when ``wide``)."""
    if not 0 <= reference <= (0xFFFF if wide else 0xFF):
        raise PduError(f"concatenation reference {reference}: must be 0 to "
                       f"{0xFFFF if wide else 0xFF}")
    if is_gsm7(text):
        alphabet = Alphabet.GSM7
        sizes = [2 if char in GSM7_EXTENSION else 1 for char in text]
        single, part = SINGLE_GSM7, PART_GSM7 - (1 if wide else 0)
    else:
        alphabet = Alphabet.UCS2
        sizes = [2 if ord(char) > 0xFFFF else 1 for char in text]
        single, part = SINGLE_UCS2, PART_UCS2 - (1 if wide else 0)
    if sum(sizes) <= single:
        return [UserData(text, alphabet)]
    chunks: list[str] = []
    start = used = 0
    for index, size in enumerate(sizes):
        if used + size > part:
            chunks.append(text[start:index])
            start, used = index, 0
        used += size
    chunks.append(text[start:])
    if len(chunks) > 255:
        raise PduError(f"a text of {len(text)} characters needs {len(chunks)} parts, "
                       "255 at most")
    return [UserData(chunk, alphabet,
                     (Concat(reference, len(chunks), number, wide).element(),))
            for number, chunk in enumerate(chunks, start=1)]


def join(parts: Iterable[UserData]) -> str:
    """The text of a message's parts, in any order; every part must be there once."""
    parts = list(parts)
    if not parts:
        raise PduError("no parts to join")
    if len(parts) == 1 and parts[0].concat is None:
        return parts[0].text
    found: dict[int, UserData] = {}
    first = None
    for user_data in parts:
        concat = user_data.concat
        if concat is None:
            raise PduError("a part without a concatenation header among several")
        if first is None:
            first = concat
        elif (concat.reference, concat.total, concat.wide) != (
                first.reference, first.total, first.wide):
            raise PduError(f"part {concat.sequence}/{concat.total} ref {concat.reference} "
                           f"is not of message ref {first.reference} of {first.total} parts")
        if not 1 <= concat.sequence <= concat.total:
            raise PduError(f"part number {concat.sequence} of {concat.total}")
        if concat.sequence in found:
            raise PduError(f"part {concat.sequence}/{concat.total} twice")
        found[concat.sequence] = user_data
    missing = sorted(set(range(1, first.total + 1)) - set(found))
    if missing:
        raise PduError(f"message ref {first.reference}: parts {missing} of {first.total} "
                       "missing")
    text = "".join(found[number].text for number in range(1, first.total + 1))
    # A UTF-16 pair split by another sender's phone joins up again here.
    return text.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "replace")


def submits(destination: str | Address, text: str, *, reference: int = 0,
            concat_reference: int = 0, wide: bool = False, **options) -> list[Submit]:
    """The SMS-SUBMITs of a text: its parts with message references ``reference``,
    ``reference + 1``, ... (mod 256); ``options`` as ``Submit``'s."""
    address = destination if isinstance(destination, Address) else Address.of(destination)
    return [Submit(address, user_data, (reference + index) % 256, **options)
            for index, user_data in enumerate(
                split(normalise_text(text), reference=concat_reference, wide=wide))]


def normalise_text(text: str) -> str:
    """The text NFC composed, so that an accented letter the default alphabet has (é typed
    as e and a combining accent) stays GSM 7-bit."""
    return unicodedata.normalize("NFC", text)
