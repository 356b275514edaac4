"""The exceptions of the drivers; every failure ``drivers`` raises on purpose is a DriverError.

Each one also subclasses the builtin that fits, so callers that know nothing
of this package still catch them sensibly (a bad URL is a ``ValueError``, a
device that fails is an ``OSError``).
"""

from __future__ import annotations


class DriverError(Exception):
    """Base of every error raised by drivers."""


class DriverURLError(DriverError, ValueError):
    """A driver URL that is malformed or names no known backend."""

    def __init__(self, url: str, problem: str, accepted: str) -> None:
        super().__init__(f"driver URL {url!r}: {problem}; accepted forms: {accepted}")
        self.url = url
        self.problem = problem


class BackendUnavailableError(DriverError, RuntimeError):
    """The library a backend needs is missing or cannot run on this machine."""


class DeviceError(DriverError, OSError):
    """A device that cannot be opened or stopped working (sound card, GPIO, serial port)."""


class DriverClosedError(DriverError, ValueError):
    """An operation on a stream, signal source or modem that was already closed."""


class AudioFormatError(DriverError, ValueError):
    """Audio in a shape, type or file format the drivers do not take."""


class ModemError(DriverError):
    """Base of the modems' errors (voice and GSM)."""


class ModemCommandError(ModemError, RuntimeError):
    """The modem refused a command (answered ERROR or another failure result)."""

    def __init__(self, command: str, result: str, lines: tuple[str, ...] = ()) -> None:
        detail = f" (it also said: {' / '.join(lines)})" if lines else ""
        super().__init__(
            f"modem answered {result} to {command!r}{detail}; check that the modem supports "
            "this command (see its AT command manual) and is in the right mode"
        )
        self.command = command
        self.result = result
        self.lines = lines


class ModemTimeoutError(ModemError, TimeoutError):
    """The modem did not finish answering a command in time."""


class ModemGoneError(ModemError, DeviceError):
    """The modem's port was closed or the device disappeared (unplugged, powered off)."""


class GsmError(ModemError):
    """Base of the GSM modem's errors (text messages)."""


class GsmCommandError(ModemCommandError, GsmError):
    """The GSM modem refused a command with ``+CMS ERROR: <n>`` or ``+CME ERROR: <n>``.

    ``family`` is ``CMS`` or ``CME``, ``code`` the number (None when the modem gave words),
    ``meaning`` one line for a person, ``scope`` what a sender does about it
    (``drivers.gsm_errors``: ``message``, ``retry`` or ``modem``).
    """

    def __init__(
        self,
        command: str,
        family: str,
        code: int | None,
        meaning: str,
        *,
        scope: str,
        lines: tuple[str, ...] = (),
    ) -> None:
        number = "" if code is None else f" {code}"
        Exception.__init__(self, f"+{family} ERROR{number} to {command!r}: {meaning}")
        self.command = command
        self.result = f"+{family} ERROR"
        self.lines = lines
        self.family = family
        self.code = code
        self.meaning = meaning
        self.scope = scope


class SimNotReadyError(GsmError, RuntimeError):
    """The GSM modem's SIM cannot be used: not inserted, locked by a PIN or PUK, failed.

    ``status`` is what the modem said of it: ``SIM PIN``, ``SIM not inserted``, ...
    """

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status


class NoNetworkError(GsmError, ConnectionError):
    """The GSM modem is not registered on a network (no coverage, SIM refused, searching)."""
