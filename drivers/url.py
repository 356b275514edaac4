"""Driver URLs: ``scheme:target?option=value&option=value``.

A driver setting names its backend the way pySerial's ``serial_for_url``
does: the scheme picks the backend, the rest says which device or file, and
options after ``?`` tune it. ``parse_url`` splits a URL and checks its scheme
and option names against what the caller accepts, so a typo is reported
with the URL and the forms that would have worked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from drivers.errors import DriverURLError


@dataclass(frozen=True)
class DriverURL:
    url: str  # as given
    scheme: str  # "alsa", "wav", "sim", ...
    target: str  # what follows "scheme:" up to "?": a device, a path, a name; may be ""
    options: dict[str, str] = field(default_factory=dict)
    accepted: str = ""  # the valid forms, for error messages

    def flag(self, name: str, default: bool = False) -> bool:
        """An option read as a yes/no value (1/0, yes/no, true/false, on/off)."""
        value = self.options.get(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in {"1", "yes", "true", "on"}:
            return True
        if lowered in {"0", "no", "false", "off"}:
            return False
        raise DriverURLError(
            self.url, f"option {name}={value!r} is not a yes/no value (1 or 0)", self.accepted
        )

    def number(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        """An option read as a number no smaller than ``minimum``."""
        value = self.options.get(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not number >= minimum:  # also refuses NaN
            raise DriverURLError(
                self.url, f"option {name}={value!r} is not a number >= {minimum:g}", self.accepted
            )
        return number


def parse_url(
    url: str,
    schemes: dict[str, frozenset[str]],
    accepted: str,
    *,
    raw_schemes: frozenset[str] = frozenset(),
) -> DriverURL:
    """Split ``url`` and check it against ``schemes`` (scheme -> option names it takes).

    ``accepted`` is the human description of the valid forms, used in every
    error. Schemes listed in ``raw_schemes`` never treat ``?`` specially
    (their whole target is passed on as it is).
    """
    if not isinstance(url, str):
        raise DriverURLError(repr(url), f"expected a string, got {type(url).__name__}", accepted)
    scheme, colon, rest = url.partition(":")
    scheme = scheme.strip().lower()
    if not colon or not scheme:
        raise DriverURLError(url, "no scheme (expected 'scheme:...')", accepted)
    if scheme not in schemes:
        raise DriverURLError(url, f"unknown scheme {scheme!r}", accepted)
    if scheme in raw_schemes:
        return DriverURL(url, scheme, rest, {}, accepted)
    target, question, query = rest.partition("?")
    options: dict[str, str] = {}
    if question:
        try:
            pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            raise DriverURLError(url, f"malformed options {query!r}", accepted) from None
        for name, value in pairs:
            if name not in schemes[scheme]:
                known = ", ".join(sorted(schemes[scheme])) or "none"
                raise DriverURLError(
                    url, f"unknown option {name!r} for {scheme}: (it takes: {known})", accepted
                )
            options[name] = value
    return DriverURL(url, scheme, target, options, accepted)
