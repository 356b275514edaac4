"""The dashboard, the wallboard, the reports, the menu and file transfers in real headless
Chromium, against ``make run``'s stack on a scripted office with a month of calls in its log.

The dashboard follows a call live: the line is busy while it rings, and the
day's incoming calls count it once it is logged. The reports draw their four
charts and the busiest hours with no console error, in light and in dark
(``prefers-color-scheme`` emulated), on a wide screen and a phone's.
The menu's groups open one at a time, on a wide screen and a phone's. An import sent
and an export received over a slow network (emulated) show how far they got, and end as
they would without the page's script: the import's result page, the file saved.
Screenshots go to ``test-output/``.
"""

from __future__ import annotations

import random
import time

import pytest

from bench.browser import Stack, arrived, chromium, close_browser
from firmware.config import ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.link import contract
from firmware.store.accounts import Accounts
from firmware.store.db import Store
from tests.support.required_tools import require_browser
from tests.test_web_browser import css, screenshot, wait
from webui import auth

SCENARIO = """
country = "CN"
lines = 2
seed = 8

# The call comes when the test cues it, once the dashboard is open.
[[call]]
line = 1
at = 5.0
direction = "in"
number = "13912345678"
rings = 2
talk = 3.0
cue = true

# A long call on line 2 keeps the office (and linerec run) going for the tests after.
[[call]]
line = 2
at = 90.0
direction = "in"
number = "13800138000"
rings = 2
talk = 900.0
"""
PASSWORD = "office-admin-2026"
LOGGED_DAYS = 30


