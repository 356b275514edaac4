"""Backup targets: the configuration's settings (``device.backup.targets``) as rclone
reaches them, the secrets kept apart, and what is verified on each kind.

The device configuration says where and who (kind, host, share, bucket,
folder, user); passwords and keys live only in ``<data>/offsite/rclone.conf``
(mode 0600, the box's user only), one rclone section per target named like
the target. ``write_rclone_config`` writes that file again from the settings
whenever they change, keeping each target's secrets (a target removed takes
its secrets with it); ``set_secret`` stores one. Neither the configuration
file, the web pages, the logs nor the audit log ever hold a secret.

What a run checks in each kind of target after copying (``VERIFIED_BY``):

- ``usb`` (rclone's local backend): the SHA-256 of the copy, read back from the disk.
- ``sftp``: the MD5 the server computes (rclone runs ``md5sum`` there); a server
  that runs no commands has each new file read back and compared instead.
- ``s3``: the MD5 the server computed as it received the object (its ETag, for
  files sent in one part: all up to 200 MiB); rclone keeps the MD5 of larger files
  in the object's metadata.
- ``smb``: no hash over SMB: each new file is read back and compared byte for byte.

Sizes are always compared, and the backup's own ``SHA256SUMS`` lists every file's
SHA-256 for a restore or an audit to check against.
"""

from __future__ import annotations

import configparser
import contextlib
import fcntl
import os
import secrets
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from firmware.config import Backup, BackupTarget, Config
from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.store.files import fsync_directory, make_folders, write_atomically

# The secrets each kind takes, as a person names them, and the rclone key they go in.
SECRETS: dict[str, tuple[str, ...]] = {
    "usb": (),
    "sftp": ("password", "private_key"),
    "smb": ("password",),
    "s3": ("access_key_id", "secret_access_key"),
}
_RCLONE_KEY = {
    "password": "pass",
    "private_key": "key_pem",
    "access_key_id": "access_key_id",
    "secret_access_key": "secret_access_key",
}
_OBSCURED = {"password"}  # rclone keeps these obscured (its `rclone obscure` form)
SECRET_LIMIT = 16384

HASH_FOR = {"usb": "sha256", "sftp": "md5", "s3": "md5", "smb": None}
VERIFIED_BY = {
    "usb": "SHA-256 of each copy, read back from the disk",
    "sftp": "MD5 computed by the server (files read back where it cannot)",
    "s3": "MD5 computed by the server on receipt (ETag)",
    "smb": "each new file read back and compared byte for byte",
}


class TargetError(LinerecError):
    """A target that is not configured, or cannot be used as it is set up."""


def target_named(config: Config, name: str) -> BackupTarget:
    for target in config.device.backup.targets:
        if target.name == name:
            return target
    names = ", ".join(target.name for target in config.device.backup.targets) or "none"
    raise TargetError(f"no backup target {name!r} in the configuration (targets: {names})")


def describe(target: BackupTarget) -> str:
    """Where a target points, for people: no secret, ever."""
    if target.kind == "usb":
        return f"usb {target.path}"
    if target.kind == "s3":
        server = target.endpoint or "AWS"
        return f"s3 {server} bucket {target.bucket}" + (f"/{target.path}" if target.path else "")
    port = f":{target.port}" if target.port else ""
    user = f"{target.user}@" if target.user else ""
    if target.kind == "smb":
        where = f"//{user}{target.host}{port}/{target.share}"
        return f"smb {where}" + (f"/{target.path}" if target.path else "")
    return f"sftp {user}{target.host}{port}:{target.path or '~'}"


def remote_root(target: BackupTarget) -> str:
    """The folder of the target, as rclone names it: every box has a folder inside."""
    path = target.path.strip("/")
    if target.kind == "usb":
        return f"{target.name}:{target.path}"
    if target.kind == "smb":
        return f"{target.name}:{target.share}" + (f"/{path}" if path else "")
    if target.kind == "s3":
        return f"{target.name}:{target.bucket}" + (f"/{path}" if path else "")
    return f"{target.name}:{target.path}"


def _section(target: BackupTarget) -> dict[str, str]:
    """The rclone section of a target, without its secrets."""
    if target.kind == "usb":
        return {"type": "local"}
    if target.kind == "sftp":
        options = {"type": "sftp", "host": target.host, "user": target.user}
        if target.port:
            options["port"] = str(target.port)
        return options
    if target.kind == "smb":
        options = {"type": "smb", "host": target.host, "user": target.user,
                   "domain": target.domain or "WORKGROUP"}
        if target.port:
            options["port"] = str(target.port)
        return options
    options = {"type": "s3", "provider": target.provider, "env_auth": "false"}
    if target.endpoint:
        options["endpoint"] = target.endpoint
    if target.region:
        options["region"] = target.region
    return options


