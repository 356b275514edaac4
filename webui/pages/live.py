"""The live lines page, the event stream to browsers, and the screen pop.

``/events`` is a Server-Sent Events stream per signed-in browser: line
changes on the lines the user may see, and, for users with the ``pop``
flag, the caller's card, rendered for that user (their visibility rules
applied) the moment the engine reports an incoming call, its caller ID, or
its answer. Every page opens the stream, so a card pops whatever page the
operator is on. Cards go to present operators first (``webui.presence``): one
who is away or offline gets a card only when nobody who would get it is online.

``POST /lines/<n>/record`` (flag ``record``, a line the user sees) starts or
stops the recording of the call on a line in manual mode: the engine's
``record`` command, which refuses with its reason when it cannot take effect
(shown in the user's language); each command taken is in the audit log. The
line cards and the caller's card show the Record button (``record_button.tpl``)
while such a line is in a call; the status each event carries keeps it up
to date.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from firmware.country.numbers import describe
from firmware.link import contract
from firmware.link.contract import LineStatus, Phase
from firmware.store.audit import structured_detail
from firmware.store.call_search import CallSearch
from firmware.store.campaigns import Campaigns
from firmware.store.crm import CustomerNumber
from firmware.store.custom_fields import CustomFields, Field
from firmware.store.firewall import FirewallError
from firmware.store.surveys import Surveys
from webui.context import Ctx, row_id
from webui.engine_link import (
    Closing,
    EngineConnection,
    EngineRefusedError,
    EngineUnavailableError,
    LinesReset,
    News,
    RightsChanged,
)
from webui.pages import knowledge, task_pop
from webui.pages.custom_inputs import check_typed, fields_of, typed_values
from webui.pages.customers import audit_contact, customer_facts
from webui.pages.firewall import block_caller
from webui.presence import gets_card
from webui.streams import recheck

HEARTBEAT_S = 15.0
POP_EVENTS = (contract.CallStarted, contract.CallerIdKnown, contract.CallAnswered,
              contract.DialProgress)
RECENT_CALLS = 5
RECENT_CONTACTS = 5
RECORD_TIMEOUT_S = 5.0
IN_A_CALL = ("in_call", "silent", "seized")  # the states in which a call can be recorded by hand
# The engine's reasons for refusing a record command (``contract.RECORD_REFUSALS``), as
# the pages say them.
RECORD_REFUSED = {
    "not_manual": "Line {n} does not record by hand: its recording mode is not manual.",
    "not_in_call": "Line {n} is not in a call.",
    "dialling": "Line {n} is still dialling: recording can start once the call is connected.",
    "no_record": "The number on line {n} is on the no-record list: it is never recorded.",
    "offline": "Line {n} is not running.",
}


def given_line_names(ctx: Ctx) -> dict[int, str]:
    """The names the admin gave the lines (the default "Line N" says nothing more: left out)."""
    return {line.number: line.given_name for line in ctx.deps.config().lines}


def manual_lines(ctx: Ctx) -> frozenset[int]:
    """The lines that record by hand (manual mode), by the device configuration."""
    return frozenset(
        line.number
        for line in ctx.deps.config().lines
        if line.enabled and line.recording.mode == "manual"
    )


def record_button_shown(status: LineStatus, manual: frozenset[int]) -> bool:
    """Whether a line's Record button is shown: a call on a line in manual mode."""
    return status.line in manual and status.state in IN_A_CALL


def visible_lines(ctx: Ctx) -> list[LineStatus]:
    """The lines this user may see, as the engine last reported them."""
    statuses = {status.line: status for status in ctx.deps.engine.lines()}
    numbers = sorted(set(statuses) | set(given_line_names(ctx)))
    return [
        statuses.get(number, LineStatus(number, online=False))
        for number in numbers
        if ctx.principal.sees_line(number)
    ]


