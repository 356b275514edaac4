"""Text messages in the SQLite store: the send queue, delivery reports, received messages.

``SmsStore(store)`` is the one way to them, for the web (queue, list, count, read) and
for the engine's sender (``firmware.engine.sms``), which takes the queue's messages to the
GSM modem. Numbers are kept as entered and in E.164 (the caller normalises them with the
country profile, as for customers: ``firmware.store.crm``); a message is linked to the
customer whose number matches, unless the caller names one.

**A message's life.** ``enqueue`` puts it in the queue (``queued``), or ``held``
(``hold_reason``: e.g. a word the sensitive-word filter found) until ``release`` queues
it. The sender takes the oldest one due (``next_due``), marks it ``sending`` with its
number of parts (``begin``), sends each part and records the message reference the
modem answered (``part_sent``); with the last part it is ``sent``. A delivery report
(``report``) marks a part delivered or failed; once every part is delivered the message
is ``delivered``, and a part that failed makes it ``failed`` with the report's meaning.
A passing failure puts it back in the queue for later (``try_again``: ``attempts``
counts them, ``error`` says the last one); a failure of the message itself
(``fail``) ends it ``failed`` with the error's meaning. ``cancel`` ends a queued or
held message, ``resend`` queues a failed one again.

**Exactly once, across kills and power cuts.** Every change here is one transaction
written with ``synchronous=FULL`` (fsynced before it returns), so what is committed
survives a power cut too. A message is committed ``sending`` before its first part
goes to the modem, and each part's taking (``sent_at``, ``reference``) is committed as
soon as the modem answers ``+CMGS``. On a restart ``recover`` finds every message left
``sending``: if every part was taken it is ``sent`` (nothing is sent again); otherwise
it goes back to the queue, and the sender sends only the parts not taken.

**Through the modem's store** (``AT+CMGW``, ``AT+CMSS``) no part goes out twice: each
part's PDU is kept with it (``begin``), its place in the store is committed
(``part_stored``) before the modem is asked to send it, and at start the sender asks the
modem about every part with a place and no reference (``stored_parts``: sent there, it
is marked sent with its reference unknown, ``part_sent(..., None)``; unsent, it is sent
from there; gone, written again) and looks in the store for the PDUs of the parts
without a place (``unstored_parts``: a kill between writing one and committing its
place).

**With ``AT+CMGS`` only** (a modem without a store to send from, or its store full)
one window remains where a part may go out twice: the modem took it (it has the
PDU and its Ctrl-Z, and hands it to the network) and the box was killed, lost power
or lost the modem before the ``+CMGS`` answer was read and its commit written. The
part then has no ``sent_at`` and is sent again. The sender keeps that window as short
as it can be: nothing but reading the answer and one commit lie between the modem
taking the part and the part being recorded (no other work, no other commit, no
waiting), so the window is the modem's answer time (it answers once the service centre
has the part: well under a second on the fake modem, a second or a few on a real
network) plus one fsync. A kill at any other moment, before the Ctrl-Z or after the
commit, sends nothing twice. (A modem that never answers within the sender's time
limit is the same window seen from the box: the part is sent again.)

**Received messages** are ``SmsStore.inbox`` (``firmware.store.sms_inbox.SmsInbox``):
``received`` lists them (filters as ``outgoing``'s), ``unread_count``, ``mark_read``;
the sender keeps them with ``receive`` and ``receive_part`` (long messages).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from firmware.store.db import NoSuchRowError, Store
from firmware.store.scopes import EVERY_MESSAGE, MessageScope
from firmware.store.sms_inbox import (
    MISSING_PART,
    ReceivedMessage,
    SmsError,
    SmsInbox,
    customer_of,
    durable_transaction,
    message_terms,
    number_keys,
)

__all__ = [
    "MISSING_PART",
    "SOURCES",
    "STATES",
    "NewMessage",
    "OutgoingMessage",
    "OutgoingPart",
    "ReceivedMessage",
    "Recovered",
    "SmsError",
    "SmsInbox",
    "SmsStore",
    "StoredPart",
]

SOURCES = ("manual", "template", "auto_reply", "system")
STATES = ("queued", "sending", "sent", "delivered", "failed", "held")
WAITING = ("queued", "sending")  # still to go out
REPORTS = ("delivered", "pending", "failed")
REPORT_WINDOW_S = 7 * 86400  # a delivery report matches a part sent at most this long ago
MAX_TEXT = 4000  # characters: longer is not a text message (255 parts at 67 characters)


@dataclass(frozen=True)
class OutgoingPart:
    """One part of a message as the modem took it (``sent_at`` None: not yet)."""

    sequence: int
    reference: int | None  # the message reference the modem answered (+CMGS: <mr>)
    sent_at: float | None
    report: str | None  # delivered, pending or failed; None: no report yet
    report_status: int | None  # TP-ST of the last report
    report_at: float | None


@dataclass(frozen=True)
class OutgoingMessage:
    """A message in the send queue, and what became of it."""

    id: int
    number: str
    number_e164: str | None
    text: str
    source: str
    customer_id: int | None
    customer_name: str | None
    queued_by: int | None
    queued_by_name: str | None
    state: str  # one of STATES
    parts: int | None  # known once sending started
    attempts: int
    error: str | None
    hold_reason: str | None
    queued_at: float
    next_try_at: float
    sent_at: float | None
    delivered_at: float | None
    updated_at: float
    part_list: tuple[OutgoingPart, ...] = ()  # filled by ``outgoing_message`` only

    @property
    def references(self) -> tuple[int | None, ...]:
        """The message references of its parts, in order (``outgoing_message`` only)."""
        return tuple(part.reference for part in self.part_list)

    @property
    def address(self) -> str:
        """The number to send to: E.164 when known, else as entered."""
        return self.number_e164 or self.number


@dataclass(frozen=True)
class NewMessage:
    """A message to queue (``enqueue_many``); the fields as ``enqueue``'s."""

    number: str
    text: str
    source: str = "manual"
    number_e164: str | None = None
    customer_id: int | None = None
    queued_by: int | None = None
    hold_reason: str | None = None
    not_before: float | None = None
    # An automatic message's occasion (``birthday:<customer>:<year>``): it is queued only
    # if no message was queued for the occasion before (table ``sms_once``).
    once: str | None = None


