"""Voice menus (IVR): a tree of prompts and key choices the box answers a call with.

A menu is a set of named nodes (``Node``):

- ``menu``: plays its prompt (a key may cut it short), waits ``timeout_s`` for a key;
  a key of its own leads to that key's node; a key it does not know plays its
  invalid-key prompt, and a wrong key or no key at all plays the prompt again, at
  most ``repeats`` times more, then the call goes to its ``fallback`` (none: hang up);
- ``voicemail``: its greeting, the beep, then the caller's message (at most ``max_s``);
- ``announcement``: its prompt, then its ``next`` node (none: hang up);
- ``survey``: the satisfaction survey (``firmware.acts.survey``);
- ``ring_through``: the office's phones ring for ``timeout_s``; the phone that picks
  up takes the call, and if none does the call goes to ``next`` (voicemail, say);
- ``hang_up``.

Which node answers is the menu's ``root``, unless a variant (``Variant``) applies: a
holiday (a date in local time) first, then a weekly time-of-day window (local time,
like the recording schedule), in the order they are listed.

``problems`` (and ``validate``, its words) says everything wrong with a menu before it
is saved: no root, a target that is not a node, a key used twice, a missing prompt, a
node nothing leads to, a loop that never asks the caller for a key. ``ivr_script``
walks a menu on a line; ``dry_run`` walks it with typed keys, as the editor shows it.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from firmware.acts import survey, voicemail
from firmware.acts.steps import (
    CallerGone,
    GetKey,
    Play,
    Record,
    Recorded,
    RingThrough,
    Script,
)

NAME = "ivr"
KINDS = ("menu", "voicemail", "announcement", "survey", "ring_through", "hang_up")
PHONE_KEYS = "0123456789*#"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIMEOUT_KEY = "t"  # in a walk's keys and a dry run's input: no key before the timeout
DEFAULT_INVALID_PROMPT = "ivr_invalid"
BEEP = "beep"
MOST_NODES = 60  # a menu's size, and the nodes one call may pass through
MOST_VARIANTS = 12
TIMEOUT_RANGE = (1.0, 60.0)
REPEATS_RANGE = (0, 5)
MAX_S_RANGE = (5.0, 600.0)
RING_RANGE = (5.0, 300.0)
_NODE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# Every problem a menu can have: its words, with {node}, {key}... filled in. The web
# shows them in the reader's language (each one has its Chinese).
PROBLEMS = {
    "no_root": "The menu has no root: choose the node that answers the call.",
    "root_missing": "The root {node} is not a node of the menu.",
    "variant_root_missing": "Variant {variant}: its root {node} is not a node of the menu.",
    "variant_no_root": "Variant {variant}: choose the node that answers.",
    "variant_empty": "Variant {variant}: give it time windows or holiday dates.",
    "variant_window": "Variant {variant}: {window} is not a time window (days, HH:MM to HH:MM).",
    "variant_date": "Variant {variant}: {date} is not a date (YYYY-MM-DD).",
    "no_nodes": "The menu has no nodes.",
    "too_many_nodes": "A menu has at most {n} nodes.",
    "too_many_variants": "A menu has at most {n} variants.",
    "node_name": "{node} is not a node name (letters, digits, - and _, at most 32).",
    "node_twice": "{node} is the name of two nodes.",
    "kind": "{node}: {kind} is not a kind of node.",
    "no_prompt": "{node}: choose a prompt.",
    "prompt_missing": "{node}: the prompt {prompt} is not in the prompt library.",
    "no_keys": "{node}: give at least one key and where it leads.",
    "bad_key": "{node}: {key} is not a key of a phone (0-9, * or #).",
    "key_twice": "{node}: key {key} is used twice.",
    "key_target_missing": "{node}: key {key} leads to {target}, which is not a node.",
    "key_no_target": "{node}: key {key} leads nowhere: choose a node.",
    "next_missing": "{node}: it goes on to {target}, which is not a node.",
    "timeout": "{node}: the timeout is {low} to {high} seconds.",
    "repeats": "{node}: repeats are {low} to {high}.",
    "max_s": "{node}: a message is {low} to {high} seconds at most.",
    "ring_timeout": "{node}: the phones ring {low} to {high} seconds.",
    "unreachable": "{node}: no call ever reaches it (nothing leads to it).",
    "loop": "{nodes}: these nodes lead to each other in a loop that never asks the caller "
            "for a key.",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a menu: ``node`` it is about (None: the whole menu),
    ``code`` (a key of ``PROBLEMS``) and the values its words are filled with."""

    node: str | None
    code: str
    values: tuple[tuple[str, str], ...] = ()

    @property
    def template(self) -> str:
        return PROBLEMS[self.code]

    @property
    def text(self) -> str:
        return self.template.format(**dict(self.values))