def log_a_month(store: Store, now: float) -> int:
    """Calls of the last month, as the engine would have logged them."""
    rng = random.Random(3)
    rows = []
    for day in range(1, LOGGED_DAYS + 1):
        for _ in range(rng.randint(20, 40)):
            start = now - day * 86400 + rng.uniform(-4 * 3600, 4 * 3600)
            answered = rng.random() < 0.8
            ring, talk = rng.uniform(3, 20), rng.uniform(20, 400)
            rows.append((rng.randint(1, 2), "in", "answered" if answered else "missed", start,
                         start + ring if answered else None, talk if answered else 0.0,
                         rng.choice([1, 2, 3, None]) if answered else None))
    with store.transaction() as connection:
        connection.executemany(
            "INSERT INTO calls (line, direction, outcome, started_at, answered_at, duration_s, "
            "survey) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_browser()
    data_dir = tmp_path_factory.mktemp("browser-dashboard") / "data"
    DataFolder(data_dir).create()
    ConfigStore(data_dir).save(default_config(2))
    with Store(DataFolder(data_dir).database) as store:
        accounts = Accounts(store)
        hashed = auth.hash_password(PASSWORD)
        accounts.create_user("admin", hashed, "super", language="en")
        accounts.create_user("wang", hashed, "operator", language="zh-CN", lines=frozenset({1}),
                             display_name="王芳")
        log_a_month(store, time.time())
    running = Stack(SCENARIO, data_dir)
    yield running
    running.stop()


def signed_in(stack, width: int = 1280, height: int = 900, username: str = "admin"):
    driver = chromium(width=width, height=height)
    driver.get(stack.url + "/login")
    css(driver, "input[name=username]").send_keys(username)
    css(driver, "input[name=password]").send_keys(PASSWORD)
    css(driver, "form button[type=submit]").click()
    arrived(driver, lambda url: url.rstrip("/") == stack.url)  # the dashboard
    return driver


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def dark(driver, on: bool = True) -> None:
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-color-scheme", "value": "dark" if on else "light"}]})


def background(driver, selector: str) -> tuple[int, ...]:
    colour = driver.execute_script(
        "return getComputedStyle(document.querySelector(arguments[0])).backgroundColor",
        selector)
    return tuple(int(part) for part in colour[colour.index("(") + 1:-1].split(",")[:3])


def figure(driver, name: str) -> str:
    return css(driver, f'[data-figure="{name}"]').text


def test_the_dashboard_follows_a_call_live(stack):
    driver = signed_in(stack)
    try:
        wait(driver, 10).until(lambda d: d.execute_script("return window.linerec.streamReady"))
        before = int(figure(driver, "calls_in"))
        assert css(driver, "[data-busy]").text == "0"
        screenshot(driver, "20-dashboard")
        # The call rings: the line is busy, without the page being loaded again.
        stack.cue()
        wait(driver, 30).until(lambda d: css(d, "[data-busy]").text == "1")
        chip = css(driver, '[data-line-state="1"]')
        assert "state-ringing" in chip.get_attribute("class") and "Ringing" in chip.text
        stack.wait_event(lambda e: isinstance(e, contract.CallStarted) and e.line == 1)
        wait(driver, 15).until(lambda d: int(figure(d, "calls_in")) == before + 1)
        stack.wait_event(lambda e: isinstance(e, contract.CallEnded) and e.line == 1, 60)
        wait(driver, 15).until(lambda d: "state-idle" in css(d, '[data-line-state="1"]')
                               .get_attribute("class"))
        assert driver.execute_script(
            "return performance.getEntriesByType('navigation').length") == 1
        assert console_errors(driver) == []
        # The wallboard: dark whatever the system says, no menu, the same figures.
        driver.get(stack.url + "/wallboard")
        assert not driver.find_elements("css selector", "nav.menu")
        assert max(background(driver, "body")) < 40
        assert int(figure(driver, "calls_in")) == before + 1
        wait(driver, 5).until(lambda d: css(d, "[data-clock]").text != "")
        screenshot(driver, "21-wallboard")
        assert console_errors(driver) == []
    finally:
        close_browser(driver)


def charts_drawn(driver) -> int:
    return driver.execute_script(
        "return document.querySelectorAll('[data-chart] canvas').length")


def test_reports_draw_their_charts_in_light_and_dark(stack):
    driver = signed_in(stack)
    try:
        driver.get(stack.url + "/reports")
        wait(driver, 10).until(lambda d: charts_drawn(d) == 4)
        assert driver.execute_script("return document.body.dataset.chartsDrawn") == "4"
        heat = driver.find_elements("css selector", "table.heat-wide td[class^=heat-]")
        assert len(heat) == 7 * 24 and any(
            cell.get_attribute("class") != "heat-0" for cell in heat)
        legend = css(driver, '[data-chart="answered"] .u-legend').text
        assert "Answered" in legend and "Missed" in legend
        light = background(driver, ".chart-panel")
        screenshot(driver, "22-reports")
        dark(driver)
        wait(driver, 5).until(lambda d: max(background(d, ".chart-panel")) < 60)
        assert light != background(driver, ".chart-panel")
        assert charts_drawn(driver) == 4  # drawn again in the dark look's colours
        screenshot(driver, "23-reports-dark")
        driver.get(stack.url + "/reports?per=week&by=line")
        wait(driver, 10).until(lambda d: charts_drawn(d) == 4)
        assert max(background(driver, "body")) < 40
        assert console_errors(driver) == []
        dark(driver, False)
    finally:
        close_browser(driver)


def test_the_pages_on_a_phone_in_chinese(stack):
    driver = signed_in(stack, 390, 844, username="wang")
    try:
        assert "今天" in driver.page_source
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390
        screenshot(driver, "24-dashboard-phone-zh")
        # An operator without the reports permission is refused on the server.
        driver.get(stack.url + "/reports")
        assert "您没有此操作的权限" in driver.page_source
    finally:
        close_browser(driver)
    driver = signed_in(stack, 390, 844)
    try:
        dark(driver)
        driver.get(stack.url + "/reports")
        wait(driver, 10).until(lambda d: charts_drawn(d) == 4)
        widths = driver.execute_script(
            "return [document.documentElement.scrollWidth,"
            " ...[...document.querySelectorAll('[data-chart] canvas')]"
            ".map(c => c.getBoundingClientRect().right)]")
        assert all(width <= 390 for width in widths), widths
        assert css(driver, "table.heat-narrow").is_displayed()
        assert not css(driver, "table.heat-wide").is_displayed()
        screenshot(driver, "25-reports-phone-dark")
        assert console_errors(driver) == []
    finally:
        close_browser(driver)


def test_the_menu_opens_one_group_at_a_time(stack):
    driver = signed_in(stack)
    try:
        groups = driver.find_elements("css selector", "nav.menu details.menu-group")
        names = [group.find_element("css selector", "summary").text for group in groups]
        assert names == ["Calls", "Outbound", "Box"] or names[:1] == ["Calls"], names
        calls, box = groups[0], groups[-1]
        assert not css(driver, 'a[href="/reports"]').is_displayed()
        calls.find_element("css selector", "summary").click()
        assert css(driver, 'a[href="/reports"]').is_displayed()
        box.find_element("css selector", "summary").click()
        assert box.get_attribute("open") and not calls.get_attribute("open")
        screenshot(driver, "26-menu-open")
        css(driver, "h1").click()  # a click elsewhere closes it
        assert not box.get_attribute("open")
        calls.find_element("css selector", "summary").click()
        css(driver, 'a[href="/reports"]').click()
        arrived(driver, lambda url: url.endswith("/reports"))
        current = css(driver, "details.menu-group[data-current] summary").text
        assert current == "Calls"
        # The whole menu sits on one row of the bar at 1280 px.
        tops = driver.execute_script(
            "return [...document.querySelectorAll('nav.menu > a, nav.menu > details')]"
            ".map(e => Math.round(e.getBoundingClientRect().top))")
        assert len(set(tops)) == 1, tops
    finally:
        close_browser(driver)
    driver = signed_in(stack, 390, 844)
    try:
        assert not css(driver, "nav.menu").is_displayed()
        css(driver, "label.menu-button").click()
        calls = css(driver, "nav.menu details.menu-group")
        calls.find_element("css selector", "summary").click()
        link = css(driver, 'a[href="/reports"]')
        assert link.is_displayed()
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
        screenshot(driver, "27-menu-phone")
        link.click()
        arrived(driver, lambda url: url.endswith("/reports"))
    finally:
        close_browser(driver)


def slow_network(driver, kilobytes_per_s: int) -> None:
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 20, "downloadThroughput": kilobytes_per_s * 1024,
        "uploadThroughput": kilobytes_per_s * 1024})


