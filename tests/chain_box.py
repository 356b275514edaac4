"""A small box with recordings in its hash chain, for the chain's tests.

``chained_box`` records a few answered calls (files, sidecars, index rows,
ended calls), chains them and, unless told not to, signs the head with a
key made for the box. ``tamper`` runs SQL as someone with the disk in hand
would: past the triggers that keep the chain append-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from firmware.datafolder import DataFolder
from firmware.store import chain
from firmware.store.db import Store
from firmware.store.signing import Signer
from tests.recovery_folders import BASE, record


@dataclass
class ChainedBox:
    folder: DataFolder
    store: Store
    recordings: list[int]  # their ids, oldest first

    def path(self, recording_id: int) -> Path:
        return self.folder.recordings / self.store.recording(recording_id).path

    def close(self) -> None:
        self.store.close()


def record_call(box_folder: DataFolder, store: Store, started_at: float, *, line: int = 1,
                number: str = "13800138000") -> int:
    """An answered call recorded for a second, ended; the recording's id."""
    call_id = store.start_call(line, "in", started_at=started_at, number=number)
    store.update_call(call_id, answered_at=started_at + 1)
    recorded = record(box_folder, store, line=line, call_id=call_id, started_at=started_at + 1,
                      call_started_at=started_at, number=number)
    store.end_call(call_id, "answered", ended_at=recorded.ended_at)
    return store.recording_by_path(recorded.relative).id


def chained_box(data: Path, recordings: int = 3, *, signed: bool = True) -> ChainedBox:
    folder = DataFolder(data)
    folder.create()
    store = Store(folder.database)
    ids = [
        record_call(folder, store, BASE + 100 * n, line=1 + n % 2, number=f"1380013800{n}")
        for n in range(recordings)
    ]
    chain.chain_pending(store, Signer(folder) if signed else None)
    return ChainedBox(folder, store, ids)


def tamper(store: Store, sql: str, values: tuple = ()) -> None:
    """Change the database as an intruder would, triggers or not."""
    connection = store.connection()
    connection.execute("DROP TRIGGER IF EXISTS chain_no_update")
    connection.execute("DROP TRIGGER IF EXISTS chain_no_delete")
    connection.execute(sql, values)
