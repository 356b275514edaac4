"""Legal hold from the web: protect a recording, its whole call, or all of a customer's
calls from retention, and lift the protection again.

Who: users with the ``audit`` flag, and admins; checked here, on the server,
at every use (the forms are only shown to them, which checks nothing). The
item must also be one the user may see: a recording on their lines, a
customer in their owner scope; otherwise it is "not found", as everywhere.
Each change is written to the audit log (``protected``, ``unprotected``) in
the same transaction as the change itself (``firmware.store.legal_hold``).
"""

from __future__ import annotations

from firmware.store.legal_hold import Actor, LegalHold, LegalHoldError
from webui.context import Ctx
from webui.pages.calls import may_hold
from webui.pages.customers import visible_customer
from webui.pages.recordings import visible_recording


def _actor(ctx: Ctx) -> Actor:
    return Actor(ctx.user.username, ctx.user.id, ctx.address)


def _on(ctx: Ctx) -> bool:
    value = ctx.form("on")
    if value not in ("yes", "no"):
        ctx.fail(400, "Say whether to protect or to remove the protection.")
    return value == "yes"


def recording_hold(ctx: Ctx, recording_id: int) -> None:
    """Protect (or release) the recording itself, or its whole call (``what``)."""
    if not may_hold(ctx):
        ctx.fail(403, "You do not have permission for this.")
    row = visible_recording(ctx, recording_id)
    on = _on(ctx)
    holds = LegalHold(ctx.deps.store)
    what = ctx.form("what")
    if what == "call":
        if row.call is None:
            ctx.fail(400, "This recording has no call in the log to protect.")
        changed = holds.set_call(row.call.id, on, _actor(ctx))
    elif what == "recording":
        try:
            changed = holds.set_recording(row.recording.id, on, _actor(ctx))
        except LegalHoldError:
            ctx.fail(409, "This recording was deleted by retention: nothing is left to protect.")
    else:
        ctx.fail(400, "Say whether to protect the recording or its whole call.")
    notice = ("on" if on else "off") if changed else "unchanged"
    ctx.redirect(f"/recordings/{row.recording.id}?hold={notice}")


def customer_hold(ctx: Ctx, customer_id: int) -> None:
    """Protect (or release) every recording of the customer's calls, those to come too."""
    if not may_hold(ctx):
        ctx.fail(403, "You do not have permission for this.")
    customer = visible_customer(ctx, customer_id)
    on = _on(ctx)
    changed = LegalHold(ctx.deps.store).set_customer(customer.id, on, _actor(ctx))
    notice = ("held" if on else "released") if changed else "hold_unchanged"
    ctx.redirect(f"/customers/{customer.id}?done={notice}")