def status_json(status: LineStatus, manual: frozenset[int] = frozenset()) -> dict[str, Any]:
    """A line's status as the pages' script reads it (``manual``: the lines in manual mode)."""
    return {
        "line": status.line,
        "state": status.state,
        "recording": status.recording,
        "manual": status.line in manual,
        "call_id": status.call_id,
        "direction": status.direction,
        "number": status.number,
        "name": status.name,
        "location_zh": status.location_zh,
        "location_en": status.location_en,
        "since": status.since,
        "screening": status.screening,
        "blocked": status.blocked,
        "act": status.act,
        "office_wanted": status.office_wanted,
        "office_rung": status.office_rung,
        "dial": status.dial,
    }


def live_page(ctx: Ctx) -> str:
    return ctx.render(
        "live.tpl",
        lines=visible_lines(ctx),
        names=given_line_names(ctx),
        connected=ctx.deps.engine.connected,
        manual=manual_lines(ctx),
    )


def lines_json(ctx: Ctx) -> str:
    manual = manual_lines(ctx)
    return ctx.json(
        {
            "connected": ctx.deps.engine.connected,
            "lines": [status_json(status, manual) for status in visible_lines(ctx)],
        }
    )


# ---- recording by hand ---------------------------------------------------------------


def _line_command(ctx: Ctx, line: int, command: contract.Command, *,
                  refusals: dict[str, str], refused: dict[str, str], unavailable: str):
    """Send ``command`` for line ``line`` (one the user sees: 404 otherwise); the engine's
    refusal in the user's words (``refused``, by the keys of the contract's ``refusals``),
    503 when it does not answer. The line's status as it was before."""
    if not ctx.principal.sees_line(line):
        ctx.fail(404, "Not found.")
    status = ctx.deps.engine.line(line)
    try:
        ctx.deps.engine.command(command, timeout=RECORD_TIMEOUT_S)
    except EngineRefusedError as error:
        for reason, text in refusals.items():
            if str(error) == text.format(line=line):
                ctx.fail(409, refused[reason], n=line)
        ctx.fail(409, "The line engine refused: {reason}", reason=str(error))
    except EngineUnavailableError:
        ctx.response.set_header("Retry-After", "10")
        ctx.fail(503, unavailable)
    return status


def line_record(ctx: Ctx, line: int) -> str:
    """Start (``command=start``) or stop (``command=stop``) the recording of line ``line``'s
    call; a JSON answer for the pages' script, back to the live page for a plain form."""
    command = ctx.form("command")
    if command not in ("start", "stop"):
        ctx.fail(400, "Say start or stop.")
    start = command == "start"
    status = _line_command(
        ctx, line, contract.RecordCommand(line, on=start), refusals=contract.RECORD_REFUSALS,
        refused=RECORD_REFUSED,
        unavailable="The line engine is not running: recording cannot be started or stopped now.",
    )
    call = f"call {status.call_id}" if status is not None and status.call_id is not None else ""
    ctx.audit("record_started" if start else "record_stopped", f"line {line}", call)
    if not ctx.wants_json:
        ctx.redirect("/live")
    message = ctx.t("Recording started.") if start else ctx.t("Recording stopped.")
    return ctx.json({"line": line, "recording": start, "message": message})


SURVEY_REFUSED = {
    "unknown": "The box cannot do that on a line.",
    "not_in_call": "Line {n} is not in an answered call.",
    "busy": "The box is already doing something on line {n}.",
    "no_playback": "Line {n} cannot play to the line: set its audio out (Settings, Lines).",
    "offline": "Line {n} is not running.",
}


def line_survey(ctx: Ctx, line: int) -> str:
    """Hand line ``line``'s caller to the satisfaction survey: the box holds the line and the
    operator hangs up. A JSON answer for the pages' script, back to the live page otherwise."""
    status = _line_command(
        ctx, line, contract.ActCommand(line, "survey"), refusals=contract.ACT_REFUSALS,
        refused=SURVEY_REFUSED,
        unavailable="The line engine is not running: the survey cannot start now.",
    )
    call = ""
    if status is not None and status.call_id is not None:
        call = f"call {status.call_id}"
        Surveys(ctx.deps.store).handed_over(status.call_id, ctx.principal.user.id)
    ctx.audit("survey_started", f"line {line}", call)
    if not ctx.wants_json:
        ctx.redirect("/live")
    message = ctx.t("The box takes the caller to the survey: hang up now.")
    return ctx.json({"line": line, "message": message})


