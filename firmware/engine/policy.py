"""From the device configuration to what a line's state machine needs (``Policy``), and
the call firewall as the lines decide with it (``firewall_screen``)."""

from __future__ import annotations

import logging

from drivers.errors import DriverURLError
from drivers.modem_line import split_line_options
from firmware.acts.ivr import LineIvr, MenuError, menu_from
from firmware.config import WEEKDAYS, Config, Line
from firmware.country.numbers import describe
from firmware.country.profiles import profile
from firmware.engine.state import Policy, Window
from firmware.store.db import Store
from firmware.store.firewall import Screen, snapshot
from firmware.store.ivr_menus import IvrMenus

log = logging.getLogger(__name__)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def no_record_numbers(numbers: list[str], region: str) -> frozenset[str]:
    """Each listed number in every form it may arrive in: as written, national, E.164.

    Caller ID gives national digits (13800138000, 075512345678) while an
    admin may type +86 13800138000; both must match.
    """
    forms = set()
    for number in numbers:
        forms.add(number)
        info = describe(number, region)
        if info.e164:
            forms.add(info.e164)
            national_digits = "".join(ch for ch in info.display if ch.isdigit())
            forms.add(national_digits)
    return frozenset(forms)


def firewall_screen(store: Store, config: Config) -> Screen:
    """The call firewall's lists and rules as they are in the store now, their numbers read
    in every form for the box's country (``firmware.store.firewall.snapshot``)."""
    return snapshot(store, describe=describe, region=profile(config.device.country).region)


def policy_for(config: Config, line: Line, screen: Screen | None = None,
               ivr: LineIvr | None = None) -> Policy:
    """Line ``line``'s policy by ``config``; ``screen``: the call firewall it screens
    incoming calls with (``firewall_screen``; None or empty: no screening); ``ivr``: the
    voice menu that answers its calls (``line_menus``), if any."""
    country = profile(config.device.country)
    windows = tuple(
        Window(
            frozenset(WEEKDAYS.index(day) for day in window.days),
            _minutes(window.start),
            _minutes(window.end),
        )
        for window in line.recording.schedule
    )
    return Policy(
        mode=line.recording.mode if line.enabled else "off",
        no_record=no_record_numbers(config.device.no_record, country.region),
        windows=windows,
        utc_offset_s=country.utc_offset_s,
        time_zone=config.device.time_zone or country.time_zone,
        ring_timeout_s=country.ring_timeout_s,
        preroll_s=line.recording.vox.preroll_ms / 1000,
        start_code=config.device.manual_codes.start,
        stop_code=config.device.manual_codes.stop,
        survey_code=config.device.manual_codes.survey,
        screen=screen,
        region=country.region,
        announcement=line.announcement if line.enabled else "off",
        announcement_prompt=line.announcement_prompt,
        ivr=ivr if line.enabled else None,
        hears_phones=hears_phones(line),
    )


def hears_phones(line: Line) -> bool:
    """Whether ``line``'s audio is heard while a phone of the office holds it: not on a
    voice modem set without ``listen=`` (it is on the line only when the box takes it)."""
    if not line.modem:
        return True
    try:
        return split_line_options(line.modem)[1] is not None
    except DriverURLError:
        return True  # the line does not open: its own error says why


def line_menus(store: Store) -> dict[int, LineIvr]:
    """The voice menu of each line that has one, read from the store; a menu whose
    document cannot be read is left out (logged), and its line rings on as without."""
    menus: dict[int, LineIvr] = {}
    for number, assigned in IvrMenus(store).line_menus().items():
        try:
            menu = menu_from(assigned.document)
        except MenuError as error:
            log.error("line %d: the voice menu %r cannot be read: %s", number,
                      assigned.menu_name, error)
            continue
        menus[number] = LineIvr(menu, assigned.rings, assigned.menu_name, assigned.menu_id)
    return menus
