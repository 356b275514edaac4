"""The web UI's figures: the screen pop's latency, and the engine while the web UI is busy.

``python -m bench.web`` prints:

- the screen pop's latency: from the caller-ID event on the engine's bus to
  the caller's card shown in headless Chromium, over a scripted office's
  calls (target: median under 300 ms);
- frames the engine lost while 8 lines play calls like real sound cards
  and, in the web process beside it, 50 browsers hold the live page open
  and the call log takes 20 requests a second (target: none).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.browser import Stack, browser_missing, chromium, close_browser
from bench.harness import Bench
from firmware.cli.processes import start_web, stop_web
from firmware.config import ConfigStore, default_config
from firmware.link import contract
from firmware.store.accounts import Accounts
from firmware.store.db import Store

PASSWORD = "bench-password-1"
POP_CALLS = 16
FIRST_CALL_S = 30.0  # scenario time: the browser has signed in by then (x2: 15 s)
LIVE_BROWSERS = 50
LOG_REQUESTS_PER_S = 20
LOAD_SECONDS = 60
# What the call log is asked, in turn, by the simulated users.
LOG_PATHS = ("/calls", "/calls?number=138", "/calls?direction=in&outcome=missed", "/api/lines")


def pop_scenario() -> str:
    """Inbound calls with caller ID, one every 6 s, across four lines."""
    calls = []
    for index in range(POP_CALLS):
        calls.append(
            f"[[call]]\nline = {index % 4 + 1}\nat = {FIRST_CALL_S + 6.0 * index}\n"
            f"direction = \"in\"\n"
            f"number = \"1390000{index:04d}\"\nname = \"CALLER {index}\"\nrings = 2\ntalk = 6.0\n"
        )
    return 'country = "CN"\nlines = 4\nseed = 5\n\n' + "\n".join(calls)


def screen_pop_latency(bench: Bench) -> None:
    problem = browser_missing()
    if problem:
        bench.fact("screen pop latency", f"not measured: {problem}")
        return
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        ConfigStore(data).save(default_config(4))
        with Store(data / "linerec.db") as store:
            _add_admin(store)
        stack = Stack(pop_scenario(), data, speed=2.0)
        driver = chromium()
        try:
            driver.get(stack.url + "/login")
            driver.find_element("name", "username").send_keys("admin")
            driver.find_element("name", "password").send_keys(PASSWORD)
            driver.find_element("css selector", "form button[type=submit]").click()
            deadline = time.monotonic() + 20
            while not driver.execute_script("return window.linerec && window.linerec.streamReady"):
                if time.monotonic() > deadline:
                    raise RuntimeError("the live page did not connect to its event stream")
                time.sleep(0.05)
            ready_at = time.time()
            latencies = []
            for index in range(POP_CALLS):
                number = f"1390000{index:04d}"
                at, event = stack.wait_event(
                    lambda e, n=number: isinstance(e, contract.CallerIdKnown) and e.number == n,
                    timeout=30,
                )
                if at < ready_at:
                    raise RuntimeError("the calls began before the browser was ready")
                shown = _wait_pop(driver, event.call_id)
                latencies.append(shown - at)
        finally:
            close_browser(driver)
            stack.stop()
    latencies.sort()
    median = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    bench.fact(
        "screen pop latency (caller-ID event to card in Chromium)",
        f"median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max "
        f"{latencies[-1] * 1000:.0f} ms over {len(latencies)} calls (target: median < 300 ms)",
    )


def _wait_pop(driver, call_id: int, timeout: float = 10.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pops = driver.execute_script("return window.linerec.pops")
        times = [
            p["shownAt"] for p in pops if p["call_id"] == call_id and p["event"] == "caller_id"
        ]
        if times:
            return min(times) / 1000
        time.sleep(0.01)
    raise RuntimeError(f"call {call_id}'s card did not pop within {timeout} s")


def _add_admin(store: Store, operators: int = 0) -> None:
    """The admin, and ``operators`` users each on every line (``operator<n>``)."""
    from webui.auth import hash_password  # noqa: PLC0415
    from webui.permissions import FLAGS  # noqa: PLC0415

    hashed = hash_password(PASSWORD)
    accounts = Accounts(store)
    accounts.create_user("admin", hashed, "super", permissions=frozenset(FLAGS), language="en")
    for number in range(operators):
        accounts.create_user(f"operator{number}", hashed, "operator", language="en",
                             permissions=frozenset({"pop", "customers_view"}),
                             lines=frozenset(range(1, 9)))


# ---- the engine under a busy web UI ---------------------------------------------------


def _sign_in(host: str, port: int, username: str = "admin") -> str:
    """A session cookie for ``username``."""
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", "/login")
    page = connection.getresponse()
    form_cookie = page.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf" value="([^"]+)"', page.read().decode()).group(1)
    body = urlencode({"username": username, "password": PASSWORD, "csrf": token})
    connection.request("POST", "/login", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": form_cookie,
    })
    answer = connection.getresponse()
    answer.read()
    cookies = [v.split(";")[0] for k, v in answer.getheaders() if k.lower() == "set-cookie"]
    session = next(c for c in cookies if c.startswith("linerec_session="))
    connection.close()
    return session


def _live_browser(host: str, port: int, cookie: str, stop: threading.Event, counts: dict) -> None:
    """One browser on the live page: its event stream, read until told to stop."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request("GET", "/events", headers={"Cookie": cookie, "Accept": "text/event-stream"})
    response = connection.getresponse()
    if response.status != 200:
        counts["refused"] += 1
        return
    counts["open"] += 1
    while not stop.is_set():
        line = response.fp.readline()
        if not line:
            break
        if line.startswith(b"event: "):
            counts["events"] += 1
    connection.close()


