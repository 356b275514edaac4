"""Settings, Voice menus (the ``admin`` flag): IVR menus, their editor and dry run, and
which line answers with which menu.

A menu is edited as one form (``firmware.acts.ivr``): its nodes as rows (name, kind,
prompt from the prompt library, for a menu node the node each key leads to, its
timeout, repeats, invalid-key prompt and fallback; a voicemail's greeting and length;
an announcement's prompt and next node; a ring-through's time and next node), its
root, and its variants (a weekly time window or holiday dates, and the node that
answers then). A menu with problems is not saved: the page comes back with every
problem next to its node, in the admin's language. The dry run walks the menu as it is
in the form (saved or not) with typed keys, at a chosen local time, and says what the
caller would hear and where each key leads.

Every change is audited (``firmware.store.ivr_menus``) and the running engine is told
(``reload_menus``); without an engine it reads them when it starts.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from urllib.parse import urlencode

from firmware.acts import ivr
from firmware.link import contract
from firmware.prompts.library import DEFAULTS
from firmware.store.ivr_menus import (
    DEFAULT_RINGS,
    MAX_NAME,
    RINGS_RANGE,
    Author,
    IvrMenus,
    MenuStoreError,
)
from webui.context import Ctx, row_id
from webui.engine_link import EngineUnavailableError

log = logging.getLogger(__name__)

KIND_NAMES = {
    "menu": "Menu: choose with a key",
    "voicemail": "Voicemail",
    "announcement": "Play an announcement",
    "survey": "Satisfaction survey",
    "ring_through": "Ring the office's phones",
    "hang_up": "Hang up",
}
END_NAMES = {
    "menu": "a menu",
    "voicemail": "voicemail",
    "announcement": "an announcement",
    "survey": "the satisfaction survey",
    "ring_through": "a phone of the office",
    "hang_up": "hanging up",
}
DAY_NAMES = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri",
             "sat": "Sat", "sun": "Sun"}
BLANK_NODES = 2  # empty rows to add nodes with
BLANK_VARIANTS = 1
MAX_TYPED = 40  # keys of a dry run
NOTICES = ("saved", "deleted", "unchanged", "lines")


def _menus(ctx: Ctx) -> IvrMenus:
    return IvrMenus(ctx.deps.store, clock=ctx.deps.clock)


def _author(ctx: Ctx) -> Author:
    return Author(ctx.user.username, ctx.user.id, ctx.address)


def tell_engine(ctx: Ctx) -> bool:
    """Have the running engine read the voice menus again; False when it is not running."""
    try:
        ctx.deps.engine.command(contract.ReloadMenusCommand(), timeout=10)
    except EngineUnavailableError as error:
        log.warning("the engine did not take the voice menus' change: %s", error)
        return False
    return True


def _prompt_choices(ctx: Ctx) -> list[tuple[str, str]]:
    """Every prompt a node may play: (its value in a menu, its name). The box's own by
    key (made when the engine starts, if not yet), the admin's by id."""
    choices: list[tuple[str, str]] = []
    library = ctx.deps.prompts.prompts()
    made = {prompt.key for prompt in library if prompt.key}
    chinese = ctx.t.language == "zh-CN"
    for default in DEFAULTS:
        if default.key not in made:
            choices.append((default.key, default.name_zh if chinese else default.name_en))
    for prompt in library:
        choices.append((prompt.key or str(prompt.id), prompt.name))
    return choices


def _prompt_ids(ctx: Ctx) -> set[str]:
    return {value for value, _ in _prompt_choices(ctx)}


# ---- the form ------------------------------------------------------------------------


def _number(text: str, default: float) -> float:
    try:
        return float(text) if text else default
    except ValueError:
        return float("nan")


