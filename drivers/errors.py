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
    """Base of the voice modem's errors."""


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
