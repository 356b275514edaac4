"""Settings → E-mail: the admin's mail server for the box's notices (new voicemail).

The password is written to the data folder's ``smtp-password`` (mode 0600), never
to the configuration, the page or the audit log: the form shows only whether one
is kept; a blank password field keeps it, the "remove" box removes it.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from firmware.config import to_plain
from firmware.engine.mailer import read_password, set_password
from firmware.store.audit import structured_detail
from webui.context import Ctx
from webui.pages.device_settings import _outcome, _save, _validated, describe_change

TLS_MODES = ("starttls", "tls", "none")
_FIELDS = {"host": "host", "port": "port", "tls": "tls", "user": "user", "sender": "sender",
           "recipients": "recipients"}


def _typed_of(ctx: Ctx) -> dict:
    smtp = ctx.deps.config().device.smtp
    return {"host": smtp.host, "port": str(smtp.port), "tls": smtp.tls, "user": smtp.user,
            "sender": smtp.sender, "recipients": ", ".join(smtp.recipients)}


def _form(ctx: Ctx, typed: dict, problems: dict, status: int = 200) -> str:
    ctx.response.status = status
    return ctx.render("admin_email.tpl", typed=typed, problems=problems, tls_modes=TLS_MODES,
                      has_password=bool(read_password(ctx.deps.folder)),
                      outcome=_outcome(ctx))


def email_page(ctx: Ctx) -> str:
    return _form(ctx, _typed_of(ctx), {})


def email_submit(ctx: Ctx) -> str:
    typed = {name: ctx.form(name)[:1000] for name in _FIELDS}
    password = ctx.request.forms.getunicode("password") or ""
    remove = ctx.form("remove_password") == "yes"
    problems: dict[str, str] = {}
    try:
        port = int(typed["port"] or "587")
    except ValueError:
        problems["port"] = ctx.t("Write a number.")
        port = 0
    if len(password) > 256 or any(ch in password for ch in "\r\n"):
        problems["password"] = ctx.t("The password must be one line of at most 256 characters.")
    recipients = [part for part in re.split(r"[,;\s]+", typed["recipients"]) if part]
    before = ctx.deps.config()
    plain = to_plain(before)
    plain["device"]["smtp"] = {"host": typed["host"], "port": port, "tls": typed["tls"],
                               "user": typed["user"], "sender": typed["sender"],
                               "recipients": recipients}
    after = None if problems else _validated(plain, None, problems, ctx.t)
    if problems:
        for key in list(problems):
            if key == "smtp":
                problems["general"] = problems.pop(key)
            elif key.startswith("smtp."):
                problems[_FIELDS.get(key.removeprefix("smtp."), "general")] = problems.pop(key)
        return _form(ctx, typed, problems, status=400)
    if remove or password:
        set_password(ctx.deps.folder, "" if remove else password)
        ctx.audit("settings_changed", target="e-mail password",
                  detail=structured_detail(
                      **{"secrets_removed" if remove else "secrets_set": "password"}))
    outcome = {"done": "applied"}
    if describe_change(before, after) != describe_change(before, before):
        outcome = _save(ctx, before, after)
    ctx.redirect(f"/admin/email?{urlencode(outcome)}")
