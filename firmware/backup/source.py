"""Where ``linerec restore`` and ``linerec archive`` read backups from, and the boxes there.

``--from`` names, in the order tried:

1. a target of the data folder's configuration (``linerec target set ...`` on a new
   box, before its restore; its secrets in ``offsite/rclone.conf``);
2. a folder (an absolute path, or one starting with ``./``): a USB disk's folder
   mounted on this machine;
3. ``remote:path`` of an rclone configuration given with ``--rclone-config FILE``
   (an auditor's own machine, say).

A folder of the target is a box when it holds ``box.json``; anything else there
(another program's files, a half-made first backup) is foreign: listed as such,
never read further, never changed.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from firmware.backup.rclone import Rclone, RcloneError
from firmware.backup.run import FORMAT, MANIFEST
from firmware.backup.targets import describe, remote_root, target_named, write_rclone_config
from firmware.config import ConfigError, ConfigStore
from firmware.datafolder import DataFolder
from firmware.errors import LinerecError

_BOX_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class SourceError(LinerecError):
    """A source that cannot be used, or a box that is not in it; the message says which."""


@dataclass
class Source:
    rclone: Rclone
    root: str  # the target's folder, as rclone names it
    where: str  # for people

    def box(self, box_id: str) -> str:
        return f"{self.root.rstrip('/')}/{box_id}"


@dataclass(frozen=True)
class Box:
    box_id: str
    manifest: dict


def open_source(
    spec: str, folder: DataFolder | None, rclone_config: Path | None = None
) -> Source:
    """The backups ``spec`` names (see the module)."""
    config = None
    if folder is not None and folder.config.exists():
        try:
            config = ConfigStore(folder.root).read()
        except ConfigError:
            config = None
    names = [target.name for target in config.device.backup.targets] if config else []
    if config is not None and spec in names:
        target = target_named(config, spec)
        write_rclone_config(folder, config.device.backup)
        rclone = Rclone(folder.rclone_config, folder.offsite_work,
                        where=f"backup target {target.name!r} ({describe(target)})")
        return Source(rclone, remote_root(target), rclone.where)
    work = folder.offsite_work if folder is not None and folder.root.is_dir() else Path(
        tempfile.gettempdir()) / "linerec-rclone"
    if spec.startswith(("/", "./", "../")):
        path = Path(spec).resolve()
        if not path.is_dir():
            raise SourceError(f"{spec} is not a folder (is the USB disk mounted?)")
        empty = work / "no-remotes.conf"
        work.mkdir(parents=True, exist_ok=True)
        empty.touch()
        return Source(Rclone(empty, work, where=f"folder {path}"), str(path), f"folder {path}")
    if ":" in spec and rclone_config is not None:
        if not rclone_config.is_file():
            raise SourceError(f"{rclone_config}: no such rclone configuration")
        return Source(Rclone(rclone_config, work, where=spec), spec, spec)
    known = ", ".join(names) or "none"
    where = f" in {folder.config}" if folder is not None else ""
    raise SourceError(
        f"{spec!r} is not a backup target{where} (targets: {known}), nor a folder "
        "(/path or ./path), nor remote:path with --rclone-config FILE"
    )


def read_manifest(source: Source, box_id: str) -> dict:
    """A box's ``box.json``, checked; SourceError naming the box and the problem."""
    try:
        data = source.rclone.cat(f"{source.box(box_id)}/{MANIFEST}", timeout=120)
    except RcloneError as error:
        raise SourceError(
            f"{box_id} in {source.where} is not a linerec backup (no readable {MANIFEST}): "
            f"{error}"
        ) from None
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise SourceError(f"{box_id}/{MANIFEST} in {source.where} is not JSON: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("box_id") != box_id:
        raise SourceError(
            f"{box_id}/{MANIFEST} in {source.where} is not this box's manifest (it names "
            f"{manifest.get('box_id') if isinstance(manifest, dict) else manifest!r})"
        )
    if manifest.get("format") != FORMAT:
        raise SourceError(
            f"{box_id} in {source.where} is a backup of format {manifest.get('format')!r}; "
            f"this software reads format {FORMAT}: update linerec"
        )
    return manifest


def boxes(source: Source) -> tuple[list[Box], list[str]]:
    """The boxes in ``source`` (folders holding a manifest), and everything else there:
    folders and files that are not linerec backups (named, left alone)."""
    folders = source.rclone.list_folders(source.root)
    loose = source.rclone.list_files(source.root, recursive=False)
    found, foreign = [], [f"{name}" for name in sorted(loose)]
    for name in folders:
        if not _BOX_ID.match(name):
            foreign.append(f"{name}/")
            continue
        try:
            found.append(Box(name, read_manifest(source, name)))
        except SourceError:
            foreign.append(f"{name}/")
    return found, foreign


def choose_box(source: Source, box_id: str | None) -> Box:
    """The box ``box_id`` of ``source``, or its only box when none is named."""
    if box_id is not None:
        if not _BOX_ID.match(box_id):
            raise SourceError(f"{box_id!r} is not a box id such as lr-3f9a2c1b7d4e")
        return Box(box_id, read_manifest(source, box_id))
    found, _ = boxes(source)
    if not found:
        raise SourceError(f"{source.where} holds no linerec backup")
    if len(found) > 1:
        listed = ", ".join(f"{box.box_id} ({box.manifest.get('hostname', '?')})" for box in found)
        raise SourceError(f"{source.where} holds backups of {len(found)} boxes: {listed}; "
                          "name one with --box")
    return found[0]


__all__ = ["Box", "Source", "SourceError", "boxes", "choose_box", "open_source",
           "read_manifest"]
