"""Settings, Storage (the ``admin`` flag): retention's settings, and how the disk is used.

The settings (``device.retention`` of the configuration) are checked against
the schema, each problem shown beside its field, saved, written to the audit
log and passed to the running engine, as every device setting is
(``webui.pages.device_settings``). Each line's age limits, of its
recordings and of its voicemail messages, are on the line's own page.

The page also shows the state: the disk's size, use and free space, the
recordings kept (their size, count and the oldest), what was recorded each
of the last seven days, how long until retention starts deleting at that
rate (or, with retention off, when the disk fills), the recordings under
legal hold, whether anything is blocking retention, and its last deletions
with their reasons. Figures come from the index and one ``statvfs``; the
page reads no recording file.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from firmware.config import to_plain
from firmware.store.retention import DiskSpace, RetentionPolicy, plan
from firmware.store.storage_usage import (
    Forecast,
    forecast,
    recent_deletions,
    recorded_per_day,
    recordings_usage,
    size_text,
)
from webui.context import Ctx
from webui.pages.device_settings import _outcome, _save, _validated

RECENT_DELETIONS = 20
NUMBER_LIMIT = 20
_REASONS = (
    (re.compile(r"^older than (?P<days>\d+) days? \(line (?P<line>\d+)\)$"),
     "older than {days} days (line {line})"),
    (re.compile(r"^disk below (?P<percent>[\d.]+) % free$"), "disk below {percent} % free"),
    (re.compile(r"^disk below (?P<gb>[\d.]+) GB free$"), "disk below {gb} GB free"),
    (re.compile(r"^emergency: disk nearly full$"), "emergency: disk nearly full"),
)


def reason_text(t, reason: str | None) -> str:
    """Why retention deleted a recording, in the reader's language (the index keeps it in
    English, as the audit log does)."""
    if t.language != "zh-CN":
        return reason or ""
    for pattern, text in _REASONS:
        found = pattern.match(reason or "")
        if found:
            return t(text, **found.groupdict())
    return reason or ""


def _typed_of(retention) -> dict:
    return {
        "enabled": retention.enabled,
        "min_free_percent": f"{retention.min_free_percent:g}",
        "min_free_gb": f"{retention.min_free_gb:g}",
        "keep_until_backed_up": retention.keep_until_backed_up,
    }


def _state(ctx: Ctx) -> dict:
    """The figures the page shows, as they are now."""
    config = ctx.deps.config()
    policy = RetentionPolicy.from_settings(config.device.retention, config.lines)
    recordings = ctx.deps.folder.recordings
    now = ctx.deps.clock()
    try:
        disk = DiskSpace.of(recordings)
    except OSError:
        disk = None
    usage = recordings_usage(ctx.deps.store, now, ctx.t.utc_offset_s)
    state = {
        "disk": disk,
        "usage": usage,
        "deletions": recent_deletions(ctx.deps.store, RECENT_DELETIONS),
        "keep_days": policy.keep_days,
        "message_keep_days": policy.message_keep_days,
        "target": None,
        "forecast": None,
        "blocked": None,
        "now": now,
    }
    if disk is not None:
        target = policy.target_free(disk)
        state["target"] = target
        state["forecast"] = forecast(disk.free, target, usage.per_day, policy.enabled)
        if policy.enabled and disk.free < target:
            # What the engine's next round can do: nothing, if everything left is held.
            dry_run = plan(ctx.deps.store, recordings, policy, disk, now,
                           voicemail=ctx.deps.folder.voicemail)
            if dry_run.short and not (dry_run.deletions or dry_run.messages):
                state["blocked"] = dry_run
    return state


def storage_outlook(ctx: Ctx) -> tuple[bool, Forecast | None]:
    """The page's forecast alone, for the dashboard: whether retention is on, and when, at
    the recent daily amount, it starts deleting (or the disk fills); None when the disk
    cannot be read. Reads no more than the last week of the index and one ``statvfs``."""
    config = ctx.deps.config()
    policy = RetentionPolicy.from_settings(config.device.retention, config.lines)
    try:
        disk = DiskSpace.of(ctx.deps.folder.recordings)
    except OSError:
        return policy.enabled, None
    per_day = recorded_per_day(ctx.deps.store, ctx.deps.clock())
    return policy.enabled, forecast(disk.free, policy.target_free(disk), per_day,
                                    policy.enabled)


def _page(ctx: Ctx, typed: dict, problems: dict, status: int = 200) -> str:
    ctx.response.status = status
    return ctx.render(
        "admin_storage.tpl",
        typed=typed,
        problems=problems,
        outcome=_outcome(ctx),
        state=_state(ctx),
        size=size_text,
        reason=lambda text: reason_text(ctx.t, text),
    )


def storage_page(ctx: Ctx) -> str:
    return _page(ctx, _typed_of(ctx.deps.config().device.retention), {})


def _number(ctx: Ctx, typed: dict, key: str, problems: dict) -> float | None:
    text = typed[key].replace(",", ".")
    try:
        return float(text)
    except ValueError:
        problems[f"retention.{key}"] = ctx.t("Write a number.")
        return None


def storage_submit(ctx: Ctx) -> str:
    before = ctx.deps.config()
    typed = {
        "enabled": ctx.form("enabled") == "yes",
        "min_free_percent": ctx.form("min_free_percent")[:NUMBER_LIMIT],
        "min_free_gb": ctx.form("min_free_gb")[:NUMBER_LIMIT],
        "keep_until_backed_up": ctx.form("keep_until_backed_up") == "yes",
    }
    problems: dict[str, str] = {}
    percent = _number(ctx, typed, "min_free_percent", problems)
    gb = _number(ctx, typed, "min_free_gb", problems)
    after = None
    if not problems:
        plain = to_plain(before)
        plain["device"]["retention"] = {
            "enabled": typed["enabled"],
            "min_free_percent": percent,
            "min_free_gb": gb,
            "keep_until_backed_up": typed["keep_until_backed_up"],
        }
        after = _validated(plain, None, problems, ctx.t)
    if problems:
        return _page(ctx, typed, problems, status=400)
    outcome = _save(ctx, before, after)
    ctx.redirect(f"/admin/storage?{urlencode(outcome)}")
    return ""
