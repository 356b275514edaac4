"""Device settings (the ``admin`` flag): the lines, the country profile, the no-record list.

A change is checked against the configuration schema (``firmware.config``),
each problem shown beside its field; then written atomically with
``ConfigStore``, and the engine told to reload (``reload_config``): modes,
schedules and the no-record list apply at once, a line whose connection
changed restarts once its call in progress ends, a new country restarts
every line the same way. When the engine is not running the change is
saved all the same and applies when it starts. Every change is written to
the audit log (``settings_changed``) with what changed.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import zoneinfo
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from firmware.config import (
    ANNOUNCEMENT_DIRECTIONS,
    BUILT_IN_ANNOUNCEMENT,
    COUNTRIES,
    WEEKDAYS,
    Config,
    ConfigError,
    Line,
    Voicemail,
    to_plain,
    validate,
)
from firmware.country.numbers import describe
from firmware.country.profiles import PROFILES, profile
from firmware.datafolder import data_disk_required
from firmware.hardware.profiles import ProfileError, load_profile, plan, profile_names
from firmware.link import contract
from firmware.schema import SchemaError
from firmware.sms import templates
from firmware.store.audit import structured_detail
from firmware.store.call_figures import CallFigures
from firmware.store.storage_usage import size_text
from webui.context import Ctx, row_id
from webui.engine_link import EngineUnavailableError

log = logging.getLogger(__name__)

LINE_NAME_LIMIT = 60
DRIVER_LIMIT = 200
NO_RECORD_LIMIT = 1000
BLANK_WINDOWS = 2  # empty schedule rows on the form
MAX_WINDOWS = 20
MODES = ("auto", "vox", "manual", "schedule", "off")
ENCODINGS = ("alaw", "ulaw", "pcm16")
DRIVERS = ("audio", "signals", "playback", "modem")
_SEPARATORS = re.compile(r"[\s\-().]")
_PROBLEM = re.compile(r"^(?P<place>[^:]+): (?P<message>.*)$")

# Where a schema place inside a line is shown on the form.
_LINE_FIELDS = {
    "number": "number",
    "name": "name",
    "enabled": "enabled",
    "recording.mode": "mode",
    "recording.encoding": "encoding",
    "recording.vox.threshold_dbm0": "vox_threshold",
    "recording.vox.hangover_ms": "vox_hangover",
    "recording.vox.preroll_ms": "vox_preroll",
    "recording.schedule": "schedule",
    "recording.keep_days": "keep_days",
    "voicemail.enabled": "vm_enabled",
    "voicemail.rings": "vm_rings",
    "voicemail.max_s": "vm_max",
    "voicemail.silence_s": "vm_silence",
    "voicemail.greeting": "vm_greeting",
    "voicemail.groups": "vm_groups",
    "voicemail.schedule": "vm_schedule",
    "voicemail.keep_days": "vm_keep_days",
    "voicemail.keep_unheard": "vm_delete_unheard",
    "announcement": "announcement",
    "announcement_prompt": "announcement_prompt",
    "dialling": "dialling",
    "sms.missed_call_reply": "sms_reply",
    "sms.voicemail_notify": "sms_notify",
    **{driver: driver for driver in DRIVERS},
}
_WINDOW_PLACE = re.compile(r"^(recording|voicemail)\.schedule\[(\d+)\]\.(days|start|end)")
_WINDOW_FIELD = {"recording": "window", "voicemail": "vmwindow"}


def schema_message(t, message: str) -> str:
    """A schema problem in the user's language where the box knows its form."""
    patterns = (
        (r"^(?P<value>.+) is outside (?P<low>.+)\.\.(?P<high>.+)$",
         lambda m: t("{value} is outside {low} to {high}.", **m.groupdict())),
        (r"^(?P<value>.+) is not one of (?P<choices>.+)$",
         lambda m: t("{value} is not one of {choices}.", **m.groupdict())),
        (r"^(?P<value>.*) is not a time HH:MM",
         lambda m: t("{value} is not a time HH:MM (00:00 to 23:59).", **m.groupdict())),
        (r"^(?P<value>.+) are not weekdays", lambda m: t("Tick days of the week only.")),
        (r"^name at least one day$", lambda m: t("Tick at least one day.")),
        (r"^mode 'schedule' needs a window$",
         lambda m: t("The schedule mode needs at least one time window.")),
        (r"^(?P<value>.*) is not a driver setting",
         lambda m: t("{value} is not a driver setting such as sim: or alsa:plughw:1,0.",
                     **m.groupdict())),
        (r"^min_free_percent and min_free_gb are both 0",
         lambda m: t("Keep some space free (in % or in GB), or turn retention off.")),
        (r"^line number (?P<n>\d+) is used twice$",
         lambda m: t("There is a line {n} already.", **m.groupdict())),
        (r"^(?P<value>.*) is not a key code",
         lambda m: t("{value} is not a key code: 2 to 8 keys (0-9, * and #), the first * or #.",
                     **m.groupdict())),
        (r"^start .* and stop .* neither code may be the other",
         lambda m: t("The start and stop codes must differ, and neither may begin the other.")),
        (r"^\w+ .* and survey .* neither code may be the other",
         lambda m: t(
             "The survey's keys must differ from the recording codes, and neither may begin the other."  # noqa: E501
         )),
        (r"^(?P<value>.*) is not an e-mail address$",
         lambda m: t("{value} is not an e-mail address.", **m.groupdict())),
        (r"^(?P<value>.*) are not e-mail addresses$",
         lambda m: t("{value} are not e-mail addresses.", **m.groupdict())),
        (r"^a mail server needs the sender's address$",
         lambda m: t("A mail server needs the sender's address.")),
        (r"^a mail server needs at least one recipient$",
         lambda m: t("A mail server needs at least one recipient.")),
        (r"^(?P<value>.*) is not a host name or address$",
         lambda m: t("{value} is not a host name or address.", **m.groupdict())),
        (r"^\[(?P<value>.*)\] are not phone numbers",
         lambda m: t("{value}: write phone numbers, digits with an optional leading +.",
                     value=m.group("value").replace("'", ""))),
        (r"^(?P<n>\d+) characters: at most 500$",
         lambda m: t("At most {n} characters.", n=500)),
        (r"^(?P<value>.*) is not a prompt's key",
         lambda m: t("{value} is not a prompt's key (a-z, 0-9 and _).", **m.groupdict())),
        (r"^(?P<value>.*) are not customer group names",
         lambda m: t("{value} are not customer group names (1 to 60 characters).",
                     **m.groupdict())),
        (r"^expected (?P<kind>\w+), got (?P<value>.+)$",
         lambda m: t("Expected {kind}, got {value}.", **m.groupdict())),
    )
    for pattern, translate in patterns:
        match = re.match(pattern, message)
        if match:
            return translate(match)
    return message