class MenuError(ValueError):
    """A menu document that cannot be read (the web's form always makes one that can)."""


@dataclass(frozen=True)
class Node:
    name: str
    kind: str
    prompt: str = ""  # a prompt's key (the box's own) or id, as text
    keys: tuple[tuple[str, str], ...] = ()  # menu: (key, node)
    timeout_s: float = 5.0  # menu: for a key; ring_through: for a phone to pick up
    repeats: int = 2  # menu: times the prompt is played again after no key or a wrong one
    invalid_prompt: str = DEFAULT_INVALID_PROMPT  # menu
    fallback: str = ""  # menu: after the repeats; "" hangs up
    max_s: float = 120.0  # voicemail
    next: str = ""  # announcement, ring_through: then this node; "" hangs up

    def targets(self) -> list[str]:
        """The nodes this one may lead to."""
        if self.kind == "menu":
            return [target for _, target in self.keys if target] + (
                [self.fallback] if self.fallback else [])
        if self.kind in ("announcement", "ring_through") and self.next:
            return [self.next]
        return []

    def prompts(self) -> list[str]:
        """The prompts this node plays (those chosen)."""
        if self.kind == "menu":
            return [p for p in (self.prompt, self.invalid_prompt) if p]
        if self.kind in ("voicemail", "announcement"):
            return [self.prompt] if self.prompt else []
        return []


@dataclass(frozen=True)
class Window:
    """A weekly window in local time: days (mon...sun), HH:MM to HH:MM (past midnight
    when the end is before the start)."""

    days: tuple[str, ...]
    start: str
    end: str

    def valid(self) -> bool:
        return (bool(self.days) and all(day in WEEKDAYS for day in self.days)
                and bool(_CLOCK.match(self.start)) and bool(_CLOCK.match(self.end))
                and self.start != self.end)

    def contains(self, at_local: dt.datetime) -> bool:
        if not self.valid():
            return False
        start, end = _minutes(self.start), _minutes(self.end)
        minute = at_local.hour * 60 + at_local.minute
        today = WEEKDAYS[at_local.weekday()]
        if start < end:
            return today in self.days and start <= minute < end
        if minute >= start:
            return today in self.days
        yesterday = WEEKDAYS[(at_local.weekday() - 1) % 7]
        return minute < end and yesterday in self.days

    def __str__(self) -> str:
        return f"{'/'.join(self.days) or '-'} {self.start}-{self.end}"


@dataclass(frozen=True)
class Variant:
    """Another root for some times: holidays (dates, local) or weekly windows."""

    name: str
    root: str
    windows: tuple[Window, ...] = ()
    dates: tuple[str, ...] = ()  # YYYY-MM-DD

    def on_holiday(self, at_local: dt.datetime) -> bool:
        return at_local.date().isoformat() in self.dates

    def in_window(self, at_local: dt.datetime) -> bool:
        return any(window.contains(at_local) for window in self.windows)


@dataclass(frozen=True)
class Menu:
    nodes: tuple[Node, ...]
    root: str
    variants: tuple[Variant, ...] = ()

    def node(self, name: str) -> Node | None:
        return next((node for node in self.nodes if node.name == name), None)

    def roots(self) -> list[str]:
        return [self.root, *(variant.root for variant in self.variants)]


@dataclass(frozen=True)
class LineIvr:
    """A line's voice menu: it answers a ringing call after ``rings`` rings."""

    menu: Menu
    rings: int = 2
    name: str = ""
    menu_id: int = 0


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


# ---- the document -----------------------------------------------------------------------


def _text(value: Any, most: int = 64) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise MenuError(f"{value!r} is not text")
    return value.strip()[:most]


