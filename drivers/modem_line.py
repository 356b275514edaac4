"""A voice modem as one line of the box: ring, caller ID, hook events and the line's audio.

``open_modem_line(url)`` gives a ``ModemLine`` whose ``signals`` (a
``LineSignals``) and ``capture`` (a ``CaptureStream``) stand in for a line
interface's optocouplers and sound card, so the engine runs a modem line
like any other. What the modem reports becomes line signals:

- ``RING`` (or ``<DLE>R``): ``RingStarted``, and ``RingStopped`` ``ring_ms``
  later, since a modem reports each ring burst once;
- caller-ID report lines (``DATE``, ``TIME``, ``NMBR``, ``NAME``, ``MESG``):
  ``CallerIdReport`` with the line as sent, for the firmware to read;
- ``<DLE>H`` / ``<DLE>P`` (the local or an extension phone went off hook):
  ``LoopStarted``; ``<DLE>h`` / ``<DLE>p`` and ``<DLE>l`` (loop current
  broken: the far end hung up): ``LoopStopped``.

Audio: while the modem receives the line's voice its frames are the
capture's frames; otherwise the capture gives silence at real time, so the
line's clock runs on. The modem receives the line's voice when the box
seizes the line (the relay: off hook in voice mode, ``AT+VLS=1``,
``AT+VRX``) and, where ``listen=<n>`` names the modem's ``+VLS`` setting
that puts it on the line beside the phone without taking the line off hook
(see the modem's ``AT+VLS=?``), for as long as a phone on the line is off
hook. Without ``listen`` a modem line logs every call, with caller ID, but
records only calls the box takes itself.

URL: ``serial:<device>[?baud=115200][&listen=<n>][&ring_ms=1000]``, or any
pyserial URL (``socket://``, ``rfc2217://``) without the line options.
Modem commands run on the line's own thread (``modem-line-<port>``), so the
engine's line worker never waits for the modem.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

import numpy as np

from audio_format import FRAME_SAMPLES
from drivers.audio import CaptureStream
from drivers.errors import (
    DriverURLError,
    ModemCommandError,
    ModemError,
    ModemGoneError,
    ModemTimeoutError,
)
from drivers.modem import CallerIdLine, DleCode, ModemEvent, Ring, VoiceCompression
from drivers.modem_serial import ACCEPTED_MODEM_URLS, VoiceModem, choose_compression
from drivers.pacing import FramePacer
from drivers.signals import (
    CallerIdReport,
    LineSignals,
    LoopStarted,
    LoopStopped,
    RingStarted,
    RingStopped,
)
from drivers.url import parse_url

__all__ = ["ModemLine", "ModemLineCapture", "ModemLineSignals", "open_modem_line"]

log = logging.getLogger(__name__)

ACCEPTED_MODEM_LINE_URLS = (
    "'serial:<device>[?baud=<speed>][&listen=<+VLS setting>][&ring_ms=<ms>]' "
    f"(e.g. serial:/dev/ttyACM0?listen=5), or {ACCEPTED_MODEM_URLS}"
)
DEFAULT_RING_S = 1.0
OFF_HOOK_CODES = frozenset("HP")  # local handset, extension phone
ON_HOOK_CODES = frozenset("hpl")  # local handset, extension phone, loop current broken
_POLL_S = 0.05  # how often the line thread looks at its requests and ring timer
_VOICE_WAIT_S = 0.1  # the capture's wait for a voice frame before it looks again


def split_line_options(url: str) -> tuple[str, int | None, float]:
    """The modem URL without the line's options, the ``listen`` setting and the ring length."""
    if "://" in url:
        return url, None, DEFAULT_RING_S
    parsed = parse_url(
        url, {"serial": frozenset({"baud", "listen", "ring_ms"})}, ACCEPTED_MODEM_LINE_URLS
    )
    listen = parsed.options.get("listen")
    if listen is not None and not listen.isdigit():
        raise DriverURLError(
            url, f"listen={listen!r} is not a +VLS setting number", ACCEPTED_MODEM_LINE_URLS
        )
    ring_s = parsed.number("ring_ms", DEFAULT_RING_S * 1000, minimum=50) / 1000
    modem_url = f"serial:{parsed.target}"
    if "baud" in parsed.options:
        modem_url += "?" + urlencode({"baud": parsed.options["baud"]})
    return modem_url, None if listen is None else int(listen), ring_s


