"""The web UI in real headless Chromium against ``make run``'s stack on a scripted office.

One scripted office plays while the browser works: a caller rings line 1,
is answered and hangs up; later the same caller rings again, on line 2. Each
call comes when the browser is ready for it (the office holds it until the
test cues it, as a person would wait for the phone to ring). The browser
sets up the box, watches the call ring on the live page, gets the caller's
card within a second of the caller-ID event, adds the unknown caller as a
customer with a note, and on the second call sees the card with that
customer and saves another note; then it finds the first call in the call
log and plays its recording, seeking in it. Screenshots go to
``test-output/``.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from bench.browser import Stack, arrived, chromium, close_browser
from firmware.link import contract
from tests.support.required_tools import require_browser

OUTPUT = Path(__file__).resolve().parents[1] / "test-output"

CALLER = "13912345678"
POP_LATENCY_LIMIT_S = 1.0
SCENARIO = f"""
country = "CN"
lines = 4
seed = 11

# Both calls come when the test cues them: the first once the live page is
# open, the second once the first is over (line 2 gets to its hold after line 1).
[[call]]
line = 1
at = 6.0
direction = "in"
number = "{CALLER}"
name = "LI SI"
rings = 2
talk = 8.0
cue = true

[[call]]
line = 2
at = 8.0
direction = "in"
number = "{CALLER}"
name = "LI SI"
rings = 2
talk = 6.0
cue = true

# A long call on line 4 keeps the office (and linerec run) going while the tests
# that follow look at the log and the recordings.
[[call]]
line = 4
at = 70.0
direction = "in"
number = "13800138000"
rings = 2
talk = 1200.0
"""
PASSWORD = "office-admin-2026"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_browser()
    running = Stack(SCENARIO, tmp_path_factory.mktemp("browser") / "data")
    yield running
    if running.process.poll() is not None:
        print("linerec run ended early:\n" + "\n".join(running.output[-40:]))
    running.stop()


@pytest.fixture(scope="module")
def browser(stack):
    driver = chromium()
    yield driver
    close_browser(driver)


def screenshot(driver, name: str) -> Path:
    """A PNG in ``test-output/`` for people to look at."""
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def wait(driver, seconds=60):
    """Waits that look again when the element they read was just replaced (cards are)."""
    from selenium.common.exceptions import (  # noqa: PLC0415
        NoSuchElementException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    return WebDriverWait(
        driver,
        seconds,
        poll_frequency=0.05,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    )


def css(driver, selector):
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    return driver.find_element(By.CSS_SELECTOR, selector)


def in_card(driver, call_id: int, selector: str, act):
    """``act`` on the element at ``selector`` in the call's card, found afresh: the card's
    live parts are replaced as the call's events come, so a found element can go stale
    before it is used (nothing was done to it then, so it is safe to look again)."""
    from selenium.common.exceptions import StaleElementReferenceException  # noqa: PLC0415

    for _ in range(20):
        try:
            return act(css(driver, f'.pop-card[data-call="{call_id}"] {selector}'.strip()))
        except StaleElementReferenceException:
            time.sleep(0.05)
    raise AssertionError(f"the card of call {call_id} kept changing under {selector!r}")


def pop_shown_at(driver, call_id: int, event: str) -> float | None:
    pops = driver.execute_script("return window.linerec.pops")
    times = [p["shownAt"] for p in pops if p["call_id"] == call_id and p["event"] == event]
    return min(times) / 1000 if times else None


def card_stays_clear_then_closes_after_its_call(stack, browser, call_id: int) -> None:
    """The card stacks beside the page, never over it: the live board's lines stay clear."""
    overlap = browser.execute_script(
        "const pops = document.getElementById('pops').getBoundingClientRect();"
        "return [...document.querySelectorAll('main *')].some(e => {"
        "  const r = e.getBoundingClientRect();"
        "  return r.width && r.right > pops.left + 1 && r.bottom > pops.top"
        "    && r.top < pops.bottom; });"
    )
    assert not overlap, "the caller's card covers the page"
    # Narrowed to a phone's width (a tablet turned), the cards become the sheet at the
    # bottom that leaves most of the page in view; widened again, the column comes back.
    size = browser.get_window_size()
    browser.set_window_size(390, 844)
    sheet = "const p = document.getElementById('pops').getBoundingClientRect();" \
            "return [p.top / innerHeight, p.height / innerHeight];"
    wait(browser, 5).until(lambda d: d.execute_script(sheet)[1] <= 0.56)
    assert browser.execute_script(sheet)[0] >= 0.4
    browser.set_window_size(size["width"], size["height"])
    wait(browser, 5).until(lambda d: d.execute_script(sheet)[0] < 0.2)
    # In another tab the user asks for cards to close 2 s after the call; when the
    # call ends, the card says so and then goes by itself.
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(stack.url + "/account")
    seconds = css(browser, "form[action='/account/pop'] input[name=close_after_s]")
    seconds.clear()
    seconds.send_keys("2")
    css(browser, "form[action='/account/pop'] button[type=submit]").click()
    arrived(browser, lambda url: "saved=pop" in url, 10)
    browser.close()
    browser.switch_to.window(first)
    wait(browser, 60).until(
        lambda d: "ended" in css(d, f'.pop-card[data-call="{call_id}"]').get_attribute("class")
    )
    assert "Call ended" in in_card(browser, call_id, ".pop-state", lambda e: e.text)
    wait(browser, 10).until(
        lambda d: not d.find_elements("css selector", f'.pop-card[data-call="{call_id}"]')
    )


