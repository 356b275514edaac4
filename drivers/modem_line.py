"""A voice modem as one line of the box: ring, caller ID, hook events, the line's audio both ways.

``open_modem_line(url)`` gives a ``ModemLine`` whose ``signals`` (a
``LineSignals``), ``capture`` (a ``CaptureStream``) and ``playback`` (a
``PlaybackStream``) stand in for a line interface's optocouplers, relay and
sound card, so the engine runs a modem line like any other. What the modem
reports becomes line signals:

- ``RING`` (or ``<DLE>R``): ``RingStarted``, and ``RingStopped`` ``ring_ms``
  later, since a modem reports each ring burst once;
- caller-ID report lines (``DATE``, ``TIME``, ``NMBR``, ``NAME``, ``MESG``):
  ``CallerIdReport`` with the line as sent, for the firmware to read;
- ``<DLE>H`` / ``<DLE>P`` (the local or an extension phone went off hook):
  ``LoopStarted``; ``<DLE>h`` / ``<DLE>p`` and ``<DLE>l`` (loop current
  broken: the far end hung up): ``LoopStopped``. While the box holds the
  line the modem still knows its own handset (``H``/``h``), not the
  extensions (``P``/``p``: passed over then);
- ``<DLE><digit>`` (the modem's DTMF detector): ``KeyReported``, only while
  the modem plays with ``AT+VTX`` and a moment after, when the line's audio
  is not heard (otherwise the engine hears the key in the audio itself).

Audio: while the modem receives the line's voice its frames are the
capture's frames; otherwise the capture gives silence at real time, so the
line's clock runs on. The modem receives the line's voice when the box
seizes the line (the relay: off hook in voice mode, ``AT+VLS=1``,
``AT+VRX``) and, where ``listen=<n>`` names the modem's ``+VLS`` setting
that puts it on the line beside the phone without taking the line off hook
(see the modem's ``AT+VLS=?``), for as long as a phone on the line is off
hook. Without ``listen`` a modem line logs every call, with caller ID, but
records only calls the box takes itself.

Playing: while the box holds the line, and beside a phone that holds it
where ``listen`` is set (the announcement before recording, heard by both
parties), the modem plays what the playback is given, in the voice
compression it receives in, DLE shielded, through the modem's writer thread
(``drivers.modem_serial``), paced by the port's flow
control; a write never waits more than a frame (a frame the modem did not
take in time is dropped and counted). A modem that does full-duplex voice
(``AT+VTR``) receives and plays at once from the moment it is on the
line: the capture goes on hearing the line, the box's prompts included
(their echo is the engine's to take out), and ``rest()`` only drops what is
queued (the modem plays silence from its empty buffer). A modem that
answers ERROR to ``AT+VTR`` plays with ``AT+VTX`` (transmit only): from the
first sound written until ``rest()`` or a few silent frames, the modem
stops receiving (``<DLE>!``), plays, ends with ``<DLE><ETX>`` and receives
again (``AT+VRX``); meanwhile the capture gives silence and the caller's
keys come from the modem's own DTMF reports.

URL: ``serial:<device>[?baud=115200][&flow=rtscts][&listen=<n>][&ring_ms=1000]``, or any
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
from drivers.audio import CaptureStream, PlaybackStream
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
    KeyReported,
    LineSignals,
    LoopStarted,
    LoopStopped,
    RingStarted,
    RingStopped,
)
from drivers.url import parse_url

__all__ = [
    "ModemLine",
    "ModemLineCapture",
    "ModemLinePlayback",
    "ModemLineSignals",
    "open_modem_line",
]

log = logging.getLogger(__name__)

ACCEPTED_MODEM_LINE_URLS = (
    "'serial:<device>[?baud=<speed>][&flow=rtscts|xonxoff|none][&listen=<+VLS setting>]"
    "[&ring_ms=<ms>]' "
    f"(e.g. serial:/dev/ttyACM0?listen=5), or {ACCEPTED_MODEM_URLS}"
)
DEFAULT_RING_S = 1.0
OFF_HOOK_CODES = frozenset("HP")  # local handset, extension phone
ON_HOOK_CODES = frozenset("hpl")  # local handset, extension phone, loop current broken
EXTENSION_CODES = frozenset("Pp")  # not known while the modem itself holds the line
PLAYBACK_LATENCY_FRAMES = 2  # a frame in the writer's queue, a frame in the modem's buffer
TRANSMIT_IDLE_FRAMES = 10  # AT+VTX: this much silence written ends the transmit
KEYS_AFTER_TRANSMIT_S = 0.3  # a key reported this soon after AT+VTX ended was not heard
_POLL_S = 0.05  # how often the line thread looks at its requests and ring timer
_VOICE_WAIT_S = 0.1  # the capture's wait for a voice frame before it looks again


def split_line_options(url: str) -> tuple[str, int | None, float]:
    """The modem URL without the line's options, the ``listen`` setting and the ring length."""
    if "://" in url:
        return url, None, DEFAULT_RING_S
    parsed = parse_url(
        url, {"serial": frozenset({"baud", "flow", "listen", "ring_ms"})}, ACCEPTED_MODEM_LINE_URLS
    )
    listen = parsed.options.get("listen")
    if listen is not None and not listen.isdigit():
        raise DriverURLError(
            url, f"listen={listen!r} is not a +VLS setting number", ACCEPTED_MODEM_LINE_URLS
        )
    ring_s = parsed.number("ring_ms", DEFAULT_RING_S * 1000, minimum=50) / 1000
    modem_url = f"serial:{parsed.target}"
    port_options = {k: parsed.options[k] for k in ("baud", "flow") if k in parsed.options}
    if port_options:
        modem_url += "?" + urlencode(port_options)
    return modem_url, None if listen is None else int(listen), ring_s