def _log_reader(host: str, port: int, cookie: str, stop: threading.Event, timings: list) -> None:
    """Requests on the call log at LOG_REQUESTS_PER_S, round the paths."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    interval = 1.0 / LOG_REQUESTS_PER_S
    due = time.monotonic()
    index = 0
    while not stop.is_set():
        path = LOG_PATHS[index % len(LOG_PATHS)]
        index += 1
        started = time.monotonic()
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        timings.append((path, response.status, time.monotonic() - started))
        due += interval
        stop.wait(max(0.0, due - time.monotonic()))
    connection.close()


def busy_web_ui(bench: Bench, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        config = default_config(8)
        ConfigStore(data).save(config)
        with Store(data / "linerec.db") as store:
            _add_admin(store, operators=LIVE_BROWSERS)
        engine = subprocess.Popen(
            [sys.executable, "-m", "bench.engine", "--serve-hour", str(data), "--speed", "1",
             "--until", str(seconds)],
            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        time.sleep(2.0)  # the engine opens its bus
        web, url = start_web(data, "127.0.0.1", 0, tls=False)
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
        stop = threading.Event()
        counts = {"open": 0, "refused": 0, "events": 0}
        timings: list = []
        cookie = _sign_in(host, port)
        # One browser each for as many operators: a user holds a few streams at most.
        threads = [
            threading.Thread(
                target=_live_browser,
                args=(host, port, _sign_in(host, port, f"operator{number}"), stop, counts),
                daemon=True,
            )
            for number in range(LIVE_BROWSERS)
        ]
        threads.append(threading.Thread(target=_log_reader,
                                        args=(host, port, cookie, stop, timings), daemon=True))
        for thread in threads:
            thread.start()
        output, _ = engine.communicate(timeout=seconds + 120)
        stop.set()
        stop_web(web)
        figures = json.loads(output.strip().splitlines()[-1])
    ok = [t for _, status, t in timings if status == 200]
    bench.fact(
        "busy web UI beside the engine",
        f"{counts['open']} live pages open ({counts['refused']} refused), "
        f"{counts['events']} events streamed; {len(timings)} call-log requests "
        f"({len(timings) / seconds:.1f}/s, median {statistics.median(ok) * 1000:.0f} ms)"
        if ok else "no call-log request answered",
    )
    bench.fact(
        "  engine frames lost meanwhile",
        f"{figures['overruns']} over {figures['frames']} frames of 8 lines, "
        f"{figures['calls']} calls (target: 0)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__)
    parser.add_argument("--seconds", type=float, default=LOAD_SECONDS,
                        help="how long the busy web UI runs beside the engine")
    args = parser.parse_args(argv)
    bench = Bench(min_calls=1, min_seconds=0.0)
    screen_pop_latency(bench)
    busy_web_ui(bench, args.seconds)
    sys.stdout.write(bench.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