def _typed_menu(ctx: Ctx, source) -> tuple[str, ivr.Menu]:
    """The menu's name and the menu as the form has it (``source``: the form or the
    query, by name)."""
    nodes = []
    for index in range(ivr.MOST_NODES + BLANK_NODES):
        prefix = f"node-{index}-"
        name, kind = source(prefix + "name")[:40], source(prefix + "kind")
        if not source(prefix + "seen") and not name:
            break
        if not name:  # an empty row, or a node whose name was emptied: not kept
            continue
        keys = tuple((key, source(prefix + "key-" + _key_field(key)))
                     for key in ivr.PHONE_KEYS if source(prefix + "key-" + _key_field(key)))
        repeats = _number(source(prefix + "repeats"), 2)
        repeats = repeats if math.isfinite(repeats) else -1
        nodes.append(ivr.Node(
            name=name, kind=kind or "menu", prompt=source(prefix + "prompt"), keys=keys,
            timeout_s=_number(source(prefix + "timeout"),
                              30.0 if kind == "ring_through" else 5.0),
            repeats=int(repeats),
            invalid_prompt=source(prefix + "invalid"),
            fallback=source(prefix + "fallback"),
            max_s=_number(source(prefix + "max"), 120.0),
            next=source(prefix + "next"),
        ))
    variants = []
    for index in range(ivr.MOST_VARIANTS + BLANK_VARIANTS):
        prefix = f"variant-{index}-"
        if not source(prefix + "seen"):
            break
        name, root = source(prefix + "name")[:40], source(prefix + "root")
        days = tuple(day for day in ivr.WEEKDAYS if source(prefix + day))
        start, end = source(prefix + "start"), source(prefix + "end")
        dates = tuple(part for part in source(prefix + "dates").replace(",", " ").split()
                      if part)[:60]
        if not (name or root or days or start or end or dates):
            continue
        windows = (ivr.Window(days, start, end),) if (days or start or end) else ()
        variants.append(ivr.Variant(name or f"{index + 1}", root, windows, dates))
    return source("name")[: MAX_NAME * 2], ivr.Menu(tuple(nodes), source("root"),
                                                    tuple(variants))


def _key_field(key: str) -> str:
    return {"*": "star", "#": "hash"}.get(key, key)


def _form_source(ctx: Ctx):
    return ctx.form


def _problems_by_node(ctx: Ctx, problems: list[ivr.Problem]) -> tuple[list[str], dict]:
    whole: list[str] = []
    by_node: dict[str, list[str]] = {}
    for problem in problems:
        text = ctx.t(problem.template, **dict(problem.values))
        if problem.node:
            by_node.setdefault(problem.node, []).append(text)
        else:
            whole.append(text)
    return whole, by_node


def _starter() -> ivr.Menu:
    return ivr.Menu((
        ivr.Node("main", "menu", "ivr_welcome", (("1", "office"), ("2", "voicemail")),
                 fallback="voicemail"),
        ivr.Node("office", "ring_through", timeout_s=30.0, next="voicemail"),
        ivr.Node("voicemail", "voicemail", "voicemail_greeting"),
    ), "main")


def _editor(ctx: Ctx, menu_id: int | None, name: str, menu: ivr.Menu, *,
            problems: list[ivr.Problem] = (), problem: str = "", walk=None,
            trial: dict | None = None, status: int = 200) -> str:
    ctx.response.status = status
    whole, by_node = _problems_by_node(ctx, list(problems))
    if problem:
        whole.insert(0, problem)
    prompt_names = dict(_prompt_choices(ctx))
    notice = ctx.query("done")
    return ctx.render(
        "admin_ivr_menu.tpl",
        menu_id=menu_id,
        name=name,
        menu=menu,
        blank_nodes=BLANK_NODES,
        blank_variants=BLANK_VARIANTS,
        whole_problems=whole,
        node_problems=by_node,
        prompts=_prompt_choices(ctx),
        prompt_names=prompt_names,
        kinds=KIND_NAMES,
        end_names=END_NAMES,
        keys=ivr.PHONE_KEYS,
        key_field=_key_field,
        weekdays=ivr.WEEKDAYS,
        day_names=DAY_NAMES,
        walk=walk,
        trial=trial or {"keys": "", "picks_up": False,
                        "at": _now_local(ctx).strftime("%Y-%m-%dT%H:%M")},
        notice=notice if notice in NOTICES else "",
        offline=ctx.query("engine") == "offline",
        max_name=MAX_NAME,
    )


def _now_local(ctx: Ctx) -> dt.datetime:
    return dt.datetime.fromtimestamp(ctx.deps.clock() + ctx.deps.utc_offset_s(),
                                     dt.UTC).replace(tzinfo=None)