class ModemLine:
    """A voice modem driven as a line: ``signals``, ``capture`` and ``playback`` for the engine."""

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
        self.playback = ModemLinePlayback(self)
        self.failure: ModemError | None = None
        self.playback_failure: ModemError | None = None
        self.playback_dropped = 0  # frames written while the box did not hold the line
        self._held = False  # the relay as the engine last set it
        self._transmit_wanted = False  # AT+VTX: asked for and not yet rested
        self._silent_run = 0
        self._deaf_until = 0.0  # AT+VTX ended: keys reported before this were not heard
        self._requests: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._ring_stops_at: float | None = None
        self._phone_off_hook = False
        self._seized = False
        self._beside_phone = False  # on the line with listen= while a phone holds it
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
        """Ask the line's thread to ``seize`` or ``release`` the line, ``transmit`` (AT+VTX)
        or ``rest`` (end it)."""
        self._requests.put(what)
        self.modem.wake()

    @property
    def on_the_line(self) -> bool:
        """Whether the modem is on the line to play: the box holds it, or the modem listens
        beside the phone that holds it."""
        return self._held or self._beside_phone

    def set_held(self, held: bool) -> None:
        """The engine sets the relay: the line's thread takes or lets go of the line."""
        self._held = held
        if not held:
            self._transmit_wanted = False
            self.modem.drop_voice()
        self.request("seize" if held else "release")

    # -- playing (the engine's worker thread)

    def play(self, frame: np.ndarray) -> None:
        """One frame to the line, queued for the modem; never waits more than a frame."""
        if self.failure is not None:
            raise self.failure
        if self.playback_failure is not None:
            raise self.playback_failure
        if not self.on_the_line or self.compression is None:
            self.playback_dropped += 1  # the modem plays only while it is on the line
            return
        if self.modem.full_duplex is False and not self._transmit_only(frame):
            return
        if self.modem.compression is None:
            # The line's thread has not put the modem in voice mode yet (it carries out the
            # seize a moment after the engine asks, the first time): not heard.
            self.playback_dropped += 1
            return
        self.modem.transmit(frame)

    def _transmit_only(self, frame: np.ndarray) -> bool:
        """AT+VTX: transmit from the first sound until a run of silence; whether to queue."""
        if frame.any():
            self._silent_run = 0
            if not self._transmit_wanted:
                self._transmit_wanted = True
                self.request("transmit")
            return True
        self._silent_run += 1
        if self._transmit_wanted and self._silent_run >= TRANSMIT_IDLE_FRAMES:
            self._transmit_wanted = False
            self.request("rest")
        return self._transmit_wanted

    def rest(self) -> None:
        """Stop playing: drop what is queued; AT+VTX ends and the modem receives again."""
        self._silent_run = 0
        self.modem.drop_voice()
        if self._transmit_wanted:
            self._transmit_wanted = False
            self.request("rest")

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
        elif isinstance(event, DleCode) and event.dtmf:
            if self.modem.transmitting == "AT+VTX" or self._clock() < self._deaf_until:
                self.signals.emit(KeyReported(event.at, event.dtmf))
        elif isinstance(event, DleCode) and self._seized and event.code in EXTENSION_CODES:
            pass  # the modem holding the line cannot tell an extension's hook
        elif isinstance(event, DleCode) and event.code in OFF_HOOK_CODES:
            self._phone_picked_up(event.at)
        elif isinstance(event, DleCode) and event.code in ON_HOOK_CODES:
            self._phone_hung_up(event.at)

    def _phone_picked_up(self, at: float) -> None:
        if self._phone_off_hook:
            return
        self._phone_off_hook = True
        try:
            # On the line first, then told: an announcement started at the pick-up is heard
            # from its first frame.
            if self.listen_vls is not None and not self._seized and not self.modem.receiving:
                self._receive(self.listen_vls)
                self._beside_phone = self.modem.receiving
        finally:
            self.signals.emit(LoopStarted(at))

    def _phone_hung_up(self, at: float) -> None:
        if not self._phone_off_hook:
            return
        self._phone_off_hook = False
        self.signals.emit(LoopStopped(at))
        was_beside = self._beside_phone
        self._beside_phone = False
        if was_beside and self.modem.transmitting == "AT+VTX":
            self._transmit_wanted = False
            self.modem.stop_voice_transmit()  # it hung up while the modem played beside it
        if not self._seized and self.modem.receiving:
            self.modem.stop_voice_receive()
        if not self._seized and was_beside:
            self._on_hook_voice_mode()

    def _carry_out_requests(self) -> None:
        while True:
            try:
                what = self._requests.get_nowait()
            except queue.Empty:
                return
            if what == "seize" and not self._seized:
                self._seized = True
                self._beside_phone = False
                self.modem.stop_voice_transmit()
                if self.modem.receiving:  # listening in already: now hold the line as well
                    self.modem.stop_voice_receive()
                self._receive(1)
            elif what == "release" and self._seized:
                self._seized = False
                self.modem.hang_up()
                self._on_hook_voice_mode()
            elif what == "transmit" and self.on_the_line and self.modem.transmitting is None:
                self._start_transmit()
            elif what == "rest" and self.modem.transmitting == "AT+VTX":
                self.modem.stop_voice_transmit()
                self._deaf_until = self._clock() + KEYS_AFTER_TRANSMIT_S
                if self._seized or self._beside_phone:
                    self.modem.resume_voice_receive()

    def _start_transmit(self) -> None:
        try:
            self.modem.start_voice_transmit()
        except (ModemCommandError, ModemTimeoutError) as error:
            self.playback_failure = error
            raise
        if not self._transmit_wanted:  # rested while the modem connected
            self._requests.put("rest")

    def _receive(self, vls: int) -> None:
        """Connect the modem to the line with ``AT+VLS=<vls>`` and start receiving its voice."""
        if self.compression is None:
            if vls == 1:  # still take the line: the box seized it for a reason
                self.modem.command("AT+VLS=1", accept=("OK", "VCON"))
            return
        # On the line, the modem plays as well where it can (full duplex): the box's prompts
        # where it holds the line, the announcement beside the phone.
        self.modem.start_voice_receive(self.compression, line_setting=vls, full_duplex=True)

    def _on_hook_voice_mode(self) -> None:
        """Voice mode, modem on hook and the phone on the line: ready to report its events."""
        self.modem.command("AT+FCLASS=8")
        self.modem.command("AT+VLS=0", accept=("OK", "VCON"))