@dataclass(frozen=True)
class StoredPart:
    """A part not yet taken as the modem's store may hold it."""

    message_id: int
    sequence: int
    index: int | None  # its place in the modem's store (AT+CMGW), None: none recorded
    pdu: str | None  # the PDU as hex, as written


@dataclass(frozen=True)
class Recovered:
    """What ``recover`` found left ``sending``."""

    sent: int  # every part had been taken: sent, not sent again
    resumed: int  # back in the queue, for the parts not taken


_OUT_COLUMNS = (
    "m.id, m.number, m.number_e164, m.text, m.source, m.customer_id, c.name, m.queued_by, "
    "coalesce(nullif(u.display_name, ''), u.username), m.state, m.parts, m.attempts, m.error, "
    "m.hold_reason, m.queued_at, m.next_try_at, m.sent_at, m.delivered_at, m.updated_at"
)
_OUT_FROM = (
    "sms_outbox m LEFT JOIN customers c ON c.id = m.customer_id "
    "LEFT JOIN users u ON u.id = m.queued_by"
)
_PART_FIELDS = ", ".join(field.name for field in fields(OutgoingPart))


class SmsStore:
    """Text messages of one store (see the module's text)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.inbox = SmsInbox(store)  # the received messages

    def _read(self, sql: str, parameters: Iterable[object] = ()) -> list[tuple]:
        return self.store.connection().execute(sql, tuple(parameters)).fetchall()

    # ---- queueing (the web) ---------------------------------------------------------

    def enqueue(
        self,
        number: str,
        text: str,
        *,
        source: str = "manual",
        number_e164: str | None = None,
        customer_id: int | None = None,
        queued_by: int | None = None,
        hold_reason: str | None = None,
        not_before: float | None = None,
        now: float,
    ) -> int:
        """Queue a message to ``number``; its id.

        ``source``: one of SOURCES. ``customer_id``: the customer it is for; None links
        it to the customer whose number matches, if any. ``hold_reason``: keep it
        ``held`` (not sent) until ``release``. ``not_before``: not sent before this
        time (Unix). Raises SmsError for an empty number or text, a text too long or an
        unknown source.
        """
        return self.enqueue_many(
            [
                NewMessage(
                    number,
                    text,
                    source,
                    number_e164,
                    customer_id,
                    queued_by,
                    hold_reason,
                    not_before,
                )
            ],
            now=now,
        )[0]

    def enqueue_many(self, messages: Iterable[NewMessage], *, now: float) -> list[int | None]:
        """Queue several messages in one transaction (a mailing); their ids, in order (None
        for a message whose ``once`` occasion had its message already)."""
        checked = [self._checked(message) for message in messages]
        ids: list[int | None] = []
        with durable_transaction(self.store) as connection:
            for message in checked:
                if message.once is not None and not connection.execute(
                    "INSERT OR IGNORE INTO sms_once (occasion, at) VALUES (?, ?)",
                    (message.once, now),
                ).rowcount:
                    ids.append(None)
                    continue
                customer = message.customer_id
                if customer is None:
                    customer = customer_of(
                        connection, number_keys(message.number, message.number_e164)
                    )
                state = "held" if message.hold_reason else "queued"
                due = now if message.not_before is None else max(now, message.not_before)
                cursor = connection.execute(
                    "INSERT INTO sms_outbox (number, number_e164, text, source, customer_id, "
                    "queued_by, state, hold_reason, queued_at, next_try_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        message.number,
                        message.number_e164,
                        message.text,
                        message.source,
                        customer,
                        message.queued_by,
                        state,
                        message.hold_reason,
                        now,
                        due,
                        now,
                    ),
                )
                ids.append(int(cursor.lastrowid))
                if message.once is not None:
                    connection.execute(
                        "UPDATE sms_once SET message_id = ? WHERE occasion = ?",
                        (ids[-1], message.once),
                    )
        return ids

    def occasions_sent(self, occasions: Iterable[str]) -> set[str]:
        """Those of ``occasions`` whose message was queued (``NewMessage.once``)."""
        wanted = list(dict.fromkeys(occasions))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            found.update(
                occasion
                for (occasion,) in self._read(
                    f"SELECT occasion FROM sms_once WHERE occasion IN ({marks})", chunk
                )
            )
        return found

    @staticmethod
    def _checked(message: NewMessage) -> NewMessage:
        if not message.number.strip():
            raise SmsError("a text message needs a number to go to")
        if not message.text:
            raise SmsError(f"the text message to {message.number} is empty")
        if len(message.text) > MAX_TEXT:
            raise SmsError(
                f"the text message to {message.number} has {len(message.text)} "
                f"characters: {MAX_TEXT} at most"
            )
        if message.source not in SOURCES:
            raise SmsError(f"source {message.source!r} is not one of {', '.join(SOURCES)}")
        return message

    def release(self, message_id: int, *, now: float) -> bool:
        """Queue a held message; False if it is not held."""
        return self._change(
            message_id,
            "state = 'queued', hold_reason = NULL, next_try_at = ?",
            [now],
            "state = 'held'",
            now,
        )

    def cancel(self, message_id: int, reason: str, *, now: float) -> bool:
        """End a queued or held message unsent (``failed``, ``reason`` its error); False if
        it is no longer waiting to go (sending, sent, ...)."""
        return self._change(
            message_id, "state = 'failed', error = ?", [reason], "state IN ('queued', 'held')", now
        )

    def resend(self, message_id: int, *, now: float) -> bool:
        """Queue a failed message again, whole (its parts sent again); False if it did not
        fail."""
        with durable_transaction(self.store) as connection:
            cursor = connection.execute(
                "UPDATE sms_outbox SET state = 'queued', error = NULL, attempts = 0, "
                "parts = NULL, sent_at = NULL, delivered_at = NULL, next_try_at = ?, "
                "updated_at = ? WHERE id = ? AND state = 'failed'",
                (now, now, message_id),
            )
            if cursor.rowcount:
                connection.execute("DELETE FROM sms_parts WHERE message_id = ?", (message_id,))
        return bool(cursor.rowcount)

    def _change(
        self,
        message_id: int,
        assignments: str,
        parameters: list[object],
        condition: str,
        now: float,
    ) -> bool:
        with durable_transaction(self.store) as connection:
            cursor = connection.execute(
                f"UPDATE sms_outbox SET {assignments}, updated_at = ? WHERE id = ? AND {condition}",
                [*parameters, now, message_id],
            )
        return bool(cursor.rowcount)

    # ---- reading the queue (the web) ----------------------------------------------

    def outgoing_message(self, message_id: int) -> OutgoingMessage | None:
        """One message with its parts, or None."""
        rows = self._read(f"SELECT {_OUT_COLUMNS} FROM {_OUT_FROM} WHERE m.id = ?", [message_id])
        if not rows:
            return None
        parts = self._read(
            f"SELECT {_PART_FIELDS} FROM sms_parts WHERE message_id = ? ORDER BY sequence",
            [message_id],
        )
        return OutgoingMessage(*rows[0], part_list=tuple(OutgoingPart(*row) for row in parts))

    def outgoing(
        self,
        *,
        states: Iterable[str] = (),
        number: str = "",
        customer_id: int | None = None,
        source: str | None = None,
        queued_by: int | None = None,
        text: str = "",
        since: float | None = None,
        until: float | None = None,
        scope: MessageScope = EVERY_MESSAGE,
        message_id: int | None = None,
        limit: int | None = 50,
        offset: int = 0,
    ) -> list[OutgoingMessage]:
        """Queued and sent messages, newest first: of these ``states`` (all when empty),
        to a number containing ``number``, for a customer, from a source, queued by a
        user, whose text contains ``text``, queued between ``since`` and ``until``, that
        ``scope`` sees (``message_id``: that one only). ``limit`` None: all of them."""
        wanted = list(states)
        unknown = sorted(set(wanted) - set(STATES))
        if unknown:
            raise ValueError(f"states {unknown} are not among {', '.join(STATES)}")
        conditions, parameters = message_terms(
            "m", "queued_at", since=since, until=until, scope=scope, sent=True,
            number=number, text=text, equal=(
                ("id", message_id), ("customer_id", customer_id), ("source", source),
                ("queued_by", queued_by)))
        if wanted:
            conditions.append(f"m.state IN ({', '.join('?' for _ in wanted)})")
            parameters += wanted
        where = " AND ".join(conditions) or "1"
        rows = self._read(
            f"SELECT {_OUT_COLUMNS} FROM {_OUT_FROM} WHERE {where} "
            "ORDER BY m.queued_at DESC, m.id DESC LIMIT ? OFFSET ?",
            [*parameters, -1 if limit is None else limit, offset],
        )
        return [OutgoingMessage(*row) for row in rows]

    def counts(self) -> dict[str, int]:
        """How many messages are in each state (every state named, 0 for none)."""
        found = dict.fromkeys(STATES, 0)
        for state, count in self._read("SELECT state, count(*) FROM sms_outbox GROUP BY state"):
            found[state] = count
        return found

    # ---- the sender (the engine) ------------------------------------------------------

    def recover(self, *, now: float) -> Recovered:
        """After a restart: every message left ``sending`` is ``sent`` if the modem took
        all its parts, else back in the queue (first, as it was due) for the parts it did
        not."""
        with durable_transaction(self.store) as connection:
            sent = connection.execute(
                "UPDATE sms_outbox SET state = 'sent', updated_at = ?, sent_at = (SELECT "
                "max(sent_at) FROM sms_parts WHERE message_id = sms_outbox.id) "
                "WHERE state = 'sending' AND parts IS NOT NULL AND parts = (SELECT count(*) "
                "FROM sms_parts WHERE message_id = sms_outbox.id AND sent_at IS NOT NULL)",
                (now,),
            ).rowcount
            resumed = connection.execute(  # due when it was: before what was queued after it
                "UPDATE sms_outbox SET state = 'queued', updated_at = ? WHERE state = 'sending'",
                (now,),
            ).rowcount
        return Recovered(sent, resumed)

    def next_due(self, *, now: float) -> OutgoingMessage | None:
        """The queued message due first (at or before ``now``), or None."""
        rows = self._read(
            f"SELECT {_OUT_COLUMNS} FROM {_OUT_FROM} WHERE m.state = 'queued' "
            "AND m.next_try_at <= ? ORDER BY m.next_try_at, m.id LIMIT 1",
            [now],
        )
        return OutgoingMessage(*rows[0]) if rows else None

    def next_due_at(self) -> float | None:
        """When the next queued message is due, or None when none waits."""
        rows = self._read("SELECT min(next_try_at) FROM sms_outbox WHERE state = 'queued'")
        return rows[0][0] if rows else None

    def begin(
        self,
        message_id: int,
        parts: int,
        *,
        now: float,
        pdus: Sequence[str] | None = None,
    ) -> tuple[int, ...]:
        """Mark a queued message ``sending`` with its number of ``parts`` (committed before
        the modem sees any); the parts not yet taken, in order. () when the message is no
        longer queued (cancelled meanwhile), or when every part was taken (it is ``sent``
        now). ``pdus``: each part's PDU as hex, kept with the parts not yet written to the
        modem's store (a restart knows them there by it). A message whose parts were
        counted otherwise before (a text split in a new way since) and some taken raises
        SmsError."""
        with durable_transaction(self.store) as connection:
            row = connection.execute(
                "SELECT state, parts FROM sms_outbox WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise NoSuchRowError(f"no text message with id {message_id}")
            state, counted = row
            if state not in WAITING:
                return ()
            if counted is not None and counted != parts:
                taken = connection.execute(
                    "SELECT count(*) FROM sms_parts WHERE message_id = ? AND sent_at IS NOT NULL",
                    (message_id,),
                ).fetchone()[0]
                if taken:
                    raise SmsError(
                        f"text message {message_id} was {counted} parts, "
                        f"{taken} of them sent, and is {parts} now"
                    )
                connection.execute("DELETE FROM sms_parts WHERE message_id = ?", (message_id,))
            connection.execute(
                "UPDATE sms_outbox SET state = 'sending', parts = ?, updated_at = ? WHERE id = ?",
                (parts, now, message_id),
            )
            connection.executemany(
                "INSERT OR IGNORE INTO sms_parts (message_id, sequence) VALUES (?, ?)",
                [(message_id, sequence) for sequence in range(1, parts + 1)],
            )
            if pdus is not None:
                connection.executemany(
                    "UPDATE sms_parts SET pdu = ? WHERE message_id = ? AND sequence = ? "
                    "AND sent_at IS NULL AND store_index IS NULL",
                    [(hex_pdu, message_id, number) for number, hex_pdu in enumerate(pdus, 1)],
                )
            todo = connection.execute(
                "SELECT sequence FROM sms_parts WHERE message_id = ? AND sent_at IS NULL "
                "ORDER BY sequence",
                (message_id,),
            ).fetchall()
            if not todo:  # every part taken (found so in the modem's store at start)
                connection.execute(
                    "UPDATE sms_outbox SET state = 'sent', error = NULL, updated_at = ?, "
                    "sent_at = (SELECT max(sent_at) FROM sms_parts WHERE message_id = ?) "
                    "WHERE id = ?",
                    (now, message_id, message_id),
                )
        return tuple(sequence for (sequence,) in todo)

    def part_stored(self, message_id: int, sequence: int, index: int | None, *, now: float) -> None:
        """Part ``sequence`` is written in the modem's store at ``index`` (AT+CMGW), not
        yet sent; None: no longer there. Committed before the modem is asked to send it."""
        with durable_transaction(self.store) as connection:
            connection.execute(
                "UPDATE sms_parts SET store_index = ? WHERE message_id = ? AND sequence = ? "
                "AND sent_at IS NULL",
                (index, message_id, sequence),
            )

    def stored_parts(self) -> list[StoredPart]:
        """The parts not yet taken that were written to the modem's store: where, and what."""
        rows = self._read(
            "SELECT p.message_id, p.sequence, p.store_index, p.pdu FROM sms_parts p "
            "JOIN sms_outbox m ON m.id = p.message_id WHERE p.sent_at IS NULL "
            "AND p.store_index IS NOT NULL AND m.state IN ('queued', 'sending') "
            "ORDER BY p.message_id, p.sequence"
        )
        return [StoredPart(*row) for row in rows]

    def unstored_parts(self) -> list[StoredPart]:
        """The parts not yet taken, with their PDU, that have no place in the modem's store
        recorded (a kill may have come between writing one and recording its place)."""
        rows = self._read(
            "SELECT p.message_id, p.sequence, p.store_index, p.pdu FROM sms_parts p "
            "JOIN sms_outbox m ON m.id = p.message_id WHERE p.sent_at IS NULL "
            "AND p.store_index IS NULL AND p.pdu IS NOT NULL "
            "AND m.state IN ('queued', 'sending') ORDER BY p.message_id, p.sequence"
        )
        return [StoredPart(*row) for row in rows]

    def part_sent(
        self, message_id: int, sequence: int, reference: int | None, *, now: float
    ) -> bool:
        """The modem took part ``sequence`` and answered ``reference`` (None: not known, as
        for a part found sent in the modem's store after a restart): committed at once.
        True when that was the message's last part (it is ``sent`` now)."""
        with durable_transaction(self.store) as connection:
            connection.execute(
                "UPDATE sms_parts SET reference = ?, sent_at = ? "
                "WHERE message_id = ? AND sequence = ?",
                (reference, now, message_id, sequence),
            )
            left = connection.execute(
                "SELECT count(*) FROM sms_parts WHERE message_id = ? AND sent_at IS NULL",
                (message_id,),
            ).fetchone()[0]
            if not left:
                connection.execute(
                    "UPDATE sms_outbox SET state = 'sent', sent_at = ?, error = NULL, "
                    "updated_at = ? WHERE id = ? AND state IN ('queued', 'sending')",
                    (now, now, message_id),
                )
        return not left

    def try_again(
        self,
        message_id: int,
        error: str,
        *,
        at: float | None = None,
        now: float,
        counted: bool = True,
    ) -> None:
        """Back in the queue after a passing failure, due again ``at`` (None: when it was
        due, first in the queue again); ``counted``: the failure was the message's (an
        attempt), not the modem's (no SIM, no network, unplugged)."""
        with durable_transaction(self.store) as connection:
            connection.execute(
                "UPDATE sms_outbox SET state = 'queued', error = ?, "
                "next_try_at = coalesce(?, next_try_at), attempts = attempts + ?, "
                "updated_at = ? WHERE id = ? AND state = 'sending'",
                (error, at, 1 if counted else 0, now, message_id),
            )

    def fail(self, message_id: int, error: str, *, now: float) -> None:
        """The message cannot be sent: ``failed``, with the error's meaning."""
        with durable_transaction(self.store) as connection:
            connection.execute(
                "UPDATE sms_outbox SET state = 'failed', error = ?, updated_at = ? "
                "WHERE id = ? AND state IN ('queued', 'sending')",
                (error, now, message_id),
            )

    def report(
        self,
        reference: int,
        *,
        number: str | None,
        number_e164: str | None,
        outcome: str,
        status: int,
        meaning: str,
        now: float,
    ) -> int | None:
        """A delivery report for the part the modem gave ``reference`` (recent parts still
        without a final report; the one to this number, the latest, if several share it):
        ``outcome`` delivered, pending or failed, ``status`` its TP-ST, ``meaning`` what it
        means. The message is ``delivered`` once all its parts are, ``failed`` (with the
        meaning) when one failed. Its id, or None when no part matches."""
        if outcome not in REPORTS:
            raise ValueError(f"outcome {outcome!r} is not one of {', '.join(REPORTS)}")
        keys = number_keys(number, number_e164) or [""]
        marks = ", ".join("?" for _ in keys)
        with durable_transaction(self.store) as connection:
            row = connection.execute(
                "SELECT p.message_id, p.sequence FROM sms_parts p JOIN sms_outbox m "
                "ON m.id = p.message_id WHERE p.reference = ? AND p.sent_at >= ? "
                "AND (p.report IS NULL OR p.report = 'pending') "
                f"ORDER BY (m.number_e164 IN ({marks}) OR m.number IN ({marks})) DESC, "
                "p.sent_at DESC LIMIT 1",
                [reference, now - REPORT_WINDOW_S, *keys, *keys],
            ).fetchone()
            if row is None:
                return None
            message_id, sequence = row
            connection.execute(
                "UPDATE sms_parts SET report = ?, report_status = ?, report_at = ? "
                "WHERE message_id = ? AND sequence = ?",
                (outcome, status, now, message_id, sequence),
            )
            if outcome == "failed":
                connection.execute(
                    "UPDATE sms_outbox SET state = 'failed', error = ?, updated_at = ? "
                    "WHERE id = ? AND state IN ('sent', 'delivered')",
                    (f"not delivered: {meaning}", now, message_id),
                )
            elif outcome == "delivered":
                connection.execute(
                    "UPDATE sms_outbox SET state = 'delivered', delivered_at = ?, "
                    "updated_at = ? WHERE id = ? AND state = 'sent' AND parts = (SELECT "
                    "count(*) FROM sms_parts WHERE message_id = ? AND report = 'delivered')",
                    (now, now, message_id, message_id),
                )
        return message_id
