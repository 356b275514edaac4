"""Live listen: the engine's audio taps and socket, the web stream, and the two end to end."""

from __future__ import annotations

import json
import socket
import stat
import statistics
import threading
import time

import numpy as np
import pytest

from drivers.audio import CaptureStream
from drivers.opening import open_capture
from drivers.simline import sim_line
from firmware.config import ConfigStore, Line, default_config
from firmware.datafolder import DataFolder
from firmware.engine import Engine
from firmware.engine import state as machine
from firmware.engine.actions import LineActions
from firmware.engine.detectors import LineDetectors
from firmware.engine.recorder import LineRecorder
from firmware.engine.worker import LineIO, LineWorker
from firmware.link.live_audio import LiveAudioServer
from firmware.store.db import Store
from tests.calls_box import make_office
from tests.web_client import web_box
from webui.streams import StreamSlots

FRAME_BYTES = 320


def wait_for(condition, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def frames(rng: np.random.Generator, count: int) -> list[np.ndarray]:
    return [rng.integers(-30000, 30000, 160).astype(np.int16) for _ in range(count)]


def connect(path, line) -> socket.socket:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(3)
    client.connect(str(path))
    client.sendall(json.dumps({"line": line}).encode() + b"\n")
    return client


def closed_by_server(client: socket.socket) -> bool:
    """Whether the other end closed (cleanly, or resetting what it did not read)."""
    try:
        return client.recv(10) == b""
    except ConnectionResetError:
        return True


def read_exactly(client: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        part = client.recv(size - len(data))
        if not part:
            break
        data += part
    return data


@pytest.fixture
def server(tmp_path):
    made = LiveAudioServer(DataFolder(tmp_path).audio_socket, max_listeners=4)
    for line in (1, 2):
        made.tap(line)
    made.start()
    yield made
    made.stop()


def test_the_socket_is_where_the_web_looks_and_private_to_the_group(server, tmp_path):
    web = web_box(tmp_path)
    assert server.socket_path == web.deps.folder.audio_socket
    web.close()
    assert stat.S_IMODE((tmp_path / "engine-audio.sock").stat().st_mode) == 0o660


def test_listeners_get_their_lines_audio_and_taps_are_idle_without_them(server, rng):
    one, two = server.tap(1), server.tap(2)
    assert not one.listening and not two.listening
    client = connect(server.socket_path, 1)
    assert wait_for(lambda: one.listening) and not two.listening
    sent = frames(rng, 20)
    for frame in sent:
        one.feed(frame)
        two.feed(-frame)  # another line's audio never reaches this listener
    assert read_exactly(client, 20 * FRAME_BYTES) == b"".join(f.astype("<i2").tobytes()
                                                               for f in sent)
    client.close()
    assert wait_for(lambda: not one.listening)


def test_bad_requests_are_closed(server):
    for request in (b'{"line": 9}\n', b'{"line": "1"}\n', b"not json\n", b"[1]\n",
                    b'{"line": true}\n', b"x" * 300):
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.settimeout(3)
        client.connect(str(server.socket_path))
        client.sendall(request)
        assert closed_by_server(client), request
        client.close()
    assert server.listener_count == 0 and not server.tap(1).listening


def test_a_slow_listener_is_dropped_and_the_others_keep_listening(server, rng):
    slow = connect(server.socket_path, 1)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    quick = connect(server.socket_path, 1)
    assert wait_for(lambda: server.listener_count == 2)
    received = bytearray()
    started = time.monotonic()
    quick.setblocking(False)
    for index, frame in enumerate(frames(rng, 3000)):  # a minute of audio, at x20
        server.tap(1).feed(frame)  # never blocks, whoever listens
        while True:
            try:
                part = quick.recv(1 << 16)
            except BlockingIOError:
                break
            assert part, "the listener that keeps up was dropped too"
            received += part
        # x20 real time: fast enough that the slow listener falls a second behind within
        # a few seconds, slow enough that the audio thread keeps up on a busy machine.
        delay = started + (index + 1) * 0.001 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    feeding = time.monotonic() - started
    quick.settimeout(3)
    assert wait_for(lambda: server.dropped_listeners == 1)
    assert wait_for(lambda: server.listener_count == 1)
    while len(received) < 3000 * FRAME_BYTES:
        part = quick.recv(1 << 16)
        assert part
        received += part
    assert len(received) == 3000 * FRAME_BYTES
    slow.close()
    quick.close()
    print(f"\nfed a minute of audio to a stuck and a quick listener in {feeding:.3f} s")


def test_no_more_listeners_than_allowed(server):
    clients = [connect(server.socket_path, 1) for _ in range(4)]
    assert wait_for(lambda: server.listener_count == 4)
    try:
        extra = connect(server.socket_path, 1)
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed before the request even went out
    else:
        assert closed_by_server(extra)
        extra.close()
    for client in clients:
        client.close()


# ---- the web side --------------------------------------------------------------------------


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, calls_per_line=1)
    yield made
    made.box.close()


def test_who_may_listen_live(office, tmp_path):
    office.deps.accounts.update_user(office.ids["ana"], permissions={"live_listen"})
    ana = office.signed_in("ana")
    assert ana.get("/lines/2/listen").status == 404  # not her line
    assert ana.get("/lines/9/listen").status == 404
    assert office.signed_in("cai").get("/lines/3/listen").status == 403  # no flag
    # Her own line, but no engine running: said plainly.
    answer = ana.get("/lines/1/listen")
    assert answer.status == 503 and "not sending audio" in answer.text
    assert office.deps.audit.entries(action="live_listen") == []
    page = ana.get("/live").text
    assert 'data-listen="/lines/1/listen"' in page and "listen.js" in page
    assert "data-listen" not in office.signed_in("cai").get("/live").text


class TimedCapture(CaptureStream):
    """A line's capture that notes when the worker read each frame."""

    def __init__(self, inner: CaptureStream) -> None:
        super().__init__("timed:")
        self.inner = inner
        self.read_at: list[float] = []

    def read(self):
        frame = self.inner.read()
        if frame is not None:
            self.read_at.append(time.monotonic())
        return frame

    def _release(self) -> None:
        self.inner.close()


def test_live_listen_end_to_end_through_the_engine(office, rng, tmp_path):
    """The bytes the browser gets are the line's audio, well under a second after it was read."""
    ConfigStore(tmp_path).save(default_config(1))
    line = sim_line(f"listen-e2e-{id(tmp_path)}", depth=1)
    captures = []

    def open_line(config_line):
        capture = TimedCapture(open_capture(f"sim:{line.name}"))
        captures.append(capture)
        return LineIO(capture)

    engine = Engine(tmp_path, open_line)
    engine.start()
    audio = frames(rng, 150)  # three seconds
    stop = threading.Event()

    def play() -> None:
        started = time.monotonic()
        for index, frame in enumerate(audio):
            line.push_audio(frame, block=True, timeout=2)
            delay = started + (index + 1) * 0.02 - time.monotonic()
            if delay > 0 and stop.wait(delay):
                return

    player = threading.Thread(target=play, name="test-line")
    player.start()
    office.deps.accounts.update_user(office.ids["ana"], permissions={"live_listen"})
    ana = office.signed_in("ana")
    try:
        status, headers, body = ana.stream("/lines/1/listen")
        assert status == 200, status
        assert headers["Content-Type"].startswith("audio/L16")
        received = bytearray()
        arrivals = []  # (bytes received so far, when)
        for chunk in body:
            received += chunk
            arrivals.append((len(received), time.monotonic()))
            if len(received) >= 50 * FRAME_BYTES:
                break
        body.close()
    finally:
        stop.set()
        player.join(5)
        line.end_audio()
        engine.stop()
    stream = b"".join(frame.astype("<i2").tobytes() for frame in audio)
    first = stream.find(bytes(received[:FRAME_BYTES]))
    assert first >= 0 and first % FRAME_BYTES == 0, "the stream does not start on a frame"
    assert bytes(received) == stream[first : first + len(received)]
    read_at = captures[0].read_at
    delays = []
    for count, when in arrivals:
        last_frame = (first + count - 1) // FRAME_BYTES  # the newest frame this chunk completes
        delays.append(when - read_at[last_frame])
    print(f"\nlive listen delay, worker read to web response: median "
          f"{1000 * statistics.median(delays):.1f} ms, max {1000 * max(delays):.1f} ms "
          f"over {len(delays)} chunks")
    assert max(delays) < 0.5
    (entry,) = office.deps.audit.entries(action="live_listen")
    assert (entry.username, entry.target) == ("ana", "line 1")
    assert office.deps.listen_slots.held() == 0  # the stream gave its slot back


def test_the_web_gives_back_its_slots(office, monkeypatch):
    monkeypatch.setattr(office.deps, "listen_slots", StreamSlots(total=1, per_user=1))
    office.deps.accounts.update_user(office.ids["ana"], permissions={"live_listen"})
    ana = office.signed_in("ana")
    for _ in range(3):  # failed attempts (no engine) do not keep a slot
        assert ana.get("/lines/1/listen").status == 503
    held = office.deps.listen_slots.take(office.ids["ben"])
    assert held is not None
    answer = ana.get("/lines/1/listen")
    assert answer.status == 503 and "Too many people" in answer.text
    held.release()


class ListFrames(CaptureStream):
    """Frames from a list."""

    def __init__(self, audio: list[np.ndarray]) -> None:
        super().__init__("list:")
        self.audio = iter(audio)

    def read(self):
        return next(self.audio, None)

    def _release(self) -> None:
        pass


class ListenerFromHalfWay:
    """A line's tap whose listener arrives when the worker is half way through the audio."""

    def __init__(self, half: int) -> None:
        self.half = half
        self.worker: LineWorker | None = None
        self.fed: list[np.ndarray] = []  # what the worker hands over

    @property
    def listening(self) -> bool:
        return self.worker.frames >= self.half

    def feed(self, frame: np.ndarray) -> None:
        self.fed.append(frame)


def test_workers_feed_the_tap_only_while_someone_listens(tmp_path, rng):
    audio = frames(rng, 100)
    tap = ListenerFromHalfWay(half=50)
    with Store(tmp_path / "linerec.db") as store:
        recorder = LineRecorder(1, tmp_path / "recordings", "alaw")
        worker = LineWorker(
            Line(number=1),
            LineIO(ListFrames(audio)),
            LineDetectors("CN"),
            LineActions(1, store, recorder, "CN", publish=lambda event: None),
            policy=machine.Policy(mode="off"),
            started_at=0.0,
            tap=tap,
        )
        tap.worker = worker
        worker.run()
    assert worker.failure is None
    assert len(tap.fed) == 50
    assert all(a is b for a, b in zip(tap.fed, audio[50:], strict=True))
