"""Real browsers against the real stack: ``linerec run`` on a scripted office, headless Chromium.

For the web benchmark (``bench/web.py``) and the browser tests:

- ``Stack``: ``linerec run`` in a child process (engine, simulated office
  and web process, as ``make run`` starts them) on a data folder and a free
  port, with a listener on the engine's bus that notes when each event
  arrived (wall-clock time, comparable with the browser's ``Date.now()``);
  ``cue()`` makes the scenario's next call marked ``cue`` come, once the
  browser is ready for it.
- ``chromium()``: Debian's Chromium through chromium-driver (Selenium), a
  fresh profile, no network beyond the box; ``browser_missing()`` says why
  it cannot run here.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from firmware.link import contract
from firmware.link.bus import BusClient, BusError

PROJECT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
START_TIMEOUT_S = 90.0


def browser_missing() -> str | None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]
    if missing:
        return f"{' and '.join(missing)} missing (apt-get install chromium chromium-driver)"
    return None


class Stack:
    """``linerec run`` with ``scenario`` (a TOML text) on a fresh data folder."""

    def __init__(self, scenario: str, data_dir: Path, speed: float = 1.0) -> None:
        self.data_dir = data_dir
        self.scenario_file = data_dir.parent / f"{data_dir.name}-scenario.toml"
        self.scenario_file.write_text(scenario)
        self.events: list[tuple[float, dict]] = []  # (arrival, event) from the engine's bus
        self._events_changed = threading.Condition()
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "firmware", "run", "--data", str(data_dir),
                "--port", "0", "--speed", str(speed),
                "--scenario", str(self.scenario_file),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=PROJECT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.url = self._wait_for_url()
        self._listener = threading.Thread(target=self._listen, name="bus-listener", daemon=True)
        self._listener.start()

    def _wait_for_url(self) -> str:
        found: list[str] = []
        ready = threading.Event()

        def read() -> None:
            for line in self.process.stdout:
                self.output.append(line.rstrip())
                if "web UI at " in line and not found:
                    found.append(line.split("web UI at ")[1].split()[0])
                    ready.set()
            ready.set()

        threading.Thread(target=read, name="stack-output", daemon=True).start()
        ready.wait(START_TIMEOUT_S)
        if not found:
            self.stop()
            raise AssertionError("linerec run did not start:\n" + "\n".join(self.output[-30:]))
        return found[0].rstrip("/")

    def _listen(self) -> None:
        try:
            with BusClient(self.data_dir / "engine.sock", timeout=None) as client:
                for event in client.events():
                    with self._events_changed:
                        self.events.append((time.time(), event))
                        self._events_changed.notify_all()
        except (BusError, OSError, ValueError):
            return

    def wait_event(
        self, match: Callable[[contract.Event], bool], timeout: float = 60.0
    ) -> tuple[float, contract.Event]:
        """The first engine event ``match`` accepts, with its arrival time."""
        with self._events_changed:
            if not self._events_changed.wait_for(
                lambda: any(match(event) for _, event in self.events), timeout
            ):
                latest = [event for _, event in self.events[-5:]]
                raise AssertionError(f"no such engine event within {timeout} s; latest: {latest}")
            return next((at, event) for at, event in self.events if match(event))

    def cue(self) -> None:
        """The office's next cued call comes now (``linerec run`` takes SIGUSR1 for it)."""
        self.process.send_signal(signal.SIGUSR1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def chromium(width: int = 1280, height: int = 900, language: str = "en-US"):
    """Headless Chromium driven through chromium-driver."""
    from selenium import webdriver  # noqa: PLC0415 - selenium only once a browser is wanted
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    profile = tempfile.mkdtemp(prefix="linerec-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic", "--autoplay-policy=no-user-gesture-required",
        f"--window-size={width},{height}", f"--lang={language}", f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    if width < 500:  # a window is never narrower than 500 px: emulate the phone instead
        options.add_experimental_option(
            "mobileEmulation",
            {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0}},
        )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.linerec_profile = profile
    return driver


def arrived(driver, is_there: Callable[[str], bool], seconds: float = 60.0) -> None:
    """Waits until a navigation a click started has reached a page whose address
    ``is_there`` accepts, and that page is parsed. The address changes as soon as the
    new page is committed, before its document is read: looking for its elements on
    the address alone finds nothing now and then."""
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    WebDriverWait(driver, seconds, poll_frequency=0.05).until(
        lambda d: is_there(d.current_url)
        and d.execute_script("return document.readyState") != "loading"
    )


def close_browser(driver) -> None:
    try:
        driver.quit()
    finally:
        shutil.rmtree(driver.linerec_profile, ignore_errors=True)