def caller_rings_again(stack, first_id: int) -> tuple[float, contract.CallerIdKnown]:
    """Once the first call is over, the second comes (on line 2): its caller-ID event."""
    stack.wait_event(lambda e: isinstance(e, contract.CallEnded) and e.call_id == first_id)
    stack.cue()
    return stack.wait_event(lambda e: isinstance(e, contract.CallerIdKnown) and e.line == 2)


def test_set_up_then_a_call_rings_pops_and_takes_notes(stack, browser):
    from selenium.webdriver.support.ui import Select  # noqa: PLC0415

    browser.get(stack.url + "/")
    arrived(browser, lambda url: url.endswith("/setup"))
    screenshot(browser, "01-setup")
    css(browser, "input[name=username]").clear()
    css(browser, "input[name=username]").send_keys("admin")
    css(browser, "input[name=password]").send_keys(PASSWORD)
    css(browser, "input[name=password_again]").send_keys(PASSWORD)
    Select(css(browser, "select[name=language]")).select_by_value("en")
    css(browser, "form button[type=submit]").click()
    # Then the box itself: country, time zone, line interface, and where it records.
    arrived(browser, lambda url: url.endswith("/setup/box"))
    assert "Recordings and the database are kept in" in browser.page_source
    Select(css(browser, "select[name=time_zone]")).select_by_value("Asia/Shanghai")
    screenshot(browser, "01b-setup-box")
    css(browser, "form[action='/setup/box'] button[type=submit]").click()
    arrived(browser, lambda url: url.endswith("/live"))
    assert "Live lines" in browser.page_source
    wait(browser, 10).until(lambda d: d.execute_script("return window.linerec.streamReady"))

    # The first call rings on the live page.
    stack.cue()
    wait(browser).until(lambda d: "state-ringing" in css(d, '.line[data-line="1"]')
                        .get_attribute("class"))
    screenshot(browser, "02-live-ringing")

    # The caller's card pops within a second of the caller-ID event.
    caller_at, caller_id = stack.wait_event(
        lambda e: isinstance(e, contract.CallerIdKnown) and e.line == 1
    )
    call_id = caller_id.call_id
    wait(browser, 10).until(lambda d: pop_shown_at(d, call_id, "caller_id") is not None)
    latency = pop_shown_at(browser, call_id, "caller_id") - caller_at
    print(f"\nscreen pop {latency * 1000:.0f} ms after the caller-ID event")
    assert latency < POP_LATENCY_LIMIT_S
    assert CALLER in in_card(browser, call_id, "", lambda card: card.text)
    screenshot(browser, "03-pop-unknown-caller")

    # An unknown caller: added from the card, with a note.
    in_card(browser, call_id, "input[name=name]", lambda e: e.send_keys("Li Si"))
    in_card(browser, call_id, "input[name=company]", lambda e: e.send_keys("Changzhou Trading"))
    in_card(browser, call_id, "textarea[name=text]",
            lambda e: e.send_keys("First call: asked for a price list"))
    in_card(browser, call_id, ".quick-add button[type=submit]", lambda e: e.click())
    wait(browser, 10).until(
        lambda d: "Li Si" in css(d, f'.pop-card[data-call="{call_id}"]').text
    )
    screenshot(browser, "04-pop-customer-added")

    # The second call, once the first is over: the card knows the customer and the first note.
    second_at, second = caller_rings_again(stack, call_id)
    second_id = second.call_id
    wait(browser, 10).until(lambda d: pop_shown_at(d, second_id, "caller_id") is not None)
    assert pop_shown_at(browser, second_id, "caller_id") - second_at < POP_LATENCY_LIMIT_S
    card_text = in_card(browser, second_id, "", lambda card: card.text)
    assert "Li Si" in card_text and "Changzhou Trading" in card_text
    assert "asked for a price list" in card_text
    in_card(browser, second_id, ".pop-note textarea[name=text]",
            lambda e: e.send_keys("Second call: sent the price list"))
    in_card(browser, second_id, ".pop-note button[type=submit]", lambda e: e.click())
    wait(browser, 10).until(
        lambda d: "Note saved" in css(d, f'.pop-card[data-call="{second_id}"] .pop-note').text
    )
    screenshot(browser, "05-pop-known-customer")

    card_stays_clear_then_closes_after_its_call(stack, browser, second_id)

    with sqlite3.connect(stack.data_dir / "linerec.db") as database:
        notes = database.execute(
            "SELECT call_id, text FROM contacts ORDER BY id"
        ).fetchall()
    assert notes == [
        (call_id, "First call: asked for a price list"),
        (second_id, "Second call: sent the price list"),
    ]


