"""Messages: text messages through the GSM modem, for users with the ``sms`` flag.

The page lists the send queue and its history (each message's state: queued, sending,
sent, delivered, failed with the error's meaning, held with the sensitive words found)
and the received messages, newest first, filtered by state, number, customer, where
they came from and dates; it shows the GSM modem as the engine last told it
(``EngineLink.sms``) and, to leaders and admins, the held messages waiting for their
decision. A user sees the messages of the customers they see, of the numbers of the
calls they see, and those they (a leader: their group) sent (``Principal.
message_scope``); another message is "not found". Cancel, send again, approve, reject
and mark read are each audited. Writing a message is ``webui.pages.message_compose``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from firmware.sms.outbox import BLOCKED_ERROR, BlockedError, reason_words
from firmware.store.audit import structured_detail
from firmware.store.sms import SOURCES, STATES, NewMessage, OutgoingMessage, ReceivedMessage
from webui.context import Ctx, row_id

log = logging.getLogger(__name__)

LISTED = 100
SEARCH_LIMIT = 40
CARD_MESSAGES = 50
_CANCELLED = re.compile(r"^(cancelled|rejected) by (.+)$")


# ---- who sees and decides what -------------------------------------------------------------


def visible_outgoing(ctx: Ctx, message_id: int) -> OutgoingMessage:
    """The queued or sent message if this user sees it; otherwise 404."""
    found = ctx.deps.outbox.queue.outgoing(message_id=message_id,
                                           scope=ctx.principal.message_scope(), limit=1)
    if not found:
        ctx.fail(404, "Not found.")
    return found[0]


def visible_received(ctx: Ctx, message_id: int) -> ReceivedMessage:
    found = ctx.deps.outbox.queue.inbox.received(message_id=message_id,
                                                 scope=ctx.principal.message_scope(), limit=1)
    if not found:
        ctx.fail(404, "Not found.")
    return found[0]


def may_decide(ctx: Ctx) -> bool:
    """Whether this user approves or rejects held messages (those they see): a leader
    with the ``sms`` flag, an admin, a super user."""
    principal = ctx.principal
    return principal.is_super or ctx.can("admin") or (
        principal.user.level == "leader" and ctx.can("sms"))


def unread_count(ctx: Ctx) -> int:
    """Received messages this user sees and nobody read (the menu's badge); 0 without the
    flag or when the store cannot say (the badge never breaks a page)."""
    if not ctx.can("sms"):
        return 0
    try:
        return ctx.deps.outbox.queue.inbox.unread_count(ctx.principal.message_scope())
    except Exception as error:
        log.warning("unread text messages cannot be counted: %s", error)
        return 0


# ---- what a message's state says -------------------------------------------------------------


_TRIED = re.compile(r"^(?P<meaning>.*) \(tried (?P<n>\d+) times\)$")
# The meanings drivers.gsm_errors makes from a number its tables do not name.
_NUMBERED = (
    (re.compile(r"^network cause (\d+)$"), "network cause {code}"),
    (re.compile(r"^service centre error (0x[0-9a-f]+)$"), "service centre error {code}"),
    (re.compile(r"^the modem's own error (\d+) \(see its AT command manual\)$"),
     "the modem's own error {code} (see its AT command manual)"),
)


def modem_reason(t, reason: str) -> str:
    """A reason the modem gave (``drivers.gsm_errors``' meaning, maybe with the tries it
    took) in the reader's language; words of the modem's own stay as they are."""
    tried = _TRIED.match(reason)
    if tried:
        return t("{meaning} (tried {n} times)", meaning=modem_reason(t, tried["meaning"]),
                 n=tried["n"])
    for pattern, template in _NUMBERED:
        found = pattern.match(reason)
        if found:
            return t(template, code=found.group(1))
    return t(reason)


def error_text(t, message: OutgoingMessage) -> str:
    """Why a message failed, or what its last try met, in the reader's language."""
    error = message.error or ""
    words = reason_words(error)
    if words and error.startswith(BLOCKED_ERROR):
        return t("Refused: it holds the sensitive words {words}.", words=", ".join(words))
    cancelled = _CANCELLED.match(error)
    if cancelled:
        template = "Cancelled by {name}." if cancelled.group(1) == "cancelled" \
            else "Rejected by {name}."
        return t(template, name=cancelled.group(2))
    return modem_reason(t, error)


def hold_text(t, message: OutgoingMessage) -> str:
    words = reason_words(message.hold_reason)
    if words:
        return t("Holds the sensitive words {words}.", words=", ".join(words))
    return message.hold_reason or ""


def signal_bars(dbm: int | None) -> int:
    """0 to 4 bars, as a phone shows them (-113 dBm: none; -51: full)."""
    if dbm is None:
        return 0
    return 0 if dbm <= -110 else 1 if dbm <= -100 else 2 if dbm <= -90 else 3 if dbm <= -75 \
        else 4


def modem_status(ctx: Ctx) -> dict:
    """The modem and the queue, for ``sms_status.tpl``."""
    engine = ctx.deps.engine
    counts = ctx.deps.outbox.queue.counts()
    return {
        "connected": engine.connected,
        "state": engine.sms,
        "configured": ctx.deps.config().device.sms.enabled,
        "counts": counts,
        "bars": signal_bars(engine.sms.signal_dbm if engine.sms else None),
    }


# ---- the page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    view: str  # sent or received
    state: str
    number: str
    customer: int | None
    source: str
    since: str
    until: str
    page: int

    def query(self, **changes: object) -> str:
        values = {"view": self.view, "state": self.state, "q": self.number,
                  "customer": self.customer, "source": self.source, "from": self.since,
                  "to": self.until, "page": self.page, **changes}
        defaults = {"view": "sent", "page": 1}
        return urlencode({key: value for key, value in values.items()
                          if value and value != defaults.get(key)})


def filters_of(ctx: Ctx) -> Filters:
    customer = ctx.query("customer")
    page = ctx.query("page", "1")
    return Filters(
        view="received" if ctx.query("view") == "received" else "sent",
        state=ctx.query("state") if ctx.query("state") in (*STATES, "unread") else "",
        number=re.sub(r"[^0-9+*#]", "", ctx.query("q"))[:SEARCH_LIMIT],
        customer=row_id(customer),
        source=ctx.query("source") if ctx.query("source") in SOURCES else "",
        since=ctx.query("from")[:10],
        until=ctx.query("to")[:10],
        page=max(1, int(page)) if page.isdigit() and len(page) < 6 else 1,
    )


def _dates(ctx: Ctx, filters: Filters) -> tuple[float | None, float | None, str]:
    since = until = None
    problem = ""
    if filters.since:
        since = ctx.t.local_midnight(filters.since)
        if since is None:
            problem = ctx.t("{value} is not a date (YYYY-MM-DD).", value=filters.since)
    if filters.until:
        day = ctx.t.local_midnight(filters.until)
        if day is None:
            problem = ctx.t("{value} is not a date (YYYY-MM-DD).", value=filters.until)
        else:
            until = day + 86400
    return since, until, problem


def messages_page(ctx: Ctx) -> str:
    filters = filters_of(ctx)
    scope = ctx.principal.message_scope()
    since, until, problem = _dates(ctx, filters)
    queue = ctx.deps.outbox.queue
    offset = (filters.page - 1) * LISTED
    sent: list[OutgoingMessage] = []
    received: list[ReceivedMessage] = []
    if filters.view == "sent":
        sent = queue.outgoing(
            states=[filters.state] if filters.state in STATES else [],
            number=filters.number, customer_id=filters.customer,
            source=filters.source or None, since=since, until=until, scope=scope,
            limit=LISTED + 1, offset=offset)
        more = len(sent) > LISTED
        sent = sent[:LISTED]
    else:
        received = queue.inbox.received(
            number=filters.number, customer_id=filters.customer,
            unread=True if filters.state == "unread" else None, since=since, until=until,
            scope=scope, limit=LISTED + 1, offset=offset)
        more = len(received) > LISTED
        received = received[:LISTED]
    waiting = queue.outgoing(states=["held"], scope=scope, limit=LISTED) \
        if may_decide(ctx) else []
    customer_name = None
    if filters.customer is not None:
        customer = ctx.deps.customers.get(filters.customer, ctx.principal.owner_scope())
        customer_name = customer.name if customer else None
    ctx.response.status = 400 if problem else 200
    return ctx.render(
        "messages.tpl", filters=filters, sent=sent, received=received, more=more,
        waiting=waiting, problem=problem, status=modem_status(ctx),
        customer_name=customer_name, notice=ctx.query("done"),
        notice_count=ctx.query("n")[:6], error_text=error_text, hold_text=hold_text,
        may_decide=may_decide(ctx),
    )


def status_fragment(ctx: Ctx) -> str:
    """The modem's panel alone, and the count of unread messages (as JSON: the pages'
    script asks for them when the engine tells news of the modem)."""
    panel = ctx.render("sms_status.tpl", status=modem_status(ctx))
    if ctx.wants_json:
        return ctx.json({"html": panel, "unread": unread_count(ctx)})
    return panel


def customer_messages(ctx: Ctx, customer_id: int) -> list[tuple[str, object]]:
    """A customer's messages, sent and received, newest first (the customer's card):
    ("sent" | "received", message)."""
    queue = ctx.deps.outbox.queue
    scope = ctx.principal.message_scope()
    sent = queue.outgoing(customer_id=customer_id, scope=scope, limit=CARD_MESSAGES)
    received = queue.inbox.received(customer_id=customer_id, scope=scope, limit=CARD_MESSAGES)
    both = [("sent", message) for message in sent] + [("received", message)
                                                      for message in received]
    both.sort(key=lambda pair: pair[1].queued_at if pair[0] == "sent" else pair[1].received_at,
              reverse=True)
    return both[:CARD_MESSAGES]


# ---- what users do to a message -------------------------------------------------------------


def _facts(message: OutgoingMessage, **more: object) -> str:
    return structured_detail(number=message.number, customer=message.customer_name,
                             message=message.text, **more)


def _done(ctx: Ctx, done: str) -> None:
    back = ctx.form("back")
    if back.startswith("/customers/") and back[len("/customers/"):].isdigit():
        ctx.redirect(f"{back}?done=sms_{done}#messages")
    ctx.redirect(f"/messages?done={done}")


def cancel_submit(ctx: Ctx, message_id: int) -> str:
    message = visible_outgoing(ctx, message_id)
    if not ctx.deps.outbox.queue.cancel(message.id, f"cancelled by {ctx.user.shown_name}",
                                        now=ctx.deps.clock()):
        ctx.fail(409, "This message is no longer waiting to go: it cannot be cancelled.")
    ctx.audit("sms_cancelled", f"text message {message.id}", _facts(message))
    _done(ctx, "cancelled")


def resend_submit(ctx: Ctx, message_id: int) -> str:
    """A failed message queued again, checked for sensitive words again first: with none
    it goes again whole; with some it is refused, or queued anew held, as the filter says."""
    message = visible_outgoing(ctx, message_id)
    if message.state != "failed":
        ctx.fail(409, "Only a message that failed can be sent again.")
    outbox, now = ctx.deps.outbox, ctx.deps.clock()
    if not outbox.words_in(message.text):
        outbox.queue.resend(message.id, now=now)
        ctx.audit("sms_resent", f"text message {message.id}", _facts(message))
        _done(ctx, "resent")
    try:
        sent = outbox.send(
            [NewMessage(message.number, message.text, message.source, message.number_e164,
                        message.customer_id, ctx.user.id)],
            mode=ctx.deps.config().device.sms.word_filter, now=now)
    except BlockedError as error:
        ctx.fail(409, "Not sent: the message holds the sensitive words {words}.",
                 words=", ".join(error.words))
    ctx.audit("sms_resent", f"text message {sent.ids[0]}", _facts(message, held=True,
                                                                   failed=message.id))
    _done(ctx, "held")


def _held(ctx: Ctx, message_id: int) -> OutgoingMessage:
    message = visible_outgoing(ctx, message_id)
    if not may_decide(ctx):
        ctx.fail(403, "Only a leader or an admin approves or rejects held messages.")
    if message.state != "held":
        ctx.fail(409, "This message is no longer held.")
    return message


def release_submit(ctx: Ctx, message_id: int) -> str:
    message = _held(ctx, message_id)
    if not ctx.deps.outbox.queue.release(message.id, now=ctx.deps.clock()):
        ctx.fail(409, "This message is no longer held.")
    ctx.audit("sms_released", f"text message {message.id}",
              _facts(message, words=reason_words(message.hold_reason) or None))
    _done(ctx, "released")


def reject_submit(ctx: Ctx, message_id: int) -> str:
    message = _held(ctx, message_id)
    if not ctx.deps.outbox.queue.cancel(message.id, f"rejected by {ctx.user.shown_name}",
                                        now=ctx.deps.clock()):
        ctx.fail(409, "This message is no longer held.")
    ctx.audit("sms_rejected", f"text message {message.id}",
              _facts(message, words=reason_words(message.hold_reason) or None))
    _done(ctx, "rejected")


def read_submit(ctx: Ctx, message_id: int) -> str:
    message = visible_received(ctx, message_id)
    if ctx.deps.outbox.queue.inbox.mark_read(message.id, ctx.user.shown_name,
                                             now=ctx.deps.clock()):
        ctx.audit("sms_read", f"received text message {message.id}",
                  structured_detail(number=message.number, customer=message.customer_name))
    if ctx.wants_json:
        return ctx.json({"id": message.id, "read": True})
    ctx.redirect("/messages?view=received&done=read")
