"""The engine under systemd: sd_notify over a fake notification socket, READY=1 once the
lines run, WATCHDOG=1 only while every line's worker is well, STOPPING=1 at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest

from drivers.opening import open_capture
from drivers.signals import LineSignals
from firmware.engine import Engine
from firmware.engine.systemd import EngineWatchdog, Notifier, watchdog_interval_s
from firmware.engine.worker import LineIO
from firmware.link import contract
from tests.engine_config import configure


class NotifySocket:
    """What systemd listens on: a datagram socket, collecting each message with its time."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        target = b"\0" + address[1:].encode() if address.startswith("@") else address
        self.socket.bind(target)
        self.socket.settimeout(0.05)
        self.messages: list[tuple[float, list[str]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._collect, daemon=True)
        self._thread.start()

    def _collect(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.socket.recv(4096)
            except TimeoutError:
                continue
            self.messages.append((time.monotonic(), data.decode().split("\n")))

    def times_of(self, field: str) -> list[float]:
        return [at for at, fields in list(self.messages) if field in fields]

    def statuses(self) -> list[str]:
        return [f[len("STATUS="):] for _, fields in list(self.messages) for f in fields
                if f.startswith("STATUS=")]

    def wait_for(self, field: str, timeout: float = 20.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if times := self.times_of(field):
                return times[0]
            time.sleep(0.02)
        raise AssertionError(f"no {field} within {timeout} s; got {self.messages}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture
def notify_socket(tmp_path):
    listener = NotifySocket(str(tmp_path / "notify"))
    yield listener
    listener.close()


def test_a_message_reaches_a_socket_by_path_and_in_the_abstract_namespace(tmp_path):
    for address in (str(tmp_path / "notify"), f"@linerec-test-{uuid.uuid4().hex}"):
        listener = NotifySocket(address)
        try:
            notifier = Notifier.from_environment({"NOTIFY_SOCKET": address})
            assert notifier.enabled
            assert notifier.notify("READY=1", "STATUS=2 of 2 lines running")
            assert listener.wait_for("READY=1")
            assert listener.statuses() == ["2 of 2 lines running"]
            notifier.close()
        finally:
            listener.close()


def test_without_notify_socket_nothing_is_sent_and_nothing_fails(tmp_path):
    notifier = Notifier.from_environment({})
    assert not notifier.enabled
    assert notifier.notify("READY=1") is False
    gone = Notifier(str(tmp_path / "nobody-listens"))
    assert gone.notify("WATCHDOG=1") is False  # logged once, never raised


def test_the_watchdog_period_is_half_what_systemd_asks_and_only_for_this_process():
    assert watchdog_interval_s({"WATCHDOG_USEC": "10000000"}) == 5.0
    assert watchdog_interval_s({"WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "1"}) is None
    same = {"WATCHDOG_USEC": "4000000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog_interval_s(same) == 2.0
    assert watchdog_interval_s({}) is None
    assert watchdog_interval_s({"WATCHDOG_USEC": "soon"}) is None


class RelayThatHangs(LineSignals):
    """Line signals whose relay never answers once asked: a driver call that blocks the
    worker's thread for good (until the line is closed)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.asked = threading.Event()
        self._let_go = threading.Event()

    def _set_relay(self, seized: bool) -> None:
        if seized:
            self.asked.set()
            self._let_go.wait()

    def _release(self) -> None:
        self._let_go.set()


def test_a_frozen_worker_stops_the_pings_within_the_bound(tmp_path, notify_socket):
    configure(tmp_path, 2)
    relays: dict[int, RelayThatHangs] = {}

    def open_line(line):
        relays[line.number] = RelayThatHangs(f"hang:{line.number}")
        return LineIO(open_capture("null:"), relays[line.number])

    engine = Engine(tmp_path, open_line)
    engine.start()
    lag_limit_s, tick_s = 1.0, 0.05
    watchdog = EngineWatchdog(engine, Notifier(notify_socket.address),
                              ping_every_s=tick_s, lag_limit_s=lag_limit_s, tick_s=tick_s)
    try:
        watchdog.start()
        ready_at = notify_socket.wait_for("READY=1")
        assert notify_socket.statuses()[0] == "2 of 2 lines running"
        notify_socket.wait_for("WATCHDOG=1")
        time.sleep(0.5)
        assert len(notify_socket.times_of("WATCHDOG=1")) >= 3  # steady while the lines run
        assert notify_socket.times_of("WATCHDOG=1")[0] >= ready_at

        engine.handle_command(contract.SeizeCommand(2, on=True))  # line 2's worker freezes
        assert relays[2].asked.wait(5)
        frozen_at = time.monotonic()
        time.sleep(lag_limit_s + 1.0)
        pings = notify_socket.times_of("WATCHDOG=1")
        last_ping = pings[-1]
        # The pings stop within the bound, and stay stopped
        # (and a tick, and a little for a loaded machine's scheduling)
        assert last_ping <= frozen_at + lag_limit_s + 0.5, (last_ping - frozen_at)
        time.sleep(0.5)
        assert notify_socket.times_of("WATCHDOG=1")[-1] == last_ping
        assert any(status.startswith("2 of 2 lines running; line 2 stuck for")
                   for status in notify_socket.statuses()), notify_socket.statuses()
        assert engine.workers[1].is_alive()  # the other line went on all the while
    finally:
        watchdog.stop()
        engine.stop()  # closing the line lets the relay go
    assert notify_socket.wait_for("STOPPING=1") > last_ping


def test_a_worker_far_behind_its_audio_is_not_well(tmp_path):
    configure(tmp_path, 1)
    engine = Engine(tmp_path, lambda line: LineIO(open_capture("null:")))
    engine.start()
    try:
        watchdog = EngineWatchdog(engine, Notifier(None), lag_limit_s=1.0)
        assert watchdog.problems() == []

        class Behind:  # the reader's queue as a slow disk would leave it
            backlog = 100  # 2 s of audio waiting

        worker = engine.workers[1]
        real_input, worker.input = worker.input, Behind()
        try:
            assert watchdog.problems() == ["line 1 2 s behind"]
        finally:
            worker.input = real_input
    finally:
        engine.stop()


def test_linerec_engine_says_ready_pings_and_says_stopping(tmp_path, notify_socket):
    store = configure(tmp_path, 1)
    store.update_line(1, audio="null:", signals=f"sim:notify-{uuid.uuid4().hex}")
    environment = {**os.environ, "NOTIFY_SOCKET": notify_socket.address,
                   "WATCHDOG_USEC": "400000", "PYTHONUNBUFFERED": "1"}
    environment.pop("WATCHDOG_PID", None)
    engine = subprocess.Popen(
        [sys.executable, "-m", "firmware", "engine", "--data", str(tmp_path)],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        notify_socket.wait_for("READY=1", timeout=60)
        first = notify_socket.wait_for("WATCHDOG=1")
        time.sleep(1.0)
        assert len([at for at in notify_socket.times_of("WATCHDOG=1") if at >= first]) >= 3
        engine.send_signal(signal.SIGTERM)
        output, _ = engine.communicate(timeout=60)
    finally:
        if engine.poll() is None:
            engine.kill()
            engine.wait()
    assert engine.returncode == 0, output
    notify_socket.wait_for("STOPPING=1")
    assert "1 of 1 lines running" in notify_socket.statuses()


def test_the_watchdogs_kill_leaves_every_threads_stack_in_the_journal(tmp_path,
                                                                      notify_socket):
    store = configure(tmp_path, 1)
    store.update_line(1, audio="null:", signals=f"sim:abort-{uuid.uuid4().hex}")
    environment = {**os.environ, "NOTIFY_SOCKET": notify_socket.address}
    engine = subprocess.Popen(
        [sys.executable, "-m", "firmware", "engine", "--data", str(tmp_path)],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        notify_socket.wait_for("READY=1", timeout=60)
        engine.send_signal(signal.SIGABRT)  # systemd's WatchdogSignal= by default
        output, _ = engine.communicate(timeout=60)
    finally:
        if engine.poll() is None:
            engine.kill()
            engine.wait()
    assert engine.returncode == -signal.SIGABRT
    assert "Fatal Python error: Aborted" in output
    assert "firmware/engine/worker.py" in output  # the line's worker, where it was


def test_linerec_engine_that_cannot_start_says_why_in_its_status(tmp_path, notify_socket):
    environment = {**os.environ, "NOTIFY_SOCKET": notify_socket.address}
    missing = tmp_path / "not-there"
    result = subprocess.run(
        [sys.executable, "-m", "firmware", "engine", "--data", str(missing)],
        env=environment, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"linerec: error: data folder {missing} does not exist"
    deadline = time.monotonic() + 5
    while not notify_socket.statuses() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert notify_socket.statuses() == [f"cannot start: data folder {missing} does not exist"]
    assert not notify_socket.times_of("READY=1")