def transfer(driver, kind: str) -> dict | None:
    return driver.execute_script(
        "return (window.linerec.transfers || []).filter(t => t.kind === arguments[0]).pop()",
        kind)


def test_an_import_and_an_export_show_how_far_they_got(stack, tmp_path):
    from openpyxl import load_workbook  # noqa: PLC0415

    count = 3000
    rows = ["Name,Company,Numbers,Notes"] + [
        f"Customer {n:05d},Company {n % 97},1391{n:07d},{'a long note ' * 4}"
        for n in range(count)]
    sheet = tmp_path / "customers.csv"
    sheet.write_text("\n".join(rows) + "\n")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = signed_in(stack)
    try:
        driver.get(stack.url + "/customers/import")
        slow_network(driver, 64)  # about 3 s for the file's 200 KB
        css(driver, "input[type=file]").send_keys(str(sheet))
        css(driver, "form[action='/customers/import'] button[type=submit]").click()
        wait(driver, 10).until(lambda d: css(d, "#transfer").is_displayed())
        assert "Sending customers.csv" in css(driver, "#transfer").text
        screenshot(driver, "28-import-progress")
        wait(driver, 120).until(lambda d: (transfer(d, "import") or {}).get("steps", [{}])[-1]
                                .get("stage") == "done")
        stages = [step["stage"] for step in transfer(driver, "import")["steps"]]
        assert stages[0] == "sending" and "working" in stages and stages[-1] == "done"
        assert f"{count:,} customers were imported." in css(driver, "main").text
        assert not css(driver, "#transfer").is_displayed()
        # The export: made by the box, then received over the slow network, then saved.
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {
            "behavior": "allow", "downloadPath": str(downloads)})
        driver.get(stack.url + "/customers")
        slow_network(driver, 32)
        css(driver, 'a[href^="/customers.xlsx"]').click()
        wait(driver, 30).until(lambda d: "Receiving the file" in css(d, "#transfer").text)
        screenshot(driver, "29-export-progress")
        wait(driver, 60).until(lambda d: list(downloads.glob("*.xlsx")))
        (saved,) = downloads.glob("*.xlsx")
        assert saved.name.startswith("customers")
        book = load_workbook(saved, read_only=True)
        names = {row[0] for row in book.active.iter_rows(min_row=2, values_only=True)}
        assert {f"Customer {n:05d}" for n in range(count)} <= names
        stages = [step["stage"] for step in transfer(driver, "export")["steps"]]
        assert stages[0] == "preparing" and "receiving" in stages and stages[-1] == "done"
        assert console_errors(driver) == []
    finally:
        close_browser(driver)


# The pages of the CRM, each with whether an operator without any flag may open it.
CRM_PAGES = (
    ("/memos", True), ("/knowledge", True), ("/quality", True), ("/quality/mine", True),
    ("/quality/templates", False), ("/quality/results", False), ("/service", False),
    ("/campaigns", False), ("/campaigns/compare", False), ("/sales", False),
    ("/orders", False), ("/products", False), ("/sales/report", False),
    ("/admin/fields", False), ("/admin/dictionary", False), ("/reports", False),
)


def status_of(driver) -> int:
    return driver.execute_script(
        "return performance.getEntriesByType('navigation')[0].responseStatus")


def test_the_crm_pages_by_direct_address_for_each_role(stack):
    """Every page of the CRM, opened by its address in the browser: a super user reads
    each, whole at a phone's width, with no script error; an operator without flags is
    refused on the box what their role does not give them."""
    driver = signed_in(stack, 390, 844)
    try:
        for path, _ in CRM_PAGES:
            driver.get(stack.url + path)
            assert status_of(driver) == 200, path
            assert css(driver, "main h1").text, path
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
        assert console_errors(driver) == []
    finally:
        close_browser(driver)
    driver = signed_in(stack, username="wang")
    try:
        for path, allowed in CRM_PAGES:
            driver.get(stack.url + path)
            if allowed:
                assert status_of(driver) == 200, path
            else:
                assert status_of(driver) in (403, 404), path
                assert "您没有此操作的权限" in css(driver, "main").text or \
                    status_of(driver) == 404, path
        # The refusals themselves are the only errors the browser noted.
        assert [error for error in console_errors(driver)
                if "status of 403" not in error and "status of 404" not in error] == []
    finally:
        close_browser(driver)
