"""Settings, Encryption (the ``admin`` flag): recordings encrypted at rest.

The page shows the state (off, on without a key, locked, unlocked; how many
recordings are encrypted and how many still plain) and lets an administrator:

- set up the box's recordings key (``firmware.archive.crypt.set_up``): a
  passphrase and/or a key file written to a path (a USB stick), and turn
  encryption on;
- unlock the key after a start, by the passphrase or a key file's path: held
  in this process's memory only (``webui.keyring``). Tries are limited as
  sign-ins are (per user and per address) and each is written to the audit
  log; a wrong one is a one-line error saying what is wrong, and nothing on
  the disk changes;
- lock it again, write another key file, change the passphrase (unlocked);
- turn encryption on or off and set the key file's path
  (``device.encryption``), passed to the engine as every device setting is.

Turning it off stops new recordings being encrypted; the ones encrypted stay
so and still need the key.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from firmware.archive import crypt, encrypt
from firmware.archive.crypt import CryptError, WrongKeyError
from firmware.config import to_plain
from webui.context import Ctx
from webui.pages.device_settings import _outcome, _save, _validated
from webui.pages.recordings import LOCKED

PATH_LIMIT = 300
PASSPHRASE_LIMIT = 1000


def _counts(ctx: Ctx) -> dict:
    connection = ctx.deps.store.connection()
    encrypted = connection.execute(
        "SELECT count(*) FROM recordings WHERE stored_encrypted IS NOT NULL "
        "AND state != 'deleted'").fetchone()[0]
    return {"encrypted": encrypted, "plain": encrypt.plain_left(ctx.deps.store)}


def _page(ctx: Ctx, problem: str = "", status: int = 200, notice: str = "") -> str:
    ctx.response.status = status
    config = ctx.deps.config()
    public = ctx.deps.keyring.public()
    return ctx.render(
        "admin_encryption.tpl",
        settings=config.device.encryption,
        state=ctx.deps.encryption_state(),
        fingerprint=public.fingerprint if public else "",
        sealed=ctx.deps.folder.recordings_sealed_key.exists(),
        counts=_counts(ctx),
        key_file_problem=ctx.deps.keyring.key_file_problem,
        problem=problem,
        notice=notice or ctx.query("notice"),
        outcome=_outcome(ctx),
        min_passphrase=crypt.MIN_PASSPHRASE,
    )


def encryption_page(ctx: Ctx) -> str:
    return _page(ctx)


def _key_file_path(ctx: Ctx, name: str = "key_file") -> Path | None:
    text = ctx.form(name)[:PATH_LIMIT]
    if not text:
        return None
    if not text.startswith("/"):
        ctx.fail(400, "The key file's path must be absolute, such as /media/usb/linerec.key.")
    return Path(text)


def _passphrase(ctx: Ctx, name: str = "passphrase") -> str:
    value = ctx.request.forms.getunicode(name) or ""
    return value[:PASSPHRASE_LIMIT]


def _save_settings(ctx: Ctx, enabled: bool, key_file: str) -> dict[str, str] | str:
    before = ctx.deps.config()
    plain = to_plain(before)
    plain["device"]["encryption"] = {"enabled": enabled, "key_file": key_file}
    problems: dict[str, str] = {}
    after = _validated(plain, None, problems, ctx.t)
    if after is None:
        return "; ".join(problems.values())
    return _save(ctx, before, after)


def setup_submit(ctx: Ctx) -> str:
    """Make the key: a passphrase (typed twice) and/or a key file; encryption turned on."""
    passphrase = _passphrase(ctx)
    if passphrase != _passphrase(ctx, "passphrase_again"):
        return _page(ctx, ctx.t("The two passphrases differ."), 400)
    key_file = _key_file_path(ctx)
    try:
        key = crypt.set_up(ctx.deps.folder, passphrase or None, key_file)
    except CryptError as error:
        return _page(ctx, ctx.t("The key was not set up: {detail}", detail=str(error)), 400)
    ctx.deps.keyring.hold(key)
    ctx.audit("encryption_set_up", "recordings key",
              f"key {key.public.fingerprint}; passphrase {'set' if passphrase else 'none'}; "
              f"key file {key_file or 'none'}")
    outcome = _save_settings(ctx, True, str(key_file or ""))
    if isinstance(outcome, str):
        return _page(ctx, outcome, 400)
    ctx.redirect(f"/admin/encryption?{urlencode({**outcome, 'notice': 'set_up'})}")
    return ""


def unlock_submit(ctx: Ctx) -> str:
    """Unlock by the passphrase, or by a key file's path; limited and audited."""
    wait = ctx.deps.unlock_limiter.attempt(ctx.address, ctx.user.username)
    if wait > 0:
        ctx.audit("key_unlock_failed", "recordings key", "too many tries; refused")
        return _page(ctx, ctx.t("Too many wrong tries. Try again in {minutes} minutes.",
                                minutes=max(1, round(wait / 60))), 429)
    key_file = _key_file_path(ctx)
    passphrase = None if key_file is not None else _passphrase(ctx)
    if key_file is None and not passphrase:
        ctx.deps.unlock_limiter.succeeded(ctx.address, ctx.user.username)  # nothing tried
        return _page(ctx, ctx.t("Type the passphrase, or give the key file's path."), 400)
    try:
        key = ctx.deps.keyring.unlock(passphrase=passphrase, key_file=key_file)
    except WrongKeyError as error:
        ctx.audit("key_unlock_failed", "recordings key", str(error))
        return _page(ctx, ctx.t("Not unlocked: {detail}", detail=str(error)), 403)
    except CryptError as error:
        ctx.audit("key_unlock_failed", "recordings key", str(error))
        return _page(ctx, ctx.t("Not unlocked: {detail}", detail=str(error)), 400)
    ctx.deps.unlock_limiter.succeeded(ctx.address, ctx.user.username)
    ctx.audit("key_unlocked", "recordings key",
              f"key {key.public.fingerprint}, by " + (f"key file {key_file}" if key_file
                                                      else "passphrase"))
    ctx.redirect("/admin/encryption?notice=unlocked")
    return ""