def walk_text(t, ivr_path: str | None) -> str:
    """A call's walk through its voice menu (``calls.ivr_path``) in the reader's language:
    each node with the keys heard there, and how it ended."""
    if not ivr_path:
        return ""
    try:
        walk = json.loads(ivr_path)
        hops = [f"{node} [{keys}]" if keys else str(node) for node, keys in walk["path"]]
        end = str(walk.get("end", ""))
    except (ValueError, TypeError, KeyError):
        return ""
    text = " → ".join(hops)
    if walk.get("variant"):
        text = f"{walk['variant']}: {text}"
    return t("{walk}; it ended at {end}.", walk=text, end=t(END_NAMES.get(end, end)))


# ---- the pages -------------------------------------------------------------------------


def menus_page(ctx: Ctx) -> str:
    store = _menus(ctx)
    menus = store.menus()
    assigned = store.line_menus()
    notice = ctx.query("done")
    return ctx.render(
        "admin_ivr.tpl",
        menus=menus,
        lines=ctx.deps.config().lines,
        assigned=assigned,
        uses={menu.id: [n for n, a in assigned.items() if a.menu_id == menu.id]
              for menu in menus},
        default_rings=DEFAULT_RINGS,
        rings_range=RINGS_RANGE,
        problem="",
        notice=notice if notice in NOTICES else "",
        offline=ctx.query("engine") == "offline",
    )


def _stored(ctx: Ctx, menu_id: int):
    stored = _menus(ctx).menu(menu_id)
    if stored is None:
        ctx.fail(404, "Not found.")
    return stored


def _read(ctx: Ctx, document: dict) -> ivr.Menu:
    try:
        return ivr.menu_from(document)
    except ivr.MenuError:
        return ivr.Menu((), "")


def new_menu_page(ctx: Ctx) -> str:
    return _editor(ctx, None, "", _starter())


def menu_page(ctx: Ctx, menu_id: int) -> str:
    stored = _stored(ctx, menu_id)
    return _editor(ctx, menu_id, stored.name, _read(ctx, stored.document))


def _save(ctx: Ctx, menu_id: int | None) -> str:
    if menu_id is not None:
        _stored(ctx, menu_id)
    name, menu = _typed_menu(ctx, _form_source(ctx))
    found = ivr.problems(menu, _prompt_ids(ctx))
    if found:
        return _editor(ctx, menu_id, name, menu, problems=found, status=400,
                       problem=ctx.t("The menu was not saved: put right what is listed."))
    store = _menus(ctx)
    before = store.menu(menu_id) if menu_id is not None else None
    try:
        saved = store.save(menu_id, name, ivr.menu_document(menu), _author(ctx))
    except MenuStoreError as error:
        return _editor(ctx, menu_id, name, menu, status=400,
                       problem=ctx.t(error.template, **error.values))
    after = store.menu(saved)
    changed = before is None or (before.name, before.document) != (after.name, after.document)
    query = {"done": "saved" if changed else "unchanged"}
    if changed and not tell_engine(ctx):
        query["engine"] = "offline"
    ctx.redirect(f"/admin/ivr/{saved}?" + urlencode(query))
    return ""


def new_menu_submit(ctx: Ctx) -> str:
    return _save(ctx, None)


def menu_submit(ctx: Ctx, menu_id: int) -> str:
    return _save(ctx, menu_id)


def _dry_run(ctx: Ctx, menu_id: int | None) -> str:
    """The menu as the form has it, walked with the typed keys; nothing is saved."""
    if menu_id is not None:
        _stored(ctx, menu_id)
    name, menu = _typed_menu(ctx, _form_source(ctx))
    found = ivr.problems(menu, _prompt_ids(ctx))
    at_text = ctx.form("at")
    problem = ""
    try:
        at_local = dt.datetime.strptime(at_text, "%Y-%m-%dT%H:%M")
    except ValueError:
        at_local = _now_local(ctx)
        if at_text:
            problem = ctx.t("{value} is not a date and time: the dry run is at the box's time now.",
                            value=at_text[:20])
        at_text = at_local.strftime("%Y-%m-%dT%H:%M")
    typed = ctx.form("keys")[:MAX_TYPED].lower()
    picks_up = ctx.form("picks_up") == "yes"
    variant, steps = ivr.dry_run(menu, at_local, typed, picks_up)
    prompt_names = dict(_prompt_choices(ctx))
    walk = {"variant": variant,
            "lines": [_step_text(ctx, step, menu, prompt_names) for step in steps]}
    return _editor(ctx, menu_id, name, menu, problems=found, walk=walk, problem=problem,
                   trial={"keys": typed, "picks_up": picks_up, "at": at_text})