class ModemLineSignals(LineSignals):
    """The modem's ring, caller-ID and hook reports as line signals; the relay seizes the line."""

    # The modem reports its own handset's hook also while it holds the line.
    senses_phones_while_seized = True

    def __init__(self, line: ModemLine) -> None:
        super().__init__(line.modem.url)
        self._line = line

    def emit(self, event) -> None:
        self._emit(event)

    def _set_relay(self, seized: bool) -> None:
        self._line.set_held(seized)

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


class ModemLinePlayback(PlaybackStream):
    """What the box plays to the line, through the modem while it holds the line."""

    paced_by_capture = False
    latency_frames = PLAYBACK_LATENCY_FRAMES

    def __init__(self, line: ModemLine) -> None:
        super().__init__(f"{line.modem.url} (line output)")
        self._line = line

    @property
    def can_play(self) -> bool:
        return self._line.compression is not None

    @property
    def plays_beside_phones(self) -> bool:
        return self._line.listen_vls is not None

    @property
    def dropped(self) -> int:
        """Frames not played: written while the line was not held, or not taken in time."""
        return self._line.playback_dropped + self._line.modem.transmit_dropped

    def _write(self, frame: np.ndarray, sounds_with: int | None = None) -> None:
        self._line.play(frame)

    def rest(self) -> None:
        if not self._closed:
            self._line.rest()

    def _release(self) -> None:
        self._line.close()


def open_modem_line(url: str, **modem_options) -> ModemLine:
    """Open the modem at ``url`` as a line (see the module docstring); call ``start()`` next."""
    modem_url, listen_vls, ring_s = split_line_options(url)
    return ModemLine(VoiceModem(modem_url, **modem_options), listen_vls=listen_vls, ring_s=ring_s)
