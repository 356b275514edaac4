"""Voicemail: the messages callers left (``firmware.acts.voicemail``), for users with the
``voicemail`` flag, of the lines they see: listen, mark heard, delete; each audited."""

from __future__ import annotations

import logging

from firmware.store.audit import structured_detail
from firmware.store.db import NoSuchRowError
from firmware.store.voicemail import Voicemail
from webui.context import Ctx

log = logging.getLogger(__name__)

LISTED = 200


def visible_message(ctx: Ctx, message_id: int) -> Voicemail:
    """The message if it is on a line this user sees and not deleted; otherwise 404."""
    message = ctx.deps.voicemails.get(message_id)
    if message is None or message.deleted_at is not None or not ctx.principal.sees_line(
        message.line
    ):
        ctx.fail(404, "Not found.")
    return message


def voicemail_page(ctx: Ctx) -> str:
    messages = ctx.deps.voicemails.listed(ctx.principal.line_scope(), limit=LISTED)
    lines = {line.number: line.given_name for line in ctx.deps.config().lines}
    return ctx.render("voicemail.tpl", messages=messages, line_names=lines,
                      notice=ctx.query("done"))


def voicemail_new(ctx: Ctx) -> str:
    """The count of new messages for the menu's badge (the pages' script asks)."""
    return ctx.json({"new": ctx.new_voicemail()})


def voicemail_audio(ctx: Ctx, message_id: int):
    message = visible_message(ctx, message_id)
    path = ctx.deps.folder.voicemail / message.path
    try:
        data = path.read_bytes()
    except OSError as error:
        log.error("voicemail message %d cannot be read: %s", message.id, error)
        ctx.fail(500, "The message's file cannot be read.")
    ctx.deps.audit.record_once(
        "voicemail_played",
        since=ctx.session.created_at,
        username=ctx.user.username,
        user_id=ctx.user.id,
        target=f"voicemail {message.id}",
        detail=structured_detail(line=message.line, number=message.number),
        address=ctx.address,
    )
    ctx.response.content_type = "audio/wav"
    ctx.response.set_header("Cache-Control", "no-store")
    ctx.response.set_header("Content-Length", str(len(data)))
    return data


def voicemail_heard(ctx: Ctx, message_id: int) -> str:
    message = visible_message(ctx, message_id)
    if ctx.deps.voicemails.mark_heard(message.id, ctx.user.username, ctx.deps.clock()):
        ctx.audit("voicemail_heard", f"voicemail {message.id}",
                  structured_detail(line=message.line, number=message.number))
    if ctx.wants_json:
        return ctx.json({"id": message.id, "heard": True})
    ctx.redirect("/voicemail?done=heard")


def voicemail_delete_page(ctx: Ctx, message_id: int) -> str:
    message = visible_message(ctx, message_id)
    return ctx.render("voicemail_delete.tpl", message=message)


def voicemail_delete(ctx: Ctx, message_id: int) -> str:
    message = visible_message(ctx, message_id)
    try:
        ctx.deps.voicemails.delete(message.id, ctx.deps.folder.voicemail, ctx.deps.clock())
    except NoSuchRowError:
        ctx.fail(404, "Not found.")
    ctx.audit("voicemail_deleted", f"voicemail {message.id}",
              structured_detail("deleted", line=message.line, number=message.number,
                                seconds=round(message.seconds)))
    ctx.redirect("/voicemail?done=deleted")
