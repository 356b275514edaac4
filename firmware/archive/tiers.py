"""The two tiers a recording is stored in after the call, and which recordings wait for one.

- **standard**: with ``device.archive.compress``, each finished recording's
  G.711 WAV becomes Ogg Opus at ``bitrate_kbps`` once it has settled
  (``SETTLE_S`` after its end: the people on the call often play it back at
  once, and the file they play must not change under them);
- **archive** (long-archive): with ``archive_after_days`` above 0, a
  recording that started longer ago than that is re-encoded at
  ``archive_bitrate_kbps``, from its standard Opus file, or straight from
  its WAV when it is still one (compression was off, or it was not reached
  yet).

Both use VBR, DTX and narrowband at the configured complexity
(``firmware.archive.opus``). Recordings under legal hold are left as they
were recorded: a hold keeps the evidence, and the original WAV is the
evidence. A recording still being written, missing, deleted, or encrypted
at rest (``firmware.archive.encrypt``) is never in the queue. The queue is
oldest first and is read through the partial index ``recordings_to_archive``.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.archive.opus import OpusSettings
from firmware.store.db import RECORDING_FIELDS, RecordingRecord, Store
from firmware.store.legal_hold import held_sql

DAY_S = 86400.0
SETTLE_S = 300.0


@dataclass(frozen=True)
class Tiers:
    """The archive settings as the worker needs them (``from_settings`` reads them)."""

    compress: bool
    standard: OpusSettings
    archive_after_days: int
    archive: OpusSettings

    @classmethod
    def from_settings(cls, archive) -> Tiers:
        """From the configuration's ``device.archive`` (read by attribute)."""
        return cls(
            compress=archive.compress,
            standard=OpusSettings(archive.bitrate_kbps, complexity=archive.complexity),
            archive_after_days=archive.archive_after_days,
            archive=OpusSettings(archive.archive_bitrate_kbps, complexity=archive.complexity),
        )

    @property
    def enabled(self) -> bool:
        return self.compress or self.archive_after_days > 0

    def settings(self, tier: str) -> OpusSettings:
        return self.standard if tier == "standard" else self.archive

    def tier_for(self, row: RecordingRecord, now: float) -> str | None:
        """The tier ``row`` should be moved to now, or None (it stays as it is). An
        encrypted recording stays as it is: the engine never holds the key to read it."""
        if row.stored_encrypted:
            return None
        if self.archive_after_days and row.stored_tier != "archive" and (
            row.started_at < now - self.archive_after_days * DAY_S
        ):
            return "archive"
        if self.compress and row.stored_format == "wav":
            return "standard"
        return None

    def _where(self, now: float, settle_s: float) -> tuple[str, list]:
        wanted = []
        params: list = [now - settle_s]
        if self.compress:
            wanted.append("r.stored_format = 'wav'")
        if self.archive_after_days:
            wanted.append("r.started_at < ?")
            params.append(now - self.archive_after_days * DAY_S)
        where = (
            "r.state IN ('complete', 'repaired') AND r.stored_tier IS NOT 'archive' "
            "AND r.stored_encrypted IS NULL "
            "AND coalesce(r.ended_at, r.started_at) <= ? "
            f"AND ({' OR '.join(wanted) or '0'}) AND NOT {held_sql()}"
        )
        return where, params

    def waiting(self, store: Store, now: float, settle_s: float = SETTLE_S) -> int:
        """How many recordings wait for a tier now."""
        if not self.enabled:
            return 0
        where, params = self._where(now, settle_s)
        return store.connection().execute(
            f"SELECT count(*) FROM recordings r LEFT JOIN calls c ON c.id = r.call_id "
            f"WHERE {where}", params,
        ).fetchone()[0]

    def next_waiting(
        self, store: Store, now: float, settle_s: float = SETTLE_S, *,
        skip: frozenset = frozenset(), limit: int = 20,
    ) -> list[RecordingRecord]:
        """The oldest recordings waiting (at most ``limit``), less the ids in ``skip``."""
        if not self.enabled:
            return []
        where, params = self._where(now, settle_s)
        columns = ", ".join(f"r.{name}" for name in RECORDING_FIELDS)
        rows = store.connection().execute(
            f"SELECT {columns} FROM recordings r LEFT JOIN calls c ON c.id = r.call_id "
            f"WHERE {where} ORDER BY r.started_at, r.id LIMIT ?",
            [*params, limit + len(skip)],
        ).fetchall()
        found = [RecordingRecord(*row) for row in rows]
        return [row for row in found if row.id not in skip][:limit]
