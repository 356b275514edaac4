"""A line's input read ahead of its worker: nothing lost or reordered while the worker is late."""

from __future__ import annotations

import logging
import os
import threading
import time

import numpy as np
import pytest

from drivers.audio import CaptureStream
from drivers.errors import DeviceError
from drivers.opening import open_capture, open_signals
from drivers.signals import RingStarted, RingStopped
from drivers.simline import sim_line
from firmware.engine import reader as line_input_module
from firmware.engine.reader import READER_NICE, LineInput

WAIT_S = 10.0  # generous: only a broken reader waits this long


class Frames(CaptureStream):
    """Numbered frames (frame k is all k) from a list, then an optional error."""

    def __init__(self, count: int, error: Exception | None = None) -> None:
        super().__init__("frames:")
        self.count = count
        self.error = error
        self.read_count = 0
        self.reader_nice: int | None = None  # the reading thread's priority

    def read(self) -> np.ndarray | None:
        if self.reader_nice is None:
            self.reader_nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        if self.read_count == self.count:
            if self.error is not None:
                raise self.error
            return None
        self.read_count += 1
        return np.full(160, self.read_count - 1, dtype=np.int16)

    def _release(self) -> None:
        pass


def wait_until(condition) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "the reader did not get there in time"
        time.sleep(0.005)


def numbers(line_input: LineInput) -> list[int]:
    taken = []
    while (arrival := line_input.take()) is not None:
        taken.append(int(arrival.frame[0]))
    return taken


def test_the_reader_drains_the_source_while_the_worker_takes_nothing():
    source = Frames(100)
    line_input = LineInput(source, None, "capture-test")
    line_input.start()
    wait_until(lambda: line_input.backlog == 100)  # nobody has taken a frame yet
    assert line_input.most_behind == 100
    assert numbers(line_input) == list(range(100))
    assert line_input.take() is None  # and it stays ended


def test_a_full_queue_holds_the_reader_back_without_dropping():
    source = Frames(40)
    line_input = LineInput(source, None, "capture-test", ahead_s=0.1)  # 5 frames
    assert line_input.depth == 5
    line_input.start()
    wait_until(lambda: line_input.backlog == 5)
    time.sleep(0.05)
    assert line_input.backlog == 5
    assert source.read_count == 5  # the reader waits before reading the sixth
    assert numbers(line_input) == list(range(40))


def test_signals_go_with_the_first_frame_read_after_them():
    line = sim_line("input-test")
    capture, signals = open_capture("sim:input-test"), open_signals("sim:input-test")
    line_input = LineInput(capture, signals, "capture-test")
    line_input.start()
    silence = np.zeros(160, np.int16)
    # The changes on the line before each frame of audio comes.
    changes_before = [[], [True], [], [False, True], []]
    for number, changes in enumerate(changes_before, start=1):
        for ringing in changes:
            line.set_ringing(ringing, at=float(number))
        line.push_audio(silence)
        wait_until(lambda n=number: line_input.backlog == n)  # read before the next change
    line.end_audio()
    arrivals = []
    while (arrival := line_input.take()) is not None:
        arrivals.append(arrival.signals)
    assert arrivals == [
        (),
        (RingStarted(2.0),),
        (),
        (RingStopped(4.0), RingStarted(4.0)),
        (),
    ]
    capture.close()
    signals.close()


def test_an_error_of_the_capture_comes_after_the_frames_read_before_it():
    source = Frames(3, DeviceError("the sound card was unplugged"))
    line_input = LineInput(source, None, "capture-test")
    line_input.start()
    taken = [int(line_input.take().frame[0]) for _ in range(3)]
    assert taken == [0, 1, 2]
    with pytest.raises(DeviceError, match="unplugged"):
        line_input.take()
    assert line_input.take() is None


def test_abandoning_frees_a_reader_held_back_by_a_full_queue():
    source = Frames(1000)
    line_input = LineInput(source, None, "capture-held", ahead_s=0.04)
    line_input.start()
    wait_until(lambda: line_input.backlog == 2)
    line_input.abandon()
    wait_until(lambda: not any(t.name == "capture-held" for t in threading.enumerate()))
    assert source.read_count == 2


def test_the_reader_runs_at_a_raised_priority_where_it_may(caplog, monkeypatch):
    monkeypatch.setattr(line_input_module, "_priority_refused", threading.Event())
    source = Frames(3)
    with caplog.at_level(logging.INFO, logger="firmware.engine.reader"):
        line_input = LineInput(source, None, "capture-test")
        line_input.start()
        assert numbers(line_input) == [0, 1, 2]
    may_raise = os.geteuid() == 0
    print(f"running as {'root' if may_raise else 'a user'}: reader at nice {source.reader_nice}")
    if may_raise:
        assert source.reader_nice == READER_NICE
        assert "normal priority" not in caplog.text
    else:
        assert source.reader_nice == os.getpriority(os.PRIO_PROCESS, 0)
        assert "needs root or CAP_SYS_NICE" in caplog.text


def test_a_reader_refused_the_priority_says_so_once_and_reads_on(caplog, monkeypatch):
    monkeypatch.setattr(line_input_module, "_priority_refused", threading.Event())

    def refuse(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "setpriority", refuse)
    with caplog.at_level(logging.INFO, logger="firmware.engine.reader"):
        for _ in range(2):
            line_input = LineInput(Frames(3), None, "capture-test")
            line_input.start()
            assert numbers(line_input) == [0, 1, 2]
    assert caplog.text.count("needs root or CAP_SYS_NICE: Operation not permitted") == 1
