"""An AT-command modem on a serial port: the transport both modem drivers stand on.

``AtConnection(url)`` opens the port (the URL forms are in
``drivers.modem_serial`` and ``drivers.gsm_modem``), and a reader thread
(``modem-reader-<port>``) feeds every byte to an ``AtProtocol``: results,
text lines and the prompt answer the command in progress; everything else
(RING, caller-ID lines, a GSM modem's unsolicited results) goes to
``poll()``. ``command()`` sends one command at a time and waits for its
final result; ``command(..., then=data)`` waits for the prompt ``"> "``
first and sends ``data`` after it (a text message after ``AT+CMGS``). If
the port fails (modem unplugged), every waiting call raises
``ModemGoneError`` at once.

The voice modem (``drivers.modem_serial.ModemConnection``) adds voice data
both ways; the GSM modem (``drivers.gsm_modem.GsmModem``) text messages.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from drivers.closing import ClosedOnExit
from drivers.errors import (
    DeviceError,
    DriverClosedError,
    DriverURLError,
    ModemCommandError,
    ModemGoneError,
    ModemTimeoutError,
)
from drivers.modem import AtProtocol, InfoLine, ModemEvent, Prompt, ResultCode
from drivers.url import parse_url

__all__ = ["AtConnection", "CommandReply", "open_port"]

DEFAULT_BAUD = 115200
FLOW_CONTROLS = {"rtscts": {"rtscts": True}, "xonxoff": {"xonxoff": True}, "none": {}}
READ_TIMEOUT_S = 0.05  # how often the reader thread looks at its stop flag
WRITE_TIMEOUT_S = 2.0  # the modem's flow control may hold a write back this long
JOIN_TIMEOUT_S = 5.0
GONE = object()  # put in every queue when the port fails, to wake the waiters


def _termios_errors() -> tuple[type[Exception], ...]:
    """termios.error, which pyserial lets through from a port that vanished mid-write
    (tcdrain) and which is not an OSError."""
    try:
        import termios  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows
        return ()
    return (termios.error,)


@dataclass(frozen=True)
class CommandReply:
    command: str
    result: str  # the final result code, e.g. "OK", "CONNECT", "VCON"
    lines: tuple[str, ...]  # the text lines before it (the command's echo left out)


def open_port(
    url: str,
    baudrate: int | None,
    serial_factory: Callable | None,
    accepted: str,
    *,
    default_flow: str = "rtscts",
    extra_options: frozenset[str] = frozenset(),
):
    """The pyserial port ``url`` names, its device name and its speed.

    ``serial:<device>[?baud=<speed>][&flow=rtscts|xonxoff|none]`` or any pyserial URL;
    ``extra_options`` are options of ``serial:`` the caller reads itself.
    """
    import serial  # noqa: PLC0415 - pyserial only when a modem is used

    scheme = url.partition(":")[0].lower()
    if "://" in url:
        target, options = url, {}
    elif scheme == "serial":
        parsed = parse_url(url, {"serial": frozenset({"baud", "flow"}) | extra_options}, accepted)
        if not parsed.target:
            raise DriverURLError(url, "no device after 'serial:'", accepted)
        target = parsed.target
        options = {"baud": int(parsed.number("baud", DEFAULT_BAUD, minimum=1))}
        flow = parsed.options.get("flow", default_flow)
        if flow not in FLOW_CONTROLS:
            raise DriverURLError(
                url, f"flow={flow!r} is not one of {', '.join(FLOW_CONTROLS)}", accepted
            )
        options["flow"] = FLOW_CONTROLS[flow]
    else:
        raise DriverURLError(url, "not a modem URL", accepted)
    baud = baudrate or options.get("baud", DEFAULT_BAUD)
    factory = serial_factory or serial.serial_for_url
    try:
        port = factory(
            target,
            baudrate=baud,
            timeout=READ_TIMEOUT_S,
            write_timeout=WRITE_TIMEOUT_S,
            **options.get("flow", {}),
        )
    except ValueError as error:  # pyserial: unknown protocol or bad parameter
        raise DriverURLError(url, str(error), accepted) from error
    except (serial.SerialException, OSError) as error:
        raise DeviceError(
            f"cannot open the modem port {target!r}: {error}; check that the modem is plugged "
            "in (ls /dev/ttyACM* /dev/ttyUSB*), that no other program (ModemManager?) holds "
            "it, and that this user may use it (group dialout)"
        ) from error
    return port, target, baud


class AtConnection(ClosedOnExit):
    """A serial port with an AT-command modem on it: commands and unsolicited events."""

    accepted_urls = (
        "'serial:<device>[?baud=<speed>][&flow=rtscts|xonxoff|none]' "
        "(e.g. serial:/dev/ttyACM0?baud=115200) "
        "or a pyserial URL (loop://, socket://<host>:<port>, rfc2217://<host>:<port>)"
    )
    default_flow = "rtscts"

    def __init__(
        self,
        url: str,
        *,
        baudrate: int | None = None,
        command_timeout: float = 5.0,
        serial_factory: Callable | None = None,
        clock: Callable[[], float] = time.monotonic,
        protocol: AtProtocol | None = None,
        extra_options: frozenset[str] = frozenset(),
    ) -> None:
        import serial  # noqa: PLC0415 - pyserial only when a modem is used

        self.url = url
        self.command_timeout = command_timeout
        self._serial_errors = (serial.SerialException, OSError, *_termios_errors())
        self._port, self.port_name, self.baudrate = open_port(
            url,
            baudrate,
            serial_factory,
            self.accepted_urls,
            default_flow=self.default_flow,
            extra_options=extra_options,
        )
        self._protocol = protocol or AtProtocol(clock)
        self._responses: queue.SimpleQueue = queue.SimpleQueue()
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._port_lock = threading.Lock()  # one writer on the port at a time
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
        with self._routing_lock:
            if self._awaiting_reply and isinstance(event, ResultCode | InfoLine | Prompt):
                self._responses.put(event)
                return
        self._events.put(event)

    def _fail(self, problem: str) -> None:
        self._failure = ModemGoneError(
            f"{problem}; the modem was unplugged, switched off or the port was closed: "
            "check the cable and reopen the modem"
        )
        for waiters in (self._responses, self._events):
            waiters.put(GONE)

    # -- commands

    @property
    def failure(self) -> ModemGoneError | None:
        """Why the port stopped working (unplugged), or None while it works."""
        return self._failure

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
        then: bytes | None = None,
        before_write: Callable[[], None] | None = None,
    ) -> CommandReply:
        """Send ``command`` (CR added) and wait for its final result.

        Returns the reply when the result is in ``accept``; raises
        ModemCommandError for any other result (ERROR, NO CARRIER, +CMS
        ERROR, ...), ModemTimeoutError when none came within ``timeout``
        (default ``command_timeout``), ModemGoneError when the port failed.
        ``raw`` sends those bytes instead of the command text (``command``
        then only names it in messages). With ``then``, the modem must answer
        with the prompt ``"> "`` first, and ``then`` is sent after it; the
        timeout runs again from there. ``before_write`` is called with the
        command's turn held, just before it is written.
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
                if before_write is not None:
                    before_write()
                self._protocol.expect_prompt(then is not None)
                self._write(raw if raw is not None else command.encode("ascii") + b"\r")
                if then is not None:
                    self._await_result(command, accepted, timeout, prompt=True)
                    self._write(then)
                return self._await_result(command, accepted, timeout)
            finally:
                self._protocol.expect_prompt(False)
                with self._routing_lock:
                    self._awaiting_reply = False

    def _command_error(
        self, command: str, reply: ResultCode, lines: tuple[str, ...]
    ) -> ModemCommandError:
        """The error a refused command raises (a GSM modem's names the error's meaning)."""
        return ModemCommandError(command, reply.code, lines)

    def _await_result(
        self, command: str, accepted: set[str], timeout: float, *, prompt: bool = False
    ) -> CommandReply:
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                reply = self._responses.get(timeout=max(0.0, remaining))
            except queue.Empty:
                said = f" (it said only: {' / '.join(lines)})" if lines else ""
                waited = "give its prompt to" if prompt else "answer"
                raise ModemTimeoutError(
                    f"the modem on {self.port_name!r} did not {waited} {command!r} within "
                    f"{timeout:g} s{said}; check that it is powered, on this port and at "
                    f"{self.baudrate} baud"
                ) from None
            if reply is GONE:
                self._responses.put(GONE)
                if self._failure is None:  # closed by another thread meanwhile
                    raise DriverClosedError(f"the modem connection {self.url!r} was closed")
                raise self._failure
            if isinstance(reply, Prompt):
                if prompt:
                    return CommandReply(command, "> ", tuple(lines))
                continue
            if isinstance(reply, InfoLine):
                if reply.text.upper() != command.upper():  # the echo, before ATE0
                    lines.append(reply.text)
                continue
            if reply.code in accepted and not prompt:
                return CommandReply(command, reply.code, tuple(lines))
            raise self._command_error(command, reply, tuple(lines))

    # -- events

    def poll(self, timeout: float | None = None) -> ModemEvent | None:
        """The next unsolicited event (Ring, CallerIdLine, Unsolicited, ...), or None after
        timeout or when woken (``wake``)."""
        if self._closed:
            return None
        try:
            event = self._events.get(timeout=timeout)
        except queue.Empty:
            return None
        if event is GONE:
            self._events.put(GONE)
            raise self._failure
        return event

    # -- life cycle

    @property
    def closed(self) -> bool:
        return self._closed

    def _stop_threads(self) -> None:
        """Stop the threads reading and writing the port (before it closes)."""
        self._reader.join(JOIN_TIMEOUT_S)

    def close(self) -> None:
        """Stop the reader thread and close the port (the modem is left as it is)."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._stop_threads()
        with contextlib.suppress(*self._serial_errors):
            self._port.close()
        self._responses.put(GONE)  # a command waiting in another thread ends now
        self._events.put(None)  # wakes a poll() in another thread
