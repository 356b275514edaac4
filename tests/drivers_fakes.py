"""Stand-ins for hardware the driver tests need: an RPi.GPIO module and a modem on a pty.

- ``FakeGpio``: a module-like object with RPi.GPIO's interface and its
  refusals (pins used before ``setmode``/``setup``, outputs not set up as
  outputs, edge detection twice), so the real GPIO backend runs against it.
  The test drives input levels with ``drive``; callbacks fire on the
  calling thread.
- ``FakeModem``: a thread playing an AT modem on the master side of a
  pseudo-terminal; the driver opens the slave side as a serial port. With
  ``start_line()`` it is also the line behind the modem: the caller's voice
  and keys, and what the box plays heard back through the line's hybrid.
- ``driver_threads()``: the names of live threads the drivers started.
"""

from __future__ import annotations

import collections
import contextlib
import os
import select
import threading
import time
import tty
from collections.abc import Callable

import numpy as np

from drivers.voice_codecs import SampleFormat, encode_samples, ulaw_table

DRIVER_THREAD_PREFIXES = ("signals-", "modem-")
DLE_STOP_REPLY = b"\x10\x03\r\nOK\r\n"  # a modem ending voice receive: <DLE><ETX>, OK
DLE, ETX = 0x10, 0x03
FRAME = 160


def driver_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(DRIVER_THREAD_PREFIXES)]


class FakeGpio:
    """RPi.GPIO as far as the line-signal backend uses it."""

    BCM, BOARD = 11, 10
    OUT, IN = 0, 1
    LOW, HIGH = 0, 1
    PUD_OFF, PUD_DOWN, PUD_UP = 20, 21, 22
    RISING, FALLING, BOTH = 31, 32, 33

    def __init__(self) -> None:
        self.mode: int | None = None
        self.directions: dict[int, int] = {}
        self.pulls: dict[int, int] = {}
        self.levels: dict[int, int] = {}  # what each pin reads (inputs) or drives (outputs)
        self.detections: dict[int, tuple[int, Callable[[int], None]]] = {}
        self.output_history: list[tuple[int, int]] = []
        self.cleaned: list[int] = []
        self._lock = threading.Lock()

    # -- RPi.GPIO's interface

    def setwarnings(self, flag: bool) -> None:
        pass

    def setmode(self, mode: int) -> None:
        if self.mode is not None and mode != self.mode:
            raise ValueError("A different mode has already been set!")
        self.mode = mode

    def setup(self, channel: int, direction: int, pull_up_down: int = PUD_OFF, initial=None):
        if self.mode is None:
            raise RuntimeError("Please set pin numbering mode using GPIO.setmode(GPIO.BOARD)")
        self.directions[channel] = direction
        if direction == self.OUT:
            self.levels[channel] = self.LOW if initial is None else initial
            self.output_history.append((channel, self.levels[channel]))
        else:
            self.pulls[channel] = pull_up_down
            self.levels.setdefault(channel, self.HIGH if pull_up_down == self.PUD_UP else self.LOW)

    def input(self, channel: int) -> int:
        if channel not in self.directions:
            raise RuntimeError("You must setup() the GPIO channel first")
        with self._lock:
            return self.levels[channel]

    def output(self, channel: int, value: int) -> None:
        if self.directions.get(channel) != self.OUT:
            raise RuntimeError("The GPIO channel has not been set up as an OUTPUT")
        self.levels[channel] = int(bool(value))
        self.output_history.append((channel, self.levels[channel]))

    def add_event_detect(self, channel, edge, callback=None, bouncetime=None) -> None:
        if self.directions.get(channel) != self.IN:
            raise RuntimeError("You must setup() the GPIO channel as an input first")
        if channel in self.detections:
            raise RuntimeError("Conflicting edge detection already enabled for this GPIO channel")
        self.detections[channel] = (edge, callback)

    def remove_event_detect(self, channel: int) -> None:
        self.detections.pop(channel, None)

    def cleanup(self, channels=None) -> None:
        pins = list(self.directions) if channels is None else list(channels)
        for pin in pins:
            self.directions.pop(pin, None)
            self.detections.pop(pin, None)
        self.cleaned += pins

    # -- the test's side

    def drive(self, channel: int, level: int) -> None:
        """Set an input's level; fire its edge callback if the edge matches."""
        with self._lock:
            old, self.levels[channel] = self.levels.get(channel), level
        if old == level or channel not in self.detections:
            return
        edge, callback = self.detections[channel]
        rising = level == self.HIGH
        if edge == self.BOTH or (edge == self.RISING) == rising:
            callback(channel)

    def pulse(self, channel: int, active_low: bool) -> None:
        """One ring-detect pulse: the input goes active and back."""
        active, idle = (self.LOW, self.HIGH) if active_low else (self.HIGH, self.LOW)
        self.drive(channel, active)
        self.drive(channel, idle)


