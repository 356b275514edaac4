"""Service tickets and campaigns in real headless Chromium, against ``make run``'s stack:
the comparison's bar chart is drawn (and drawn again in the dark look) with no console
error, and the pages fit a phone's 390 px. Screenshots go to ``test-output/``."""

from __future__ import annotations

import time

import pytest

from bench.browser import Stack, arrived, chromium, close_browser
from firmware.config import ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.store.accounts import Accounts
from firmware.store.campaigns import Campaigns
from firmware.store.crm import CustomerNumber, Customers
from firmware.store.db import Store
from firmware.store.scopes import EVERYTHING
from firmware.store.service import ServiceTickets
from tests.support.required_tools import require_browser
from tests.test_web_browser import css, screenshot, wait
from tests.test_web_browser_dashboard import console_errors, dark
from webui import auth

# One late call keeps ``linerec run`` going while the tests look at the pages.
SCENARIO = """
country = "CN"
lines = 1
seed = 4

[[call]]
line = 1
at = 600.0
direction = "in"
number = "13912345678"
rings = 2
talk = 5.0
"""
PASSWORD = "office-admin-2026"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_browser()
    data_dir = tmp_path_factory.mktemp("browser-service") / "data"
    DataFolder(data_dir).create()
    ConfigStore(data_dir).save(default_config(1))
    with Store(DataFolder(data_dir).database) as store:
        admin = Accounts(store).create_user(
            "admin", auth.hash_password(PASSWORD), "super",
            language="en").id
        customers = Customers(store)
        for index in range(12):
            number = f"139000000{index:02d}"
            customers.create({"name": f"Customer {index} with a rather long name",
                              "category": "VIP" if index % 2 else "Retail"},
                             [CustomerNumber(number, "+86" + number)], admin)
        campaigns = Campaigns(store)
        for name, groups in (("Spring sale for our best customers", ["VIP"]),
                             ("Retail week", ["Retail"]), ("Everyone", ["VIP", "Retail"])):
            campaign = campaigns.create(name, "2026-01-01", "2026-01-31", groups=groups)
            campaigns.refresh_targets(campaign, EVERYTHING)
        first = customers.search(EVERYTHING, limit=1)[0].id
        tickets = ServiceTickets(store)
        tickets.open(first, kind="complaint", subject="The handset hums on every call",
                     text="A long description " * 20, priority="urgent",
                     assignee_id=admin, due_at=time.time() - 3600)
    running = Stack(SCENARIO, data_dir)
    yield running
    running.stop()


def signed_in(stack, width: int = 1280, height: int = 900):
    driver = chromium(width=width, height=height)
    driver.get(stack.url + "/login")
    css(driver, "input[name=username]").send_keys("admin")
    css(driver, "input[name=password]").send_keys(PASSWORD)
    css(driver, "form button[type=submit]").click()
    arrived(driver, lambda url: url.rstrip("/") == stack.url)
    return driver


def bars_drawn(driver) -> int:
    return driver.execute_script(
        "return document.querySelectorAll('[data-chart=campaigns] canvas').length")


def test_the_comparison_draws_its_bars_in_light_and_dark(stack):
    driver = signed_in(stack)
    try:
        driver.get(stack.url + "/campaigns/compare")
        wait(driver, 10).until(lambda d: bars_drawn(d) == 1)
        assert driver.execute_script("return document.body.dataset.chartsDrawn") == "1"
        legend = css(driver, "[data-chart=campaigns] .u-legend").text
        assert "Target customers" in legend and "Interested" in legend
        screenshot(driver, "60-campaigns-compare")
        dark(driver)
        wait(driver, 5).until(lambda d: bars_drawn(d) == 1)
        screenshot(driver, "61-campaigns-compare-dark")
        assert console_errors(driver) == []
        dark(driver, False)
    finally:
        close_browser(driver)


def test_the_pages_fit_a_phone(stack):
    driver = signed_in(stack, 390, 844)
    try:
        for path, name in (("/campaigns/compare", "62-campaigns-phone"),
                           ("/service?view=all", "63-service-phone"),
                           ("/service/1", "64-ticket-phone"), ("/campaigns", "65-campaigns-phone")):
            driver.get(stack.url + path)
            if path.startswith("/campaigns/compare"):
                wait(driver, 10).until(lambda d: bars_drawn(d) == 1)
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
            if name:
                screenshot(driver, name)
        driver.get(stack.url + "/service?view=all")
        assert driver.find_elements("css selector", "tr.overdue")
        assert console_errors(driver) == []
    finally:
        close_browser(driver)
