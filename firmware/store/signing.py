"""The box's signing key (Ed25519) and the signatures of the hash chain's head.

The key is made on first use (the first time there is a head to sign) in
the data folder's ``keys/``: ``chain-key.pem``, the private key (PKCS #8 PEM,
mode 0600, in a folder of mode 0700: readable by the box's user only), and
``chain-public.pem`` beside it. Its fingerprint is the first 16 hex digits
of the SHA-256 of the raw 32-byte public key (what ``openssl pkey -pubin -in
chain-public.pem -outform DER | tail -c 32 | sha256sum`` prints), shown as
four groups (``3f2a 9c1b 07d4 e8a2``) on the health page, by ``linerec
chain`` and in every export. Making it appends a ``key`` entry carrying the
public key, so the chain itself says which key signs it.

A new key is never made over a chain that was signed: a private key that is
missing (or unreadable) while a public key or a signature exists is a state
the box reports (``key_status``: the log, the health page, ``linerec
chain``), and nothing is signed until a person puts the key back or rotates
it on purpose (``rotate_key``): a silent new key would make every earlier
signature unverifiable by the key the box shows.

A signature signs ``firmware.store.chain.head_message``: the entry's number
and hash, the key's fingerprint and when. ``Signer.sign`` stores it in
``chain_signatures``; ``check_signature`` verifies one against a public key.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography is imported at the first use of a key: the engine's memory
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.store import chain
from firmware.store.db import Store
from firmware.store.files import fsync_directory, write_atomically

log = logging.getLogger(__name__)

FINGERPRINT_DIGITS = 16
LOST_KEY_REASON = "the old private key was lost or unreadable"


def _serialization():
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415 - see above

    return serialization


def _ed25519():
    from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: PLC0415

    return ed25519


class KeyUnavailableError(LinerecError):
    """The private key cannot be used to sign; the message says why and what to do."""


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(_serialization().Encoding.Raw, _serialization().PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:FINGERPRINT_DIGITS]


def grouped(fingerprint_hex: str | None) -> str:
    """A fingerprint as people read it aloud: ``3f2a 9c1b 07d4 e8a2``."""
    if not fingerprint_hex:
        return "-"
    return " ".join(fingerprint_hex[i : i + 4] for i in range(0, len(fingerprint_hex), 4))


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        _serialization().Encoding.PEM, _serialization().PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """A PEM public key, which must be Ed25519 (ValueError otherwise)."""
    key = _serialization().load_pem_public_key(pem)
    if not isinstance(key, _ed25519().Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def check_signature(public_key: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class KeyStatus:
    """The signing key as the health page and ``linerec chain`` tell it.

    ``state``: ``ready`` (it signs), ``none`` (no key yet: made when there is a
    first head to sign), ``missing`` or ``unreadable`` (nothing is signed until a
    person acts; ``problem`` says what and how).
    """

    state: str
    fingerprint: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class BoxKey:
    private: Ed25519PrivateKey
    fingerprint: str

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def public_pem(self) -> bytes:
        return public_pem(self.public)


def _public_fingerprint(folder: DataFolder) -> str | None:
    try:
        return fingerprint(load_public_key(folder.chain_public_key.read_bytes()))
    except (OSError, ValueError):
        return None


def _read_private(folder: DataFolder) -> BoxKey:
    """The private key from its file; KeyUnavailableError if it is not there or unusable."""
    path = folder.chain_private_key
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyUnavailableError(_missing_text(folder)) from None
    except OSError as error:
        raise KeyUnavailableError(
            f"the chain's private key {path} cannot be read: {error.strerror or error}; "
            "the engine must run as the user that owns it"
        ) from None
    try:
        key = _serialization().load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise KeyUnavailableError(
            f"the chain's private key {path} is not a usable key ({error}); put back a good "
            f"copy, or replace it with: linerec chain rotate-key --old-key-lost --data "
            f"{folder.root}"
        ) from None
    if not isinstance(key, _ed25519().Ed25519PrivateKey):
        raise KeyUnavailableError(f"the chain's private key {path} is not an Ed25519 key")
    _keep_private(folder)
    return BoxKey(key, fingerprint(key.public_key()))


def _missing_text(folder: DataFolder) -> str:
    known = _public_fingerprint(folder)
    whose = f" (key {grouped(known)})" if known else ""
    return (
        f"the chain's private key {folder.chain_private_key} is missing{whose}: nothing is "
        f"signed until it is put back from a backup, or replaced with: linerec chain "
        f"rotate-key --old-key-lost --data {folder.root}"
    )


def _keep_private(folder: DataFolder) -> None:
    """The key and its folder readable by the box's user only, whatever a restore left."""
    for path, mode in ((folder.keys, 0o700), (folder.chain_private_key, 0o600)):
        try:
            current = stat.S_IMODE(path.stat().st_mode)
            if current & 0o077:
                os.chmod(path, mode)
                log.warning("%s could be read by others (mode %o): now %o", path, current, mode)
        except OSError as error:
            log.warning("%s: cannot check who may read it: %s", path, error.strerror or error)


