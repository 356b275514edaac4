"""The sales pages in real headless Chromium, against ``make run``'s stack: the report's
chart is drawn (light and dark) with no console error, and the pipeline, the order form
and the report fit a phone's width. Screenshots go to ``test-output/``."""

from __future__ import annotations

import time

import pytest

from bench.browser import Stack, close_browser
from firmware.config import ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.store.accounts import Accounts
from firmware.store.crm import Customers
from firmware.store.db import Store
from firmware.store.opportunities import Opportunities
from firmware.store.orders import LineDraft, Orders
from firmware.store.products import Products
from tests.support.required_tools import require_browser
from tests.test_web_browser import screenshot, wait
from tests.test_web_browser_dashboard import PASSWORD, console_errors, dark, signed_in
from webui import auth

SCENARIO = """
country = "CN"
lines = 1
seed = 9

# A long call keeps the office (and linerec run) going for the tests.
[[call]]
line = 1
at = 5.0
direction = "in"
number = "13800138000"
rings = 2
talk = 900.0
"""
DAY = 86400


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_browser()
    data_dir = tmp_path_factory.mktemp("browser-sales") / "data"
    DataFolder(data_dir).create()
    ConfigStore(data_dir).save(default_config(1))
    with Store(DataFolder(data_dir).database) as store:
        admin = Accounts(store).create_user("admin", auth.hash_password(PASSWORD), "super",
                                            language="en").id
        customers = [Customers(store).create({"name": f"Buyer {n}"}, [], admin)
                     for n in range(3)]
        pen = Products(store).create({"code": "PEN", "name": "Pen", "price_cents": 199,
                                      "low_stock": 5}, stock=500)
        for n in range(20):
            day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600 - n * DAY))
            Orders(store).place(customer_id=customers[n % 3], customer_name="Buyer",
                                operator_id=admin, ordered_on=day, payment="cash",
                                state="done", lines=[LineDraft(pen, 1 + n % 4)])
        for stage in ("lead", "proposal", "won"):
            Opportunities(store).create(customers[0], {"title": f"A {stage} deal",
                                                       "stage": stage, "amount_cents": 99900})
    running = Stack(SCENARIO, data_dir)
    yield running
    running.stop()


def canvases(driver) -> int:
    return driver.execute_script("return document.querySelectorAll('[data-chart] canvas').length")


def test_the_sales_report_draws_its_chart_in_light_and_dark(stack):
    driver = signed_in(stack)
    try:
        driver.get(stack.url + "/sales/report")
        wait(driver, 10).until(lambda d: canvases(d) == 1)
        assert driver.execute_script("return document.body.dataset.chartsDrawn") == "1"
        screenshot(driver, "60-sales-report")
        dark(driver)
        wait(driver, 5).until(lambda d: canvases(d) == 1)
        screenshot(driver, "61-sales-report-dark")
        assert console_errors(driver) == []
        dark(driver, False)
    finally:
        close_browser(driver)


@pytest.mark.parametrize("path", ["/sales", "/orders/new?customer=1", "/sales/report",
                                  "/products"])
def test_the_sales_pages_fit_a_phone(stack, path):
    driver = signed_in(stack, 390, 844)
    try:
        dark(driver)
        driver.get(stack.url + path)
        wait(driver, 10).until(lambda d: d.execute_script(
            "return document.readyState") == "complete")
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        screenshot(driver, "62-sales-phone-" + path.strip("/").split("?")[0].replace("/", "-"))
        assert console_errors(driver) == []
    finally:
        close_browser(driver)


def test_a_card_dragged_to_another_stage_moves_there(stack):
    driver = signed_in(stack)
    try:
        driver.get(stack.url + "/sales")
        card = 'article.opportunity-card[data-opportunity="1"]'
        assert driver.execute_script(
            f"return document.querySelector('{card}').closest('.stage').dataset.stage") == "lead"
        # HTML drag and drop as the browser fires it: dragstart, dragover, drop.
        driver.execute_script("""
            const card = document.querySelector(arguments[0]);
            const target = document.querySelector('.stage[data-stage="negotiation"]');
            const moving = new DataTransfer();
            card.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: moving}));
            target.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true,
                                                            dataTransfer: moving}));
            target.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true,
                                                        dataTransfer: moving}));
        """, card)
        wait(driver, 10).until(lambda d: d.execute_script(
            f"const c = document.querySelector('{card}');"
            "return c && c.closest('.stage').dataset.stage") == "negotiation")
        assert console_errors(driver) == []
    finally:
        close_browser(driver)