def test_the_live_page_on_a_phone(stack):
    driver = chromium(width=390, height=844)
    try:
        driver.get(stack.url + "/login?next=/live")  # the dashboard is where one lands
        css(driver, "input[name=username]").send_keys("admin")
        css(driver, "input[name=password]").send_keys(PASSWORD)
        css(driver, "form button[type=submit]").click()
        arrived(driver, lambda url: url.endswith("/live"))
        # The menu folds away on a narrow screen; the line cards stack up.
        assert not css(driver, "nav.menu").is_displayed()
        cards = driver.execute_script(
            "return [...document.querySelectorAll('.line')].map(c => c.getBoundingClientRect().x)"
        )
        assert len(cards) == 4 and len(set(round(x) for x in cards)) == 1
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390  # nothing sticks out sideways
        screenshot(driver, "06-live-phone")
    finally:
        close_browser(driver)


def test_the_call_is_in_the_log_and_its_recording_plays(stack, browser):
    """After the first test: the first call, found in the log, plays from its recording."""
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    _, first = stack.wait_event(lambda e: isinstance(e, contract.CallerIdKnown) and e.line == 1)
    stack.wait_event(
        lambda e: isinstance(e, contract.RecordingStopped) and e.call_id == first.call_id
    )
    browser.get(stack.url + f"/calls?number={CALLER[3:9]}")
    row = css(browser, f'tr[data-call="{first.call_id}"]')
    assert CALLER in row.text and "Li Si" in row.text  # the customer added from the card
    screenshot(browser, "07-call-log")
    row.find_element(By.CSS_SELECTOR, "a.recording-link").click()
    arrived(browser, lambda url: "/recordings/" in url, 10)
    player = css(browser, "audio.player")
    browser.execute_script("arguments[0].muted = true; arguments[0].play();", player)
    wait(browser, 10).until(
        lambda d: d.execute_script("return arguments[0].currentTime", player) > 0.5
    )
    duration = browser.execute_script("return arguments[0].duration", player)
    assert 6.0 < duration < 12.0  # the call's talk, about 8 s
    # Seeking asks the box for a byte range of the file.
    browser.execute_script("arguments[0].currentTime = arguments[0].duration - 2;", player)
    wait(browser, 10).until(
        lambda d: d.execute_script("return arguments[0].currentTime", player) > duration - 2
    )
    screenshot(browser, "08-recording")
    with sqlite3.connect(stack.data_dir / "linerec.db") as database:
        listens = database.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'listen'"
        ).fetchone()
    assert listens == (1,)


def test_a_recording_compressed_to_opus_plays_in_the_browser(stack, browser):
    """After the call: its recording compressed to Ogg Opus (as the archive worker does),
    played and sought in Chromium, which gets the Ogg file itself by byte ranges."""
    from firmware.archive.opus import OpusSettings  # noqa: PLC0415
    from firmware.archive.transcode import transcode  # noqa: PLC0415
    from firmware.store.db import Store  # noqa: PLC0415

    _, first = stack.wait_event(lambda e: isinstance(e, contract.CallerIdKnown) and e.line == 1)
    stack.wait_event(
        lambda e: isinstance(e, contract.RecordingStopped) and e.call_id == first.call_id
    )
    with Store(stack.data_dir / "linerec.db") as store:
        (row,) = [r for r in store.recordings() if r.call_id == first.call_id]
        if row.stored_format == "wav":
            transcode(store, stack.data_dir / "recordings", row, "standard", OpusSettings(10.0))
        row = store.recording(row.id)
    assert row.path.endswith(".opus")
    browser.get(stack.url + f"/recordings/{row.id}")
    assert "Download as stored (Ogg Opus)" in browser.page_source
    player = css(browser, "audio.player")
    browser.execute_script("arguments[0].muted = true; arguments[0].play();", player)
    wait(browser, 10).until(
        lambda d: d.execute_script("return arguments[0].readyState", player) >= 2
    )
    wait(browser, 10).until(
        lambda d: d.execute_script("return arguments[0].currentTime", player) > 0.5
    )
    duration = browser.execute_script("return arguments[0].duration", player)
    assert abs(duration - row.samples / 8000) < 0.1, duration
    browser.execute_script("arguments[0].currentTime = arguments[0].duration - 2;", player)
    wait(browser, 10).until(
        lambda d: d.execute_script("return arguments[0].currentTime", player) > duration - 2
    )
    assert browser.execute_script("return arguments[0].error", player) is None
    screenshot(browser, "09-recording-opus")