def key_status(folder: DataFolder, store: Store | None = None) -> KeyStatus:
    """The signing key's state, making nothing."""
    try:
        key = _read_private(folder)
    except KeyUnavailableError as error:
        if not folder.chain_private_key.exists():
            signed = store is not None and chain.has_signatures(store)
            if not folder.chain_public_key.exists() and not signed:
                return KeyStatus("none")
            return KeyStatus("missing", _public_fingerprint(folder), str(error))
        return KeyStatus("unreadable", _public_fingerprint(folder), str(error))
    return KeyStatus("ready", key.fingerprint)


def _write_private(path: Path, key: Ed25519PrivateKey, *, replace: bool) -> bool:
    """Write the private key, mode 0600 from its first byte; never over another key
    unless ``replace``. False if one appeared meanwhile (another process made it)."""
    data = key.private_bytes(
        _serialization().Encoding.PEM, _serialization().PrivateFormat.PKCS8,
        _serialization().NoEncryption(),
    )
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # fails if a key is there: never two first keys
            except FileExistsError:
                return False
    finally:
        Path(temporary).unlink(missing_ok=True)
    fsync_directory(path.parent)
    return True


def _write_public(folder: DataFolder, key: BoxKey) -> None:
    """The public key beside the private one, readable by anyone (it is public)."""
    write_atomically(folder.chain_public_key, key.public_pem)
    os.chmod(folder.chain_public_key, 0o644)


def _make_keys_folder(folder: DataFolder) -> None:
    folder.keys.mkdir(mode=0o700, parents=False, exist_ok=True)
    os.chmod(folder.keys, 0o700)


def ensure_key(folder: DataFolder, store: Store, *, at: float | None = None) -> BoxKey:
    """The box's key; made now if there is none at all (no private or public key file,
    no signature in the chain), with its ``key`` entry. KeyUnavailableError otherwise."""
    try:
        key = _read_private(folder)
    except KeyUnavailableError:
        if folder.chain_private_key.exists() or folder.chain_public_key.exists() or (
            chain.has_signatures(store) or chain.key_entries(store)
        ):
            raise
    else:
        # The public key is derived from the private one: a missing or different one is
        # written again, so that what an export carries verifies what the box signs.
        if _public_fingerprint(folder) != key.fingerprint:
            if folder.chain_public_key.exists():
                log.warning("%s was not the public key of %s: written again",
                            folder.chain_public_key, folder.chain_private_key)
            _write_public(folder, key)
        return key
    _make_keys_folder(folder)
    made = _ed25519().Ed25519PrivateKey.generate()
    if not _write_private(folder.chain_private_key, made, replace=False):
        return _read_private(folder)  # the web and the engine made one at once: theirs
    key = BoxKey(made, fingerprint(made.public_key()))
    _write_public(folder, key)
    with store.transaction() as connection:
        chain.append_key(
            connection, new_key=key.fingerprint, public_key=key.public_pem.decode("ascii"),
            old_key=None, reason="the box's first signing key",
            at=time.time() if at is None else at,
        )
    log.info("made the box's signing key %s in %s", grouped(key.fingerprint), folder.keys)
    return key


def sign(store: Store, key: BoxKey, *, at: float | None = None) -> chain.Signature | None:
    """Sign the chain's head with ``key`` and keep the signature; None for an empty chain."""
    top = chain.head(store)
    if top is None:
        return None
    signed_at = time.time() if at is None else at
    message = chain.head_message(top.seq, top.hash, key.fingerprint, signed_at)
    signature = chain.Signature(
        top.seq, top.hash, signed_at, key.fingerprint, message.decode("utf-8"),
        base64.b64encode(key.private.sign(message)).decode("ascii"),
    )
    chain.add_signature(store, signature)
    return signature


