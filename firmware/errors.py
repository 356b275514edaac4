"""The exceptions of the firmware; every one the box raises on purpose is a LinerecError."""


class LinerecError(Exception):
    """Base of the firmware's own errors."""
