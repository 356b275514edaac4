"""The demo box: a new data folder set up so that a scenario's calls meet every act.

``linerec run`` on a data folder without a configuration makes the default
one; then ``prepare_demo_box(data_dir, scenario)`` sets the box up as the
scenario's calls expect it (``firmware.simulation.scenario``: ``check_box``
keeps a scenario consistent with one such box):

- **voicemail** on each line with ``voicemail`` calls, answering after their rings;
- **the announcement** before recording on each line with ``announced`` calls, for
  the directions those calls have;
- **a voice menu** (``DEMO_MENU``: the welcome, 1 the survey, 2 an announcement,
  3 voicemail, 0 the office's phones, then voicemail) on each line with
  ``ivr_keys`` calls, answering after their rings;
- **the call firewall's lists**: the numbers of the ``firewall = "black"`` calls
  on the black list (rejected), those of ``firewall = "red"`` on the red list.

Every change goes through the stores that the web uses, each with its audit
entry by the box itself (``BOX_ACTOR``): the configuration (``settings_changed``),
the menu (``ivr_menu_added``, ``ivr_line_assigned``) and the lists
(``firewall_entry_added``). A scenario with no such calls changes nothing. It
is for a new folder only: ``run`` never calls it on a folder that had a
configuration, whose set-up is its owner's.
"""

from __future__ import annotations

from pathlib import Path

from firmware.acts import ivr
from firmware.config import ConfigStore
from firmware.country.numbers import describe
from firmware.country.profiles import profile
from firmware.prompts.library import DEFAULT_KEYS
from firmware.schema import to_document
from firmware.simulation.scenario import Scenario
from firmware.store.audit import BOX_ACTOR, AuditLog, structured_detail
from firmware.store.db import Store
from firmware.store.firewall import Actor, Firewall, ListEntry
from firmware.store.ivr_menus import Author, IvrMenus

MENU_NAME = "Demo menu"
DEMO_MENU = {"root": "welcome", "nodes": [
    {"name": "welcome", "kind": "menu", "prompt": "ivr_welcome", "timeout_s": 5, "repeats": 2,
     "keys": [["1", "rate"], ["2", "info"], ["3", "message"], ["0", "office"]],
     "invalid_prompt": "ivr_invalid", "fallback": "message"},
    {"name": "rate", "kind": "survey"},
    {"name": "info", "kind": "announcement", "prompt": "announcement", "next": ""},
    {"name": "message", "kind": "voicemail", "prompt": "voicemail_greeting", "max_s": 60},
    {"name": "office", "kind": "ring_through", "timeout_s": 30, "next": "message"},
]}
NOTE = "set up for the demo office"


def prepare_demo_box(data_dir: str | Path, scenario: Scenario) -> list[str]:
    """Set up the new box in ``data_dir`` for ``scenario``'s calls (see the module's
    text); what was set up, one line each."""
    done: list[str] = []
    config_store = ConfigStore(data_dir)
    config = config_store.load()
    lines = {line.number for line in config.lines}
    calls = [call for call in scenario.call if call.line in lines]
    changes: list[tuple] = []
    for number in sorted({call.line for call in calls if call.voicemail}):
        rings = min(call.rings for call in calls if call.voicemail and call.line == number)
        line = next(line for line in config.lines if line.number == number)
        config_store.update_line(number, voicemail={
            **_plain(line.voicemail), "enabled": True, "rings": rings})
        changes += [("voicemail.enabled", False, True, number),
                    ("voicemail.rings", line.voicemail.rings, rings, number)]
        done.append(f"line {number}: voicemail after {rings} rings")
    for number in sorted({call.line for call in calls if call.announced}):
        directions = {call.direction for call in calls if call.announced and call.line == number}
        setting = "both" if len(directions) > 1 else f"{directions.pop()}bound"
        config_store.update_line(number, announcement=setting)
        changes.append(("announcement", "off", setting, number))
        done.append(f"line {number}: the announcement before recording ({setting})")
    with Store(ConfigStore(data_dir).folder.database) as store:
        if changes:
            AuditLog(store).record("settings_changed", username=BOX_ACTOR,
                                   target="device configuration",
                                   detail=structured_detail(changes=changes))
        menu_lines = sorted({call.line for call in calls if call.ivr_keys})
        if menu_lines:
            menu = ivr.menu_from(DEMO_MENU)
            problems = ivr.validate(menu, DEFAULT_KEYS)
            if problems:  # the shipped menu is checked by the tests
                raise ValueError("the demo menu: " + "; ".join(problems))
            menus = IvrMenus(store)
            author = Author(BOX_ACTOR)
            menu_id = menus.save(None, MENU_NAME, DEMO_MENU, author)
            for number in menu_lines:
                rings = min(c.rings for c in calls if c.ivr_keys and c.line == number)
                menus.assign(number, menu_id, rings, author)
                done.append(f"line {number}: the voice menu {MENU_NAME!r} after {rings} rings")
        region = profile(config.device.country).region
        firewall = Firewall(store)
        for list_name in ("black", "red"):
            numbers = sorted({call.number for call in calls
                              if call.firewall == list_name and call.direction == "in"})
            for number in numbers:
                firewall.add(ListEntry(0, list_name, describe(number, region).e164 or number,
                                       note=NOTE), Actor(BOX_ACTOR))
            if numbers:
                done.append(f"the {list_name} list: {', '.join(numbers)}")
    return done


def _plain(settings) -> dict:
    return to_document(settings)
