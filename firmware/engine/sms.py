"""The box's text messages: the engine's ``sms`` thread between the send queue and the
GSM modem.

``SmsService`` opens the modem named by ``device.sms.modem`` (off when empty) and
keeps it: once started (``GsmModem.initialise``) it takes what waits in the modem's
store (received messages, stored delivery reports), then, message by message, sends
the queue (``firmware.store.sms``) oldest due first, and keeps what the modem announces
meanwhile (``+CMTI``: a message, read, kept, then deleted from the modem; ``+CDS`` and
``+CDSI``: a delivery report). It never waits on anyone but the modem: the web only
writes the queue (looked at every ``QUEUE_LOOK_S``), and a line never waits for it.

Each message goes out as ``firmware.sms.pdu`` splits it (one part, or concatenated
parts behind a header whose reference is the message's id, so that parts sent again
after a restart join the others), with a delivery report asked for when
``device.sms.delivery_reports`` is on and the modem gives them. The order of writes is
what makes a message go out once (``firmware.store.sms``: ``begin`` committed before the
first part; each part written to the modem's store, ``AT+CMGW``, its place committed,
sent from there, ``AT+CMSS``, its reference committed the moment it is read, its place
freed); at start ``recover`` puts back what a kill left half sent and
``_recover_stored`` asks the modem's store what became of the parts a kill left there,
so that none goes twice. A modem without ``AT+CMGW`` (ERROR), a part its store is full
for (``+CMS ERROR: 322``) and a text-mode modem send with ``AT+CMGS``, with the one
window ``firmware.store.sms`` documents.

What goes wrong, and what is done about it (``drivers.gsm_errors``' scopes):

- the message's own fault (a number that does not exist, barred): ``failed``, with
  the error's meaning;
- a passing failure of the network (congestion, network out of order): tried again
  after ``RETRY_DELAYS_S``, then ``failed`` with the meaning and the count;
- the modem's (no SIM, a PIN, no network, no service centre number, its store full):
  no message is blamed; sending pauses for ``MODEM_WAIT_S`` and the network is looked
  at again (a full store is emptied at once);
- the modem unplugged, not answering, or not there: closed, and opened again after
  ``REOPEN_DELAYS_S`` (the last one repeated) until it is back; a message it was
  sending goes back to the queue for its parts not taken.

The state (the modem, its SIM, network and signal, the queue, the last problem) is
``state()``, in the engine's ``status`` reply, and is published (``publish``: the
engine sends it as ``contract.SmsChanged``) when it changes, at most every
``PUBLISH_S`` unless the modem came or went.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from drivers import gsm_errors
from drivers.errors import (
    DriverError,
    GsmCommandError,
    ModemCommandError,
    ModemGoneError,
    ModemTimeoutError,
    SimNotReadyError,
)
from drivers.gsm_modem import Arrived, GsmModem, MessageWaiting, ReportWaiting, StoredMessage
from firmware.config import Sms
from firmware.country.numbers import describe
from firmware.link.contract import SmsState
from firmware.sms import pdu
from firmware.store.db import Store
from firmware.store.sms import OutgoingMessage, SmsError, SmsStore, StoredPart

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (30.0, 120.0, 600.0, 1800.0, 3600.0)  # a message's passing failures
REOPEN_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 30.0)  # the modem gone or not starting
MODEM_WAIT_S = 30.0  # the modem cannot send (SIM, network): look again after this
CHECK_S = 60.0  # the signal, the network and the modem's store looked at
QUEUE_LOOK_S = 1.0  # the queue looked at for what the web put in it
PUBLISH_S = 1.0
IDLE_S = 5.0  # no modem set: the settings looked at again
PARTS_KEPT_S = 86400.0  # a long received message waits this long for its missing parts
COMMAND_TIMEOUT_S = 10.0
SEND_TIMEOUT_S = 60.0
STORE_FULL = (322, 20)  # +CMS ERROR: 322 memory full, +CME ERROR: 20 memory full
OUTCOMES = {
    pdu.Outcome.DELIVERED: "delivered",
    pdu.Outcome.PENDING: "pending",
    pdu.Outcome.FAILED: "failed",
}


@dataclasses.dataclass(frozen=True)
class _TextPart:
    """A part as a modem in text mode takes it (no header: the parts of a long message
    arrive as separate messages)."""

    number: str
    text: str
    wide: bool


def _same_submit(one: str | None, other: str | None) -> bool:
    """Whether two SMS-SUBMIT PDUs (hex, service centre's address first) are the same
    message: compared without that address and the message reference, which a modem may
    fill in or change in its store."""
    keys = []
    for hex_pdu in (one, other):
        try:
            octets = bytes.fromhex(hex_pdu or "")
            tpdu = octets[1 + octets[0] :]
        except (ValueError, IndexError):
            return False
        if len(tpdu) < 2:
            return False
        keys.append(tpdu[:1] + tpdu[2:])
    return keys[0] == keys[1]


def open_modem(url: str) -> GsmModem:
    return GsmModem(url, command_timeout=COMMAND_TIMEOUT_S, send_timeout=SEND_TIMEOUT_S)


class SmsService(threading.Thread):
    """The ``sms`` thread (see the module's text)."""

    def __init__(
        self,
        store: Store,
        settings: Callable[[], Sms],
        region: Callable[[], str],
        *,
        publish: Callable[[SmsState], None] | None = None,
        open_modem: Callable[[str], GsmModem] = open_modem,
        clock: Callable[[], float] = time.time,
        retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S,
        reopen_delays_s: tuple[float, ...] = REOPEN_DELAYS_S,
        modem_wait_s: float = MODEM_WAIT_S,
        check_s: float = CHECK_S,
        queue_look_s: float = QUEUE_LOOK_S,
    ) -> None:
        super().__init__(name="sms", daemon=True)
        self.queue = SmsStore(store)
        self.settings = settings
        self.region = region
        self.publish = publish
        self.open_modem = open_modem
        self.clock = clock
        self.retry_delays_s = retry_delays_s
        self.reopen_delays_s = reopen_delays_s
        self.modem_wait_s = modem_wait_s
        self.check_s = check_s
        self.queue_look_s = queue_look_s
        self.sent = 0  # messages sent since the engine started
        self.received = 0
        self._stopping = threading.Event()
        self._woken = threading.Event()
        self._modem: GsmModem | None = None
        self._url = ""
        self._reopens = 0  # failed opens in a row
        self._recovered = False
        self._next_check = 0.0
        self._paused_until = 0.0  # the modem cannot send before this
        self._registered: bool | None = None  # on a network at the last look; None: not yet
        self._text_mode = False  # the modem has no PDU mode
        self._reports: str | None = None  # how the modem gives delivery reports
        # Where parts are written to be sent from (AT+CMGW, AT+CMSS); None: AT+CMGS.
        self._write_storage: str | None = None
        self._resume: dict[tuple[int, int], int] = {}  # parts left written, unsent: place
        self._state = SmsState()
        self._published: SmsState | None = None
        self._published_at = 0.0

    # ---- for other threads ----------------------------------------------------------

    def state(self) -> SmsState:
        """The modem and the queue as they are now (the queue counted afresh, if the
        store can be read)."""
        try:
            return self._with_counts(self._state)
        except sqlite3.Error:
            return self._state

    def wake(self) -> None:
        """Look at the settings and the queue now (new settings, a message queued)."""
        self._woken.set()
        modem = self._modem
        if modem is not None:
            modem.wake()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the part being sent, if the modem answers within ``timeout``; else
        close the modem under it (with AT+CMGS only, that part may then go out again at the
        next start; through the modem's store, the next start asks the modem)."""
        self._stopping.set()
        self.wake()
        if self.is_alive():
            self.join(timeout)
        modem = self._modem
        if self.is_alive() and modem is not None:
            modem.close()
            self.join(timeout)

    # ---- the thread -------------------------------------------------------------------

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._round()
        finally:
            self._close()

    def _round(self) -> None:
        """One turn: the settings, the modem opened if need be, then a message sent or a
        wait for the modem's news; every failure handled here, none ends the thread."""
        settings = self.settings()
        try:
            if not self._recovered:
                recovered = self.queue.recover(now=self.clock())
                self._recovered = True
                if recovered.sent or recovered.resumed:
                    log.warning(
                        "text messages left half sent: %d were sent, %d go on with "
                        "the parts not sent",
                        recovered.sent,
                        recovered.resumed,
                    )
            if not settings.enabled:
                self._close()
                if self._state.enabled:  # turned off: said once
                    self._state = SmsState()
                    self._publish_state(force=True)
                self._wait(IDLE_S)
                return
            if self._modem is not None and settings.modem != self._url:
                self._close()  # another port: start again there
            if self._modem is None:
                self._start(settings)
            self._work(settings)
        except SimNotReadyError as error:
            self._modem_failed(str(error), self.modem_wait_s, sim=error.status)
        except ModemGoneError as error:
            self._modem_failed(f"the GSM modem is gone: {error}", self._reopen_delay())
        except (ModemTimeoutError, ModemCommandError, DriverError) as error:
            self._modem_failed(f"the GSM modem: {error}", self._reopen_delay())
        except sqlite3.Error as error:
            self._problem(f"the text messages cannot be read or written: {error}")
            self._recovered = False  # a message may be left 'sending': put back before more
            self._close()  # and the modem's store looked at again before sending more
            self._wait(self.modem_wait_s)
        except Exception as error:  # a fault of ours must not end text messages for good
            log.exception("text messages: unexpected error")
            self._recovered = False  # a message left 'sending' goes back to the queue
            self._modem_failed(f"unexpected error: {error}", self._reopen_delay())

    def _reopen_delay(self) -> float:
        delay = self.reopen_delays_s[min(self._reopens, len(self.reopen_delays_s) - 1)]
        self._reopens += 1
        return delay

    def _modem_failed(self, problem: str, wait_s: float, **facts: object) -> None:
        self._close()
        self._problem(problem, present=False, **facts)
        self._publish_state(force=True)
        self._wait(wait_s)

    def _start(self, settings: Sms) -> None:
        self._set(enabled=True, port=settings.modem, present=False)
        self._url = settings.modem
        modem = self.open_modem(settings.modem)
        self._modem = modem
        facts = modem.initialise()
        self._reopens = 0
        self._text_mode = facts.text_mode
        self._reports = facts.reports
        self._write_storage = None if facts.text_mode else modem.write_storage
        log.info(
            "GSM modem %s %s on %s: %s mode, delivery reports %s, service centre %s",
            facts.manufacturer,
            facts.model,
            modem.port_name,
            "text" if facts.text_mode else "PDU",
            facts.reports or "none",
            facts.smsc or "not set",
        )
        self._set(
            present=True,
            model=" ".join(filter(None, (facts.manufacturer, facts.model))) or None,
            mode="text" if facts.text_mode else "pdu",
            reports=facts.reports,
            sim="READY",
        )
        self._check(modem)
        self._recover_stored(modem)
        self._take_stored(modem)
        self._publish_state(force=True)

    def _close(self) -> None:
        modem, self._modem = self._modem, None
        if modem is not None:
            modem.close()

    def _wait(self, seconds: float) -> None:
        self._woken.wait(seconds)
        self._woken.clear()

    # ---- one turn with the modem --------------------------------------------------------

    def _work(self, settings: Sms) -> None:
        modem = self._modem
        now = self.clock()
        if now >= self._next_check:
            self._check(modem)
            self._expire_parts(now)
        self._handle_events(modem, 0)
        if now >= self._paused_until and self._registered:
            message = self.queue.next_due(now=now)
            if message is not None:
                self._send(modem, message, settings)
                self._publish_state()
                return
        due = self.queue.next_due_at() if now >= self._paused_until else None
        wait = min(self.queue_look_s, max(0.0, self._next_check - now))
        if due is not None:
            wait = min(wait, max(0.0, due - now))
        if now < self._paused_until:
            wait = min(wait, self._paused_until - now)
        self._publish_state()
        self._handle_events(modem, wait)
        self._woken.clear()

    def _handle_events(self, modem: GsmModem, wait: float) -> None:
        """The modem's news: wait up to ``wait`` for the first, then take all that came."""
        event = modem.next_event(wait)
        while event is not None:
            self._handle(modem, event)
            event = modem.next_event(0)

    def _check(self, modem: GsmModem) -> None:
        """The network, the signal and the modem's store, looked at."""
        now = self.clock()
        try:
            registration = modem.registration()
        except ModemCommandError:  # a modem that does not say: try sending all the same
            network, registered = None, True
        else:
            network, registered = registration.name, registration.registered
        try:
            signal = modem.signal_dbm()
        except ModemCommandError:
            signal = None
        if not registered and self._registered is not False:
            self._problem(
                f"the GSM modem is not on a network ({network}): check the aerial, "
                "the coverage and that the SIM is active"
            )
        self._registered = registered
        self._set(
            network=network,
            signal_dbm=signal,
            operator=modem.operator() if registered else None,
            checked_at=now,
        )
        use = modem.storage_use()
        if use is not None and use[1] and use[0] >= use[1]:
            log.warning("the GSM modem's message store is full (%d of %d): emptying it", *use)
            self._take_stored(modem)
        self._next_check = now + (
            self.check_s if registered else min(self.check_s, self.modem_wait_s)
        )

    def _expire_parts(self, now: float) -> None:
        if self.queue.inbox.expire_parts(older_than=now - PARTS_KEPT_S, now=now):
            log.warning("a long text message was kept without the parts that never came")

    # ---- sending ------------------------------------------------------------------------

    def _parts(self, message: OutgoingMessage, settings: Sms) -> list[pdu.Pdu | _TextPart]:
        validity = timedelta(hours=settings.validity_hours)
        if self._text_mode:
            return [
                _TextPart(message.address, part.text, part.alphabet is pdu.Alphabet.UCS2)
                for part in pdu.split(pdu.normalise_text(message.text))
            ]
        submits = pdu.submits(
            message.address,
            message.text,
            concat_reference=message.id & 0xFF,
            status_report=settings.delivery_reports and self._reports is not None,
            validity=validity,
        )
        return [pdu.encode(submit) for submit in submits]

    def _send_part(self, modem: GsmModem, part: pdu.Pdu | _TextPart, settings: Sms) -> int | None:
        if isinstance(part, _TextPart):
            return modem.send_text(
                part.number,
                part.text,
                wide=part.wide,
                status_report=settings.delivery_reports and self._reports is not None,
                validity=pdu.validity_octet(timedelta(hours=settings.validity_hours)),
            )
        return modem.send_pdu(part.hex, part.length)

    def _recover_stored(self, modem: GsmModem) -> None:
        """At start: ask the modem's store what became of the parts a kill left written
        there (``firmware.store.sms``): sent ones are marked sent, unsent ones are sent
        from there, gone ones written again; what the store holds that no part of the
        queue has a place for is deleted (a part found sent there is marked sent)."""
        self._resume = {}
        storage = self._write_storage
        if storage is None:
            return
        for part in self.queue.stored_parts():
            found = modem.read_message(part.index, storage)
            if found is None or not _same_submit(found.pdu, part.pdu):
                # gone, or another message there: it was not sent from there
                self.queue.part_stored(part.message_id, part.sequence, None, now=self.clock())
            elif found.status == "sent":
                self._found_sent(part)
                modem.delete_message(part.index)
            else:
                self._resume[(part.message_id, part.sequence)] = part.index
        unstored = self.queue.unstored_parts()
        kept = set(self._resume.values())
        for stored in modem.list_outgoing(storage):
            if stored.index in kept:
                continue
            part = next((p for p in unstored if _same_submit(p.pdu, stored.pdu)), None)
            if part is not None and stored.status == "sent":
                unstored.remove(part)
                self._found_sent(part)
            modem.delete_message(stored.index)
        modem.use_storage("SM")

    def _found_sent(self, part: StoredPart) -> None:
        log.warning(
            "part %d of text message %d was found sent in the GSM modem's store after a "
            "restart: marked sent; its message reference is not known, so its delivery "
            "report cannot be matched",
            part.sequence,
            part.message_id,
        )
        if self.queue.part_sent(part.message_id, part.sequence, None, now=self.clock()):
            self.sent += 1

    def _send_stored(
        self, modem: GsmModem, message_id: int, sequence: int, part: pdu.Pdu
    ) -> tuple[int | None, int | None]:
        """Send a part through the modem's store: written (AT+CMGW), its place committed,
        sent from there (AT+CMSS). Its reference and its place (None: sent with AT+CMGS,
        the store full or the modem without AT+CMGW)."""
        storage = self._write_storage
        index = self._resume.pop((message_id, sequence), None)
        if index is None:
            try:
                index = modem.write_pdu(part.hex, part.length)
            except GsmCommandError as error:
                if error.code not in STORE_FULL:
                    raise
                log.warning("the GSM modem's store is full: a part goes with AT+CMGS")
                return modem.send_pdu(part.hex, part.length), None
            except ModemTimeoutError:
                raise
            except ModemCommandError as error:
                log.warning(
                    "the GSM modem cannot write messages to its store (%s): they go with "
                    "AT+CMGS, and a kill while the modem takes a part may send it twice",
                    error,
                )
                self._write_storage = None
                return modem.send_pdu(part.hex, part.length), None
            self.queue.part_stored(message_id, sequence, index, now=self.clock())
        try:
            return modem.send_stored(index), index
        except GsmCommandError:
            modem.delete_message(index, storage)  # not sent: written again next time
            self.queue.part_stored(message_id, sequence, None, now=self.clock())
            raise

    def _send(self, modem: GsmModem, message: OutgoingMessage, settings: Sms) -> None:
        """Send the message's parts the modem has not taken. Through the modem's store
        (``_send_stored``) a part's place is committed before it is sent, and a restart
        asks the modem what became of it (``_recover_stored``); with AT+CMGS, between the
        modem taking a part and its reference being committed there is nothing else (the
        window of ``firmware.store.sms``)."""
        try:
            parts = self._parts(message, settings)
        except pdu.PduError as error:
            self.queue.fail(message.id, f"cannot be sent: {error}", now=self.clock())
            return
        pdus = [part.hex for part in parts if isinstance(part, pdu.Pdu)]
        try:
            todo = self.queue.begin(
                message.id, len(parts), now=self.clock(), pdus=pdus if pdus else None
            )
        except SmsError as error:
            self.queue.fail(message.id, f"cannot be sent: {error}", now=self.clock())
            return
        for sequence in todo:
            part = parts[sequence - 1]
            index = None
            try:
                if self._write_storage is not None and isinstance(part, pdu.Pdu):
                    reference, index = self._send_stored(modem, message.id, sequence, part)
                else:
                    reference = self._send_part(modem, part, settings)
            except GsmCommandError as error:
                self._refused(modem, message, error)
                return
            except (ModemGoneError, ModemTimeoutError, ModemCommandError) as error:
                self.queue.try_again(message.id, str(error), now=self.clock(), counted=False)
                raise
            if self.queue.part_sent(message.id, sequence, reference, now=self.clock()):
                self.sent += 1
            if index is not None:
                modem.delete_message(index, self._write_storage)  # its place freed
        if self._write_storage not in (None, "SM"):
            modem.use_storage("SM")  # where received messages are read and counted

    def _refused(self, modem: GsmModem, message: OutgoingMessage, error: GsmCommandError) -> None:
        now = self.clock()
        meaning = error.meaning
        if error.scope == gsm_errors.MESSAGE:
            self.queue.fail(message.id, meaning, now=now)
            self._problem(f"a text message to {message.number} failed: {meaning}")
        elif error.scope == gsm_errors.RETRY:
            tries = message.attempts + 1
            if tries > len(self.retry_delays_s):
                self.queue.fail(message.id, f"{meaning} (tried {tries} times)", now=now)
                self._problem(
                    f"a text message to {message.number} failed after {tries} tries: {meaning}"
                )
            else:
                self.queue.try_again(
                    message.id, meaning, now=now, at=now + self.retry_delays_s[tries - 1]
                )
                self._problem(f"a text message to {message.number} will be tried again: {meaning}")
        else:
            self.queue.try_again(message.id, meaning, now=now, counted=False)
            self._problem(f"the GSM modem cannot send now: {meaning}")
            self._paused_until = now + self.modem_wait_s
            self._next_check = min(self._next_check, self._paused_until)
            if error.code in (322, 208, 211, 20):  # its store is full: empty it now
                self._take_stored(modem)

    # ---- receiving ------------------------------------------------------------------------

    def _take_stored(self, modem: GsmModem) -> None:
        """Keep what waits in the modem's store (messages, reports), then free it."""
        storages = ("SM", "SR") if self._reports == "stored" else ("SM",)
        for storage in storages:
            for stored in modem.list_messages(storage):
                if self._keep_stored(stored):
                    modem.delete_message(stored.index)
        modem.use_storage("SM")

    def _handle(self, modem: GsmModem, event: object) -> None:
        if isinstance(event, MessageWaiting | ReportWaiting):
            stored = modem.read_message(event.index, event.storage)
            if stored is not None and self._keep_stored(stored):
                modem.delete_message(event.index)
            modem.use_storage("SM")  # where new messages are read and counted
        elif isinstance(event, Arrived):
            if event.pdu is not None:
                self._keep_pdu(event.pdu)
            elif event.message is not None:
                self._keep_text(event.message.sender, event.message.text, event.message.timestamp)
            elif event.report is not None:
                self._apply_report(
                    event.report.reference, event.report.recipient, event.report.status
                )

    def _keep_stored(self, stored: StoredMessage) -> bool:
        """Keep one message of the modem's store; whether it may be deleted there (the
        modem's own drafts and sent messages are not the box's)."""
        if stored.status in ("unsent", "sent"):
            return False
        if stored.pdu is not None:
            return self._keep_pdu(stored.pdu)
        if stored.message is not None:
            self._keep_text(stored.message.sender, stored.message.text, stored.message.timestamp)
        elif stored.report is not None:
            self._apply_report(
                stored.report.reference, stored.report.recipient, stored.report.status
            )
        return True

    def _keep_pdu(self, hex_pdu: str) -> bool:
        try:
            message = pdu.decode(hex_pdu)
        except pdu.PduError as error:
            log.warning("an unreadable text message was dropped (%s): %s", error, hex_pdu)
            return True
        if isinstance(message, pdu.StatusReport):
            self._apply_report(message.reference, str(message.recipient), message.status)
        elif isinstance(message, pdu.Deliver):
            self._keep_deliver(message)
        else:
            return False
        return True

    def _e164(self, number: str) -> str | None:
        return describe(number, self.region()).e164 if number else None

    def _keep_deliver(self, deliver: pdu.Deliver) -> None:
        number = str(deliver.originator)
        user_data = deliver.user_data
        text = (
            user_data.text
            if user_data.alphabet is not pdu.Alphabet.DATA8
            else (f"[{len(user_data.data)} octets of data]")
        )
        e164 = None if deliver.originator.alphanumeric else self._e164(number)
        sent_at = deliver.timestamp.timestamp()
        concat = user_data.concat
        if concat is not None and concat.total > 1:
            kept = self.queue.inbox.receive_part(
                number,
                text,
                reference=concat.reference,
                total=concat.total,
                sequence=concat.sequence,
                number_e164=e164,
                sent_at=sent_at,
                now=self.clock(),
            )
        else:
            kept = self.queue.inbox.receive(
                number, text, number_e164=e164, sent_at=sent_at, now=self.clock()
            )
        self._received(kept, number)

    def _keep_text(self, number: str, text: str, stamp: datetime | None) -> None:
        kept = self.queue.inbox.receive(
            number,
            text,
            number_e164=self._e164(number),
            sent_at=stamp.timestamp() if stamp is not None else None,
            now=self.clock(),
        )
        self._received(kept, number)

    def _received(self, kept: int | None, number: str) -> None:
        if kept is not None:
            self.received += 1
            log.info("text message %d received from %s", kept, number)
            self._publish_state(force=True)

    def _apply_report(self, reference: int, recipient: str, status: int) -> None:
        outcome = "delivered" if status < 0x20 else "pending" if status < 0x40 else "failed"
        found = self.queue.report(
            reference,
            number=recipient or None,
            number_e164=self._e164(recipient),
            outcome=outcome,
            status=status,
            meaning=pdu.status_meaning(status),
            now=self.clock(),
        )
        if found is None:
            log.info(
                "a delivery report for reference %d to %s matched no message sent",
                reference,
                recipient,
            )

    # ---- the state ----------------------------------------------------------------------

    def _set(self, **changes: object) -> None:
        self._state = dataclasses.replace(self._state, **changes)

    def _problem(self, text: str, **facts: object) -> None:
        if text[:300] != self._state.last_error:  # a modem left unplugged: said once
            log.warning("text messages: %s", text)
        self._set(last_error=text[:300], last_error_at=self.clock(), **facts)

    def _with_counts(self, state: SmsState) -> SmsState:
        counts = self.queue.counts()
        return dataclasses.replace(
            state,
            queued=counts["queued"] + counts["sending"],
            held=counts["held"],
            failed=counts["failed"],
            sent=self.sent,
            received=self.received,
        )

    def _publish_state(self, *, force: bool = False) -> None:
        if self.publish is None:
            return
        now = time.monotonic()
        if not force and now - self._published_at < PUBLISH_S:
            return
        state = self._with_counts(self._state)
        if state == self._published:
            return
        if (
            self._published is not None
            and not force
            and dataclasses.replace(state, checked_at=None)
            == dataclasses.replace(self._published, checked_at=None)
        ):
            return
        self._published, self._published_at = state, now
        self.publish(state)