class ModemLine:
    """A voice modem driven as a line: ``signals`` and ``capture`` for the engine."""

    def __init__(
        self,
        modem: VoiceModem,
        *,
        listen_vls: int | None = None,
        ring_s: float = DEFAULT_RING_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.modem = modem
        self.listen_vls = listen_vls
        self.ring_s = ring_s
        self._clock = clock
        self.compression: VoiceCompression | None = None
        self.signals = ModemLineSignals(self)
        self.capture = ModemLineCapture(self)
        self.failure: ModemError | None = None
        self._requests: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._ring_stops_at: float | None = None
        self._phone_off_hook = False
        self._seized = False
        self._thread: threading.Thread | None = None

    # -- life cycle

    def start(self) -> None:
        """Set the modem up (reset, caller ID on, voice format) and start the line's thread."""
        self.modem.initialise()
        offered = self.modem.voice_compressions()
        self.compression = choose_compression(offered)
        if self.compression is None:
            names = ", ".join(f"{c.id} {c.name}" for c in offered) or "nothing"
            log.warning(
                "modem %s offers no 8 kHz voice format the drivers decode (%s): "
                "its calls are logged but cannot be recorded",
                self.modem.port_name,
                names,
            )
        self._on_hook_voice_mode()
        self._thread = threading.Thread(
            target=self._run, name=f"modem-line-{self.modem.port_name}", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop the thread, put the line back on hook where we held it, close the port."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        if self.failure is None and (self._seized or self.modem.receiving):
            try:
                self.modem.hang_up()
            except ModemError as error:
                log.warning("modem %s: hanging up on close failed: %s", self.modem.port_name, error)
        self.modem.close()
        self.signals.close()
        self.capture.close()

    @property
    def receiving(self) -> bool:
        return self.modem.receiving

    def request(self, what: str) -> None:
        """Ask the line's thread to ``seize`` or ``release`` the line."""
        self._requests.put(what)

    # -- the line's thread

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._carry_out_requests()
                event = self.modem.poll(self._poll_timeout())
                if event is not None:
                    self._handle(event)
                self._end_ring_if_due()
            except (ModemCommandError, ModemTimeoutError) as error:
                # The modem refused or ignored one step; the line goes on.
                log.warning("modem line %s: %s", self.modem.port_name, error)
            except ModemGoneError as error:
                self.failure = error
                log.error("modem line %s stopped: %s", self.modem.port_name, error)
                self.capture.fail(error)
                return

    def _poll_timeout(self) -> float:
        if self._ring_stops_at is None:
            return _POLL_S
        return max(0.0, min(_POLL_S, self._ring_stops_at - self._clock()))

    def _end_ring_if_due(self) -> None:
        if self._ring_stops_at is not None and self._clock() >= self._ring_stops_at:
            self.signals.emit(RingStopped(self._ring_stops_at))
            self._ring_stops_at = None

    def _handle(self, event: ModemEvent) -> None:
        if isinstance(event, Ring) or (isinstance(event, DleCode) and event.code == "R"):
            if self._ring_stops_at is None:
                self.signals.emit(RingStarted(event.at))
            self._ring_stops_at = event.at + self.ring_s
        elif isinstance(event, CallerIdLine):
            self.signals.emit(CallerIdReport(event.at, event.line))
        elif isinstance(event, DleCode) and event.code in OFF_HOOK_CODES:
            self._phone_picked_up(event.at)
        elif isinstance(event, DleCode) and event.code in ON_HOOK_CODES:
            self._phone_hung_up(event.at)

    def _phone_picked_up(self, at: float) -> None:
        if self._phone_off_hook:
            return
        self._phone_off_hook = True
        self.signals.emit(LoopStarted(at))
        if self.listen_vls is not None and not self._seized and not self.modem.receiving:
            self._receive(self.listen_vls)

    def _phone_hung_up(self, at: float) -> None:
        if not self._phone_off_hook:
            return
        self._phone_off_hook = False
        self.signals.emit(LoopStopped(at))
        if not self._seized and self.modem.receiving:
            self.modem.stop_voice_receive()
            self._on_hook_voice_mode()

    def _carry_out_requests(self) -> None:
        while True:
            try:
                what = self._requests.get_nowait()
            except queue.Empty:
                return
            if what == "seize" and not self._seized:
                self._seized = True
                if self.modem.receiving:  # listening in already: now hold the line as well
                    self.modem.stop_voice_receive()
                self._receive(1)
            elif what == "release" and self._seized:
                self._seized = False
                self.modem.hang_up()
                self._on_hook_voice_mode()

    def _receive(self, vls: int) -> None:
        """Connect the modem to the line with ``AT+VLS=<vls>`` and start receiving its voice."""
        if self.compression is None:
            if vls == 1:  # still take the line: the box seized it for a reason
                self.modem.command("AT+VLS=1", accept=("OK", "VCON"))
            return
        self.modem.start_voice_receive(self.compression, line_setting=vls)

    def _on_hook_voice_mode(self) -> None:
        """Voice mode, modem on hook and the phone on the line: ready to report its events."""
        self.modem.command("AT+FCLASS=8")
        self.modem.command("AT+VLS=0", accept=("OK", "VCON"))


class ModemLineSignals(LineSignals):
    """The modem's ring, caller-ID and hook reports as line signals; the relay seizes the line."""

    def __init__(self, line: ModemLine) -> None:
        super().__init__(line.modem.url)
        self._line = line

    def emit(self, event) -> None:
        self._emit(event)

    def _set_relay(self, seized: bool) -> None:
        self._line.request("seize" if seized else "release")

    def _release(self) -> None:
        self._line.close()


class ModemLineCapture(CaptureStream):
    """The line's voice while the modem receives it, silence at real time otherwise."""

    def __init__(self, line: ModemLine, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(f"{line.modem.url} (line audio)")
        self._line = line
        self._clock = clock
        self._stop = threading.Event()
        self._pacer = FramePacer(self._stop, clock)
        self._streaming = False
        self._failure: ModemError | None = None

    @property
    def overruns(self) -> int:
        return self._overruns + self._line.modem.overruns

    def fail(self, error: ModemError) -> None:
        """The modem is gone: the next read raises ``error``."""
        self._failure = error
        self._stop.set()

    def read(self) -> np.ndarray | None:
        while not self._closed:
            if self._failure is not None:
                raise self._failure
            if self._streaming or self._line.receiving:
                self._streaming = True
                try:
                    frame = self._line.modem.read_frame(_VOICE_WAIT_S)
                except ModemTimeoutError:
                    self._streaming = self._line.receiving
                    if self._streaming:  # the modem owes us voice: keep the line's clock going
                        self._overruns += 1
                        return np.zeros(FRAME_SAMPLES, dtype=np.int16)
                    continue
                if frame is not None:
                    return frame
                # End of the voice data: back to silence, on a fresh schedule.
                self._streaming = False
                self._pacer = FramePacer(self._stop, self._clock)
                continue
            self._overruns += 1 if self._pacer.wait() else 0
            if not self._closed and not self._line.receiving:
                return np.zeros(FRAME_SAMPLES, dtype=np.int16)
        return None

    def _release(self) -> None:
        self._stop.set()
        self._line.close()


def open_modem_line(url: str, **modem_options) -> ModemLine:
    """Open the modem at ``url`` as a line (see the module docstring); call ``start()`` next."""
    modem_url, listen_vls, ring_s = split_line_options(url)
    return ModemLine(VoiceModem(modem_url, **modem_options), listen_vls=listen_vls, ring_s=ring_s)
