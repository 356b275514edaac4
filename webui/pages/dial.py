"""Click-to-dial: the *Call* button of a customer's card, a call in the log and a caller's card.

``POST /dial`` (flag ``dial``) asks the engine to place a call
(``contract.DialCommand`` with hand-over) on the user's own line: the box
takes the line, dials, and lets go as soon as the user's phone is picked
up; the live card and the caller's card follow the call's stages. The
number is never typed in: it is a number of a customer the user sees
(``customer_id`` and one of its ``number``s) or the number of a call in the
log on a line the user sees (``call_id``), so nobody dials what they may
not see. The line is one of the user's own (``line``, or their only one);
a super user without lines of their own may use any line.

Refused, in the user's language, when the engine refuses
(``contract.DIAL_REFUSALS``: a busy or offline line, a number on the
firewall's black list or blocked by its rules...), 429 when the user asks
more often than ``deps.dial_limiter`` allows; each call placed is in the
audit log (``dial_started``: the line, the number, the call or customer it
came from).
"""

from __future__ import annotations

import math

import phonenumbers

from firmware.link import contract
from firmware.store.audit import structured_detail
from firmware.store.call_search import CallSearch
from webui.context import Ctx
from webui.engine_link import EngineRefusedError, EngineUnavailableError

DIAL_TIMEOUT_S = 5.0
# The engine's reasons (``contract.DIAL_REFUSALS``) as the pages say them.
DIAL_REFUSED = {
    "bad_number": "{number} is not a number the box can dial.",
    "offline": "Line {n} is not running.",
    "busy": "Line {n} is busy: call when it is idle.",
    "no_relay": "Line {n} has no relay to take the line with.",
    "no_playback": "Line {n} cannot play to the line: set its audio out (Settings, Lines).",
    "no_pulse": "Line {n} dials by pulses, but its relay cannot.",
    "no_pulse_phone": "Line {n} dials by pulses: the box dials with your phone there and "
                      "cannot pulse a line your phone holds. Dial from the phone.",
    "black_list": "{number} is on the call firewall's black list: it is not called.",
    "do_not_call": "The call firewall's rule {rule} blocks {number}: it is not called.",
}


def dial_lines(ctx: Ctx) -> list[int]:
    """The lines this user may have the box dial on: their own enabled lines (a super user
    without lines of their own: every enabled line)."""
    enabled = [line.number for line in ctx.deps.config().lines if line.enabled]
    own = [number for number in enabled if number in ctx.user.lines]
    if own or not ctx.principal.is_super:
        return own
    return enabled


def _number_to_dial(ctx: Ctx) -> tuple[str, dict[str, object]]:
    """The number asked for, from a call or a customer the user sees (404 otherwise), and
    where it came from (for the audit log)."""
    call_id, customer_id = ctx.form("call_id"), ctx.form("customer_id")
    if call_id.isdigit():
        call = CallSearch(ctx.deps.store).call(int(call_id), ctx.principal.line_scope())
        if call is None or not call.number:
            ctx.fail(404, "Not found.")
        return call.number, {"call": call.id}
    if customer_id.isdigit() and ctx.can("customers_view"):
        customer = ctx.deps.customers.get(int(customer_id), ctx.principal.owner_scope())
        asked = ctx.form("number")
        if customer is not None:
            for number in customer.numbers:
                if asked and asked in (number.number, number.number_e164):
                    return number.number, {"customer": customer.id}
    ctx.fail(404, "Not found.")
    raise AssertionError  # fail never returns


def _line_to_dial_on(ctx: Ctx) -> int:
    lines = dial_lines(ctx)
    asked = ctx.form("line")
    if asked.isdigit() and int(asked) in lines:
        return int(asked)
    if asked or not lines:
        ctx.fail(400, "Choose one of your lines to call from.")
    if len(lines) > 1:
        ctx.fail(400, "Choose one of your lines to call from.")
    return lines[0]


def number_to_dial(number: str, region: str) -> str:
    """``number`` as the box dials it from ``region``: national numbers with their trunk
    prefix, others with the international prefix; digits, * and # only."""
    try:
        parsed = phonenumbers.parse(number, region)
        dialled = phonenumbers.format_out_of_country_calling_number(parsed, region)
    except phonenumbers.NumberParseException:
        dialled = number  # a short number, an extension: as written
    return "".join(ch for ch in dialled if ch.isdigit() or ch in "*#")


def dial_number(ctx: Ctx) -> str:
    """Have the box call a number of a customer or a call on the user's line; a JSON answer
    for the pages' script, back where the form was otherwise."""
    shown, source = _number_to_dial(ctx)
    line = _line_to_dial_on(ctx)
    number = number_to_dial(shown, ctx.deps.region())
    wait = ctx.deps.dial_limiter.attempt(ctx.user.id)
    if wait > 0:
        ctx.response.set_header("Retry-After", str(math.ceil(wait)))
        ctx.fail(429, "You have placed many calls in a short time: wait {s} s.",
                 s=math.ceil(wait))
    command = contract.DialCommand(line, number, user=ctx.user.username, hand_over=True)
    try:
        ctx.deps.engine.command(command, timeout=DIAL_TIMEOUT_S)
    except EngineRefusedError as error:
        _refused(ctx, command, str(error))
    except EngineUnavailableError:
        ctx.response.set_header("Retry-After", "10")
        ctx.fail(503, "The line engine is not running: the call cannot be placed now.")
    ctx.audit("dial_started", f"line {line}", structured_detail(line=line, number=number,
                                                                **source))
    if not ctx.wants_json:
        ctx.redirect("/live")
    message = ctx.t("Line {n} is dialling {number}: pick up your phone.", n=line, number=number)
    return ctx.json({"line": line, "number": number, "message": message})


def _refused(ctx: Ctx, command: contract.DialCommand, error: str) -> None:
    """The engine's refusal in the user's words (409)."""
    for reason, text in contract.DIAL_REFUSALS.items():
        if "{rule}" in text:
            prefix, _, suffix = text.format(line=command.line, number=command.number,
                                            rule="\0").partition("\0")
            if error.startswith(prefix) and error.endswith(suffix):
                rule = error[len(prefix): len(error) - len(suffix)]
                ctx.fail(409, DIAL_REFUSED[reason], n=command.line, number=command.number,
                         rule=rule)
        elif error == text.format(line=command.line, number=command.number, rule=""):
            ctx.fail(409, DIAL_REFUSED[reason], n=command.line, number=command.number)
    ctx.fail(409, "The line engine refused: {reason}", reason=error)