def _tell_engine(ctx: Ctx) -> dict[str, str]:
    """Ask the engine to reload; the page's note about when the change applies."""
    try:
        reply = ctx.deps.engine.command(contract.ReloadConfigCommand(), timeout=10)
    except EngineUnavailableError as error:
        log.warning("the engine did not take the new configuration: %s", error)
        return {"done": "offline"}
    return {"done": "applied", "restarting": ",".join(str(n) for n in reply.restarting)}


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, f"{prefix}.{key}" if prefix else key))
        return flat
    return {prefix: value}


def describe_change(before: Config, after: Config) -> str:
    """What changed, for the audit log (``structured_detail``): each setting with its
    value before and after, a line's with its line (``recording.mode 'auto' -> 'vox'``
    on line 2), the lines added and removed. The audit page writes it in the reader's
    language."""
    changes: list[tuple] = []
    old_device = _flatten(to_plain(before)["device"])
    new_device = _flatten(to_plain(after)["device"])
    for key in sorted(set(old_device) | set(new_device)):
        if old_device.get(key) != new_device.get(key):
            changes.append((key, old_device.get(key), new_device.get(key)))
    old_lines = {line.number: _flatten(dataclasses.asdict(line)) for line in before.lines}
    new_lines = {line.number: _flatten(dataclasses.asdict(line)) for line in after.lines}
    added, removed = [], []
    for number in sorted(set(old_lines) | set(new_lines)):
        old, new = old_lines.get(number), new_lines.get(number)
        if old is None:
            added.append(number)
        elif new is None:
            removed.append(number)
        else:
            changes += [(key, old.get(key), new.get(key), number)
                        for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    if not (changes or added or removed):
        return structured_detail(what="unchanged")
    return structured_detail(changes=changes, lines_added=added or None,
                             lines_removed=removed or None)


def _save(ctx: Ctx, before: Config, after: Config) -> dict[str, str]:
    ctx.deps.config_store.save(after)
    ctx.audit("settings_changed", target="device configuration",
              detail=describe_change(before, after))
    if (before.device.country, before.device.time_zone) != (
            after.device.country, after.device.time_zone):
        # The call figures count in local hours: a zone of another phase (+5:30 after +8)
        # has them counted again now rather than in the next report someone opens.
        CallFigures(ctx.deps.store).rephase(ctx.deps.utc_offset_s())
    return _tell_engine(ctx)


def _outcome(ctx: Ctx) -> dict[str, str]:
    return {
        "done": ctx.query("done"),
        "restarting": re.sub(r"[^0-9,]", "", ctx.query("restarting"))[:100],
    }


# ---- the lines ---------------------------------------------------------------------------


def lines_page(ctx: Ctx, problem: str = "", status: int = 200) -> str:
    config = ctx.deps.config()
    operators = {line.number: ctx.deps.accounts.line_users(line.number) for line in config.lines}
    ctx.response.status = status
    return ctx.render(
        "admin_lines.tpl",
        config=config,
        operators=operators,
        outcome=_outcome(ctx),
        problem=problem,
        next_number=min(set(range(1, 65)) - {line.number for line in config.lines} or {64}),
    )


def _line_of(ctx: Ctx, number: int) -> tuple[Config, int]:
    config = ctx.deps.config()
    for index, line in enumerate(config.lines):
        if line.number == number:
            return config, index
    ctx.fail(404, "Not found.")
    raise AssertionError  # unreachable: fail raises


def _line_form(ctx: Ctx, number: int, typed: dict, problems: dict, status: int = 200) -> str:
    ctx.response.status = status
    windows = [*typed["windows"], *({"days": [], "start": "", "end": ""}
                                    for _ in range(BLANK_WINDOWS))]
    vm_windows = [*typed["vm_windows"], *({"days": [], "start": "", "end": ""}
                                          for _ in range(BLANK_WINDOWS))]
    return ctx.render(
        "admin_line.tpl",
        number=number,
        typed=typed,
        windows=windows,
        vm_windows=vm_windows,
        problems=problems,
        modes=MODES,
        encodings=ENCODINGS,
        weekdays=WEEKDAYS,
        directions=ANNOUNCEMENT_DIRECTIONS,
        prompts=_prompt_choices_with(ctx, typed["announcement_prompt"]),
        users=[user for user in ctx.deps.accounts.users() if user.level != "super"],
        outcome=_outcome(ctx),
    )


def _typed_of_line(ctx: Ctx, line: Line) -> dict:
    recording = line.recording
    return {
        "name": line.name,
        "enabled": line.enabled,
        "mode": recording.mode,
        "encoding": recording.encoding,
        "vox_threshold": f"{recording.vox.threshold_dbm0:g}",
        "vox_hangover": str(recording.vox.hangover_ms),
        "vox_preroll": str(recording.vox.preroll_ms),
        "windows": [dataclasses.asdict(window) for window in recording.schedule],
        "keep_days": str(recording.keep_days),
        "announcement": line.announcement,
        "announcement_prompt": str(line.announcement_prompt),
        "dialling": line.dialling,
        "operators": {user.id for user in ctx.deps.accounts.line_users(line.number)},
        "vm_enabled": line.voicemail.enabled,
        "vm_rings": str(line.voicemail.rings),
        "vm_max": str(line.voicemail.max_s),
        "vm_silence": str(line.voicemail.silence_s),
        "vm_greeting": line.voicemail.greeting,
        "vm_groups": ", ".join(line.voicemail.groups),
        "vm_windows": [dataclasses.asdict(window) for window in line.voicemail.schedule],
        "vm_keep_days": str(line.voicemail.keep_days),
        "vm_delete_unheard": not line.voicemail.keep_unheard,
        "sms_reply": line.sms.missed_call_reply,
        "sms_notify": ", ".join(line.sms.voicemail_notify),
        **{driver: getattr(line, driver) for driver in DRIVERS},
    }


def line_page(ctx: Ctx, number: int) -> str:
    config, index = _line_of(ctx, number)
    return _line_form(ctx, number, _typed_of_line(ctx, config.lines[index]), {})


def _windows_from_form(ctx: Ctx, field: str) -> list[dict]:
    windows = []
    for index in range(MAX_WINDOWS):
        days = [day for day in ctx.form_list(f"{field}-{index}-days") if day in WEEKDAYS]
        start = ctx.form(f"{field}-{index}-start")[:5]
        end = ctx.form(f"{field}-{index}-end")[:5]
        if days or start or end:
            windows.append({"days": days, "start": start, "end": end})
    return windows


def _typed_from_form(ctx: Ctx) -> dict:
    windows = _windows_from_form(ctx, "window")
    operators = {user_id for v in ctx.form_list("operator") if (user_id := row_id(v)) is not None}
    return {
        "name": ctx.form("name")[: LINE_NAME_LIMIT * 2],
        "enabled": ctx.form("enabled") == "yes",
        "mode": ctx.form("mode"),
        "encoding": ctx.form("encoding"),
        "vox_threshold": ctx.form("vox_threshold")[:20],
        "vox_hangover": ctx.form("vox_hangover")[:20],
        "vox_preroll": ctx.form("vox_preroll")[:20],
        "windows": windows,
        "keep_days": ctx.form("keep_days")[:20] or "0",
        # A form without them (an older page) leaves the announcement off.
        "announcement": ctx.form("announcement")[:20] or "off",
        "announcement_prompt": ctx.form("announcement_prompt")[:20] or BUILT_IN_ANNOUNCEMENT,
        # A form without it (an older page) dials by tones.
        "dialling": ctx.form("dialling")[:10] or "tone",
        "operators": operators,
        "vm_enabled": ctx.form("vm_enabled") == "yes",
        # A form without them (an older page) keeps the defaults.
        "vm_rings": ctx.form("vm_rings")[:20] or str(Voicemail().rings),
        "vm_max": ctx.form("vm_max")[:20] or str(Voicemail().max_s),
        "vm_silence": ctx.form("vm_silence")[:20] or str(Voicemail().silence_s),
        "vm_greeting": ctx.form("vm_greeting")[:80] or "voicemail_greeting",
        "vm_groups": ctx.form("vm_groups")[:1000],
        "vm_windows": _windows_from_form(ctx, "vmwindow"),
        "vm_keep_days": ctx.form("vm_keep_days")[:20] or "0",
        # Unticked, or a form without it: unheard messages are kept past the age limit.
        "vm_delete_unheard": ctx.form("vm_delete_unheard") == "yes",
        "sms_reply": (ctx.request.forms.getunicode("sms_reply") or "")[:1000].strip()
        .replace("\r\n", "\n"),
        "sms_notify": ctx.form("sms_notify")[:1000],
        **{driver: ctx.form(driver)[: DRIVER_LIMIT * 2] for driver in DRIVERS},
    }


def _number(text: str, kind: type, place: str, problems: dict, t) -> float | int | None:
    try:
        return kind(text)
    except ValueError:
        problems[place] = t("Write a number.")
        return None


def prompt_choices(ctx: Ctx) -> list[tuple[str, str]]:
    """The prompts a line may announce with, as (form value, name): the box's own
    announcement first, then the admin's prompts of the library (``firmware.prompts``)
    when the box has it."""
    built_in = ctx.t("The box's own: This call may be recorded.")
    library = None
    try:
        import firmware.prompts  # noqa: F401, PLC0415 - the library, where the box has it
    except ImportError:
        pass
    else:
        library = getattr(ctx.deps, "prompts", None)
    if library is None:
        return [(BUILT_IN_ANNOUNCEMENT, built_in)]
    try:
        prompts = library.prompts()
    except Exception:  # the library cannot be read now: the built-in still can be chosen
        log.exception("the prompt library cannot be read")
        return [(BUILT_IN_ANNOUNCEMENT, built_in)]
    choices = []
    for prompt in prompts:
        seconds = f"{prompt.duration_s:.1f} s"
        if prompt.key == BUILT_IN_ANNOUNCEMENT:
            choices.insert(0, (BUILT_IN_ANNOUNCEMENT, f"{prompt.name} ({seconds})"))
        elif prompt.key is None:  # the admin's own; the box's others are for their features
            choices.append((str(prompt.id), f"{prompt.name} ({seconds})"))
    if not choices or choices[0][0] != BUILT_IN_ANNOUNCEMENT:
        choices.insert(0, (BUILT_IN_ANNOUNCEMENT, built_in))
    return choices


def _prompt_choices_with(ctx: Ctx, current: str) -> list[tuple[str, str]]:
    """The choices, with the line's setting among them even when the library no longer
    lists it (shown by its id, so that saving the form keeps it)."""
    choices = prompt_choices(ctx)
    if current and current not in {value for value, _ in choices}:
        choices.append((current, ctx.t("Prompt {id} (not in the library)", id=current)))
    return choices


def _prompt_setting(typed: dict, saved: str | int, problems: dict, choices, t) -> str | int:
    """The prompt chosen on the form as the setting: the built-in key or an id, one of
    the choices offered (or the one the line has already)."""
    chosen = typed["announcement_prompt"]
    offered = {value for value, _ in choices} | {str(saved)}
    if chosen not in offered:
        problems["announcement_prompt"] = t("Choose a prompt from the list.")
        return chosen
    return int(chosen) if chosen.isdigit() else chosen


def _line_document(typed: dict, number: int, problems: dict, t) -> dict:
    """The line as a configuration document; form-level problems go into ``problems``."""
    if len(typed["name"]) > LINE_NAME_LIMIT:
        problems["name"] = t("At most {n} characters.", n=LINE_NAME_LIMIT)
    for driver in DRIVERS:
        if len(typed[driver]) > DRIVER_LIMIT:
            problems[driver] = t("At most {n} characters.", n=DRIVER_LIMIT)
    vox = {
        "threshold_dbm0": _number(typed["vox_threshold"], float, "vox_threshold", problems, t),
        "hangover_ms": _number(typed["vox_hangover"], int, "vox_hangover", problems, t),
        "preroll_ms": _number(typed["vox_preroll"], int, "vox_preroll", problems, t),
    }
    return {
        "number": number,
        "name": typed["name"],
        "enabled": typed["enabled"],
        "announcement": typed["announcement"],
        "announcement_prompt": typed["announcement_prompt"],
        "dialling": typed["dialling"],
        **{driver: typed[driver] for driver in DRIVERS},
        "recording": {
            "mode": typed["mode"],
            "encoding": typed["encoding"],
            "vox": vox,
            "schedule": typed["windows"],
            "keep_days": _number(typed["keep_days"], int, "keep_days", problems, t),
        },
        "voicemail": {
            "enabled": typed["vm_enabled"],
            "rings": _number(typed["vm_rings"], int, "vm_rings", problems, t),
            "max_s": _number(typed["vm_max"], int, "vm_max", problems, t),
            "silence_s": _number(typed["vm_silence"], int, "vm_silence", problems, t),
            "greeting": typed["vm_greeting"],
            "groups": [name.strip() for name in re.split(r"[,，]", typed["vm_groups"])
                       if name.strip()],
            "schedule": typed["vm_windows"],
            "keep_days": _number(typed["vm_keep_days"], int, "vm_keep_days", problems, t),
            "keep_unheard": not typed["vm_delete_unheard"],
        },
        "sms": {
            "missed_call_reply": _reply(typed["sms_reply"], problems, t),
            "voicemail_notify": [_SEPARATORS.sub("", number) for number in
                                 re.split(r"[,，;；\n]+", typed["sms_notify"])
                                 if number.strip()],
        },
    }


def _reply(text: str, problems: dict, t) -> str:
    """A line's reply to a missed call, its placeholders checked."""
    try:
        templates.check(text)
    except templates.TemplateError as error:
        problems["sms_reply"] = t("{placeholder} is not a placeholder: use $name$, $title$, $company$, $holiday$ or $date$.",  # noqa: E501
                                  placeholder=error.placeholder)
    return text


def place_problems(error: SchemaError, line_index: int | None, t) -> tuple[dict, list[str]]:
    """Schema problems by form field (of the line at ``line_index``), and the rest."""
    by_field: dict[str, str] = {}
    others: list[str] = []
    prefix = f"lines[{line_index}]." if line_index is not None else None
    for problem in error.problems:
        match = _PROBLEM.match(problem)
        if not match:
            others.append(problem)
            continue
        place, message = match.group("place"), schema_message(t, match.group("message"))
        if place.startswith("device."):
            by_field.setdefault(place.removeprefix("device."), message)
            continue
        if place == "lines" and "used twice" in problem:
            by_field.setdefault("number", message)
            continue
        if prefix and place.startswith(prefix):
            inner = place.removeprefix(prefix)
            window = _WINDOW_PLACE.match(inner)
            key = (f"{_WINDOW_FIELD[window.group(1)]}-{window.group(2)}-{window.group(3)}"
                   if window else _LINE_FIELDS.get(inner))
            if key:
                by_field.setdefault(key, message)
                continue
        others.append(f"{place}: {message}")
    return by_field, others


def _validated(plain: dict, line_index: int | None, problems: dict[str, str], t) -> Config | None:
    """The configuration ``plain`` describes, or None with the schema's problems
    added to ``problems``: by form field, the rest together under "general"."""
    try:
        return validate(plain)
    except SchemaError as error:
        by_field, others = place_problems(error, line_index, t)
        problems.update(by_field)
        if others:
            problems["general"] = "; ".join(others)
        return None


def line_submit(ctx: Ctx, number: int) -> str:
    before, index = _line_of(ctx, number)
    typed = _typed_from_form(ctx)
    problems: dict[str, str] = {}
    document = _line_document(typed, number, problems, ctx.t)
    document["announcement_prompt"] = _prompt_setting(
        typed, before.lines[index].announcement_prompt, problems, prompt_choices(ctx), ctx.t
    )
    plain = to_plain(before)
    plain["lines"][index] = document
    after = None if problems else _validated(plain, index, problems, ctx.t)
    if problems:
        return _line_form(ctx, number, typed, problems, status=400)
    ctx.deps.accounts.set_line_users(number, frozenset(typed["operators"]))
    outcome = _save(ctx, before, after)
    ctx.redirect(f"/admin/lines/{number}?{urlencode(outcome)}")


def line_add(ctx: Ctx) -> str:
    before = ctx.deps.config()
    text = ctx.form("number")
    name = ctx.form("name")[: LINE_NAME_LIMIT * 2]
    if not text.isdigit() or not 1 <= int(text) <= 64:
        return lines_page(ctx, ctx.t("A line number is 1 to 64."), 400)
    if len(name) > LINE_NAME_LIMIT:
        return lines_page(ctx, ctx.t("At most {n} characters.", n=LINE_NAME_LIMIT), 400)
    number = int(text)
    try:
        after = validate({**to_plain(before),
                          "lines": [*to_plain(before)["lines"], {"number": number, "name": name}]})
    except SchemaError as error:
        by_field, others = place_problems(error, len(before.lines), ctx.t)
        return lines_page(ctx, "; ".join([*by_field.values(), *others]), 400)
    outcome = _save(ctx, before, after)
    ctx.redirect(f"/admin/lines/{number}?{urlencode(outcome)}")


def line_delete(ctx: Ctx, number: int) -> str:
    before, index = _line_of(ctx, number)
    if ctx.form("confirm") != "yes":
        return _line_form(ctx, number, _typed_of_line(ctx, before.lines[index]),
                          {"general": ctx.t("Tick the box to confirm.")}, status=400)
    after = Config(before.device, [line for line in before.lines if line.number != number])
    ctx.deps.accounts.set_line_users(number, frozenset())
    outcome = _save(ctx, before, after)
    ctx.redirect(f"/admin/lines?{urlencode(outcome)}")


# ---- the device: country profile, no-record list ----------------------------------------------


def device_page(ctx: Ctx) -> str:
    device = ctx.deps.config().device
    codes = device.manual_codes
    typed = {"country": device.country, "no_record": "\n".join(device.no_record),
             "start_code": codes.start, "stop_code": codes.stop, "survey_code": codes.survey}
    return _device_form(ctx, typed, {})


def _device_form(ctx: Ctx, typed: dict, problems: dict, status: int = 200) -> str:
    ctx.response.status = status
    chinese = ctx.t.language == "zh-CN"
    countries = {code: PROFILES[code].name_zh if chinese else PROFILES[code].name_en
                 for code in COUNTRIES}
    return ctx.render("admin_device.tpl", typed=typed, problems=problems, countries=countries,
                      outcome=_outcome(ctx), limit=NO_RECORD_LIMIT)


def read_no_record(text: str, country: str, t) -> tuple[list[str], list[str]]:
    """The no-record list typed one number per line: numbers as kept, and problems by row."""
    numbers: list[str] = []
    problems: list[str] = []
    region = profile(country).region if country in PROFILES else "CN"
    rows = text.splitlines()
    if len([row for row in rows if row.strip()]) > NO_RECORD_LIMIT:
        return [], [t("At most {n} numbers.", n=NO_RECORD_LIMIT)]
    for row_number, row in enumerate(rows, start=1):
        written = row.strip()
        if not written:
            continue
        digits = _SEPARATORS.sub("", written)
        if not re.fullmatch(r"\+?[0-9]{3,20}", digits):
            problems.append(t("Row {n}: {number} is not a phone number.", n=row_number,
                              number=written[:40]))
            continue
        info = describe(digits, region)
        kept = info.e164 or digits  # E.164 when it parses: a later change of country keeps it
        if kept not in numbers:
            numbers.append(kept)
    return numbers, problems


def device_submit(ctx: Ctx) -> str:
    before = ctx.deps.config()
    typed = {"country": ctx.form("country"), "no_record": ctx.form("no_record")[:100_000]}
    codes = before.device.manual_codes
    for field, kept in (("start_code", codes.start), ("stop_code", codes.stop),
                        ("survey_code", codes.survey)):
        # A form without the field (sent by an older page) keeps the code as it is.
        given = ctx.request.forms.getunicode(field)
        typed[field] = kept if given is None else given.strip()[:20]
    problems: dict[str, str] = {}
    numbers, wrong = read_no_record(typed["no_record"], typed["country"], ctx.t)
    if wrong:
        problems["no_record"] = " ".join(wrong)
    after = None
    if not problems:
        plain = to_plain(before)
        # The device's other settings (retention: Settings, Storage) stay as they are.
        plain["device"] = {**plain["device"], "country": typed["country"], "no_record": numbers,
                           "manual_codes": {"start": typed["start_code"],
                                            "stop": typed["stop_code"],
                                            "survey": typed["survey_code"]}}
        after = _validated(plain, None, problems, ctx.t)
    if problems:
        return _device_form(ctx, typed, problems, status=400)
    try:
        outcome = _save(ctx, before, after)
    except ConfigError as error:  # the file changed under us into something invalid
        return _device_form(ctx, typed, {"general": "; ".join(error.problems)}, status=400)
    ctx.redirect(f"/admin/device?{urlencode(outcome)}")


# ---- the box's set-up after the first account ---------------------------------------------


@dataclass(frozen=True)
class StorageFacts:
    """Where the data folder is, and whether it is on a disk of its own."""

    folder: str
    total_bytes: int
    free_bytes: int
    on_system_disk: bool  # the SD card's (or the system's) own file system
    disk_required: bool  # LINEREC_DATA_DISK: the box records only onto its data disk


def storage_facts(ctx: Ctx) -> StorageFacts:
    root = ctx.deps.folder.root
    try:
        usage = shutil.disk_usage(root)
        on_system = os.stat(root).st_dev == os.stat("/").st_dev
    except OSError:
        return StorageFacts(str(root), 0, 0, True, data_disk_required())
    return StorageFacts(str(root), usage.total, usage.free, on_system, data_disk_required())


def _time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def box_setup_page(ctx: Ctx) -> str:
    device = ctx.deps.config().device
    typed = {"country": device.country, "time_zone": device.time_zone, "hardware": ""}
    return _box_setup_form(ctx, typed, {})


def _box_setup_form(ctx: Ctx, typed: dict, problems: dict, status: int = 200) -> str:
    ctx.response.status = status
    chinese = ctx.t.language == "zh-CN"
    countries = {code: PROFILES[code].name_zh if chinese else PROFILES[code].name_en
                 for code in COUNTRIES}
    profiles = {}
    for name in profile_names():
        try:
            profiles[name] = load_profile(name).title
        except ProfileError as error:  # a damaged profile file: named, never a 500
            log.warning("hardware profile %s: %s", name, error)
    return ctx.render(
        "setup_box.tpl", typed=typed, problems=problems, countries=countries,
        zones=_time_zones(), country_zones={code: PROFILES[code].time_zone for code in COUNTRIES},
        profiles=profiles, storage=storage_facts(ctx), size=size_text,
    )


def box_setup_submit(ctx: Ctx) -> str | None:
    """Country, time zone and the line interface in one go, checked, saved and audited."""
    before = ctx.deps.config()
    typed = {"country": ctx.form("country"), "time_zone": ctx.form("time_zone").strip(),
             "hardware": ctx.form("hardware")}
    problems: dict[str, str] = {}
    plain = to_plain(before)
    if typed["hardware"]:
        if typed["hardware"] not in profile_names():
            problems["hardware"] = ctx.t("Choose a line interface from the list.")
        else:
            try:
                plain, _ = plan(load_profile(typed["hardware"]), before)
            except ProfileError as error:
                problems["hardware"] = str(error)
    after = None
    if not problems:
        plain["device"] = {**plain["device"], "country": typed["country"],
                           "time_zone": typed["time_zone"]}
        after = _validated(plain, None, problems, ctx.t)
    if problems or after is None:
        return _box_setup_form(ctx, typed, problems, status=400)
    try:
        _save(ctx, before, after)
    except ConfigError as error:
        return _box_setup_form(ctx, typed, {"general": "; ".join(error.problems)}, status=400)
    ctx.redirect("/live")
    return None
