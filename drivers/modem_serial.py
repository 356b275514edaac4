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

The AT-command transport is ``drivers.at_serial.AtConnection``: a reader
thread (``modem-reader-<port>``) feeds every byte to an ``AtProtocol`` and
sorts the events: results and text lines answer the command in progress;
RING, caller-ID lines, ``<DLE>`` codes and unsolicited results go to
``poll()``. Here voice data is decoded into 160-sample int16 frames for
``read_frame()``. If the port fails (modem unplugged), every waiting call
raises ``ModemGoneError`` at once.

Voice sent to the line (``AT+VTR`` full duplex, ``AT+VTX`` transmit only)
goes through a bounded queue to a writer thread (``modem-writer-<port>``),
which writes it while the modem takes voice data and is held back by the
port's flow control; whoever queues never waits more than a frame.

Audio choice: the drivers decode voice data themselves (G.711 mu-law and
A-law, 8-bit and 16-bit linear; see ``drivers.voice_codecs``), so frames
from a modem look like frames from a sound card.
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from drivers.at_serial import GONE as _GONE
from drivers.at_serial import JOIN_TIMEOUT_S as _JOIN_TIMEOUT
from drivers.at_serial import READ_TIMEOUT_S as _READ_TIMEOUT
from drivers.at_serial import WRITE_TIMEOUT_S, AtConnection, CommandReply
from drivers.audio import CaptureStream
from drivers.errors import ModemCommandError, ModemError, ModemTimeoutError
from drivers.modem import (
    END_OF_DATA,
    RECEIVE_ABORT,
    ModemEvent,
    VoiceCompression,
    VoiceData,
    VoiceDataEnd,
    choose_compression,
    parse_vsm_list,
    shield,
)
from drivers.voice_codecs import FrameAssembler, VoiceDecoder, encode_samples

__all__ = ["CommandReply", "ModemCapture", "ModemConnection", "VoiceModem", "open_modem"]

ACCEPTED_MODEM_URLS = AtConnection.accepted_urls
FRAME_QUEUE_FRAMES = 250  # 5 s of audio waiting for the reader before the oldest is dropped
TRANSMIT_QUEUE_FRAMES = 10  # 200 ms of voice waiting for the modem to take it
FRAME_S = 0.02
_END = object()  # end of voice data in the frame queue


class ModemConnection(AtConnection):
    """A serial port with an AT-command modem on it: commands, events and voice frames."""

    def __init__(self, url: str, **options) -> None:
        self._frames: queue.Queue = queue.Queue(FRAME_QUEUE_FRAMES)
        self._decoder: VoiceDecoder | None = None
        self._assembler = FrameAssembler()
        self.overruns = 0  # voice frames dropped because nobody read them in time
        self._transmit: queue.Queue[bytes] = queue.Queue(TRANSMIT_QUEUE_FRAMES)
        self._transmit_open = threading.Event()  # the modem takes voice data now
        self._writer: threading.Thread | None = None
        self.transmit_dropped = 0  # voice frames dropped because the modem did not take them
        self.transmit_failure: ModemError | None = None  # the modem stopped taking voice
        super().__init__(url, **options)

    # -- the reader thread

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
        super()._route(event)

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
        super()._fail(problem)
        self._queue_frame(_GONE)

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

    def command(
        self,
        command: str,
        *,
        voice_data_after_connect: bool = False,
        **options,
    ) -> CommandReply:
        """``AtConnection.command``; with ``voice_data_after_connect``, the CONNECT that
        answers it starts the modem's voice data (AT+VRX, AT+VTR)."""
        if voice_data_after_connect:
            options["before_write"] = self._protocol.expect_voice_data
        return super().command(command, **options)

    # -- frames

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

    def _stop_threads(self) -> None:
        self._transmit_open.clear()
        super()._stop_threads()
        if self._writer is not None:
            self._writer.join(_JOIN_TIMEOUT)

    def close(self) -> None:
        """Stop the reader and writer threads and close the port (the modem is left as
        it is)."""
        if self._closed:
            return
        super().close()
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
