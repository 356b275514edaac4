"""The note on a call in the call log ("called back, wants a quote"), and its audit entry.

Whether someone may change it is the web UI's decision (whoever may see the
call); this keeps it, and writes the change to the audit log in the same
transaction, with the note before and after, so the log holds exactly the
changes that were made. The call log's search finds a note through the
trigram index ``calls_notes_search`` (``firmware.store.call_filter``).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.store.audit import AuditLog, structured_detail
from firmware.store.db import Store, StoreError

MAX_CALL_NOTES = 2000


class CallNotesError(StoreError, ValueError):
    """A note the store refuses; the message says which and why."""


@dataclass(frozen=True)
class Editor:
    """Who changes a note, for the audit log."""

    username: str
    user_id: int | None
    address: str = ""


def clean_notes(text: str) -> str:
    """A note as kept: line ends made \\n, no spaces at either end."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class CallNotes:
    def __init__(self, store: Store) -> None:
        self.store = store

    def update(self, call_id: int, notes: str, editor: Editor) -> bool:
        """Replace the call's note; False when it was already so (nothing written)."""
        notes = clean_notes(notes)
        if len(notes) > MAX_CALL_NOTES:
            raise CallNotesError(
                f"a call's note is at most {MAX_CALL_NOTES} characters, not {len(notes)}"
            )
        with self.store.transaction() as connection:
            row = connection.execute("SELECT notes FROM calls WHERE id = ?", (call_id,)).fetchone()
            if row is None:
                raise CallNotesError(f"no call with id {call_id}")
            if row[0] == notes:
                return False
            connection.execute("UPDATE calls SET notes = ? WHERE id = ?", (notes, call_id))
            AuditLog(self.store).record(
                "call_notes_changed",
                username=editor.username,
                user_id=editor.user_id,
                target=f"call {call_id}",
                detail=structured_detail(changes=[("notes", row[0], notes)]),
                address=editor.address,
                within=connection,
            )
        return True
