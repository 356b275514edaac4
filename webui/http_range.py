"""HTTP byte ranges (RFC 9110, section 14) for the recordings the browser's player seeks in.

One range per answer: ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n`` are
served as 206 Partial Content; a request for several ranges gets its first
range only (a client must accept that, and media players only ever ask for
one). A range that is malformed, reversed or starts past the end is
answered 416 with the size, so the player can ask again. A Range header in
another unit than bytes is ignored: the whole file, 200.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")
MAX_HEADER = 1000


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # exclusive

    @property
    def length(self) -> int:
        return self.end - self.start

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end - 1}/{size}"


class UnsatisfiableRange(ValueError):  # noqa: N818 - named after the HTTP status it becomes
    """The Range header cannot be served for a file of this size (416)."""


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The range to serve of a ``size``-byte file, or None for the whole file.

    Raises UnsatisfiableRange for a malformed or unsatisfiable bytes range.
    """
    if not header:
        return None
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    if len(header) > MAX_HEADER or not specs.strip():
        raise UnsatisfiableRange(header[:80])
    first = specs.split(",")[0]
    match = _SPEC.match(first)
    if match is None or (not match.group(1) and not match.group(2)):
        raise UnsatisfiableRange(first)
    start_text, end_text = match.groups()
    if not start_text:  # the last n bytes
        suffix = int(end_text)
        if suffix == 0 or size == 0:
            raise UnsatisfiableRange(first)
        return ByteRange(max(0, size - suffix), size)
    start = int(start_text)
    end = int(end_text) + 1 if end_text else size
    if start >= size or end <= start:
        raise UnsatisfiableRange(first)
    return ByteRange(start, min(end, size))


def ranged_answer(
    response: Any,
    headers: Mapping[str, str],
    size: int,
    chunks: Callable[[int, int], Iterator[bytes]],
    etag: str,
) -> Iterator[bytes] | str:
    """The body for a request with ``headers``: the whole of a ``size``-byte file, or the
    one range its Range header asks for (206, or 416 with the size), ``chunks(start, end)``
    giving the bytes; ``response`` (Bottle's) gets the status and headers. An If-Range
    that is not ``etag`` (the file changed since the client's copy) gets all of it."""
    response.set_header("Accept-Ranges", "bytes")
    response.set_header("ETag", etag)
    header = headers.get("Range")
    if_range = headers.get("If-Range")
    if if_range is not None and if_range != etag:
        header = None
    try:
        wanted = requested_range(header, size)
    except UnsatisfiableRange:
        response.status = 416
        response.set_header("Content-Range", f"bytes */{size}")
        return ""
    if wanted is None:
        response.set_header("Content-Length", str(size))
        return chunks(0, size)
    response.status = 206
    response.set_header("Content-Range", wanted.content_range(size))
    response.set_header("Content-Length", str(wanted.length))
    return chunks(wanted.start, wanted.end)