@dataclass
class Signer:
    """Signs the head of a data folder's chain with the box's key (made on first use)."""

    folder: DataFolder
    clock: object = time.time

    def sign(self, store: Store) -> chain.Signature | None:
        """Sign the head now; KeyUnavailableError when the key cannot be used."""
        at = self.clock()
        key = ensure_key(self.folder, store, at=at)
        return sign(store, key, at=at)

    def sign_if_new(self, store: Store) -> chain.Signature | None:
        """Sign the head if this key has not signed it yet (None: nothing new)."""
        top = chain.head(store)
        if top is None:
            return None
        key = ensure_key(self.folder, store, at=self.clock())
        latest = chain.latest_signature(store, key.fingerprint)
        if latest is not None and latest.seq >= top.seq:
            return None
        return sign(store, key, at=self.clock())


def public_keys(folder: DataFolder, store: Store) -> dict[str, Ed25519PublicKey]:
    """Every public key the chain's signatures may have been made with, by fingerprint:
    the box's, those rotation retired, and those the chain's ``key`` entries carry."""
    found: dict[str, Ed25519PublicKey] = {}
    candidates = [folder.chain_public_key]
    if folder.retired_keys.is_dir():
        candidates += sorted(folder.retired_keys.glob("*.pem"))
    pems = []
    for path in candidates:
        try:
            pems.append(path.read_bytes())
        except OSError:
            continue
    for item in chain.key_entries(store):
        try:
            pems.append(item.fact["public_key"].encode("ascii"))
        except (ValueError, KeyError, AttributeError):
            continue
    for pem in pems:
        try:
            key = load_public_key(pem)
        except ValueError:
            continue
        found.setdefault(fingerprint(key), key)
    return found


# ---- rotation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rotation:
    old_key: str | None
    new_key: str
    entry: chain.Entry
    signed_by_old: chain.Signature | None  # None when the old key was lost
    signed_by_new: chain.Signature | None


def rotate_key(
    folder: DataFolder, store: Store, *, old_key_lost: bool = False, at: float | None = None
) -> Rotation:
    """Put a new signing key in place of the box's key.

    With the old key at hand, a ``key`` entry naming the new key is appended
    and the head signed with the old key, then with the new one: the old key
    vouches for its successor. The old public key is kept in ``keys/retired/``
    (earlier signatures stay verifiable); the old private key is replaced.
    ``old_key_lost`` is for a private key that is gone or unreadable: the entry
    says so and only the new key signs. The caller holds the engine lock (a
    running engine keeps signing with the key it read).
    """
    at = time.time() if at is None else at
    old: BoxKey | None
    try:
        old = _read_private(folder)
    except KeyUnavailableError:
        if not old_key_lost:
            raise
        old = None
    else:
        if old_key_lost:
            raise KeyUnavailableError(
                f"the private key {folder.chain_private_key} is there and usable: rotate "
                "without --old-key-lost, so that it vouches for the new key"
            )
    old_fingerprint = old.fingerprint if old else _public_fingerprint(folder)
    _make_keys_folder(folder)
    made = _ed25519().Ed25519PrivateKey.generate()
    new = BoxKey(made, fingerprint(made.public_key()))
    reason = "rotation" if old else LOST_KEY_REASON
    with store.transaction() as connection:
        item = chain.append_key(
            connection, new_key=new.fingerprint, public_key=new.public_pem.decode("ascii"),
            old_key=old_fingerprint, reason=reason, at=at,
        )
    by_old = sign(store, old, at=at) if old else None
    if old_fingerprint is not None and folder.chain_public_key.exists():
        folder.retired_keys.mkdir(mode=0o700, exist_ok=True)
        retired = folder.retired_keys / f"{old_fingerprint}.pem"
        if not retired.exists():
            write_atomically(retired, folder.chain_public_key.read_bytes())
    _write_private(folder.chain_private_key, made, replace=True)
    _write_public(folder, new)
    by_new = sign(store, new, at=at)
    log.warning("the chain's signing key %s was replaced by %s (%s)", grouped(old_fingerprint),
                grouped(new.fingerprint), reason)
    return Rotation(old_fingerprint, new.fingerprint, item, by_old, by_new)