def lock_submit(ctx: Ctx) -> str:
    ctx.deps.keyring.lock()
    ctx.audit("key_locked", "recordings key", "")
    ctx.redirect("/admin/encryption?notice=locked")
    return ""


def _unlocked(ctx: Ctx):
    key = ctx.deps.recordings_key()
    if key is None:
        ctx.fail(423, LOCKED)
    return key


def key_file_submit(ctx: Ctx) -> str:
    """Another key file of the unlocked key (a second USB stick)."""
    key = _unlocked(ctx)
    path = _key_file_path(ctx)
    if path is None:
        return _page(ctx, ctx.t("Give the key file's path."), 400)
    try:
        crypt.write_key_file(ctx.deps.folder, key, path)
    except CryptError as error:
        return _page(ctx, ctx.t("The key file was not written: {detail}", detail=str(error)),
                     400)
    ctx.audit("encryption_set_up", "recordings key", f"key file written to {path}")
    ctx.redirect("/admin/encryption?notice=key_file")
    return ""


def passphrase_submit(ctx: Ctx) -> str:
    """A new passphrase for the unlocked key."""
    key = _unlocked(ctx)
    passphrase = _passphrase(ctx)
    if passphrase != _passphrase(ctx, "passphrase_again"):
        return _page(ctx, ctx.t("The two passphrases differ."), 400)
    try:
        crypt.change_passphrase(ctx.deps.folder, key, passphrase)
    except CryptError as error:
        return _page(ctx, ctx.t("The passphrase was not changed: {detail}",
                                detail=str(error)), 400)
    ctx.audit("encryption_set_up", "recordings key", "passphrase changed")
    ctx.redirect("/admin/encryption?notice=passphrase")
    return ""


def settings_submit(ctx: Ctx) -> str:
    enabled = ctx.form("enabled") == "yes"
    key_file = ctx.form("key_file")[:PATH_LIMIT]
    if enabled and ctx.deps.keyring.public() is None:
        return _page(ctx, ctx.t("Set up the key first: without it nothing can be encrypted."),
                     400)
    outcome = _save_settings(ctx, enabled, key_file)
    if isinstance(outcome, str):
        return _page(ctx, outcome, 400)
    ctx.redirect(f"/admin/encryption?{urlencode(outcome)}")
    return ""