def _number(value: Any, default: float) -> float:
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MenuError(f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise MenuError(f"{value!r} is not a number")
    return number


def node_from(data: Any) -> Node:
    if not isinstance(data, dict):
        raise MenuError("a node is not an object")
    keys = data.get("keys") or []
    if not isinstance(keys, list) or not all(isinstance(k, list | tuple) and len(k) == 2
                                             for k in keys):
        raise MenuError("a node's keys are not pairs of a key and a node")
    return Node(
        name=_text(data.get("name")),
        kind=_text(data.get("kind")),
        prompt=_text(data.get("prompt")),
        keys=tuple((_text(key, 4), _text(target)) for key, target in keys),
        timeout_s=_number(data.get("timeout_s"), 5.0),
        repeats=int(_number(data.get("repeats"), 2)),
        invalid_prompt=_text(data.get("invalid_prompt", DEFAULT_INVALID_PROMPT)),
        fallback=_text(data.get("fallback")),
        max_s=_number(data.get("max_s"), 120.0),
        next=_text(data.get("next")),
    )


def menu_from(data: Any) -> Menu:
    """A menu from its JSON document; MenuError when it is not one."""
    if not isinstance(data, dict):
        raise MenuError("a menu is not an object")
    nodes = data.get("nodes") or []
    variants = data.get("variants") or []
    if not isinstance(nodes, list) or not isinstance(variants, list):
        raise MenuError("a menu's nodes and variants are lists")
    parsed_variants = []
    for variant in variants:
        if not isinstance(variant, dict):
            raise MenuError("a variant is not an object")
        windows = variant.get("windows") or []
        dates = variant.get("dates") or []
        if not isinstance(windows, list) or not isinstance(dates, list):
            raise MenuError("a variant's windows and dates are lists")
        parsed_windows = []
        for window in windows:
            if not isinstance(window, dict) or not isinstance(window.get("days") or [], list):
                raise MenuError("a window is not an object with days")
            parsed_windows.append(Window(tuple(_text(d, 3) for d in window.get("days") or []),
                                         _text(window.get("start"), 5),
                                         _text(window.get("end"), 5)))
        parsed_variants.append(Variant(_text(variant.get("name")), _text(variant.get("root")),
                                       tuple(parsed_windows),
                                       tuple(_text(d, 10) for d in dates)))
    return Menu(tuple(node_from(node) for node in nodes), _text(data.get("root")),
                tuple(parsed_variants))


def menu_document(menu: Menu) -> dict:
    """The menu as its JSON document (``menu_from`` reads it back)."""
    def node(n: Node) -> dict:
        data: dict[str, Any] = {"name": n.name, "kind": n.kind}
        if n.kind == "menu":
            data.update(prompt=n.prompt, keys=[list(k) for k in n.keys], timeout_s=n.timeout_s,
                        repeats=n.repeats, invalid_prompt=n.invalid_prompt, fallback=n.fallback)
        elif n.kind == "voicemail":
            data.update(prompt=n.prompt, max_s=n.max_s)
        elif n.kind == "announcement":
            data.update(prompt=n.prompt, next=n.next)
        elif n.kind == "ring_through":
            data.update(timeout_s=n.timeout_s, next=n.next)
        return data

    return {
        "root": menu.root,
        "nodes": [node(n) for n in menu.nodes],
        "variants": [{"name": v.name, "root": v.root,
                      "windows": [{"days": list(w.days), "start": w.start, "end": w.end}
                                  for w in v.windows],
                      "dates": list(v.dates)} for v in menu.variants],
    }


# ---- what is wrong with a menu -----------------------------------------------------------


def _p(about: str | None, code: str, **values: object) -> Problem:
    return Problem(about, code, tuple((k, str(v)) for k, v in values.items()))


def _fmt(number: float) -> str:
    return f"{number:g}"


def problems(menu: Menu, prompt_ids: Iterable[str]) -> list[Problem]:
    """Everything wrong with ``menu``; ``prompt_ids``: the prompts there are (their ids as
    text and the box's own prompts' keys)."""
    known_prompts = {str(p) for p in prompt_ids}
    found: list[Problem] = []
    if not menu.nodes:
        found.append(_p(None, "no_nodes"))
    if len(menu.nodes) > MOST_NODES:
        found.append(_p(None, "too_many_nodes", n=MOST_NODES))
    if len(menu.variants) > MOST_VARIANTS:
        found.append(_p(None, "too_many_variants", n=MOST_VARIANTS))
    names: set[str] = set()
    for node in menu.nodes:
        if not _NODE_NAME.match(node.name):
            found.append(_p(node.name or None, "node_name", node=node.name or "?"))
        elif node.name in names:
            found.append(_p(node.name, "node_twice", node=node.name))
        names.add(node.name)
    if not menu.root:
        found.append(_p(None, "no_root"))
    elif menu.root not in names:
        found.append(_p(None, "root_missing", node=menu.root))
    for variant in menu.variants:
        found += _variant_problems(variant, names)
    for node in menu.nodes:
        found += _node_problems(node, names, known_prompts)
    found += _unreachable(menu)
    found += _loops(menu)
    return found


def validate(menu: Menu, prompt_ids: Iterable[str]) -> list[str]:
    """Every problem of ``menu`` in words; empty when it may be saved."""
    return [problem.text for problem in problems(menu, prompt_ids)]


def _variant_problems(variant: Variant, names: set[str]) -> list[Problem]:
    found = []
    label = variant.name or "?"
    if not variant.root:
        found.append(_p(None, "variant_no_root", variant=label))
    elif variant.root not in names:
        found.append(_p(None, "variant_root_missing", variant=label, node=variant.root))
    if not variant.windows and not variant.dates:
        found.append(_p(None, "variant_empty", variant=label))
    for window in variant.windows:
        if not window.valid():
            found.append(_p(None, "variant_window", variant=label, window=str(window)))
    for date in variant.dates:
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            found.append(_p(None, "variant_date", variant=label, date=date or "?"))
    return found


def _node_problems(node: Node, names: set[str], known_prompts: set[str]) -> list[Problem]:
    name = node.name or "?"
    if node.kind not in KINDS:
        return [_p(node.name, "kind", node=name, kind=node.kind or "?")]
    found = []
    if node.kind in ("menu", "voicemail", "announcement") and not node.prompt:
        found.append(_p(node.name, "no_prompt", node=name))
    for prompt in node.prompts():
        if prompt not in known_prompts:
            found.append(_p(node.name, "prompt_missing", node=name, prompt=prompt))
    if node.kind == "menu":
        found += _menu_problems(node, names)
    if node.kind in ("announcement", "ring_through") and node.next and node.next not in names:
        found.append(_p(node.name, "next_missing", node=name, target=node.next))
    if node.kind == "voicemail" and not MAX_S_RANGE[0] <= node.max_s <= MAX_S_RANGE[1]:
        found.append(_p(node.name, "max_s", node=name, low=_fmt(MAX_S_RANGE[0]),
                        high=_fmt(MAX_S_RANGE[1])))
    if node.kind == "ring_through" and not RING_RANGE[0] <= node.timeout_s <= RING_RANGE[1]:
        found.append(_p(node.name, "ring_timeout", node=name, low=_fmt(RING_RANGE[0]),
                        high=_fmt(RING_RANGE[1])))
    return found


def _menu_problems(node: Node, names: set[str]) -> list[Problem]:
    name = node.name or "?"
    found = []
    if not node.keys:
        found.append(_p(node.name, "no_keys", node=name))
    seen: set[str] = set()
    for key, target in node.keys:
        if len(key) != 1 or key not in PHONE_KEYS:
            found.append(_p(node.name, "bad_key", node=name, key=key or "?"))
        elif key in seen:
            found.append(_p(node.name, "key_twice", node=name, key=key))
        seen.add(key)
        if not target:
            found.append(_p(node.name, "key_no_target", node=name, key=key or "?"))
        elif target not in names:
            found.append(_p(node.name, "key_target_missing", node=name, key=key or "?",
                            target=target))
    if node.fallback and node.fallback not in names:
        found.append(_p(node.name, "next_missing", node=name, target=node.fallback))
    low, high = TIMEOUT_RANGE
    if not low <= node.timeout_s <= high:
        found.append(_p(node.name, "timeout", node=name, low=_fmt(low), high=_fmt(high)))
    low_r, high_r = REPEATS_RANGE
    if not low_r <= node.repeats <= high_r:
        found.append(_p(node.name, "repeats", node=name, low=low_r, high=high_r))
    return found


def _graph(menu: Menu) -> dict[str, list[str]]:
    names = {node.name for node in menu.nodes}
    return {node.name: [t for t in node.targets() if t in names] for node in menu.nodes}


def _unreachable(menu: Menu) -> list[Problem]:
    graph = _graph(menu)
    reached: set[str] = set()
    waiting = [root for root in menu.roots() if root in graph]
    while waiting:
        name = waiting.pop()
        if name in reached:
            continue
        reached.add(name)
        waiting.extend(graph[name])
    if not any(root in graph for root in menu.roots()):
        return []  # no root: said already, and every node would be named
    return [_p(node.name, "unreachable", node=node.name) for node in menu.nodes
            if node.name and node.name not in reached and _NODE_NAME.match(node.name)]


def _loops(menu: Menu) -> list[Problem]:
    """Cycles among the nodes that ask for no key (a menu in a cycle is fine: the caller
    chooses each time around). Each such loop once, by its nodes."""
    asks = {node.name for node in menu.nodes if node.kind == "menu"}
    graph = {name: [t for t in targets if t not in asks]
             for name, targets in _graph(menu).items() if name not in asks}
    found: list[Problem] = []
    for component in _strong_components(graph):
        name = component[0]
        if len(component) > 1 or name in graph.get(name, []):
            ordered = sorted(component, key=[n.name for n in menu.nodes].index)
            found.append(_p(ordered[0], "loop", nodes=", ".join(ordered)))
    return found


def _strong_components(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            name, position = work.pop()
            if position == 0:
                index[name] = low[name] = counter
                counter += 1
                stack.append(name)
                on_stack.add(name)
            targets = graph.get(name, [])
            if position < len(targets):
                work.append((name, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[name] = min(low[name], index[target])
                continue
            if low[name] == index[name]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == name:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[name])
    return components


# ---- which root answers -------------------------------------------------------------------


def choose_root(menu: Menu, at_local: dt.datetime) -> tuple[str, str]:
    """The variant that answers at ``at_local`` (the line's local time) and its root:
    a holiday first, then a time window, in the order listed; else ("", the root)."""
    for variant in menu.variants:
        if variant.on_holiday(at_local):
            return variant.name, variant.root
    for variant in menu.variants:
        if variant.in_window(at_local):
            return variant.name, variant.root
    return "", menu.root


# ---- the walk -----------------------------------------------------------------------------


@dataclass
class Walk:
    """A call's way through a menu: the variant, each node with the keys heard there
    (``TIMEOUT_KEY`` for none), how it ended and what was left."""

    variant: str = ""
    hops: list[list[str]] = field(default_factory=list)  # [node, keys]
    end: str = ""  # the last node's kind
    recorded: Recorded | None = None  # the caller's message (a voicemail node)
    survey: int | None = None  # the caller's rating (a survey node)
    handed_over: bool = False  # a phone took the call (a ring_through node)

    def visit(self, node: str) -> None:
        self.hops.append([node, ""])

    def heard(self, key: str | None) -> None:
        self.hops[-1][1] += key if key is not None else TIMEOUT_KEY

    def document(self) -> dict:
        """What the call log keeps of it."""
        data: dict[str, Any] = {"variant": self.variant, "path": self.hops, "end": self.end}
        if self.recorded is not None:
            data["message_s"] = round(self.recorded.seconds, 1)
        if self.survey is not None:
            data["survey"] = self.survey
        return data

    def __str__(self) -> str:
        return " > ".join(f"{node} [{keys}]" if keys else node for node, keys in self.hops)


def ivr_script(menu: Menu, at_local: dt.datetime, walk: Walk | None = None) -> Script:
    """The menu's script on a line (``at_local``: the line's local time, which chooses
    the variant); its result is the ``Walk`` (``walk``, when given, is filled as it goes)."""
    walk = walk if walk is not None else Walk()
    walk.variant, name = choose_root(menu, at_local)
    with contextlib.suppress(CallerGone):  # the caller hung up: the walk so far is kept
        yield from _walk(menu, name, walk)
    return walk


def _prompt(prompt: str) -> str | int:
    return int(prompt) if prompt.isdigit() else prompt


def _walk(menu: Menu, name: str, walk: Walk) -> Script:
    for _ in range(MOST_NODES):
        node = menu.node(name) if name else None
        if node is None:
            walk.end = walk.end or "hang_up"
            return
        walk.visit(node.name)
        walk.end = node.kind
        if node.kind == "menu":
            name = yield from _menu(node, walk)
            continue
        if node.kind == "announcement":
            yield Play(_prompt(node.prompt), barge_in=False)
            name = node.next
            continue
        if node.kind == "ring_through":
            picked_up = yield RingThrough(node.timeout_s)
            if picked_up:
                walk.handed_over = True
                return
            name = node.next
            continue
        if node.kind == "voicemail":
            yield Play(_prompt(node.prompt), barge_in=False)
            yield Play(BEEP, barge_in=False)
            recorded = yield Record(max_s=node.max_s)
            if recorded is not None and recorded.ended_by == "hang_up":
                recorded = voicemail.without_hang_up_tail(recorded)  # the busy tone is no message
            walk.recorded = recorded
            return
        if node.kind == "survey":
            walk.survey = yield from survey.survey(wait_for_operator=False)
            return
        return  # hang_up
    walk.end = "hang_up"  # through too many nodes: a fault the checks let pass


def _menu(node: Node, walk: Walk) -> Script:
    """Ask for a key; the node it leads to (or the fallback, or "" to hang up)."""
    targets = dict(node.keys)
    for attempt in range(node.repeats + 1):
        yield Play(_prompt(node.prompt), barge_in=True)
        key = yield GetKey(PHONE_KEYS, node.timeout_s)
        walk.heard(key)
        if key is not None and targets.get(key):
            return targets[key]
        if key is not None and node.invalid_prompt:
            yield Play(_prompt(node.invalid_prompt), barge_in=attempt < node.repeats)
    return node.fallback


# ---- the editor's dry run ---------------------------------------------------------------


@dataclass(frozen=True)
class DryStep:
    """One thing the dry run saw: ``what`` (play, key, timeout, invalid, go, record,
    ring, picked_up, no_answer, survey, hang_up, out_of_keys), the node, and its detail
    (a prompt, a key, the next node)."""

    what: str
    node: str = ""
    detail: str = ""


def dry_run(menu: Menu, at_local: dt.datetime, typed: str,
            picks_up: bool = False) -> tuple[str, list[DryStep]]:
    """Walk ``menu`` with the ``typed`` keys (``TIMEOUT_KEY`` for a timeout; when they run
    out the walk stops there); ``picks_up``: a phone answers a ring-through. The variant
    that answered, and each step."""
    walk = Walk()
    script = ivr_script(menu, at_local, walk)
    keys = [key for key in typed if key in PHONE_KEYS or key == TIMEOUT_KEY]
    seen: list[DryStep] = []
    hops = 0

    def moved() -> None:
        nonlocal hops
        while hops < len(walk.hops):
            before = walk.hops[hops - 1][0] if hops else ""
            seen.append(DryStep("go", before, walk.hops[hops][0]))
            hops += 1

    try:
        step = next(script)
        for _ in range(1000):
            moved()
            node = walk.hops[-1][0] if walk.hops else ""
            value: Any = None
            if isinstance(step, Play):
                seen.append(DryStep("play", node, str(step.prompt)))
            elif isinstance(step, GetKey):
                if not keys:
                    seen.append(DryStep("out_of_keys", node))
                    script.close()
                    return walk.variant, seen
                key = keys.pop(0)
                value = None if key == TIMEOUT_KEY else key
                known = dict(menu.node(node).keys) if menu.node(node) else {}
                what = "timeout" if value is None else "key" if known.get(key) else "invalid"
                seen.append(DryStep(what, node, key))
            elif isinstance(step, Record):
                seen.append(DryStep("record", node, _fmt(step.max_s)))
                value = Recorded(np.zeros(0, dtype=np.int16), 0.0, "key")
            elif isinstance(step, RingThrough):
                seen.append(DryStep("ring", node, _fmt(step.timeout_s)))
                value = picks_up
                seen.append(DryStep("picked_up" if picks_up else "no_answer", node))
            step = script.send(value)
    except StopIteration:
        pass
    moved()
    seen.append(DryStep("end", walk.hops[-1][0] if walk.hops else "", walk.end))
    return walk.variant, seen
