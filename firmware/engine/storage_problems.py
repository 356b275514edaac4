"""The recent store and file errors the engine went on past, for its status.

Nothing on a line's path may stop a line (``firmware.engine.journal``,
``firmware.engine.actions``); what went wrong is kept here instead, for the
``status`` command, ``linerec status`` and the health page. The same problem
again (same line, same write, same error) is counted on its entry, which
moves to the end, rather than added: a disk that stays full for an hour is
one entry per line and write, not thousands.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from firmware.link.contract import StorageProblem

KEEP = 50  # the problems kept, newest last


class StorageProblems:
    """The recent storage problems; ``problem`` may be called from any thread."""

    def __init__(self, keep: int = KEEP, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.keep = keep
        # by (line, what, error), oldest first
        self._problems: dict[tuple[int | None, str, str], StorageProblem] = {}
        self._lock = threading.Lock()

    def problem(self, line: int | None, what: str, error: BaseException | str) -> None:
        now = self.clock()
        key = (line, what, _describe(error))
        with self._lock:
            known = self._problems.pop(key, None)
            if known is None:
                self._problems[key] = StorageProblem(*key, first_at=now, last_at=now)
                if len(self._problems) > self.keep:
                    del self._problems[next(iter(self._problems))]
            else:
                self._problems[key] = dataclasses.replace(
                    known, last_at=now, count=known.count + 1
                )

    def recent(self) -> tuple[StorageProblem, ...]:
        with self._lock:
            return tuple(self._problems.values())


def _describe(error: BaseException | str) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)
