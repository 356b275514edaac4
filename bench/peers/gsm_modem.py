"""A GSM modem on a pseudo-terminal, for the tests and ``bench.sms``: text messages as a
real modem handles them.

``FakeGsmModem(link)`` plays the modem in a thread (``fake-gsm``) on the master side of a
pty; ``link`` is a symbolic link to its slave side, as udev names a modem
(``/dev/linerec-gsm``), so the host opens ``serial:<link>`` and finds the modem there
again after it was unplugged and plugged back (a new pty behind the same name).

It answers as a modem does after power-up: echo on until ``ATE0``; ``AT+CMEE``,
``AT+CPIN?``, ``AT+CREG?``, ``AT+CSQ``, ``AT+COPS?``, ``AT+CSCA?``, ``AT+CPMS``,
``AT+CMGF`` (PDU mode, or with ``pdu_mode=False`` text mode only), ``AT+CSCS``,
``AT+CSMP``, ``AT+CNMI``; ``AT+CMGS`` with its prompt ``"> "``, the PDU (or text) up to
Ctrl-Z (ESC cancels), ``+CMGS: <mr>`` with message references counting up from
``first_reference``; ``AT+CMGR`` (``+CMGR: <stat>,,<length>``: 0 unread, 1 read, 2
stored unsent, 3 stored sent), ``AT+CMGL`` (all, or one status), ``AT+CMGD`` on a SIM
store of ``store_size`` places (``SM``) and, with ``"ME"`` in ``storages``, the modem's
own of ``me_size`` (``AT+CPMS=<read>,<write>,<receive>``). With ``store_commands`` it
sends through its store as a real modem does: ``AT+CMGW=<length>`` writes a PDU to the
write store unsent (``+CMGW: <index>``; full: ``+CMS ERROR: 322``), ``AT+CMSS=<index>``
sends it from there (``+CMSS: <mr>``, marked sent); without, both answer ERROR.

What a test does to it:

- ``taken``: every message part the modem took, decoded (``Taken``), in order;
- ``inject(sender, text)``: a message arrives from the network (split into parts when
  long): stored and announced with ``+CMTI``; with the store full the network keeps it
  and tries again once a place is free, as a service centre does;
- ``deliver_reports()``: the delivery reports of what was taken with one asked for, as
  ``+CDS`` (or stored and announced with ``+CDSI`` after ``AT+CNMI=...,2,...``);
- ``fail_next("AT+CMGS", "+CMS ERROR: 38")``: the next such commands answered so;
  ``network``, ``sim``, ``smsc``: no network (``AT+CREG?`` not registered, ``+CMS ERROR:
  331``), no SIM (``+CME ERROR: 10``, ``+CMS ERROR: 310``), no service centre number
  (``+CMS ERROR: 330``);
- ``unplug()`` / ``plug()``, and ``unplug_at("AT+CMGS", count)``: unplugged when the
  ``count``-th such command arrives, before it is answered.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from firmware.sms import pdu

OK = b"\r\nOK\r\n"
ERROR = b"\r\nERROR\r\n"
ESC, CTRL_Z = 0x1B, 0x1A


@dataclass(frozen=True)
class Taken:
    """One message part the modem took and sent on to the network."""

    number: str  # the destination as the host wrote it
    text: str  # this part's text
    part: tuple[int, int, int] | None  # concatenation (reference, total, sequence), if any
    reference: int  # the message reference it answered (+CMGS)
    status_report: bool  # a delivery report was asked for
    at: float


@dataclass
class _Stored:
    status: int  # 0 unread, 1 read, 2 unsent, 3 sent
    pdu: str = ""  # PDU mode
    sender: str = ""  # text mode
    stamp: str = ""
    text: str = ""
    report: tuple[int, str, int] | None = None  # text mode: reference, recipient, status


def _quarters(moment: datetime) -> str:
    offset = int(moment.utcoffset().total_seconds() // 900)
    return f"{offset:+03d}"


def text_stamp(moment: datetime) -> str:
    return moment.strftime("%y/%m/%d,%H:%M:%S") + _quarters(moment)


class FakeGsmModem:
    """A GSM modem on a pty (see the module's text)."""

    def __init__(
        self,
        link: str | Path,
        *,
        pdu_mode: bool = True,
        reports: str | None = "direct",
        store_size: int = 20,
        smsc: str | None = "+8613800100500",
        first_reference: int = 0,
        store_commands: bool = False,
        storages: tuple[str, ...] = ("SM", "ME"),
        me_size: int = 100,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.link = Path(link)
        self.pdu_mode = pdu_mode
        self.reports_offered = reports  # "direct": +CDS; "stored": only +CDSI; None: neither
        self.store_size = store_size
        self.store_commands = store_commands  # AT+CMGW, AT+CMSS: sending through the store
        self.sizes = {"SM": store_size, "ME": me_size, "SR": 255}
        self.smsc = smsc
        self.network = True
        self.sim = "READY"  # or "absent", "SIM PIN"
        self.signal = 20  # AT+CSQ's rssi, 0-31
        self.clock = clock
        self.taken: list[Taken] = []
        self.commands: list[str] = []
        self.changed = threading.Condition()  # taken, commands, plugged
        self.cancelled = 0  # prompts ended with ESC
        self._lock = threading.RLock()  # the modem's state and the pty
        self._next_reference = first_reference % 256
        self._failures: list[tuple[str, bytes]] = []
        self._unplug_at: tuple[str, int] | None = None
        self._store: dict[str, dict[int, _Stored]] = {
            name: {} for name in ("SM", "SR", *storages)
        }
        self._held: list[_Stored] = []  # messages the network keeps while the store is full
        self._reported: set[int] = set()  # indexes in ``taken`` whose report went out
        self._master: int | None = None
        self._slave: int | None = None
        self._requests: list[str] = []  # "unplug", "plug": carried out by the modem's thread
        self._quiet = 0  # the thread's looks at its port that found nothing to read
        self._stop = threading.Event()
        self._power_up()
        self._open_pty()
        self._thread = threading.Thread(target=self._run, name="fake-gsm", daemon=True)
        self._thread.start()

    @property
    def port(self) -> str:
        return str(self.link)

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def _power_up(self) -> None:
        self.echo = True
        self.cmee = 0
        self.text_mode = False
        self.charset = "IRA"
        self.cnmi = (0, 0, 0, 0, 0)
        self.csmp = (17, 167, 0, 0)
        self.read_storage = "SM"
        self.write_storage = "SM"  # where AT+CMGW writes and AT+CMSS sends from
        self._pending = bytearray()
        self._prompt: str | None = None  # the AT+CMGS waiting for its data

    # -- the pty and its name

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        new = self.link.with_name(self.link.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            new.unlink()
        new.symlink_to(os.ttyname(slave))
        new.replace(self.link)
        self._master, self._slave = master, slave

    def _close_pty(self) -> None:
        with self._lock:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
            for fd in (self._master, self._slave):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = None
        with self.changed:
            self.changed.notify_all()

    def unplug(self, timeout: float = 5.0) -> None:
        """The modem is pulled out: its port disappears, the host's reads fail."""
        self._request("unplug", lambda: not self.plugged, timeout)

    def plug(self, timeout: float = 5.0) -> None:
        """Plugged back: powered up afresh, under the same name (its store kept, as a
        SIM's is)."""
        self._request("plug", lambda: self.plugged, timeout)

    def _request(self, what: str, done: Callable[[], bool], timeout: float) -> None:
        with self.changed:
            self._requests.append(what)
            if not self.changed.wait_for(done, timeout):
                raise TimeoutError(f"the fake GSM modem did not {what} in {timeout} s")

    def unplug_at(self, command: str, count: int = 1) -> None:
        """Unplug when the ``count``-th command starting with ``command`` arrives (from
        now), before answering it."""
        with self._lock:
            self._unplug_at = (command.upper(), count)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._close_pty()

    # -- what a test asks of the network

    def fail_next(self, command: str, reply: str, count: int = 1) -> None:
        """Answer the next ``count`` commands starting with ``command`` with ``reply``
        (e.g. "+CMS ERROR: 38"); an AT+CMGS so answered after its data took nothing."""
        with self._lock:
            self._failures += [(command.upper(), f"\r\n{reply}\r\n".encode())] * count

    def settle(self, timeout: float = 5.0) -> bool:
        """Wait until the modem has taken in every byte the host wrote (a host killed a
        moment ago may have left a message's Ctrl-Z in the pty)."""
        with self.changed:
            seen = self._quiet
            return self.changed.wait_for(lambda: self._quiet >= seen + 2, timeout)

    def wait_taken(self, count: int, timeout: float = 10.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.taken) >= count, timeout)

    def wait_for_command(self, command: str, timeout: float = 5.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: command in self.commands, timeout)

    def stored(self, storage: str = "SM") -> int:
        with self._lock:
            return len(self._store[storage])

    def put_stored(self, storage: str, status: int, pdu_hex: str) -> int:
        """A message in the store as a host run killed left it (``status`` 2 unsent, 3
        sent); its index."""
        with self._lock:
            store = self._store[storage]
            index = min(set(range(1, self.sizes[storage] + 1)) - set(store))
            store[index] = _Stored(status, pdu=pdu_hex)
            return index

    def stored_outgoing(self, storage: str = "ME") -> dict[int, tuple[int, str]]:
        """The messages written to ``storage`` to be sent: index: (status, PDU)."""
        with self._lock:
            return {
                index: (stored.status, stored.pdu)
                for index, stored in self._store[storage].items()
                if stored.status in (2, 3)
            }

    def inject(
        self, sender: str, text: str, *, reference: int = 0, timestamp: datetime | None = None
    ) -> int:
        """A message from ``sender`` arrives; its parts, stored or kept by the network."""
        moment = timestamp or self.clock().replace(microsecond=0)
        parts = pdu.split(pdu.normalise_text(text), reference=reference)
        with self._lock:
            for user_data in parts:
                if self.text_mode:
                    stored = _Stored(
                        0, sender=sender, stamp=text_stamp(moment), text=user_data.text
                    )
                else:
                    deliver = pdu.Deliver(pdu.Address.of(sender), user_data, moment)
                    stored = _Stored(0, pdu=pdu.encode(deliver).hex)
                self._held.append(stored)
            self._deliver_held()
        return len(parts)

    def _deliver_held(self) -> None:
        store = self._store["SM"]
        while self._held and len(store) < self.store_size:
            index = min(set(range(1, self.store_size + 1)) - set(store))
            store[index] = self._held.pop(0)
            if self.cnmi[1] == 1:
                self._send(f'\r\n+CMTI: "SM",{index}\r\n'.encode())

    def deliver_reports(
        self, status: int = 0x00, *, only: Callable[[Taken], bool] | None = None
    ) -> int:
        """The delivery reports of the parts taken with one asked for (``status``: TP-ST,
        0 delivered); how many went out."""
        count = 0
        with self._lock:
            for position, taken in enumerate(self.taken):
                if position in self._reported or not taken.status_report:
                    continue
                if only is not None and not only(taken):
                    continue
                self._reported.add(position)
                self._report(taken, status)
                count += 1
        return count

    def _report(self, taken: Taken, status: int) -> None:
        moment = self.clock().replace(microsecond=0)
        recipient = taken.number
        if self.text_mode:
            line = (
                f'6,{taken.reference},"{self._out(recipient)}",145,"{text_stamp(moment)}",'
                f'"{text_stamp(moment)}",{status}'
            )
            stored = _Stored(0, report=(taken.reference, recipient, status))
        else:
            report = pdu.StatusReport(
                taken.reference, pdu.Address.of(recipient), moment, moment, status
            )
            encoded = pdu.encode(report)
            line = f"{encoded.length}\r\n{encoded.hex}"
            stored = _Stored(0, pdu=encoded.hex)
        if self.cnmi[3] == 1:
            self._send(f"\r\n+CDS: {line}\r\n".encode())
        elif self.cnmi[3] == 2:
            store = self._store["SR"]
            index = min(set(range(1, 256)) - set(store))
            store[index] = stored
            self._send(f'\r\n+CDSI: "SR",{index}\r\n'.encode())

    # -- the modem's thread

    def _send(self, data: bytes) -> None:
        with self._lock:
            if self._master is None:
                return
            with contextlib.suppress(OSError):
                os.write(self._master, data)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.changed:
                requests, self._requests = self._requests, []
            for request in requests:
                if request == "unplug" and self.plugged:
                    self._close_pty()
                elif request == "plug" and not self.plugged:
                    with self._lock:
                        self._power_up()
                        self._open_pty()
                    with self.changed:
                        self.changed.notify_all()
            master = self._master
            if master is None:
                with self.changed:
                    self._quiet += 1
                    self.changed.notify_all()
                time.sleep(0.01)
                continue
            ready, _, _ = select.select([master], [], [], 0.02)
            if not ready:
                with self.changed:
                    self._quiet += 1
                    self.changed.notify_all()
                continue
            try:
                data = os.read(master, 4096)
            except OSError:
                continue
            for byte in data:
                self._byte(byte)
                if not self.plugged:
                    break

    def _byte(self, byte: int) -> None:
        if self._prompt is not None:
            if byte == ESC:
                self._prompt = None
                self._pending.clear()
                self.cancelled += 1
                return
            if byte == CTRL_Z:
                command, data = self._prompt, bytes(self._pending).decode("ascii", "replace")
                self._prompt = None
                self._pending.clear()
                self._submit(command, data.strip())
                return
            if self.echo:
                self._send(bytes([byte]))
            self._pending.append(byte)
            return
        if byte == ESC:
            return  # no prompt open: nothing to cancel
        if self.echo:
            self._send(bytes([byte]))
        if byte == 0x0D:
            line = bytes(self._pending).decode("ascii", "replace").strip()
            self._pending.clear()
            if line:
                self._command(line)
        elif byte != 0x0A:
            self._pending.append(byte)

    def _seen(self, command: str) -> None:
        with self.changed:
            self.commands.append(command)
            self.changed.notify_all()

    def _command(self, command: str) -> None:
        upper = command.upper()
        with self._lock:
            if self._unplug_at and upper.startswith(self._unplug_at[0]):
                prefix, count = self._unplug_at
                self._unplug_at = (prefix, count - 1) if count > 1 else None
                if count == 1:
                    self._seen(command)
                    self._close_pty()
                    return
            failure = next((f for f in self._failures if upper.startswith(f[0])), None)
            if failure is not None and not upper.startswith(("AT+CMGS", "AT+CMGW")):
                self._failures.remove(failure)
                self._send(failure[1])
                self._seen(command)
                return
            reply = self._answer(command, upper)
            if reply is not None:
                self._send(reply)
        self._seen(command)

    def _cme(self, code: int) -> bytes:
        return f"\r\n+CME ERROR: {code}\r\n".encode() if self.cmee else ERROR

    def _out(self, text: str) -> str:
        """Text as the host reads it in the character set it chose."""
        if self.charset == "UCS2":
            return text.encode("utf-16-be").hex().upper()
        return text

    def _in(self, text: str) -> str:
        if self.charset == "UCS2":
            try:
                return bytes.fromhex(text).decode("utf-16-be")
            except ValueError:
                return text
        return text

    def _answer(self, command: str, upper: str) -> bytes | None:  # noqa: PLR0911, PLR0912, PLR0915 - one branch per command
        value = command.partition("=")[2]
        if upper in ("AT", "ATI"):
            return OK
        if upper in ("ATE0", "ATE1"):
            self.echo = upper == "ATE1"
            return OK
        if upper == "ATZ":
            self._power_up()
            return OK
        if upper.startswith("AT+CMEE="):
            self.cmee = int(value or 0)
            return OK
        if upper == "AT+CGMI":
            return b"\r\nLINEREC\r\n" + OK
        if upper == "AT+CGMM":
            return b"\r\nFAKE-GSM\r\n" + OK
        if upper == "AT+CPIN?":
            if self.sim == "absent":
                return self._cme(10)
            return f"\r\n+CPIN: {self.sim}\r\n".encode() + OK
        if upper == "AT+CSQ":
            return f"\r\n+CSQ: {self.signal if self.network else 99},99\r\n".encode() + OK
        if upper == "AT+CREG?":
            return f"\r\n+CREG: 0,{1 if self.network else 2}\r\n".encode() + OK
        if upper == "AT+COPS?":
            if not self.network:
                return b"\r\n+COPS: 0\r\n" + OK
            return f'\r\n+COPS: 0,0,"{self._out("CHINA MOBILE")}",7\r\n'.encode() + OK
        if upper.startswith("AT+CSMS="):
            return b"\r\n+CSMS: 1,1,1\r\n" + OK
        if upper.startswith("AT+CMGF="):
            if value == "0" and not self.pdu_mode:
                return ERROR
            self.text_mode = value == "1"
            return OK
        if upper.startswith("AT+CSCS="):
            self.charset = value.strip('"').upper()
            return OK
        if upper.startswith("AT+CSMP="):
            self.csmp = tuple(int(part) for part in value.split(","))
            return OK
        if upper.startswith("AT+CNMI="):
            wanted = tuple(int(part or 0) for part in value.split(","))
            ds = wanted[3] if len(wanted) > 3 else 0
            if (ds == 1 and self.reports_offered != "direct") or (
                ds == 2 and self.reports_offered is None
            ):
                return self._cme(4) if self.cmee else ERROR
            self.cnmi = (*wanted, 0, 0, 0, 0, 0)[:5]
            return OK
        if upper == "AT+CSCA?":
            if self.smsc is None:
                return b'\r\n+CSCA: "",129\r\n' + OK
            return f'\r\n+CSCA: "{self._out(self.smsc)}",145\r\n'.encode() + OK
        if upper == "AT+CPMS?":
            used = len(self._store[self.read_storage])
            size = self.sizes[self.read_storage]
            place = f'"{self.read_storage}",{used},{size}'
            return f"\r\n+CPMS: {place},{place},{place}\r\n".encode() + OK
        if upper.startswith("AT+CPMS="):
            wanted = [part.strip().strip('"').upper() for part in value.split(",")]
            if any(storage not in self._store for storage in wanted):
                return b"\r\n+CMS ERROR: 302\r\n"
            self.read_storage = wanted[0]
            if len(wanted) > 1:
                self.write_storage = wanted[1]
            places = [self.read_storage, self.write_storage, "SM"]
            return (
                "\r\n+CPMS: "
                + ",".join(f"{len(self._store[name])},{self.sizes[name]}" for name in places)
                + "\r\n"
            ).encode() + OK
        if upper.startswith("AT+CMGS="):
            if self.text_mode != (value.startswith('"')):
                return (
                    b"\r\n+CMS ERROR: 304\r\n" if not self.text_mode else b"\r\n+CMS ERROR: 305\r\n"
                )
            self._prompt = command
            return b"\r\n> "
        if upper.startswith("AT+CMGW="):
            if not self.store_commands:
                return ERROR
            if self.text_mode:
                return b"\r\n+CMS ERROR: 302\r\n"
            self._prompt = command
            return b"\r\n> "
        if upper.startswith("AT+CMSS="):
            if not self.store_commands:
                return ERROR
            return self._send_stored(int(value.split(",")[0]) if value[:1].isdigit() else -1)
        if upper.startswith("AT+CMGR="):
            return self._read(int(value)) if value.isdigit() else b"\r\n+CMS ERROR: 321\r\n"
        if upper.startswith("AT+CMGL"):
            return self._list(value.strip('"').upper())
        if upper.startswith("AT+CMGD="):
            index = int(value.split(",")[0])
            self._store[self.read_storage].pop(index, None)
            self._deliver_held()
            return OK
        return ERROR

    def _entry(self, index: int | None, stored: _Stored) -> str:
        """The +CMGR (index None) or +CMGL line of a stored message, and its data line."""
        head = "+CMGR: " if index is None else f"+CMGL: {index},"
        if not self.text_mode:
            length = (len(stored.pdu) // 2) - 1 - int(stored.pdu[:2], 16)
            return f"{head}{stored.status},,{length}\r\n{stored.pdu}"
        name = ("REC UNREAD", "REC READ", "STO UNSENT", "STO SENT")[stored.status]
        if stored.report is not None:
            reference, recipient, status = stored.report
            return (
                f'{head}"{name}",6,{reference},"{self._out(recipient)}",145,'
                f'"{stored.stamp}","{stored.stamp}",{status}'
            )
        return (
            f'{head}"{name}","{self._out(stored.sender)}",,"{stored.stamp}"\r\n'
            f"{self._out(stored.text)}"
        )

    def _read(self, index: int) -> bytes:
        stored = self._store[self.read_storage].get(index)
        if stored is None:
            return OK
        line = self._entry(None, stored)
        if stored.status == 0:
            stored.status = 1
        return f"\r\n{line}\r\n".encode() + OK

    def _list(self, which: str) -> bytes:
        wanted = {
            "4": None,
            "ALL": None,
            "0": 0,
            "REC UNREAD": 0,
            "1": 1,
            "REC READ": 1,
            "2": 2,
            "STO UNSENT": 2,
            "3": 3,
            "STO SENT": 3,
        }
        if which not in wanted:
            return b"\r\n+CMS ERROR: 302\r\n"
        lines = []
        for index, stored in sorted(self._store[self.read_storage].items()):
            if wanted[which] is None or stored.status == wanted[which]:
                lines.append(self._entry(index, stored))
                if stored.status == 0:
                    stored.status = 1
        return b"".join(f"\r\n{line}".encode() for line in lines) + b"\r\n" + OK

    def _submit(self, command: str, data: str) -> None:
        """The data of an AT+CMGS ended with Ctrl-Z: taken, or refused as a modem does."""
        with self._lock:
            upper = command.upper()
            failure = next((f for f in self._failures if upper.startswith(f[0])), None)
            if failure is not None:
                self._failures.remove(failure)
                self._send(failure[1])
                return
            if upper.startswith("AT+CMGW"):
                self._write(command, data)
                return
            if self.sim != "READY":
                self._send(b"\r\n+CMS ERROR: 310\r\n")
                return
            if not self.network:
                self._send(b"\r\n+CMS ERROR: 331\r\n")
                return
            if self.smsc is None:
                self._send(b"\r\n+CMS ERROR: 330\r\n")
                return
            taken = (
                self._text_taken(command, data)
                if self.text_mode
                else self._pdu_taken(command, data)
            )
            if taken is None:
                self._send(
                    b"\r\n+CMS ERROR: 305\r\n" if self.text_mode else b"\r\n+CMS ERROR: 304\r\n"
                )
                return
            self._next_reference = (self._next_reference + 1) % 256
            self._took(taken)
            self._send(f"\r\n+CMGS: {taken.reference}\r\n".encode() + OK)

    def _took(self, taken: Taken) -> None:
        """A part the modem took: kept before the modem answers, as a real one has it by
        then (a test reading ``taken`` after the answer finds it there)."""
        with self.changed:
            self.taken.append(taken)
            self.changed.notify_all()

    def _write(self, command: str, data: str) -> None:
        """The data of an AT+CMGW: stored unsent (+CMGW: <index>), or the store full."""
        if self._pdu_taken(command, data) is None:
            self._send(b"\r\n+CMS ERROR: 304\r\n")
            return
        store = self._store[self.write_storage]
        free = sorted(set(range(1, self.sizes[self.write_storage] + 1)) - set(store))
        if not free:
            self._send(b"\r\n+CMS ERROR: 322\r\n")
            return
        store[free[0]] = _Stored(2, pdu=data)
        self._send(f"\r\n+CMGW: {free[0]}\r\n".encode() + OK)

    def _send_stored(self, index: int) -> bytes | None:
        """AT+CMSS: the message at ``index`` of the write store sent on (+CMSS: <mr>)."""
        stored = self._store[self.write_storage].get(index)
        if stored is None or not stored.pdu:
            return b"\r\n+CMS ERROR: 321\r\n"
        if self.sim != "READY":
            return b"\r\n+CMS ERROR: 310\r\n"
        if not self.network:
            return b"\r\n+CMS ERROR: 331\r\n"
        if self.smsc is None:
            return b"\r\n+CMS ERROR: 330\r\n"
        octets = bytes.fromhex(stored.pdu)
        taken = self._pdu_taken(f"AT+CMGS={len(octets) - 1 - octets[0]}", stored.pdu)
        if taken is None:
            return b"\r\n+CMS ERROR: 304\r\n"
        stored.status = 3
        self._next_reference = (self._next_reference + 1) % 256
        self._took(taken)
        self._send(f"\r\n+CMSS: {taken.reference}\r\n".encode() + OK)
        return None

    def _pdu_taken(self, command: str, data: str) -> Taken | None:
        try:
            length = int(command.partition("=")[2])
            submit = pdu.decode(data)
            octets = bytes.fromhex(data)
        except (ValueError, pdu.PduError):
            return None
        if not isinstance(submit, pdu.Submit) or len(octets) - 1 - octets[0] != length:
            return None
        concat = submit.user_data.concat
        part = (concat.reference, concat.total, concat.sequence) if concat else None
        return Taken(
            str(submit.destination),
            submit.user_data.text,
            part,
            self._next_reference,
            submit.status_report,
            time.monotonic(),
        )

    def _text_taken(self, command: str, data: str) -> Taken | None:
        number = self._in(command.partition("=")[2].split(",")[0].strip('"'))
        if not number:
            return None
        return Taken(
            number,
            self._in(data),
            None,
            self._next_reference,
            bool(self.csmp[0] & 0x20),
            time.monotonic(),
        )
