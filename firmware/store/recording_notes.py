"""Notes and tags people put on recordings ("complaint", "order 1234", ...).

Whether someone may change them is the web UI's decision; this keeps them.
"""

from __future__ import annotations

from firmware.store.db import Store, StoreError
from firmware.store.scopes import LineScope

MAX_NOTES = 4000
MAX_TAG = 32
MAX_TAGS = 20


class RecordingNotesError(StoreError, ValueError):
    """Notes or tags the store refuses; the message says which and why."""


def parse_tags(text: str) -> list[str]:
    """Tags typed as one text, separated by commas (either width) or new lines; no repeats."""
    parts = text.replace("，", ",").replace("\n", ",").split(",")
    tags = list(dict.fromkeys(part.strip() for part in parts if part.strip()))
    return tags


class RecordingNotes:
    def __init__(self, store: Store) -> None:
        self.store = store

    def update(self, recording_id: int, notes: str, tags: list[str]) -> None:
        """Replace the recording's notes and its tags."""
        tags = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
        problems = []
        if len(notes) > MAX_NOTES:
            problems.append(f"notes are at most {MAX_NOTES} characters, not {len(notes)}")
        if len(tags) > MAX_TAGS:
            problems.append(f"at most {MAX_TAGS} tags, not {len(tags)}")
        long = [tag for tag in tags if len(tag) > MAX_TAG]
        if long:
            problems.append(f"tags are at most {MAX_TAG} characters: {long}")
        if problems:
            raise RecordingNotesError("; ".join(problems))
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "UPDATE recordings SET notes = ? WHERE id = ?", (notes, recording_id)
            )
            if cursor.rowcount != 1:
                raise RecordingNotesError(f"no recording with id {recording_id}")
            connection.execute("DELETE FROM recording_tags WHERE recording_id = ?", (recording_id,))
            connection.executemany(
                "INSERT INTO recording_tags (recording_id, tag) VALUES (?, ?)",
                [(recording_id, tag) for tag in tags],
            )

    def known_tags(self, lines: LineScope, limit: int = 200) -> list[str]:
        """Tags in use on recordings of ``lines``, most used first (to suggest while typing)."""
        scope, parameters = lines.condition("r.line")
        rows = self.store.connection().execute(
            "SELECT t.tag FROM recording_tags t JOIN recordings r ON r.id = t.recording_id "
            f"WHERE {scope} AND r.state != 'deleted' "
            "GROUP BY t.tag ORDER BY count(*) DESC, t.tag LIMIT ?",
            (*parameters, limit),
        )
        return [tag for (tag,) in rows]
