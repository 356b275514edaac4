"""The one error recovery raises on purpose: a data folder it cannot recover as it is."""

from firmware.errors import LinerecError


class RecoveryError(LinerecError):
    """The data folder cannot be recovered as it is; the message says what is wrong."""
