"""The release artifact: ``linerec-<version>.tar.gz``.

Inside, at the top of the archive::

    manifest.json   {"name": "linerec", "format": 1, "version": "0.2.0",
                     "requirement": "linerec[pi]==0.2.0",
                     "files": {"wheels/<name>.whl": "<sha256 hex>", ...}}
    wheels/         the wheelhouse: linerec's wheel for that version and a wheel of
                    every package it needs, for the box's Python and machine
    manifest.sig    optional: the Ed25519 signature of manifest.json by a release key

A bundle is made on a machine like the box (a Pi with the same OS), where
``pip wheel '.[pi]' -w WHEELS`` builds the wheelhouse, then
``python -m firmware.update.bundle WHEELS OUT`` writes the archive. The box
installs it with pip offline (``--no-index --find-links wheels``): it needs no
network. ``verify`` refuses, with one line naming the problem, an archive
that is not a linerec bundle: no manifest or another name, a file missing, a
file the manifest does not list, a digest that differs, a link or a path out
of the archive, no linerec wheel of the manifest's version. Given release
keys (a box with ``<root>/release-keys/*.pem``), it also wants the manifest
signed by one of them; since the manifest holds every file's digest, that
signature covers the whole bundle.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from firmware.errors import LinerecError
from firmware.store.signing import check_signature, load_public_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

NAME = "linerec"
FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
WHEELS = "wheels"
VERSION_PATTERN = re.compile(r"^[0-9][0-9A-Za-z.+_-]{0,63}$")
MAX_MANIFEST_BYTES = 1 << 20


class BundleError(LinerecError):
    """Not a linerec release bundle, or a damaged one; the message says which, in one line."""


@dataclass(frozen=True)
class Manifest:
    version: str
    requirement: str
    files: dict[str, str]  # path in the archive -> SHA-256 (hex)

    def to_json(self) -> bytes:
        document = {
            "name": NAME, "format": FORMAT, "version": self.version,
            "requirement": self.requirement, "files": dict(sorted(self.files.items())),
        }
        return json.dumps(document, indent=1).encode()


def _sha256(stream: io.BufferedIOBase) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def wheel_version(filename: str) -> str | None:
    """The version in a linerec wheel's file name, or None for another package's wheel."""
    parts = filename.removesuffix(".whl").split("-")
    if len(parts) >= 5 and parts[0].lower() == NAME and filename.endswith(".whl"):
        return parts[1]
    return None


def _parse_manifest(data: bytes, where: Path) -> Manifest:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{where}: its manifest is not JSON ({error})") from None
    if not isinstance(document, dict) or document.get("name") != NAME:
        raise BundleError(f"{where}: not a linerec release (the manifest names another package)")
    if document.get("format") != FORMAT:
        raise BundleError(f"{where}: bundle format {document.get('format')!r}; this linerec "
                          f"reads format {FORMAT}")
    version, requirement, files = (
        document.get("version"), document.get("requirement"), document.get("files"))
    if not isinstance(version, str) or not VERSION_PATTERN.match(version):
        raise BundleError(f"{where}: the manifest's version {version!r} is not a version")
    if (not isinstance(requirement, str)
            or not re.fullmatch(rf"{NAME}(\[[a-z0-9,_-]+\])?=={re.escape(version)}", requirement)):
        raise BundleError(f"{where}: the manifest's requirement {requirement!r} is not "
                          f"linerec=={version}")
    if not isinstance(files, dict) or not all(
        isinstance(name, str) and isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)
        for name, digest in files.items()
    ):
        raise BundleError(f"{where}: the manifest's file list is not names and SHA-256 digests")
    return Manifest(version, requirement, files)


def _safe_member(member: tarfile.TarInfo, where: Path) -> None:
    parts = Path(member.name).parts
    if member.name.startswith("/") or ".." in parts or not parts:
        raise BundleError(f"{where}: {member.name!r} points out of the bundle")
    if not (member.isfile() or member.isdir()):
        raise BundleError(f"{where}: {member.name!r} is a link or a device; a bundle holds "
                          "files only")


def load_release_keys(folder: Path) -> list[Ed25519PublicKey]:
    """The release keys in ``folder`` (``*.pem``, Ed25519 public keys); none: no folder."""
    keys = []
    for path in sorted(folder.glob("*.pem")) if folder.is_dir() else ():
        try:
            keys.append(load_public_key(path.read_bytes()))
        except (OSError, ValueError) as error:
            raise BundleError(f"{path}: not a release key: {error}") from None
    return keys


def _check_signed(path: Path, manifest: bytes, signature: bytes | None,
                  keys: list[Ed25519PublicKey]) -> None:
    if not keys:
        return
    if signature is None:
        raise BundleError(f"{path}: the bundle is not signed, and this box takes only signed "
                          "releases")
    if not any(check_signature(key, manifest, signature) for key in keys):
        raise BundleError(f"{path}: the bundle's signature is not by a release key of this box")


def verify(path: Path, keys: list[Ed25519PublicKey] | None = None) -> Manifest:
    """Check the bundle at ``path`` (see the module); return its manifest."""
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        raise BundleError(f"{path}: no such file") from None
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BundleError(f"{path}: not a linerec release bundle (.tar.gz): {error}") from None
    with archive:
        try:
            members = archive.getmembers()
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BundleError(f"{path}: the archive is damaged: {error}") from None
        files = {}
        for member in members:
            _safe_member(member, path)
            if member.isfile():
                files[str(Path(member.name))] = member
        if MANIFEST not in files or files[MANIFEST].size > MAX_MANIFEST_BYTES:
            raise BundleError(f"{path}: not a linerec release bundle (no {MANIFEST})")
        manifest_bytes = archive.extractfile(files.pop(MANIFEST)).read()
        signature = files.pop(SIGNATURE, None)
        if signature is not None:
            signature = archive.extractfile(signature).read(1024)
        _check_signed(path, manifest_bytes, signature, keys or [])
        manifest = _parse_manifest(manifest_bytes, path)
        unlisted = sorted(set(files) - set(manifest.files))
        missing = sorted(set(manifest.files) - set(files))
        if unlisted or missing:
            what = (f"{unlisted[0]} is not in the manifest" if unlisted
                    else f"{missing[0]} is missing")
            raise BundleError(f"{path}: the bundle is not whole: {what}")
        for name, member in sorted(files.items()):
            try:
                digest = _sha256(archive.extractfile(member))
            except (tarfile.TarError, OSError, EOFError) as error:
                raise BundleError(f"{path}: the archive is damaged: {error}") from None
            if digest != manifest.files[name]:
                raise BundleError(f"{path}: {name} is damaged (its SHA-256 differs from the "
                                  "manifest's)")
    ours = [name for name in manifest.files
            if Path(name).parent.name == WHEELS and wheel_version(Path(name).name)]
    if [wheel_version(Path(name).name) for name in ours] != [manifest.version]:
        raise BundleError(f"{path}: the bundle holds no single linerec {manifest.version} wheel")
    return manifest


def unpack(path: Path, target: Path, keys: list[Ed25519PublicKey] | None = None) -> Manifest:
    """Verify the bundle, then unpack it into ``target`` (made; it must not exist)."""
    manifest = verify(path, keys)
    target.mkdir(parents=True)
    with tarfile.open(path, "r:gz") as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            archive.extractall(target, members=members, filter="data")
        else:  # verify refused links and paths out of the bundle already
            archive.extractall(target, members=members)
    return manifest


def make(
    wheels: Path, out_dir: Path, requirement_extras: str = "",
    signing_key: Ed25519PrivateKey | None = None,
) -> Path:
    """Write ``out_dir/linerec-<version>.tar.gz`` from a wheelhouse holding one linerec
    wheel, signed by ``signing_key`` if given; return its path. ``requirement_extras`` is
    e.g. ``"pi"``."""
    versions = {wheel_version(path.name) for path in wheels.glob("*.whl")} - {None}
    if len(versions) != 1:
        raise BundleError(f"{wheels}: expected one linerec wheel, found {len(versions)} versions")
    version = versions.pop()
    extras = f"[{requirement_extras}]" if requirement_extras else ""
    files = {}
    for wheel in sorted(wheels.glob("*.whl")):
        with wheel.open("rb") as stream:
            files[f"{WHEELS}/{wheel.name}"] = _sha256(stream)
    manifest = Manifest(version, f"{NAME}{extras}=={version}", files)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{NAME}-{version}.tar.gz"
    partial = out.with_name(out.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(data), 0o644
        archive.addfile(info, io.BytesIO(data))
        if signing_key is not None:
            signature = signing_key.sign(data)
            info = tarfile.TarInfo(SIGNATURE)
            info.size, info.mode = len(signature), 0o644
            archive.addfile(info, io.BytesIO(signature))
        for name in sorted(files):
            archive.add(wheels / Path(name).name, arcname=name, recursive=False)
    partial.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m firmware.update.bundle",
                                     description="make a linerec release bundle")
    parser.add_argument("wheels", type=Path, help="the wheelhouse (pip wheel '.[pi]' -w ...)")
    parser.add_argument("out", type=Path, help="folder to write linerec-<version>.tar.gz in")
    parser.add_argument("extras", nargs="?", default="", help="extras to install, e.g. pi")
    parser.add_argument("--key", type=Path, help="the release's private key (PEM, Ed25519)")
    args = parser.parse_args(argv)
    # Only here, making a release: the linerec command imports this module, and the engine
    # runs under it.
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PrivateKey,
    )

    try:
        key = None
        if args.key is not None:
            try:
                key = serialization.load_pem_private_key(args.key.read_bytes(), password=None)
            except (OSError, ValueError, TypeError) as error:
                raise BundleError(f"{args.key}: cannot read the key: {error}") from None
            if not isinstance(key, Ed25519PrivateKey):
                raise BundleError(f"{args.key}: not an Ed25519 private key")
        print(make(args.wheels, args.out, args.extras, key))
    except BundleError as error:
        print(f"linerec: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
