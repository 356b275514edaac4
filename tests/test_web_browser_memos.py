"""A reminder in real headless Chromium, against ``make run``'s stack: a memo comes due, the
page shows it and, with notifications allowed (granted through the DevTools protocol, as
a click on "Allow" would), the browser's Notification is made; the memos page says they
are allowed; the top bar's presence selector is sent in the background."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from bench.browser import Stack, arrived, chromium, close_browser
from firmware.config import ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.store.accounts import Accounts
from firmware.store.db import Store
from firmware.store.memos import Memos
from firmware.store.presence import Presence
from tests.support.required_tools import require_browser
from tests.test_web_browser import css, wait
from webui import auth

# One call, late and long, keeps the office (and linerec run) going for the test.
SCENARIO = """
country = "CN"
lines = 1
seed = 3

[[call]]
line = 1
at = 600.0
direction = "in"
number = "13800138000"
rings = 2
talk = 600.0
"""
PASSWORD = "office-admin-2026"
# Records each Notification the page makes (the headless browser shows none).
NOTIFICATION_SPY = """
(() => {
  const Real = window.Notification;
  if (!Real) return;
  window.shownNotifications = [];
  const Spy = function (title, options) {
    window.shownNotifications.push(title + " | " + ((options && options.body) || ""));
    return new Real(title, options);
  };
  Object.defineProperty(Spy, "permission", { get: () => Real.permission });
  Spy.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Spy;
})();
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_browser()
    data_dir = tmp_path_factory.mktemp("browser-memos") / "data"
    DataFolder(data_dir).create()
    ConfigStore(data_dir).save(default_config(1))
    with Store(DataFolder(data_dir).database) as store:
        user = Accounts(store).create_user("admin", auth.hash_password(PASSWORD), "super",
                                           language="en")
        # Due a minute ago, written an hour ago: not yet reminded of.
        local = datetime.utcnow() + timedelta(hours=8) - timedelta(minutes=1)
        Memos(store, clock=lambda: time.time() - 3600).add(
            user.id, {"subject": "Call Mr Li back", "at": local.strftime("%Y-%m-%d %H:%M"),
                      "place": "Room 2", "importance": "high", "remind_before_min": 0},
            8 * 3600)
        assert Presence(store).chosen(user.id) == "online"
    running = Stack(SCENARIO, data_dir)
    yield running
    running.stop()


def test_a_due_reminder_shows_in_the_page_and_as_a_notification(stack):
    driver = chromium()
    try:
        driver.execute_cdp_cmd("Browser.grantPermissions",
                               {"origin": stack.url, "permissions": ["notifications"]})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                               {"source": NOTIFICATION_SPY})
        driver.get(stack.url + "/login")
        css(driver, "input[name=username]").send_keys("admin")
        css(driver, "input[name=password]").send_keys(PASSWORD)
        css(driver, "form button[type=submit]").click()
        arrived(driver, lambda url: url.rstrip("/") == stack.url)
        wait(driver, 15).until(lambda d: d.find_elements("css selector", ".reminder-alert"))
        alert = css(driver, ".reminder-alert")
        assert "Call Mr Li back" in alert.text and "Room 2" in alert.text
        assert "memo-high" in alert.get_attribute("class")
        shown = driver.execute_script("return window.shownNotifications")
        assert shown == ["Reminder: Call Mr Li back | " + alert.text.splitlines()[-1]]
        # Once: the memos page does not bring it again.
        driver.get(stack.url + "/memos")
        wait(driver, 10).until(lambda d: d.find_element(
            "css selector", "[data-notification-state]").text == "Notifications are allowed.")
        assert not css(driver, "[data-allow-notifications]").is_displayed()
        time.sleep(1)
        assert driver.execute_script("return window.shownNotifications") == []
        assert driver.find_elements("css selector", ".reminder-alert") == []
        # The presence selector goes in the background: the dot turns orange.
        from selenium.webdriver.support.ui import Select  # noqa: PLC0415

        Select(css(driver, "[data-presence-form] select")).select_by_value("away")
        wait(driver, 10).until(lambda d: "presence-away" in css(
            d, "[data-presence-dot]").get_attribute("class"))
        assert driver.current_url.endswith("/memos")
    finally:
        close_browser(driver)
