"""The backups of many boxes in one target, read straight from it: list, search, verify.

Several boxes back up into one bucket (or NAS folder), each under its own
``<box-id>/``. Without downloading a recording:

- ``list_boxes``: each box's manifest (name, when it was last backed up, how many
  recordings and bytes), and what else the target holds (foreign: left alone);
- ``search``: recordings across boxes by day, line, number and box, from each
  box's ``index.jsonl.gz`` (written by every run: one line per recording);
- ``verify``: each file the backup lists against what the target says of it: its
  MD5 (``MD5SUMS``) where the target offers one, else its size; with
  ``download``, every file read back and its SHA-256 compared with ``SHA256SUMS``.
  Either way, each recording's hash as sent is compared with the one the recorder
  wrote in the index (and sidecar): a file that changed on the box before its
  backup shows too.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field

from firmware.backup.rclone import RcloneError
from firmware.backup.run import INDEX, MD5_SUMS, SUMS
from firmware.backup.source import Box, Source, SourceError, boxes, read_manifest


@dataclass(frozen=True)
class Query:
    day: str | None = None  # YYYY-MM-DD, the box's local day
    line: int | None = None
    number: str | None = None  # any part of the number, as given or in E.164
    box: str | None = None


@dataclass
class BoxCheck:
    box_id: str
    files: int = 0
    intact: int = 0
    changed: list[str] = field(default_factory=list)  # "path: why"
    missing: list[str] = field(default_factory=list)
    unchecked: int = 0  # no hash offered by the target and not read back: size only
    how: str = ""
    problem: str | None = None  # the box's backup could not be read at all

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.problem)


def list_boxes(source: Source) -> tuple[list[Box], list[str]]:
    return boxes(source)


def _digits(text: str | None) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit() or ch == "+")


def read_index(source: Source, box_id: str) -> list[dict]:
    try:
        data = source.rclone.cat(f"{source.box(box_id)}/{INDEX}")
        text = gzip.decompress(data).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise SourceError(f"{box_id}/{INDEX} in {source.where} cannot be read: {error}") from None
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entry["box_id"] = box_id
            entries.append(entry)
    return entries


def search(source: Source, query: Query, limit: int = 1000) -> tuple[list[dict], list[str]]:
    """Recordings of every box (or ``query.box``) that match; and the boxes that could not
    be read, each with why."""
    found_boxes, _ = boxes(source)
    if query.box is not None:
        found_boxes = [box for box in found_boxes if box.box_id == query.box]
        if not found_boxes:
            raise SourceError(f"no box {query.box!r} in {source.where}")
    wanted_digits = _digits(query.number)
    results, problems = [], []
    for box in found_boxes:
        try:
            entries = read_index(source, box.box_id)
        except (SourceError, RcloneError) as error:
            problems.append(str(error))
            continue
        for entry in entries:
            if query.day and entry.get("day") != query.day:
                continue
            if query.line is not None and entry.get("line") != query.line:
                continue
            if wanted_digits and not any(
                wanted_digits in _digits(entry.get(key)) for key in ("number", "number_e164")
            ):
                continue
            entry["hostname"] = box.manifest.get("hostname", "")
            results.append(entry)
    results.sort(key=lambda entry: (entry.get("started_at") or 0, entry["box_id"]))
    return results[:limit], problems


def _sums(text: str) -> dict[str, str]:
    sums = {}
    for line in text.splitlines():
        digest, _, path = line.partition("  ")
        if path:
            sums[path] = digest.strip().lower()
    return sums


def verify_box(source: Source, box_id: str, *, download: bool = False) -> BoxCheck:
    check = BoxCheck(box_id)
    remote = source.box(box_id)
    try:
        read_manifest(source, box_id)
        sha256 = _sums(source.rclone.cat(f"{remote}/{SUMS}").decode("utf-8", "replace"))
        md5 = _sums(source.rclone.cat(f"{remote}/{MD5_SUMS}").decode("utf-8", "replace"))
        index = read_index(source, box_id)
    except (SourceError, RcloneError) as error:
        check.problem = str(error)
        return check
    check.files = len(sha256)
    if download:
        check.how = "every file read back, SHA-256 compared with the backup's SHA256SUMS"
        result = source.rclone.run(["hashsum", "sha256", "--download", remote], check=False)
        found = _sums(result.stdout)
        expected, kind = sha256, "SHA-256"
    else:
        listing = source.rclone.list_files(remote, hash_type="md5")
        found = {path: str((entry.get("Hashes") or {}).get("md5", "")).lower()
                 for path, entry in listing.items()}
        expected, kind = md5, "MD5"
        check.how = "the MD5 the target reports, compared with the backup's MD5SUMS"
    for path, digest in sorted(expected.items()):
        if path not in found:
            check.missing.append(f"{path}: not in the target")
        elif not found[path]:
            check.unchecked += 1
        elif found[path] != digest:
            check.changed.append(f"{path}: its {kind} in the target differs from the backup's")
        else:
            check.intact += 1
    if check.unchecked:
        check.how += f" ({check.unchecked} files by presence only: the target offers no hash;"
        check.how += " add --download to read them back)"
    for entry in index:
        recorded, sent = entry.get("recorded_sha256"), entry.get("sha256")
        if recorded and sent and entry.get("path", "").endswith(".wav") and recorded != sent:
            check.changed.append(
                f"{entry['path']}: as backed up, it differs from what the recorder wrote"
            )
    return check


def verify(source: Source, box_id: str | None = None, *, download: bool = False
           ) -> list[BoxCheck]:
    found, _ = boxes(source)
    ids = [box.box_id for box in found]
    if box_id is not None:
        if box_id not in ids:
            raise SourceError(f"no box {box_id!r} in {source.where} (boxes: "
                              f"{', '.join(ids) or 'none'})")
        ids = [box_id]
    return [verify_box(source, name, download=download) for name in ids]


__all__ = ["BoxCheck", "Query", "list_boxes", "read_index", "search", "verify", "verify_box"]