class FakeModem:
    """An AT modem on a pty, played by a thread named ``fake-modem``.

    ``replies`` maps a command (as sent, without CR) to the bytes to answer,
    to a callable returning them (or None for silence), or to None (no
    answer at all). Commands not in it get ERROR. ``<DLE>!`` ends voice
    receive with ``<DLE><ETX>`` and OK, as V.253 modems do.

    Voice, as a V.253 modem does it once in voice mode (``AT+FCLASS=8``; a
    voice command before it is answered ERROR): a CONNECT answering
    ``AT+VRX`` or ``AT+VTR`` starts the receive data (``receiving``), one
    answering ``AT+VTX`` or ``AT+VTR`` makes what the host sends voice data
    (``taking``): its DLE shielding is taken off and the audio kept
    (``played``: mu-law, what the caller hears), until ``<DLE><ETX>``, which
    the modem answers OK (after its own ``<DLE><ETX>`` when it received as
    well). A modem without full duplex is one whose replies answer
    ``AT+VTR`` with ERROR.
    """

    def __init__(self, replies: dict[str, bytes | Callable[[], bytes | None] | None]) -> None:
        self.replies = {"<DLE>!": DLE_STOP_REPLY, **replies}
        self._commands: list[str] = []
        self.commands_changed = threading.Condition()  # held from a reply until it is noted
        self.voice_mode = False
        self.receiving = False  # sending the line's voice (AT+VRX, AT+VTR)
        self.taking: str | None = None  # "AT+VTX" or "AT+VTR" while the host's bytes are voice
        self.played = bytearray()  # the voice the host sent, unshielded
        self.played_changed = threading.Condition()
        self._send_lock = threading.Lock()  # one voice frame or reply at a time
        self._line: threading.Thread | None = None
        self._to_play: collections.deque[int] = collections.deque()  # the modem's buffer
        self._playing = False  # its buffer filled enough to play
        self._caller: list[np.ndarray] = []
        self._heard_history = np.zeros(0)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._gone = False
        self._thread = threading.Thread(target=self._run, name="fake-modem", daemon=True)
        self._thread.start()

    @property
    def commands(self) -> list[str]:
        """The commands the host sent so far, each noted as its reply was written."""
        with self.commands_changed:
            return list(self._commands)

    def send(self, data: bytes) -> None:
        """Bytes from the modem to the host (RING, caller ID, voice data, ...)."""
        with self._send_lock:
            os.write(self._master, data)

    # -- the line behind the modem

    def start_line(
        self,
        *,
        hybrid: np.ndarray | None = None,
        buffer_frames: int = 2,
        frame_s: float = 0.02,
        noise: float = 8.0,
        avoid: bytes = b"",
    ) -> None:
        """Be the line: while receiving, send a frame of its mu-law voice every ``frame_s``:
        line noise, what the caller says (``say``), and what the modem plays through the
        ``hybrid`` (the echo path's impulse response, its loss included). The modem plays
        what it took once ``buffer_frames`` are in its buffer, a frame per frame, as a real
        modem's transmit buffer does. ``avoid``: bytes never sent as voice (XON/XOFF)."""
        self._hybrid = np.zeros(1) if hybrid is None else np.asarray(hybrid, dtype=np.float64)
        self._heard_history = np.zeros(self._hybrid.size - 1)
        self._buffer_frames, self._frame_s, self._noise = buffer_frames, frame_s, noise
        self._avoid = avoid
        self._rng = np.random.default_rng(5)
        self._line = threading.Thread(target=self._line_loop, name="fake-modem-line", daemon=True)
        self._line.start()

    def say(self, samples: np.ndarray) -> None:
        """The caller's voice (int16 at 8 kHz), heard on the line from the next frame."""
        with self._send_lock:
            self._caller.append(np.asarray(samples, dtype=np.float64))

    def press(self, digit: str, tone: np.ndarray | None = None) -> None:
        """The caller presses a key: its tone on the line (if given) and the modem's own
        report of it, ``<DLE><digit>``, as modems report DTMF in voice mode."""
        if tone is not None:
            self.say(tone)
        self.send(bytes([DLE, ord(digit)]))

    def played_samples(self) -> np.ndarray:
        """What the modem was given to play, decoded (the modem's voice format is mu-law)."""
        with self.played_changed:
            return ulaw_table()[np.frombuffer(bytes(self.played), np.uint8)]

    def wait_played(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until the host sent ``count`` bytes of voice."""
        with self.played_changed:
            return self.played_changed.wait_for(lambda: len(self.played) >= count, timeout)

    def _line_loop(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            due += self._frame_s
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                due = time.monotonic()  # fell behind: on from now
            with self._send_lock:
                out = self._play_out()
                frame = self._rng.normal(0, self._noise, FRAME)
                if self._caller:  # the caller speaks whether the modem listens or not
                    part = self._caller[0][:FRAME]
                    frame[: part.size] += part
                    self._caller[0] = self._caller[0][FRAME:]
                    if not self._caller[0].size:
                        self._caller.pop(0)
                if not self.receiving:
                    continue
                signal = np.concatenate([self._heard_history, out])
                frame += np.convolve(signal, self._hybrid, mode="valid")
                self._heard_history = signal[FRAME:]
                samples = np.clip(np.rint(frame), -32768, 32767).astype(np.int16)
                data = encode_samples(samples, SampleFormat.ULAW)
                for byte in self._avoid:
                    data = data.replace(bytes([byte]), bytes([byte ^ 0x02]))
                try:
                    os.write(self._master, data.replace(b"\x10", b"\x10\x10"))
                except OSError:
                    return

    def _play_out(self) -> np.ndarray:
        """The frame the modem's buffer plays now (silence while it fills or ran dry)."""
        if not self._playing and len(self._to_play) >= self._buffer_frames * FRAME:
            self._playing = True
        if not self._playing or not self._to_play:
            self._playing = False
            return np.zeros(FRAME)
        codes = [self._to_play.popleft() for _ in range(min(FRAME, len(self._to_play)))]
        out = np.zeros(FRAME)
        out[: len(codes)] = ulaw_table()[np.array(codes, dtype=np.uint8)]
        return out

    def wait_for_command(self, command: str, timeout: float = 5.0) -> bool:
        with self.commands_changed:
            return self.commands_changed.wait_for(lambda: command in self._commands, timeout)

    def vanish(self) -> None:
        """The modem disappears: its side of the line closes."""
        self._stop.set()
        self._thread.join(5)
        if self._line is not None:
            self._line.join(5)
        if not self._gone:
            self._gone = True
            os.close(self._master)

    def close(self) -> None:
        self.vanish()
        with contextlib.suppress(OSError):
            os.close(self._slave)

    def _answer(self, command: str, default: bytes = b"\r\nERROR\r\n") -> None:
        reply = self.replies.get(command, default)
        if callable(reply):
            reply = reply()
        upper = command.upper()
        if upper in ("AT+VRX", "AT+VTX", "AT+VTR") and not self.voice_mode:
            reply = b"\r\nERROR\r\n"
        # The command is noted under the same lock as its reply is written. A test that
        # waits for it sends after the reply, as it would to a real modem (voice data after
        # the CONNECT that answers AT+VRX). A test that reads ``commands`` once the host has
        # its reply finds it there.
        with self.commands_changed:
            with self._send_lock:
                if reply:
                    os.write(self._master, reply)
                self._change_state(upper, reply or b"")
            self._commands.append(command)
            self.commands_changed.notify_all()

    def _change_state(self, command: str, reply: bytes) -> None:
        connected = b"CONNECT" in reply
        if command.startswith("AT+FCLASS="):
            self.voice_mode = command == "AT+FCLASS=8"
        elif command == "ATZ":
            self.voice_mode = False
        elif command in ("ATH0", "ATH", "<DLE>!", "<DLE><ETX>"):
            self.receiving = False
        if connected and command in ("AT+VRX", "AT+VTR"):
            self.receiving = True
        if connected and command in ("AT+VTX", "AT+VTR"):
            self.taking = command
            self._to_play.clear()
            self._playing = False

    def _take_voice(self, pending: bytes) -> bytes:
        """Voice data from the host, unshielded, up to its <DLE><ETX>; what is left."""
        data = bytearray()
        at = 0
        while at < len(pending):
            byte = pending[at]
            if byte != DLE:
                data.append(byte)
                at += 1
                continue
            if at + 1 == len(pending):
                break  # the rest of the pair comes with the next read
            code = pending[at + 1]
            at += 2
            if code == DLE:
                data.append(DLE)
            elif code == ETX:
                self._keep_played(data)
                data.clear()
                ended = self.taking
                self.taking = None
                ending = DLE_STOP_REPLY if ended == "AT+VTR" else b"\r\nOK\r\n"
                self._answer("<DLE><ETX>", ending)
                break
        self._keep_played(data)
        return pending[at:]

    def _keep_played(self, data: bytearray) -> None:
        if not data:
            return
        with self._send_lock:
            self._to_play.extend(data)
        with self.played_changed:
            self.played += data
            self.played_changed.notify_all()

    def _run(self) -> None:
        pending = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                pending += os.read(self._master, 4096)
            except OSError:
                return
            while True:
                if self.taking is not None:
                    before = len(pending)
                    pending = self._take_voice(pending)
                    if self.taking is not None or len(pending) == before:
                        break
                    continue
                if pending.startswith(b"\x10!"):
                    pending = pending[2:]
                    self._answer("<DLE>!")
                    continue
                command, cr, rest = pending.partition(b"\r")
                if not cr:
                    break
                pending = rest
                self._answer(command.decode("ascii").strip())
