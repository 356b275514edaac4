"""Quality inspection in real headless Chromium: the inspector's page puts the player
beside the scoring form on a wide screen and above it on a phone, and the results draw
their chart (static/quality.js) in light and dark with no console error. The web app
alone is served (an office of calls from ``tests.calls_box``): no engine is needed.
Screenshots go to ``test-output/``.
"""

from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from bench.browser import arrived, chromium, close_browser
from firmware.store.quality import ItemDraft, Quality, Rule
from tests.calls_box import T0, make_office
from tests.support.required_tools import require_browser
from tests.test_web_browser import css, screenshot, wait
from tests.web_client import PASSWORD

NOW = T0 + 12 * 3600
DAYS = "from=2026-01-01&to=2026-01-31"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # the test's output stays readable
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    require_browser()
    office = make_office(tmp_path_factory.mktemp("browser-quality"), clock=lambda: NOW)
    quality = Quality(office.deps.store)
    template = quality.add_template("Phone manner", [ItemDraft("Greeting", 1, 5),
                                                     ItemDraft("Solution", 3, 10)],
                                    by=None, now=NOW)
    operators = frozenset({office.ids["ana"], office.ids["cai"]})
    task = quality.create_task("January", template, Rule(operators, T0 - 8 * 3600,
                                                         T0 + 16 * 3600, 100),
                               day_from="2026-01-01", day_to="2026-01-01",
                               inspector_ids=[office.ids["boss"]], group_id=None, by=None,
                               now=NOW, seed="s")
    items = quality.template(template).items
    samples = quality.samples(task)
    for index, sample in enumerate(samples[1:]):
        quality.score(sample.id, {items[0].id: index % 6, items[1].id: 10 - index},
                      "ok", inspector_id=office.ids["boss"], inspector_name="boss", now=NOW)
    server = make_server("127.0.0.1", 0, office.box.app, server_class=_Server,
                         handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", samples[0].id
    server.shutdown()
    office.box.close()


def signed_in(url: str, width: int = 1280, height: int = 900):
    driver = chromium(width=width, height=height)
    driver.get(url + "/login")
    css(driver, "input[name=username]").send_keys("boss")
    css(driver, "input[name=password]").send_keys(PASSWORD)
    css(driver, "form button[type=submit]").click()
    arrived(driver, lambda address: "/login" not in address)
    return driver


def dark(driver, on: bool = True) -> None:
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-color-scheme", "value": "dark" if on else "light"}]})


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def boxes(driver) -> dict:
    return driver.execute_script(
        "const r = (s) => document.querySelector(s).getBoundingClientRect();"
        "return {call: r('.quality-call'), scoring: r('.quality-scoring'),"
        " width: document.documentElement.scrollWidth};")


def chart_drawn(driver) -> bool:
    return driver.execute_script(
        "return document.querySelectorAll('[data-quality-chart] canvas').length") == 1


def test_the_inspectors_page_and_the_results_on_a_wide_screen(served):
    url, sample_id = served
    driver = signed_in(url)
    try:
        driver.get(f"{url}/quality/samples/{sample_id}")
        placed = boxes(driver)
        assert placed["scoring"]["left"] >= placed["call"]["right"] - 1  # side by side
        assert abs(placed["scoring"]["top"] - placed["call"]["top"]) < 2
        assert css(driver, "audio.player").get_attribute("src").endswith(
            f"/quality/samples/{sample_id}/audio")
        screenshot(driver, "60-quality-sample")
        driver.get(f"{url}/quality/results?{DAYS}")
        wait(driver, 10).until(chart_drawn)
        legend = css(driver, "[data-quality-chart] .u-legend").text
        assert "ana" in legend and "cai" in legend
        screenshot(driver, "61-quality-results")
        dark(driver)
        wait(driver, 5).until(lambda d: d.execute_script(
            "return getComputedStyle(document.body).backgroundColor") != "rgb(243, 245, 248)")
        assert chart_drawn(driver)  # drawn again in the dark look's colours
        screenshot(driver, "62-quality-results-dark")
        assert console_errors(driver) == []
        dark(driver, False)
    finally:
        close_browser(driver)


def test_the_inspectors_page_on_a_phone_in_dark(served):
    url, sample_id = served
    driver = signed_in(url, 390, 844)
    try:
        dark(driver)
        driver.get(f"{url}/quality/samples/{sample_id}")
        placed = boxes(driver)
        assert placed["scoring"]["top"] >= placed["call"]["bottom"] - 1  # stacked
        assert placed["width"] <= 390
        screenshot(driver, "63-quality-sample-phone-dark")
        driver.get(f"{url}/quality/results?{DAYS}")
        wait(driver, 10).until(chart_drawn)
        right = driver.execute_script(
            "return document.querySelector('[data-quality-chart] canvas')"
            ".getBoundingClientRect().right")
        assert right <= 390
        assert console_errors(driver) == []
    finally:
        close_browser(driver)
