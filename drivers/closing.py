"""What every driver object shares: ``with`` closes it."""

from __future__ import annotations

import types


class ClosedOnExit:
    """``with driver: ...`` calls ``driver.close()`` on the way out, error or not."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        self.close()