# ---- the screen pop card -------------------------------------------------------------


MATCHES_SHOWN = 6  # customers of one number shown in full on the card


@dataclass
class CardFacts:
    """What a caller's card is about, for one user: the call, its number (the engine's
    word for it while the call log has not caught up), the customers of the number
    the user may see, and whether the number is a customer they may not see."""

    call: Any
    number: str | None
    number_e164: str | None
    customers: list
    hidden_customer: bool


def card_facts(ctx: Ctx, call_id: int, status: LineStatus | None = None) -> CardFacts | None:
    """The facts of ``call_id``'s card for this user, or None if they may not see the call."""
    call = CallSearch(ctx.deps.store).call(call_id, ctx.principal.line_scope())
    if call is None:
        return None
    number, e164 = call.number, call.number_e164
    if not number and status is not None and status.call_id == call_id and status.number:
        number = status.number  # dialled or received a moment ago: the log writes it next
        e164 = describe(number, ctx.deps.region()).e164
    customers: list = []
    hidden = False
    if number and ctx.can("customers_view"):
        customers = ctx.deps.customers.by_number(e164, number, ctx.principal.owner_scope())
        hidden = not customers and ctx.deps.customers.number_is_known(e164, number)
    return CardFacts(call, number, e164, customers, hidden)


def _state_label(ctx: Ctx, facts: CardFacts, status: LineStatus | None, ended: bool) -> str:
    """The call's state as the card says it: the engine's phase while the call lasts."""
    if ended or facts.call.ended_at is not None:
        return ctx.t("Call ended")
    if status is not None and status.call_id == facts.call.id and status.phase != Phase.IDLE:
        return ctx.t.line_state(status.state)
    return ctx.t("In call") if facts.call.answered_at else ctx.t("Ringing")


def render_card(
    ctx: Ctx,
    call_id: int,
    ended: bool = False,
    status: LineStatus | None = None,
    facts: CardFacts | None = None,
    *,
    task_result: str | None = None,
) -> str | None:
    """The caller's card of ``call_id`` for this user, or None if they may not see the call.
    ``task_result``: a task's call's result as the line just told it."""
    facts = facts or card_facts(ctx, call_id, status)
    if facts is None:
        return None
    principal = ctx.principal
    call, customers = facts.call, facts.customers
    search = CallSearch(ctx.deps.store)
    recent = search.of_number(
        facts.number_e164, facts.number, principal.line_scope(), limit=RECENT_CALLS,
        before_id=call.id,
    ) if facts.number else []
    recordings = search.recordings_of_calls([c.id for c in recent])
    contacts = []
    if customers and ctx.can("contacts"):
        contacts = ctx.deps.customers.contacts(
            principal.owner_scope(), customer_id=customers[0].id, limit=RECENT_CONTACTS
        )
    ended = ended or call.ended_at is not None
    if status is None or status.call_id != call.id:
        status = ctx.deps.engine.line(call.line)
        if status is not None and status.call_id != call.id:
            status = None  # the line has moved on to another call
    calls_seen = search.visible_call_ids([c.call_id for c in contacts], principal.line_scope())
    task_card = task_pop.card_of_call(ctx, call.id, call.line, status, task_result) \
        if call.direction == "out" else None
    # The campaigns the call is part of: the operator marks the caller interested.
    campaigns = Campaigns(ctx.deps.store)
    call_campaigns = campaigns.of_call(call.id, customers[0].id if customers else None,
                                       ctx.t.iso_date(call.started_at))
    return ctx.render(
        "pop_card.tpl",
        task_card=task_card,
        # Up to three knowledge-base entries about the customer's topics.
        answers=knowledge.answers_for(ctx, customers[0] if customers else None),
        status=status,
        manual=manual_lines(ctx),
        call=call,
        number=facts.number,
        state_label=_state_label(ctx, facts, status, ended),
        customer=customers[0] if customers else None,
        # A shared number (a switchboard, a family): every customer the user may see.
        others=customers[1:MATCHES_SHOWN],
        hidden_customer=facts.hidden_customer,
        recent=recent,
        recordings=recordings,
        contacts=contacts,
        calls_seen=calls_seen,
        line_name=given_line_names(ctx).get(call.line, ""),
        ended=ended,
        call_campaigns=call_campaigns,
        campaign_outcomes=campaigns.outcomes_of_call(call.id) if call_campaigns else {},
        # The quick form asks for the customer fields the admin made required.
        required_fields=[] if customers else required_fields(ctx),
    )


