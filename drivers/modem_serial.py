"""Voice modems on a serial port: the transport under ``drivers.modem``'s protocol.

``open_modem(url)`` / ``VoiceModem(url)`` take:

``serial:<device>[?baud=115200][&flow=rtscts]``
    A serial port, e.g. ``serial:/dev/ttyACM0?baud=115200`` (USB modems
    ignore the speed; 115200 is the default). ``flow`` is the port's flow
    control, which must match the modem's (``AT+IFC``, ``AT&K``): ``rtscts``
    (CTS, the default, as voice modems are usually set), ``xonxoff`` (the
    bytes 0x11 and 0x13 then never reach us as received audio: the port
    takes them as flow control) or ``none``.
any pyserial URL
    Passed to ``serial.serial_for_url`` as it is: ``loop://``,
    ``socket://host:port``, ``rfc2217://host:port``, ``spy://...``.

A reader thread (``modem-reader-<port>``) feeds every byte to an
``AtProtocol`` and sorts the events: results and text lines answer the
command in progress; RING, caller-ID lines, ``<DLE>`` codes and unsolicited
results go to ``poll()``; voice data is decoded into 160-sample int16
frames for ``read_frame()``. If the port fails (modem unplugged), every
waiting call raises ``ModemGoneError`` at once.

Voice sent to the line (``AT+VTR`` full duplex, ``AT+VTX`` transmit only)
goes through a bounded queue to a writer thread (``modem-writer-<port>``),
which writes it while the modem takes voice data and is held back by the
port's flow control; whoever queues never waits more than a frame.

Audio choice: the drivers decode voice data themselves (G.711 mu-law and
A-law, 8-bit and 16-bit linear; see ``drivers.voice_codecs``), so frames
from a modem look like frames from a sound card.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from drivers.audio import CaptureStream
from drivers.closing import ClosedOnExit
from drivers.errors import (
    DeviceError,
    DriverClosedError,
    DriverURLError,
    ModemCommandError,
    ModemError,
    ModemGoneError,
    ModemTimeoutError,
)
from drivers.modem import (
    END_OF_DATA,
    RECEIVE_ABORT,
    AtProtocol,
    InfoLine,
    ModemEvent,
    ResultCode,
    VoiceCompression,
    VoiceData,
    VoiceDataEnd,
    choose_compression,
    parse_vsm_list,
    shield,
)
from drivers.url import parse_url
from drivers.voice_codecs import FrameAssembler, VoiceDecoder, encode_samples

__all__ = ["CommandReply", "ModemCapture", "ModemConnection", "VoiceModem", "open_modem"]

ACCEPTED_MODEM_URLS = (
    "'serial:<device>[?baud=<speed>][&flow=rtscts|xonxoff|none]' "
    "(e.g. serial:/dev/ttyACM0?baud=115200) "
    "or a pyserial URL (loop://, socket://<host>:<port>, rfc2217://<host>:<port>)"
)
DEFAULT_BAUD = 115200
FRAME_QUEUE_FRAMES = 250  # 5 s of audio waiting for the reader before the oldest is dropped
TRANSMIT_QUEUE_FRAMES = 10  # 200 ms of voice waiting for the modem to take it
FRAME_S = 0.02
FLOW_CONTROLS = {"rtscts": {"rtscts": True}, "xonxoff": {"xonxoff": True}, "none": {}}
_READ_TIMEOUT = 0.05  # how often the reader and writer threads look at their stop flag
WRITE_TIMEOUT_S = 2.0  # the modem's flow control may hold a write back this long
_JOIN_TIMEOUT = 5.0
_GONE = object()  # put in every queue when the port fails, to wake the waiters
_END = object()  # end of voice data in the frame queue


@dataclass(frozen=True)
class CommandReply:
    command: str
    result: str  # the final result code, e.g. "OK", "CONNECT", "VCON"
    lines: tuple[str, ...]  # the text lines before it (the command's echo left out)


def _open_port(url: str, baudrate: int | None, serial_factory: Callable | None):
    import serial  # noqa: PLC0415 - pyserial only when a modem is used

    scheme = url.partition(":")[0].lower()
    if "://" in url:
        target, options = url, {}
    elif scheme == "serial":
        parsed = parse_url(url, {"serial": frozenset({"baud", "flow"})}, ACCEPTED_MODEM_URLS)
        if not parsed.target:
            raise DriverURLError(url, "no device after 'serial:'", ACCEPTED_MODEM_URLS)
        target = parsed.target
        options = {"baud": int(parsed.number("baud", DEFAULT_BAUD, minimum=1))}
        flow = parsed.options.get("flow", "rtscts")
        if flow not in FLOW_CONTROLS:
            raise DriverURLError(
                url, f"flow={flow!r} is not one of {', '.join(FLOW_CONTROLS)}", ACCEPTED_MODEM_URLS
            )
        options["flow"] = FLOW_CONTROLS[flow]
    else:
        raise DriverURLError(url, "not a modem URL", ACCEPTED_MODEM_URLS)
    baud = baudrate or options.get("baud", DEFAULT_BAUD)
    factory = serial_factory or serial.serial_for_url
    try:
        port = factory(
            target,
            baudrate=baud,
            timeout=_READ_TIMEOUT,
            write_timeout=WRITE_TIMEOUT_S,
            **options.get("flow", {}),
        )
    except ValueError as error:  # pyserial: unknown protocol or bad parameter
        raise DriverURLError(url, str(error), ACCEPTED_MODEM_URLS) from error
    except (serial.SerialException, OSError) as error:
        raise DeviceError(
            f"cannot open the modem port {target!r}: {error}; check that the modem is plugged "
            "in (ls /dev/ttyACM* /dev/ttyUSB*), that no other program (ModemManager?) holds "
            "it, and that this user may use it (group dialout)"
        ) from error
    return port, target, baud


class ModemConnection(ClosedOnExit):
    """A serial port with an AT-command modem on it: commands, events and voice frames."""

    def __init__(
        self,
        url: str,
        *,
        baudrate: int | None = None,
        command_timeout: float = 5.0,
        serial_factory: Callable | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import serial  # noqa: PLC0415 - pyserial only when a modem is used

        self.url = url
        self.command_timeout = command_timeout
        self._serial_errors = (serial.SerialException, OSError)
        self._port, self.port_name, self.baudrate = _open_port(url, baudrate, serial_factory)
        self._protocol = AtProtocol(clock)
        self._responses: queue.SimpleQueue = queue.SimpleQueue()
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._frames: queue.Queue = queue.Queue(FRAME_QUEUE_FRAMES)
        self._decoder: VoiceDecoder | None = None
        self._assembler = FrameAssembler()
        self.overruns = 0  # voice frames dropped because nobody read them in time
        self._transmit: queue.Queue[bytes] = queue.Queue(TRANSMIT_QUEUE_FRAMES)
        self._transmit_open = threading.Event()  # the modem takes voice data now
        self._writer: threading.Thread | None = None
        self._port_lock = threading.Lock()  # one writer on the port at a time
        self.transmit_dropped = 0  # voice frames dropped because the modem did not take them
        self.transmit_failure: ModemError | None = None  # the modem stopped taking voice
        self._command_lock = threading.Lock()  # one command at a time
        self._routing_lock = threading.Lock()  # guards _awaiting_reply
        self._awaiting_reply = False
        self._failure: ModemGoneError | None = None
        self._closed = False
        self._stop = threading.Event()
        self._reader = threading.Thread(
            target=self._read_loop, name=f"modem-reader-{self.port_name}", daemon=True
        )
        self._reader.start()

    # -- the reader thread

    def _read_loop(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._port.read(max(1, self._port.in_waiting))
            except self._serial_errors as error:
                if not self._stop.is_set():
                    self._fail(f"reading from the modem port {self.port_name!r} failed: {error}")
                return
            if data:
                for event in self._protocol.feed(data):
                    self._route(event)

    def _route(self, event: ModemEvent) -> None:
        if isinstance(event, VoiceData):
            if self._decoder is not None:
                for frame in self._assembler.add(self._decoder.decode(event.data)):
                    self._queue_frame(frame)
            return
        if isinstance(event, VoiceDataEnd):
            last = self._assembler.flush()
            if last is not None:
                self._queue_frame(last)
            self._queue_frame(_END)
            self._events.put(event)
            return
        with self._routing_lock:
            if self._awaiting_reply and isinstance(event, ResultCode | InfoLine):
                self._responses.put(event)
                return
        self._events.put(event)

    def _queue_frame(self, frame: object) -> None:
        while True:
            try:
                self._frames.put_nowait(frame)
                return
            except queue.Full:
                try:
                    self._frames.get_nowait()
                    self.overruns += 1
                except queue.Empty:
                    pass

    def _fail(self, problem: str) -> None:
        self._failure = ModemGoneError(
            f"{problem}; the modem was unplugged, switched off or the port was closed: "
            "check the cable and reopen the modem"
        )
        for waiters in (self._responses, self._events):
            waiters.put(_GONE)
        self._queue_frame(_GONE)

    # -- commands

    def _check_usable(self) -> None:
        if self._closed:
            raise DriverClosedError(f"the modem connection {self.url!r} is closed")
        if self._failure is not None:
            raise self._failure

    def _write(self, data: bytes) -> None:
        try:
            with self._port_lock:
                self._port.write(data)
                self._port.flush()
        except self._serial_errors as error:
            self._fail(f"writing to the modem port {self.port_name!r} failed: {error}")
            raise self._failure from error

    # -- voice to the line

    def queue_voice(self, data: bytes, wait: float = FRAME_S) -> bool:
        """Queue voice data (already shielded) for the writer; False if it was dropped.

        Waits at most ``wait`` for room: a modem that takes its data slower
        than it comes (its flow control holds the port) loses the frame, not
        the caller's time. Raises the transmit failure once the modem stopped
        taking voice, ModemGoneError once the port failed.
        """
        self._check_usable()
        if self.transmit_failure is not None:
            raise self.transmit_failure
        if self._writer is None:
            self._writer = threading.Thread(
                target=self._write_loop, name=f"modem-writer-{self.port_name}", daemon=True
            )
            self._writer.start()
        try:
            self._transmit.put(data, timeout=wait)
        except queue.Full:
            self.transmit_dropped += 1
            return False
        return True

    @property
    def voice_queued(self) -> int:
        """Frames of voice waiting for the modem."""
        return self._transmit.qsize()

    def open_transmit(self) -> None:
        """The modem takes voice data now (after the CONNECT to AT+VTX or AT+VTR)."""
        self.transmit_failure = None
        self._transmit_open.set()

    def close_transmit(self) -> None:
        """Stop writing voice and drop what is queued; a write under way finishes first."""
        self._transmit_open.clear()
        with self._port_lock:
            self.drop_voice()

    def drop_voice(self) -> None:
        """Forget the voice queued and not yet written."""
        while True:
            try:
                self._transmit.get_nowait()
            except queue.Empty:
                return

    def _write_loop(self) -> None:
        import serial  # noqa: PLC0415 - pyserial only when a modem is used

        while not self._stop.is_set():
            if not self._transmit_open.wait(_READ_TIMEOUT):
                continue
            try:
                data = self._transmit.get(timeout=_READ_TIMEOUT)
            except queue.Empty:
                continue
            try:
                with self._port_lock:
                    if not self._transmit_open.is_set():
                        continue  # the transmit ended while we waited: the data is stale
                    self._port.write(data)
            except serial.SerialTimeoutException:
                self._transmit_open.clear()
                self.drop_voice()
                self.transmit_failure = ModemTimeoutError(
                    f"the modem on {self.port_name!r} took no voice data for "
                    f"{WRITE_TIMEOUT_S:g} s (its flow control held the port): playing stopped"
                )
            except self._serial_errors as error:
                if not self._stop.is_set():
                    self._fail(f"writing to the modem port {self.port_name!r} failed: {error}")
                return

    def wake(self) -> None:
        """Make a ``poll`` waiting in another thread return (None) at once."""
        self._events.put(None)

    def command(
        self,
        command: str,
        *,
        timeout: float | None = None,
        accept: Iterable[str] = ("OK",),
        raw: bytes | None = None,
        voice_data_after_connect: bool = False,
    ) -> CommandReply:
        """Send ``command`` (CR added) and wait for its final result.

        Returns the reply when the result is in ``accept``; raises
        ModemCommandError for any other result (ERROR, NO CARRIER, ...),
        ModemTimeoutError when none came within ``timeout`` (default
        ``command_timeout``), ModemGoneError when the port failed. ``raw``
        sends those bytes instead of the command text (``command`` then only
        names it in messages).
        """
        accepted = set(accept)
        timeout = self.command_timeout if timeout is None else timeout
        with self._command_lock:
            self._check_usable()
            while True:  # forget replies that came too late for an earlier command
                try:
                    self._responses.get_nowait()
                except queue.Empty:
                    break
            with self._routing_lock:
                self._awaiting_reply = True
            try:
                if voice_data_after_connect:
                    self._protocol.expect_voice_data()
                self._write(raw if raw is not None else command.encode("ascii") + b"\r")
                return self._await_result(command, accepted, timeout)
            finally:
                with self._routing_lock:
                    self._awaiting_reply = False

    def _await_result(self, command: str, accepted: set[str], timeout: float) -> CommandReply:
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                reply = self._responses.get(timeout=max(0.0, remaining))
            except queue.Empty:
                said = f" (it said only: {' / '.join(lines)})" if lines else ""
                raise ModemTimeoutError(
                    f"the modem on {self.port_name!r} did not answer {command!r} within "
                    f"{timeout:g} s{said}; check that it is powered, on this port and at "
                    f"{self.baudrate} baud"
                ) from None
            if reply is _GONE:
                self._responses.put(_GONE)
                raise self._failure
            if isinstance(reply, InfoLine):
                if reply.text.upper() != command.upper():  # the echo, before ATE0
                    lines.append(reply.text)
                continue
            if reply.code in accepted:
                return CommandReply(command, reply.code, tuple(lines))
            raise ModemCommandError(command, reply.code, tuple(lines))

    # -- events and frames

    def poll(self, timeout: float | None = None) -> ModemEvent | None:
        """The next unsolicited event (Ring, CallerIdLine, DleCode, ...), or None after timeout."""
        if self._closed:
            return None
        try:
            event = self._events.get(timeout=timeout)
        except queue.Empty:
            return None
        if event is _GONE:
            self._events.put(_GONE)
            raise self._failure
        return event  # None: woken (``wake``)

    def read_frame(self, timeout: float | None = None) -> np.ndarray | None:
        """The next 160-sample frame of received voice; None once the voice data ended.

        Raises ModemTimeoutError if no frame came within ``timeout``.
        """
        try:
            frame = self._frames.get(timeout=timeout)
        except queue.Empty:
            raise ModemTimeoutError(
                f"no voice data from the modem on {self.port_name!r} within {timeout:g} s"
            ) from None
        if frame is _GONE:
            self._queue_frame(_GONE)
            raise self._failure
        if frame is _END:
            return None
        return frame

    def _start_voice_frames(self, decoder: VoiceDecoder) -> None:
        while True:
            try:
                self._frames.get_nowait()
            except queue.Empty:
                break
        self._assembler = FrameAssembler()
        self._decoder = decoder

    # -- life cycle

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop the reader thread and close the port (the modem is left as it is)."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._transmit_open.clear()
        self._reader.join(_JOIN_TIMEOUT)
        if self._writer is not None:
            self._writer.join(_JOIN_TIMEOUT)
        with contextlib.suppress(*self._serial_errors):
            self._port.close()
        self._events.put(None)  # wakes a poll() in another thread
        self._queue_frame(_END)


class VoiceModem(ModemConnection):
    """A voice modem as a line interface: caller ID, answering, recording the line's audio,
    playing to the line."""

    def __init__(self, url: str, **options) -> None:
        super().__init__(url, **options)
        self.caller_id_command: str | None = None
        self.compression: VoiceCompression | None = None
        self.receiving = False
        # "AT+VTR" (full duplex) or "AT+VTX" (transmit only) while the modem takes voice.
        self.transmitting: str | None = None
        self.full_duplex: bool | None = None  # whether AT+VTR works; None until tried

    def initialise(self) -> str | None:
        """Reset, echo off, caller ID on; returns the command that enabled caller ID, or None."""
        self.command("ATZ", timeout=max(self.command_timeout, 10.0))
        self.command("ATE0")
        for enable in ("AT+VCID=1", "AT#CID=1"):
            try:
                self.command(enable)
            except ModemCommandError:
                continue
            self.caller_id_command = enable
            return enable
        return None

    def answer(self) -> None:
        """Take the line off hook in voice mode (AT+FCLASS=8, AT+VLS=1)."""
        self.command("AT+FCLASS=8")
        self.command("AT+VLS=1", accept=("OK", "VCON"))

    def off_hook(self) -> None:
        self.command("ATH1")

    def hang_up(self) -> None:
        """Stop receiving and transmitting if need be and put the line back on hook."""
        if self.transmitting == "AT+VTX":
            self.stop_voice_transmit()
        if self.receiving:
            self.stop_voice_receive()
        self.command("ATH0")

    def voice_compressions(self) -> list[VoiceCompression]:
        """What the modem offers for voice data (``AT+VSM=?``), in voice mode."""
        self.command("AT+FCLASS=8")
        return parse_vsm_list(self.command("AT+VSM=?").lines)

    def start_voice_receive(
        self,
        compression: VoiceCompression | None = None,
        line_setting: int = 1,
        *,
        full_duplex: bool = False,
    ) -> VoiceCompression:
        """Connect to the line in voice mode and start receiving its audio as frames.

        Without ``compression`` the best one the modem lists that the drivers
        decode is chosen (16-bit linear, then G.711, then 8-bit linear).
        ``line_setting`` is the ``AT+VLS`` setting: 1 takes the line off
        hook; some modems offer one that listens beside the phone instead.
        With ``full_duplex`` the modem is asked for ``AT+VTR`` (receive and
        transmit at once: ``transmit`` plays to the line meanwhile); a modem
        that refuses it receives with ``AT+VRX``, and is not asked again.
        """
        if compression is None:
            offered = self.voice_compressions()
            compression = choose_compression(offered)
            if compression is None:
                names = ", ".join(f"{c.id} {c.name}" for c in offered) or "nothing"
                raise ModemCommandError(
                    "AT+VSM=?", f"no 8 kHz format the drivers decode (it offers {names})"
                )
        elif compression.sample_format is None:
            raise ValueError(f"cannot decode voice compression {compression.name!r}")
        self.command("AT+FCLASS=8")
        self.command(compression.command())
        self.command(f"AT+VLS={line_setting}", accept=("OK", "VCON"))
        self.compression = compression
        if full_duplex and self.full_duplex is not False:
            self._start_voice_frames(VoiceDecoder(compression.sample_format))
            try:
                self.command("AT+VTR", accept=("CONNECT",), voice_data_after_connect=True)
            except ModemCommandError:
                self._protocol.expect_voice_data(False)
                self.full_duplex = False
            else:
                self.full_duplex = True
                self.receiving = True
                self.transmitting = "AT+VTR"
                self.open_transmit()
                return compression
        self._start_voice_frames(VoiceDecoder(compression.sample_format))
        self.command("AT+VRX", accept=("CONNECT",), voice_data_after_connect=True)
        self.receiving = True
        return compression

    def capture(self) -> ModemCapture:
        """The received voice as a ``drivers.audio`` capture stream."""
        return ModemCapture(self)

    def stop_voice_receive(self) -> None:
        """End voice receive: <DLE>! after AT+VRX, <DLE><ETX> after AT+VTR (the voice
        queued for the line is dropped); the modem ends its data and answers OK or VCON."""
        try:
            if self.transmitting == "AT+VTR":
                self.close_transmit()
                self.command("<DLE><ETX>", raw=self._end_of_data(), accept=("OK", "VCON"))
            else:
                self.command("<DLE>!", raw=RECEIVE_ABORT, accept=("OK", "VCON"))
        finally:
            self.receiving = False
            if self.transmitting == "AT+VTR":
                self.transmitting = None

    def resume_voice_receive(self) -> None:
        """Receive again (AT+VRX) on the line still held, after a transmit."""
        if self.compression is None or self.compression.sample_format is None:
            raise ModemCommandError("AT+VRX", "no voice compression chosen yet")
        self._start_voice_frames(VoiceDecoder(self.compression.sample_format))
        self.command("AT+VRX", accept=("CONNECT",), voice_data_after_connect=True)
        self.receiving = True

    def start_voice_transmit(self) -> None:
        """Play to the line with AT+VTX (transmit only), the line held in voice mode with the
        compression of the last ``start_voice_receive``; receiving stops meanwhile."""
        if self.compression is None:
            raise ModemCommandError("AT+VTX", "no voice compression chosen yet")
        if self.receiving:
            self.stop_voice_receive()
        self.command("AT+VTX", accept=("CONNECT",))
        self.transmitting = "AT+VTX"
        self.open_transmit()

    def stop_voice_transmit(self) -> None:
        """End AT+VTX: what is queued is dropped, <DLE><ETX> ends the data, OK or VCON."""
        if self.transmitting != "AT+VTX":
            return
        self.close_transmit()
        try:
            self.command("<DLE><ETX>", raw=self._end_of_data(), accept=("OK", "VCON"))
        finally:
            self.transmitting = None

    def _end_of_data(self) -> bytes:
        """<DLE><ETX>; after a write the flow control cut short, a byte before it, so that a
        DLE left unpaired there cannot take the end for data."""
        if self.transmit_failure is None:
            return END_OF_DATA
        return b"\xff" + END_OF_DATA

    def transmit(self, frame: np.ndarray) -> bool:
        """Queue one int16 frame for the line, in the modem's compression, DLE shielded;
        False if it was dropped (see ``queue_voice``)."""
        if self.compression is None or self.compression.sample_format is None:
            raise ModemCommandError("voice data", "no voice compression chosen yet")
        return self.queue_voice(shield(encode_samples(frame, self.compression.sample_format)))


class ModemCapture(CaptureStream):
    """A modem's received voice as a capture stream, like a sound card's (``VoiceModem.capture``).

    ``read()`` returns None at the end of the voice data or once closed, and
    raises ModemGoneError (a DeviceError) if the modem disappears. Closing
    it leaves the modem open.
    """

    def __init__(self, modem: ModemConnection) -> None:
        super().__init__(f"{modem.url} (voice)")
        self._modem = modem

    @property
    def overruns(self) -> int:
        return self._modem.overruns

    def read(self) -> np.ndarray | None:
        if self._closed:
            return None
        frame = self._modem.read_frame(None)
        return None if self._closed else frame

    def _release(self) -> None:
        self._modem._queue_frame(_END)  # wakes a read() blocked in another thread


def open_modem(url: str, **options) -> VoiceModem:
    """Open the voice modem at ``url`` (see the module docstring); not yet initialised."""
    return VoiceModem(url, **options)