def check_usb(target: BackupTarget, folder: DataFolder) -> None:
    """A USB disk's folder must be there (the box never makes it: an empty mount point is a
    disk that did not mount) and, unless allowed, on a disk other than the box's own."""
    path = Path(target.path)
    if not path.is_dir():
        raise TargetError(
            f"backup target {target.name!r}: {path} is not there; is the USB disk plugged in "
            "and mounted? (the box never makes this folder itself)"
        )
    if not target.allow_same_disk:
        try:
            same = path.stat().st_dev == folder.root.stat().st_dev
        except OSError as error:
            raise TargetError(f"backup target {target.name!r}: {path}: {error.strerror}") from None
        if same:
            raise TargetError(
                f"backup target {target.name!r}: {path} is on the box's own disk, not on a USB "
                "disk: is the disk mounted? (allow_same_disk allows it)"
            )


# ---- the rclone configuration file -----------------------------------------------------


@contextlib.contextmanager
def _locked(folder: DataFolder) -> Iterator[None]:
    """One writer of rclone.conf at a time (the engine, the web and the command line)."""
    make_folders(folder.offsite)
    descriptor = os.open(folder.offsite / "rclone.conf.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _read(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.optionxform = str  # rclone's keys are case-sensitive
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        pass
    except (configparser.Error, UnicodeDecodeError) as error:
        raise TargetError(f"{path}: not an rclone configuration: {error}") from None
    return parser


def _write(path: Path, parser: configparser.RawConfigParser) -> None:
    """Replace ``path`` atomically; the file is never readable by anyone but its owner."""
    make_folders(path.parent)
    os.chmod(path.parent, 0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            parser.write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def write_rclone_config(folder: DataFolder, backup: Backup) -> Path:
    """``offsite/rclone.conf`` for ``backup``'s targets, each keeping the secrets it had
    (when its kind is unchanged); sections of targets no longer configured are dropped."""
    with _locked(folder):
        old = _read(folder.rclone_config)
        new = configparser.RawConfigParser()
        new.optionxform = str
        for target in backup.targets:
            new.add_section(target.name)
            for key, value in _section(target).items():
                new.set(target.name, key, value)
            if old.has_section(target.name) and old.get(target.name, "type", fallback="") == (
                _section(target)["type"]
            ):
                for secret in SECRETS[target.kind]:
                    key = _RCLONE_KEY[secret]
                    if old.has_option(target.name, key):
                        new.set(target.name, key, old.get(target.name, key))
        if new.sections() != old.sections() or any(
            dict(new.items(name)) != dict(old.items(name)) for name in new.sections()
        ) or not folder.rclone_config.exists():
            _write(folder.rclone_config, new)
    return folder.rclone_config


def set_secret(
    folder: DataFolder, config: Config, name: str, secret: str, value: str, *,
    obscure: Callable[[str], str],
) -> None:
    """Keep ``value`` as target ``name``'s ``secret`` (e.g. its password) in rclone.conf;
    an empty value removes it. ``obscure`` turns a password into rclone's form."""
    target = target_named(config, name)
    allowed = SECRETS[target.kind]
    if secret not in allowed:
        known = ", ".join(allowed) or "none"
        raise TargetError(
            f"a target of kind {target.kind} takes no {secret!r} (it takes: {known})"
        )
    if len(value) > SECRET_LIMIT:
        raise TargetError(f"the {secret} is too long ({len(value)} characters)")
    write_rclone_config(folder, config.device.backup)
    key = _RCLONE_KEY[secret]
    if value and secret in _OBSCURED:
        value = obscure(value)
    if secret == "private_key":
        value = value.strip().replace("\r\n", "\n").replace("\n", "\\n")
    with _locked(folder):
        parser = _read(folder.rclone_config)
        if not parser.has_section(name):
            raise TargetError(f"no backup target {name!r} in {folder.rclone_config}")
        if value:
            parser.set(name, key, value)
        else:
            parser.remove_option(name, key)
        _write(folder.rclone_config, parser)


def secrets_set(folder: DataFolder, target: BackupTarget) -> dict[str, bool]:
    """Which of a target's secrets are kept (never their values)."""
    parser = _read(folder.rclone_config)
    return {
        secret: parser.has_section(target.name)
        and bool(parser.get(target.name, _RCLONE_KEY[secret], fallback=""))
        for secret in SECRETS[target.kind]
    }


# ---- the box's identity ---------------------------------------------------------------------


@dataclass(frozen=True)
class BoxIdentity:
    box_id: str  # its folder in every target
    hostname: str


def box_identity(folder: DataFolder) -> BoxIdentity:
    """This box's id, made on first use and kept in ``<data>/box-id`` for good."""
    path = folder.box_id
    try:
        box_id = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        box_id = ""
    if not box_id:
        box_id = f"lr-{secrets.token_hex(6)}"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(box_id + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        fsync_directory(path.parent)
    return BoxIdentity(box_id, socket.gethostname())


def write_box_id(folder: DataFolder, box_id: str) -> None:
    write_atomically(folder.box_id, (box_id + "\n").encode("ascii"))


__all__ = [
    "HASH_FOR",
    "SECRETS",
    "VERIFIED_BY",
    "BoxIdentity",
    "TargetError",
    "box_identity",
    "check_usb",
    "describe",
    "remote_root",
    "secrets_set",
    "set_secret",
    "target_named",
    "write_box_id",
    "write_rclone_config",
]