def required_fields(ctx: Ctx) -> list[Field]:
    """The customers' custom fields a new customer cannot be added without."""
    return [one for one in fields_of(ctx, "customer") if one.required]


def pop_card(ctx: Ctx, call_id: int) -> str:
    """The card as an HTML fragment (the page fetches it when it opens during a call)."""
    card = render_card(ctx, call_id)
    if card is None:
        ctx.fail(404, "Not found.")
    return card


def pop_note(ctx: Ctx, call_id: int) -> str:
    """A note typed in the pop: a contact record of the caller, linked to the call."""
    call = CallSearch(ctx.deps.store).call(call_id, ctx.principal.line_scope())
    if call is None:
        ctx.fail(404, "Not found.")
    text = ctx.form("text")
    if not text:
        ctx.fail(400, "Write the note first.")
    customer_id = row_id(ctx.form("customer_id"))
    customer = (
        ctx.deps.customers.get(customer_id, ctx.principal.owner_scope()) if customer_id else None
    )
    if customer is None:
        ctx.fail(404, "Not found.")
    recordings = CallSearch(ctx.deps.store).recordings_of_calls([call.id])[call.id]
    contact_id = ctx.deps.customers.add_contact(
        customer.id,
        "call",
        text[:4000],
        added_by=ctx.user.id,
        at=ctx.deps.clock(),
        call_id=call.id,
        recording_id=recordings[0].id if recordings else None,
    )
    audit_contact(ctx, "contact_added", customer.id, contact_id, kind="call", text=text[:4000],
                  call=call.id)
    return ctx.json({"contact_id": contact_id, "saved": ctx.t("Note saved.")}, status=201)


def quick_add(ctx: Ctx, call_id: int) -> str:
    """The pop's form for an unknown number: a new customer, and the note if one was written."""
    call = CallSearch(ctx.deps.store).call(call_id, ctx.principal.line_scope())
    if call is None or not call.number:
        ctx.fail(404, "Not found.")
    name = ctx.form("name")
    if not name:
        ctx.fail(400, "A customer needs a name.")
    kept, problems = check_typed(ctx, "customer", typed_values(ctx, required_fields(ctx)))
    if problems:
        ctx.fail(400, "{problem}", problem="; ".join(problems.values()))
    info = describe(call.number, ctx.deps.region())
    fields = {"name": name[:200], "company": ctx.form("company")[:200]}
    numbers = [CustomerNumber(call.number, info.e164 or call.number_e164, "")]
    note = ctx.form("text")
    with ctx.deps.store.transaction():  # the customer, its values and the note, or nothing
        customer_id = ctx.deps.customers.create(fields, numbers, added_by=ctx.user.id)
        custom = CustomFields(ctx.deps.store).write("customer", customer_id, kept)
        ctx.audit("customer_added", f"customer {customer_id}",
                  structured_detail(**customer_facts(fields, numbers), call=call.id,
                                    custom={name: after for name, _, after in custom} or None))
        if note and ctx.can("contacts"):
            contact_id = ctx.deps.customers.add_contact(
                customer_id, "call", note[:4000], added_by=ctx.user.id, call_id=call.id
            )
            audit_contact(ctx, "contact_added", customer_id, contact_id, kind="call",
                          text=note[:4000], call=call.id)
    return ctx.json({"customer_id": customer_id, "html": render_card(ctx, call.id)}, status=201)


def pop_block(ctx: Ctx, call_id: int) -> str:
    """"Block this caller" on the card (the ``firewall`` flag): the number goes on the black
    list, or waits for a leader's approval."""
    call = CallSearch(ctx.deps.store).call(call_id, ctx.principal.line_scope())
    if call is None:
        ctx.fail(404, "Not found.")
    try:
        done = block_caller(ctx, call)
    except FirewallError as error:
        ctx.fail(409, error.template, **error.values)
    if done == "added":
        return ctx.json({"saved": ctx.t("The caller is on the black list.")})
    return ctx.json({"saved": ctx.t("Blocking the caller waits for a leader's approval.")})


