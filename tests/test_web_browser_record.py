"""Recording by hand in real headless Chromium, against ``make run``'s stack.

Line 1 records by hand (manual mode). A caller rings it and is answered; an
operator with the ``record`` and ``pop`` flags sees the Record button on the
line's card and on the caller's card once the call is answered, starts the
recording from the line card and stops it from the caller's card, without
reloading, and each button follows the line's state; then the same on a
phone's width. Screenshots go to ``test-output/``.
"""

from __future__ import annotations

import sqlite3

import pytest

from bench.browser import Stack, arrived, chromium, close_browser
from firmware.config import ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.store.accounts import Accounts
from firmware.store.db import Store
from tests.support.required_tools import require_browser
from tests.test_web_browser import css, screenshot, wait
from webui import auth

CALLER = "13912345678"
SCENARIO = f"""
country = "CN"
lines = 2
seed = 5

[[call]]
line = 1
at = 4.0
direction = "in"
number = "{CALLER}"
rings = 2
talk = 240.0
"""
PASSWORD = "office-operator-2026"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_browser()
    data_dir = tmp_path_factory.mktemp("browser-record") / "data"
    DataFolder(data_dir).create()
    config = ConfigStore(data_dir)
    config.save(default_config(2))
    config.update_line(1, recording={"mode": "manual"})
    with Store(DataFolder(data_dir).database) as store:
        accounts = Accounts(store)
        accounts.create_user("admin", auth.hash_password(PASSWORD), "super", language="en")
        accounts.create_user(
            "op", auth.hash_password(PASSWORD), "operator", language="en",
            permissions=frozenset({"pop", "record"}), lines=frozenset({1, 2}),
        )
    running = Stack(SCENARIO, data_dir)
    yield running
    running.stop()


def sign_in(driver, url: str) -> None:
    driver.get(url + "/login?next=/live")  # the dashboard is where one lands
    css(driver, "input[name=username]").send_keys("op")
    css(driver, "input[name=password]").send_keys(PASSWORD)
    css(driver, "form button[type=submit]").click()
    arrived(driver, lambda url: url.endswith("/live"))
    wait(driver, 10).until(lambda d: d.execute_script("return window.linerec.streamReady"))


def line_button(driver):
    return css(driver, '.line[data-line="1"] .record-button')


def card_button(driver):
    return css(driver, '.pop-card[data-line="1"] .record-button')


def recordings_started(stack) -> int:
    return sum(1 for _, event in stack.events if event.kind.value == "recording_started")


def test_the_record_button_starts_and_stops_the_recording_without_a_reload(stack):
    driver = chromium()
    try:
        sign_in(driver, stack.url)
        # Line 2 records automatically: it never has the button shown.
        assert not css(driver, '.line[data-line="2"] .record-form').is_displayed()
        wait(driver).until(lambda d: "state-in_call" in css(d, '.line[data-line="1"]')
                           .get_attribute("class"))
        wait(driver, 10).until(lambda d: line_button(d).is_displayed())
        button = line_button(driver)
        # A real button, named by its label alone (the mark is not read out).
        assert button.tag_name == "button" and button.accessible_name == "Record"
        assert button.text.startswith("●")
        assert not stack.events or recordings_started(stack) == 0
        page = driver.execute_script("return performance.getEntriesByType('navigation').length")
        button.click()
        stack.wait_event(lambda e: e.line == 1 and e.kind.value == "recording_started", 10)
        wait(driver, 10).until(lambda d: line_button(d).accessible_name == "Stop recording")
        assert "recording" in line_button(driver).get_attribute("class")
        assert css(driver, '.line[data-line="1"] .recording-mark').is_displayed()
        # The caller's card says the same, and stops it.
        wait(driver, 10).until(lambda d: card_button(d).is_displayed())
        wait(driver, 10).until(lambda d: card_button(d).accessible_name == "Stop recording")
        screenshot(driver, "07-live-recording-by-hand")
        card_button(driver).click()
        stack.wait_event(lambda e: e.line == 1 and e.kind.value == "recording_stopped", 10)
        wait(driver, 10).until(lambda d: line_button(d).accessible_name == "Record")
        wait(driver, 10).until(lambda d: card_button(d).accessible_name == "Record")
        assert not css(driver, '.line[data-line="1"] .recording-mark').is_displayed()
        # No page was loaded again meanwhile.
        assert driver.execute_script(
            "return performance.getEntriesByType('navigation').length") == page
        assert driver.current_url.endswith("/live")
    finally:
        close_browser(driver)
    with sqlite3.connect(DataFolder(stack.data_dir).database) as db:
        actions = [row[0] for row in db.execute(
            "SELECT action FROM audit_log WHERE username = 'op' AND target = 'line 1' ORDER BY id"
        )]
    assert actions == ["record_started", "record_stopped"]


def test_the_record_button_on_a_phone(stack):
    driver = chromium(width=390, height=844)
    try:
        sign_in(driver, stack.url)
        wait(driver).until(lambda d: line_button(d).is_displayed())
        button = line_button(driver)
        box = button.rect
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert box["height"] >= 30  # big enough for a finger
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
        before = recordings_started(stack)
        button.click()
        wait(driver, 10).until(lambda d: line_button(d).accessible_name == "Stop recording")
        assert recordings_started(stack) == before + 1
        screenshot(driver, "08-live-recording-by-hand-phone")
        line_button(driver).click()
        wait(driver, 10).until(lambda d: line_button(d).accessible_name == "Record")
    finally:
        close_browser(driver)