# A dry run's steps in words: {node}, {key}, {target}, {prompt}, {seconds}, {end}.
STEP_WORDS = {
    "answer": "{node} answers the call.",
    "go": "On to {node}.",
    "play": "{node} plays {prompt}.",
    "key": "Key {key}: it leads to {target}.",
    "invalid": "Key {key} is not one of {node}'s keys.",
    "timeout": "No key before the timeout.",
    "record": "{node} records the caller's message, at most {seconds} seconds.",
    "ring": "The office's phones ring, at most {seconds} seconds.",
    "picked_up": "A phone picks up: the call is the office's.",
    "no_answer": "No phone picks up.",
    "out_of_keys": "The typed keys ran out: {node} waits for a key here.",
    "end": "The call ends at {node}: {end}.",
    "end_nowhere": "The call ends: nothing answers it.",
}


def _step_text(ctx: Ctx, step: ivr.DryStep, menu: ivr.Menu, prompt_names: dict) -> str:
    """One step of a dry run in the admin's language."""
    what, node, detail = step.what, step.node, step.detail
    values = {"node": node, "key": detail, "seconds": detail}
    if what == "go":
        what, values["node"] = ("go" if node else "answer"), detail
    elif what == "play":
        values["prompt"] = prompt_names.get(detail, detail)
    elif what == "key":
        found = menu.node(node)
        values["target"] = dict(found.keys).get(detail, "") if found else ""
    elif what == "end":
        what = "end" if node else "end_nowhere"
        values["end"] = ctx.t(END_NAMES.get(detail, detail))
    template = STEP_WORDS[what]
    return ctx.t(template, **{k: v for k, v in values.items() if "{" + k + "}" in template})


def new_dry_run(ctx: Ctx) -> str:
    return _dry_run(ctx, None)


def dry_run(ctx: Ctx, menu_id: int) -> str:
    return _dry_run(ctx, menu_id)


def delete_submit(ctx: Ctx, menu_id: int) -> str:
    stored = _stored(ctx, menu_id)
    try:
        _menus(ctx).delete(menu_id, _author(ctx))
    except MenuStoreError as error:
        return _editor(ctx, menu_id, stored.name, _read(ctx, stored.document), status=409,
                       problem=ctx.t(error.template, **error.values))
    ctx.redirect("/admin/ivr?" + urlencode({"done": "deleted"}))
    return ""


def lines_submit(ctx: Ctx) -> str:
    """Which menu each line answers with, after how many rings."""
    store = _menus(ctx)
    known = {menu.id for menu in store.menus()}
    changes: list[tuple[int, int | None, int]] = []
    for line in ctx.deps.config().lines:
        chosen = ctx.form(f"line-{line.number}-menu")
        rings_text = ctx.form(f"line-{line.number}-rings") or str(DEFAULT_RINGS)
        menu_id = found if (found := row_id(chosen)) in known else None
        if chosen and menu_id is None:
            return _lines_problem(ctx, ctx.t("Choose a menu of the list."))
        low, high = RINGS_RANGE
        if not rings_text.isdigit() or not low <= int(rings_text) <= high:
            return _lines_problem(ctx, ctx.t(
                "Line {line}: rings before the menu answers are {low} to {high}.",
                line=line.number, low=low, high=high))
        changes.append((line.number, menu_id, int(rings_text)))
    changed = False
    for number, menu_id, rings in changes:
        changed |= store.assign(number, menu_id, rings, _author(ctx))
    query = {"done": "lines" if changed else "unchanged"}
    if changed and not tell_engine(ctx):
        query["engine"] = "offline"
    ctx.redirect("/admin/ivr?" + urlencode(query))
    return ""


def _lines_problem(ctx: Ctx, problem: str) -> str:
    ctx.response.status = 400
    store = _menus(ctx)
    menus = store.menus()
    assigned = store.line_menus()
    return ctx.render(
        "admin_ivr.tpl", menus=menus, lines=ctx.deps.config().lines, assigned=assigned,
        uses={menu.id: [n for n, a in assigned.items() if a.menu_id == menu.id]
              for menu in menus},
        default_rings=DEFAULT_RINGS, rings_range=RINGS_RANGE, problem=problem, notice="",
        offline=False)
