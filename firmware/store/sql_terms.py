"""Pieces of SQL conditions that the store's searches share (calls, recordings, customers)."""

from __future__ import annotations


def like_pattern(text: str, *, prefix_only: bool = False) -> str:
    """``text`` as a LIKE pattern (with ESCAPE '\\'): anywhere, or only at the start."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix_only else f"%{escaped}%"


def date_range(
    column: str, since: float | None, until: float | None
) -> tuple[list[str], list[object]]:
    """``since <= column < until`` as conditions and parameters (either end may be open)."""
    conditions: list[str] = []
    parameters: list[object] = []
    if since is not None:
        conditions.append(f"{column} >= ?")
        parameters.append(float(since))
    if until is not None:
        conditions.append(f"{column} < ?")
        parameters.append(float(until))
    return conditions, parameters