# ---- the event stream ----------------------------------------------------------------


def _sse(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def screened(status: LineStatus) -> bool:
    """Whether the call firewall holds the line's call back from the cards: still deciding
    (``screening``) or blocking it (``blocked``)."""
    return status.screening or status.blocked


def _all_lines(ctx: Ctx, popped: set[int], held: set[int]) -> Iterator[str]:
    """Every line the user sees, and the cards of their calls (a page opened or changed
    during a call gets the call's card again, as the lines were when it was told them)."""
    manual = manual_lines(ctx)
    statuses = visible_lines(ctx)
    yield _sse(
        "lines",
        {
            "connected": ctx.deps.engine.connected,
            "lines": [status_json(status, manual) for status in statuses],
        },
    )
    for status in statuses:
        if status.call_id is None or status.state not in CARD_STATES:
            continue
        if task_pop.is_task_call(ctx, status, status.call_id):
            if task_pop.held_for(ctx, status):  # a person waits for this operator
                yield from _pop_task(ctx, status, "open", popped)
            continue
        if ctx.can("pop") and (status.direction == "in" or status.state != "dialling"):
            if screened(status):
                held.add(status.call_id)  # its card waits for the firewall
            else:
                yield from _pop(ctx, status, "open", popped)


def _translate(
    ctx: Ctx, event: News, popped: set[int], held: set[int] | None = None
) -> Iterator[str]:
    """What one engine event means for this user's browser. ``held``: the calls whose card
    waits for the call firewall; it pops with the first later news of the call whose status
    is neither screening nor blocked, and never for a blocked call."""
    held = set() if held is None else held
    if isinstance(event, LinesReset | EngineConnection):
        yield from _all_lines(ctx, popped, held)
        return
    if isinstance(event, contract.BoxEvent):
        yield from _box_news(ctx, event)
        return
    if not isinstance(event, contract.Event) or not ctx.principal.sees_line(event.line):
        return
    kind = event.kind.value
    line = {"event": kind, **status_json(event.status, manual_lines(ctx))}
    if isinstance(event, contract.ActEnded):
        line["ended_act"] = event.act  # a voicemail message kept: the menu's count changes
    yield _sse("line", line)
    call_id = event.call_id
    task_news = task_pop.to_show(ctx, event, popped)
    if task_news is not None:
        status, news, result = task_news
        yield from _pop_task(ctx, status, news, popped, result)
        return
    if not ctx.can("pop") or call_id is None:
        return
    if isinstance(event, contract.CallEnded):
        held.discard(call_id)
    elif screened(event.status):
        if isinstance(event, POP_EVENTS) and _may_pop(event, popped) and call_id not in popped:
            held.add(call_id)  # the firewall decides first: no card for a blocked call
        return
    if call_id in held and event.status.call_id == call_id \
            and event.status.state in CARD_STATES:
        held.discard(call_id)
        yield from _pop(ctx, replace(event.status, call_id=call_id), kind, popped)
    elif isinstance(event, POP_EVENTS) and _may_pop(event, popped) and (
            call_id in popped or not task_pop.is_task_call(ctx, event.status, call_id)):
        yield from _pop(ctx, replace(event.status, call_id=call_id), kind, popped)
    elif isinstance(event, contract.CallEnded) and call_id in popped:
        popped.discard(call_id)
        rules = ctx.deps.pop_rules.of(ctx.user.id, ctx.user.level, bool(ctx.user.lines))
        card = render_card(ctx, call_id, ended=True, status=event.status)
        yield _sse(
            "pop_end",
            {"call_id": call_id, "line": event.line, "html": card or "",
             "close_after_s": rules.close_after_s},
        )


def _box_news(ctx: Ctx, event: contract.BoxEvent) -> Iterator[str]:
    """What news of the box as a whole means for this user's browser."""
    if isinstance(event, contract.SmsChanged) and ctx.can("sms"):
        # the Messages page's modem panel and the menu's count
        yield _sse("sms", {"present": event.sms.present, "received": event.sms.received})


CARD_STATES = ("ringing", "dialling", "in_call", "silent", "seized")


def _pop(ctx: Ctx, status: LineStatus, kind: str, popped: set[int]) -> Iterator[str]:
    """The card of the call on ``status``'s line, if the user may see the call and their
    rules want it."""
    line, call_id = status.line, status.call_id
    if call_id is None:
        return
    facts = card_facts(ctx, call_id, status)
    if facts is None:
        return
    if call_id not in popped:  # the user's rules choose which calls pop a card
        rules = ctx.deps.pop_rules.of(ctx.user.id, ctx.user.level, bool(ctx.user.lines))
        if not rules.wants(line, ctx.user.lines, facts.customers):
            return
        if not gets_card(ctx, line, facts.number, facts.number_e164):
            return  # someone who may take the call is online: their card first
    card = render_card(ctx, call_id, status=status, facts=facts)
    if card is not None:
        popped.add(call_id)
        yield _sse("pop", {"call_id": call_id, "line": line, "event": kind, "html": card})


def _pop_task(ctx: Ctx, status: LineStatus, kind: str, popped: set[int],
              result: str | None = None) -> Iterator[str]:
    """The card of a task's call for one of its operators (``task_pop``): their pop rules
    do not choose it, the task does."""
    card = render_card(ctx, status.call_id, status=status, task_result=result)
    if card is not None:
        popped.add(status.call_id)
        yield _sse("pop", {"call_id": status.call_id, "line": status.line, "event": kind,
                           "html": card})


def _may_pop(event: contract.Event, popped: set[int]) -> bool:
    """An incoming call pops as it rings; an outgoing one once it is connected, when
    its number has been dialled, or as the box places it (its number known from the
    start, its stages on the card); a card shown follows every change of its call."""
    return (
        event.status.direction == "in"
        or isinstance(event, contract.CallAnswered | contract.DialProgress)
        or event.call_id in popped
    )


def events(ctx: Ctx):
    """The Server-Sent Events stream of this browser (its tabs share it: see app.js).

    Each user may hold a few (``webui.streams``); the user's rights are checked
    again whenever they may have changed, before the next event goes out, and
    the stream ends when the session does.
    """
    link = ctx.deps.engine
    # A user's newest page wins: their oldest stream (most likely a page already
    # closed, whose server side lasts until its next heartbeat) ends at once.
    slot = ctx.deps.event_slots.take(ctx.user.id, supersede=True)
    if slot is None:
        ctx.response.set_header("Retry-After", "10")
        ctx.fail(503, "Too many open pages; close some and reload.")
    ctx.response.content_type = "text/event-stream; charset=utf-8"
    ctx.response.set_header("Cache-Control", "no-cache, no-store")
    ctx.response.set_header("X-Accel-Buffering", "no")
    subscription = link.subscribe()
    slot.on_superseded(lambda: subscription.offer(Closing()))
    rights = ctx.deps.rights

    def stream() -> Iterator[str]:
        popped: set[int] = set()
        held: set[int] = set()  # cards waiting for the call firewall's decision
        seen = rights.generation
        try:
            with subscription:
                yield "retry: 2000\n\n"
                yield from _translate(ctx, LinesReset(), popped, held)
                next_check = time.monotonic() + HEARTBEAT_S
                while not subscription.overflowed:
                    event = subscription.get(timeout=HEARTBEAT_S)
                    if link.closing or slot.superseded or isinstance(event, Closing):
                        return
                    if rights.generation != seen or time.monotonic() >= next_check:
                        # Rights changed, or time to look: signed out or expired ends it.
                        seen = rights.generation
                        principal = recheck(ctx.deps, ctx.session_token)
                        if principal is None:
                            return
                        ctx.principal = principal
                        if time.monotonic() >= next_check:
                            yield ": still here\n\n"
                            next_check = time.monotonic() + HEARTBEAT_S
                    if event is not None and not isinstance(event, RightsChanged):
                        yield from _translate(ctx, event, popped, held)
        finally:
            slot.release()

    return stream()
