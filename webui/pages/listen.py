"""Live listen: a line's audio as it happens, streamed to the browser (``static/listen.js``).

``/lines/<n>/listen`` (flag ``live_listen``, and a line the user may see,
else 404) relays the engine's live audio socket (``firmware.link.live_audio``):
raw 16-bit little-endian PCM at 8 kHz, sent on as it comes, chunk by chunk,
never gathered. Each stream holds one server thread, so there are at most
``MAX_LISTENERS`` at a time; a stream ends when the browser stops, the
engine goes away, the session ends, or the user may no longer listen to the
line: their rights are checked again before the next chunk whenever they
may have changed (``webui.streams``). Each user may hold a few listens at
once, out of ``webui.streams.LISTENERS``. Every listen is in the audit log.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

from audio_format import SAMPLE_RATE
from firmware.link.live_audio import LiveAudioError, listen
from webui.context import Ctx
from webui.streams import Slot, recheck

FIRST_AUDIO_S = 2.0  # an engine running the line sends a frame every 20 ms
READ_TIMEOUT_S = 3.0
SESSION_CHECK_S = 15.0
CHUNK = 4096
CONTENT_TYPE = f"audio/L16;rate={SAMPLE_RATE};channels=1"

def line_listen(ctx: Ctx, line: int):
    if not ctx.principal.sees_line(line):
        ctx.fail(404, "Not found.")
    slot = ctx.deps.listen_slots.take(ctx.user.id)
    if slot is None:
        ctx.response.set_header("Retry-After", "10")
        ctx.fail(503, "Too many people are listening live; try again later.")
    try:
        connection = listen(ctx.deps.folder.audio_socket, line, timeout=FIRST_AUDIO_S)
        first = connection.recv(CHUNK)
    except (LiveAudioError, OSError):
        first = b""
        connection = None
    if not first:
        if connection is not None:
            connection.close()
        slot.release()
        ctx.fail(503, "Line {n} is not sending audio now; is the line engine running?", n=line)
    ctx.audit("live_listen", f"line {line}")
    ctx.response.content_type = CONTENT_TYPE
    ctx.response.set_header("Cache-Control", "no-store")
    ctx.response.set_header("X-Accel-Buffering", "no")
    return LiveRelay(ctx, connection, first, slot, line)


class LiveRelay:
    """The response body: the engine's audio as it comes. The server closes it when the
    browser goes, which gives back the connection and the slot (even if never read)."""

    def __init__(
        self, ctx: Ctx, connection: socket.socket, first: bytes, slot: Slot, line: int
    ) -> None:
        self._ctx = ctx
        self._connection = connection
        self._first = first
        self._slot = slot
        self._line = line
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        deps, token = self._ctx.deps, self._ctx.session_token
        connection = self._connection
        connection.settimeout(READ_TIMEOUT_S)
        yield self._first
        next_check = time.monotonic() + SESSION_CHECK_S
        seen = deps.rights.generation
        while not self._closed and not deps.engine.closing:
            try:
                data = connection.recv(CHUNK)
            except OSError:  # the engine stopped sending, or the relay was closed
                return
            if not data:
                return
            if deps.rights.generation != seen or time.monotonic() >= next_check:
                seen = deps.rights.generation
                if not self._may_go_on(recheck(deps, token)):
                    return  # signed out, expired, or no longer allowed to listen here
                next_check = time.monotonic() + SESSION_CHECK_S
            yield data

    def _may_go_on(self, principal) -> bool:
        return (
            principal is not None
            and principal.can("live_listen")
            and principal.sees_line(self._line)
        )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self._connection.close()
        self._slot.release()
