"""Settings, Backup (the ``admin`` flag): backups off the box, their targets and results.

The page sets the schedule (on or off; every day at a time, or every N hours)
and the targets (a USB disk's folder, a NAS over SFTP or SMB, an S3-compatible
bucket), each checked against the configuration's schema, saved, written to the
audit log and passed to the running engine like every device setting. A
target's password or keys are typed into fields that are never filled back:
they go to ``<data>/offsite/rclone.conf`` (mode 0600) only, and the page, the
audit log and the configuration file say no more than whether each is set.

Per target: *Test the connection* (reaches it and writes a small file there,
from the web process), *Back up now* (asks the engine's ``backup`` thread,
which starts within seconds), and its progress and last results from the
database (``firmware.backup.ledger``).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from firmware.backup import ledger
from firmware.backup.rclone import Rclone
from firmware.backup.run import try_target
from firmware.backup.targets import (
    HASH_FOR,
    SECRETS,
    VERIFIED_BY,
    describe,
    secrets_set,
    set_secret,
    write_rclone_config,
)
from firmware.config import BACKUP_KINDS, S3_PROVIDERS, to_plain
from firmware.errors import LinerecError
from firmware.store.audit import structured_detail
from firmware.store.storage_usage import size_text
from webui.context import Ctx
from webui.pages.device_settings import _outcome, _save, _validated

log = logging.getLogger(__name__)

FIELD_LIMIT = 300
TEXT_FIELDS = ("path", "host", "user", "share", "domain", "endpoint", "region", "bucket")
RECENT_RUNS = 10
KIND_LABELS = {"usb": "USB disk", "sftp": "NAS over SFTP", "smb": "NAS over SMB",
               "s3": "S3-compatible object store"}
SECRET_LABELS = {"password": "Password", "private_key": "Private key (PEM)",
                 "access_key_id": "Access key ID", "secret_access_key": "Secret access key"}
OUTCOME_LABELS = {"running": "Running", "verified": "Verified in the target",
                  "failed": "Failed", "interrupted": "Interrupted"}


def _blank_target() -> dict:
    return {"name": "", "kind": "usb", "enabled": True, "port": "", "provider": "Minio",
            "allow_same_disk": False, **dict.fromkeys(TEXT_FIELDS, "")}


def _typed_of(target) -> dict:
    typed = {name: getattr(target, name) for name in ("name", "kind", "enabled", "provider",
                                                       "allow_same_disk", *TEXT_FIELDS)}
    typed["port"] = str(target.port) if target.port else ""
    return typed


def _state(ctx: Ctx) -> dict:
    config = ctx.deps.config()
    backup = config.device.backup
    results = {result.target: result for result in
               ledger.results(ctx.deps.store, [target.name for target in backup.targets])}
    targets = []
    for target in backup.targets:
        targets.append({
            "target": target,
            "where": describe(target),
            "secrets": secrets_set(ctx.deps.folder, target),
            "result": results.get(target.name),
            "verified_by": VERIFIED_BY[target.kind],
            "reads_back": HASH_FOR[target.kind] is None,
        })
    return {
        "backup": backup,
        "targets": targets,
        "runs": ledger.recent_runs(ctx.deps.store, limit=RECENT_RUNS),
        "requests": ledger.requests(ctx.deps.store),
    }


def _page(ctx: Ctx, *, schedule: dict | None = None, target: dict | None = None,
          problems: dict | None = None, notice: dict | None = None, status: int = 200) -> str:
    ctx.response.status = status
    backup = ctx.deps.config().device.backup
    editing = ctx.query("edit")[:64]
    if target is None:
        current = next((t for t in backup.targets if t.name == editing), None)
        target = _typed_of(current) if current is not None else _blank_target()
    if schedule is None:
        schedule = {"enabled": backup.enabled, "every": backup.schedule.every,
                    "at": backup.schedule.at, "hours": str(backup.schedule.hours)}
    return ctx.render(
        "admin_backup.tpl",
        schedule=schedule,
        typed=target,
        editing=bool(target.get("name")) and any(t.name == target["name"] for t in
                                                  backup.targets),
        problems=problems or {},
        outcome=_outcome(ctx),
        notice=notice or _notice_from_query(ctx),
        state=_state(ctx),
        size=size_text,
        kinds=BACKUP_KINDS,
        kind_labels=KIND_LABELS,
        providers=S3_PROVIDERS,
        secrets=SECRETS,
        secret_labels=SECRET_LABELS,
        outcome_labels=OUTCOME_LABELS,
    )


def _notice_from_query(ctx: Ctx) -> dict | None:
    asked = ctx.query("asked")[:64]
    if asked:
        return {"kind": "asked", "target": asked}
    removed = ctx.query("removed")[:64]
    if removed:
        return {"kind": "removed", "target": removed}
    return None


def backup_page(ctx: Ctx) -> str:
    return _page(ctx)


def schedule_submit(ctx: Ctx) -> str:
    before = ctx.deps.config()
    schedule = {
        "enabled": ctx.form("enabled") == "yes",
        "every": ctx.form("every") if ctx.form("every") in ("day", "hours") else "day",
        "at": ctx.form("at")[:8],
        "hours": ctx.form("hours")[:8],
    }
    problems: dict[str, str] = {}
    try:
        hours = int(schedule["hours"])
    except ValueError:
        problems["backup.schedule.hours"] = ctx.t("Write a whole number of hours.")
        hours = 0
    after = None
    if not problems:
        plain = to_plain(before)
        plain["device"]["backup"]["enabled"] = schedule["enabled"]
        plain["device"]["backup"]["schedule"] = {
            "every": schedule["every"], "at": schedule["at"], "hours": hours,
        }
        after = _validated(plain, None, problems, ctx.t)
    if problems:
        return _page(ctx, schedule=schedule, problems=_backup_problems(problems), status=400)
    outcome = _save(ctx, before, after)
    ctx.redirect(f"/admin/backup?{urlencode(outcome)}")
    return ""


def _backup_problems(problems: dict[str, str]) -> dict[str, str]:
    """The schema's places under ``backup.`` as the form's fields (the rest stay)."""
    fixed = {}
    for place, message in problems.items():
        if place.startswith("backup.targets[") and "]." in place:
            fixed["target." + place.split("].", 1)[1]] = message
        elif place == "backup":
            fixed["general"] = message
        else:
            fixed[place] = message
    return fixed


def target_submit(ctx: Ctx) -> str:
    before = ctx.deps.config()
    typed = {name: ctx.form(name)[:FIELD_LIMIT] for name in ("name", "kind", "provider",
                                                              "port", *TEXT_FIELDS)}
    typed["enabled"] = ctx.form("enabled") == "yes"
    typed["allow_same_disk"] = ctx.form("allow_same_disk") == "yes"
    problems: dict[str, str] = {}
    port = 0
    if typed["port"]:
        try:
            port = int(typed["port"])
        except ValueError:
            problems["target.port"] = ctx.t("Write a port number, or leave it empty.")
    document = {name: typed[name] for name in ("name", "kind", "enabled", "allow_same_disk",
                                               *TEXT_FIELDS)}
    document.update(port=port, provider=typed["provider"] or "Minio")
    plain = to_plain(before)
    targets = plain["device"]["backup"]["targets"]
    index = next((i for i, t in enumerate(targets) if t["name"] == typed["name"]), None)
    if index is None:
        targets.append(document)
    else:
        targets[index] = document
    after = None if problems else _validated(plain, None, problems, ctx.t)
    if after is None:
        return _page(ctx, target=typed, problems=_backup_problems(problems), status=400)
    outcome = _save(ctx, before, after)
    write_rclone_config(ctx.deps.folder, after.device.backup)
    changed = _keep_secrets(ctx, after, typed["name"], typed["kind"], problems)
    if changed:
        # What changed, never the value: the audit log names the secret only.
        ctx.audit("settings_changed", target=f"backup target {typed['name']}",
                  detail=structured_detail(
                      secrets_set=[secret for secret, removed in changed if not removed] or None,
                      secrets_removed=[secret for secret, removed in changed if removed] or None,
                  ))
    if problems:
        return _page(ctx, target=typed, problems=problems, status=400)
    ctx.redirect(f"/admin/backup?{urlencode(outcome)}")
    return ""


def _keep_secrets(ctx: Ctx, config, name: str, kind: str, problems: dict
                  ) -> list[tuple[str, bool]]:
    """The secrets typed on the form (an empty field keeps the one there): each changed,
    and whether it was removed."""
    changed = []
    rclone = Rclone(ctx.deps.folder.rclone_config, ctx.deps.folder.offsite_work)
    for secret in SECRETS.get(kind, ()):
        value = ctx.request.forms.getunicode(f"secret_{secret}") or ""
        value = value if secret == "private_key" else value.strip()
        remove = ctx.form(f"remove_{secret}") == "yes"
        if not value and not remove:
            continue
        try:
            set_secret(ctx.deps.folder, config, name, secret, "" if remove else value,
                       obscure=rclone.obscure)
        except LinerecError as error:
            problems[f"secret_{secret}"] = str(error)
            continue
        changed.append((secret, remove))
    return changed


def target_delete(ctx: Ctx, name: str) -> str:
    before = ctx.deps.config()
    plain = to_plain(before)
    backup = plain["device"]["backup"]
    if not any(t["name"] == name for t in backup["targets"]):
        ctx.fail(404, "Not found.")
    backup["targets"] = [t for t in backup["targets"] if t["name"] != name]
    if not backup["targets"]:
        backup["enabled"] = False
    problems: dict[str, str] = {}
    after = _validated(plain, None, problems, ctx.t)
    if after is None:
        return _page(ctx, problems=_backup_problems(problems), status=400)
    outcome = _save(ctx, before, after)
    write_rclone_config(ctx.deps.folder, after.device.backup)
    ctx.redirect(f"/admin/backup?{urlencode({**outcome, 'removed': name})}")
    return ""


def target_test(ctx: Ctx, name: str) -> str:
    config = ctx.deps.config()
    if not any(t.name == name for t in config.device.backup.targets):
        ctx.fail(404, "Not found.")
    try:
        message = try_target(ctx.deps.folder, config, name)
        notice = {"kind": "tested", "target": name, "ok": True, "message": message}
    except LinerecError as error:
        notice = {"kind": "tested", "target": name, "ok": False, "message": str(error)}
    ctx.audit("backup_tested", target=f"backup target {name}",
              detail=structured_detail(what="reached") if notice["ok"]
              else structured_detail(problem=notice["message"][:500]))
    return _page(ctx, notice=notice)


def target_run(ctx: Ctx, name: str) -> str:
    config = ctx.deps.config()
    if not any(t.name == name for t in config.device.backup.targets):
        ctx.fail(404, "Not found.")
    user = ctx.user
    ledger.request_now(ctx.deps.store, name, user.username if user else "", ctx.deps.clock())
    ctx.audit("backup_requested", target=f"backup target {name}")
    ctx.redirect(f"/admin/backup?{urlencode({'asked': name})}")
    return ""


__all__ = [
    "backup_page",
    "schedule_submit",
    "target_delete",
    "target_run",
    "target_submit",
    "target_test",
]
