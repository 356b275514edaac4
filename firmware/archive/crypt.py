"""Recordings encrypted at rest: the box's recordings key, and the encrypted file format.

**The key.** An X25519 key pair per box. Its public key lives on the box
(``keys/recordings-public.pem``, backed up with the other public keys), so
the engine encrypts every recording without any secret: recording never
waits for the key. Its private key is kept only wrapped:

- by the passphrase, in ``keys/recordings-key.sealed`` (JSON: scrypt's
  parameters and salt, an AES-256-GCM nonce and the wrapped key); it never
  leaves the box in a backup;
- as a key file the installer keeps on a USB stick (JSON holding the private
  key itself: whoever holds the stick holds the key).

Unlocking (``unseal``, ``load_key_file``) gives a ``RecordingsKey`` that
only the process that asked holds, in memory: the web after an
administrator typed the passphrase, a command given ``--key-file``.

**A file.** A random 256-bit data key per file, wrapped to the box's public
key (an ephemeral X25519 key, ECDH, HKDF-SHA-256, AES-256-GCM), and the
plaintext in chunks of ``CHUNK`` bytes, each sealed by AES-256-GCM under the
data key::

    header (HEADER.size bytes): magic, version, chunk size, key id (SHA-256 of the
        public key, first 16 bytes), ephemeral public key, wrap nonce, wrapped data key,
        nonce prefix (8 random bytes)
    chunk i: AES-256-GCM(data key, nonce = prefix || i as 4 bytes big-endian,
        plaintext[i * CHUNK : (i + 1) * CHUNK], associated data = SHA-256(header) || last)

``last`` is 1 for the last chunk and 0 for the others, so a file cut at a
chunk's end, chunks swapped or dropped, or a header changed fail to decrypt.
Every file has at least one chunk (an empty plaintext is one empty chunk).
The plaintext's size follows from the file's; a reader decrypts only the
chunks a byte range needs (``DecryptingReader``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from firmware.errors import LinerecError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )

MAGIC = b"LRECENC\x00"
VERSION = 1
CHUNK = 65536
TAG = 16
HEADER = struct.Struct(">8sBI16s32s12s48s8s")
KEY_TYPE = "linerec recordings key"
SEALED_TYPE = "linerec recordings key, sealed by a passphrase"
SCRYPT_N = 2**15  # 32 MB and about a second on a Raspberry Pi 4
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE = 10
_WRAP_INFO = b"linerec recording data key v1"


@functools.cache
def _crypto() -> SimpleNamespace:
    """The ``cryptography`` names used here, imported at their first use: the engine
    imports this module for its errors and file format, but needs the library only
    once encryption is on (``cryptography`` costs the engine several MB of memory)."""
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.x25519 import (  # noqa: PLC0415
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # noqa: PLC0415
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt  # noqa: PLC0415

    return SimpleNamespace(
        InvalidTag=InvalidTag,
        hashes=hashes,
        serialization=serialization,
        X25519PrivateKey=X25519PrivateKey,
        X25519PublicKey=X25519PublicKey,
        AESGCM=AESGCM,
        HKDF=HKDF,
        Scrypt=Scrypt,
    )


class CryptError(LinerecError):
    """An encrypted recording or a key that cannot be used; the message says what is wrong."""


class KeyLockedError(CryptError):
    """The recordings key is not unlocked in this process."""


class WrongKeyError(CryptError):
    """A passphrase or a key file that does not open the box's recordings key."""


class DamagedFileError(CryptError):
    """An encrypted file cut short, changed, or not one."""


# ---- the key -------------------------------------------------------------------------------


def key_id(public: bytes) -> bytes:
    return hashlib.sha256(public).digest()[:16]


def fingerprint(public: bytes) -> str:
    """How a recordings key is named to people: the first 16 bytes of its public key's
    SHA-256, in hex."""
    return key_id(public).hex()


def _raw_public(key: X25519PublicKey) -> bytes:
    serialization = _crypto().serialization
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class PublicKey:
    """The box's public recordings key: all the engine needs to encrypt."""

    raw: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw)

    def pem(self) -> bytes:
        serialization = _crypto().serialization
        return _crypto().X25519PublicKey.from_public_bytes(self.raw).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    @classmethod
    def load(cls, path: Path) -> PublicKey:
        try:
            key = _crypto().serialization.load_pem_public_key(path.read_bytes())
        except OSError as error:
            raise CryptError(f"{path}: cannot read the recordings key: "
                             f"{error.strerror or error}") from error
        except ValueError as error:
            raise CryptError(f"{path}: not a public key ({error})") from error
        if not isinstance(key, _crypto().X25519PublicKey):
            raise CryptError(f"{path}: not an X25519 public key")
        return cls(_raw_public(key))


@dataclass(frozen=True)
class RecordingsKey:
    """The unlocked private recordings key (held in memory only)."""

    private: X25519PrivateKey

    @property
    def public(self) -> PublicKey:
        return PublicKey(_raw_public(self.private.public_key()))

    def raw(self) -> bytes:
        serialization = _crypto().serialization
        return self.private.private_bytes(serialization.Encoding.Raw,
                                          serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption())

    @classmethod
    def generate(cls) -> RecordingsKey:
        return cls(_crypto().X25519PrivateKey.generate())


def _kdf(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return _crypto().Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def seal(key: RecordingsKey, passphrase: str, *, n: int = SCRYPT_N) -> dict:
    """The private key wrapped by ``passphrase`` (scrypt, AES-256-GCM), as a JSON document."""
    salt, nonce = os.urandom(16), os.urandom(12)
    public = key.public
    wrapped = _crypto().AESGCM(_kdf(passphrase, salt, n, SCRYPT_R, SCRYPT_P)).encrypt(
        nonce, key.raw(), public.raw)
    return {"type": SEALED_TYPE, "version": 1, "fingerprint": public.fingerprint,
            "public": public.raw.hex(), "kdf": "scrypt", "n": n, "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": salt.hex(), "nonce": nonce.hex(), "sealed": wrapped.hex()}


def unseal(document: dict, passphrase: str, *, where: str = "the sealed key") -> RecordingsKey:
    """The private key of a sealed document; WrongKeyError for a wrong passphrase,
    CryptError for a document that is not one."""
    try:
        if document.get("type") != SEALED_TYPE or document.get("kdf") != "scrypt":
            raise CryptError(f"{where}: not a sealed linerec recordings key")
        public = bytes.fromhex(document["public"])
        derived = _kdf(passphrase, bytes.fromhex(document["salt"]), int(document["n"]),
                       int(document["r"]), int(document["p"]))
        nonce, sealed = bytes.fromhex(document["nonce"]), bytes.fromhex(document["sealed"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise CryptError(f"{where}: damaged ({error})") from None
    try:
        raw = _crypto().AESGCM(derived).decrypt(nonce, sealed, public)
    except _crypto().InvalidTag:
        raise WrongKeyError("wrong passphrase: it does not open the recordings key "
                            f"{fingerprint(public)}") from None
    key = RecordingsKey(_crypto().X25519PrivateKey.from_private_bytes(raw))
    if key.public.raw != public:
        raise CryptError(f"{where}: damaged (its private key is not its public key's)")
    return key


def key_file_document(key: RecordingsKey) -> dict:
    """What the key file on a USB stick holds: the private key itself."""
    return {"type": KEY_TYPE, "version": 1, "fingerprint": key.public.fingerprint,
            "private": key.raw().hex()}


def write_private_json(path: Path, document: dict) -> None:
    """``document`` written to ``path`` (mode 0600) through a temporary file and a rename."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.partial")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump(document, stream, indent=2, sort_keys=True)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def read_json(path: Path, what: str) -> dict:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CryptError(f"{path}: no such file ({what})") from None
    except OSError as error:
        raise CryptError(f"{path}: cannot read {what}: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError):
        raise CryptError(f"{path}: not {what} (not JSON)") from None
    if not isinstance(document, dict):
        raise CryptError(f"{path}: not {what}")
    return document


def load_key_file(path: Path, expected: PublicKey | None = None) -> RecordingsKey:
    """The key in a key file; WrongKeyError if it is another key than ``expected``'s."""
    document = read_json(path, "a linerec key file")
    try:
        if document.get("type") != KEY_TYPE:
            raise CryptError(f"{path}: not a linerec key file")
        key = RecordingsKey(_crypto().X25519PrivateKey.from_private_bytes(
            bytes.fromhex(document["private"])))
    except (KeyError, TypeError, ValueError) as error:
        raise CryptError(f"{path}: a damaged linerec key file ({error})") from None
    if expected is not None and key.public.raw != expected.raw:
        raise WrongKeyError(f"{path}: the key file holds key {key.public.fingerprint}, not "
                            f"this box's recordings key {expected.fingerprint}")
    return key


# ---- one file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    chunk: int
    key_id: bytes
    ephemeral: bytes
    wrap_nonce: bytes
    wrapped: bytes
    prefix: bytes
    raw: bytes

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.raw).digest()


def _wrap_key(shared: bytes, ephemeral: bytes, public: bytes) -> bytes:
    return _crypto().HKDF(algorithm=_crypto().hashes.SHA256(), length=32, salt=ephemeral + public,
                info=_WRAP_INFO).derive(shared)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + index.to_bytes(4, "big")


def _aad(header: Header, last: bool) -> bytes:
    return header.digest + (b"\x01" if last else b"\x00")


def new_header(public: PublicKey, chunk: int = CHUNK) -> tuple[Header, bytes]:
    """A fresh header for a file to ``public``, and its data key."""
    data_key = _crypto().AESGCM.generate_key(bit_length=256)
    ephemeral = _crypto().X25519PrivateKey.generate()
    ephemeral_raw = _raw_public(ephemeral.public_key())
    shared = ephemeral.exchange(_crypto().X25519PublicKey.from_public_bytes(public.raw))
    wrap_nonce = os.urandom(12)
    wrapped = _crypto().AESGCM(_wrap_key(shared, ephemeral_raw, public.raw)).encrypt(
        wrap_nonce, data_key, MAGIC + key_id(public.raw))
    prefix = os.urandom(8)
    raw = HEADER.pack(MAGIC, VERSION, chunk, key_id(public.raw), ephemeral_raw, wrap_nonce,
                      wrapped, prefix)
    return Header(chunk, key_id(public.raw), ephemeral_raw, wrap_nonce, wrapped, prefix,
                  raw), data_key


def parse_header(raw: bytes, where: str) -> Header:
    if len(raw) < HEADER.size or raw[:len(MAGIC)] != MAGIC:
        raise DamagedFileError(f"{where}: not an encrypted linerec recording")
    _, version, chunk, kid, ephemeral, wrap_nonce, wrapped, prefix = HEADER.unpack(
        raw[:HEADER.size])
    if version != VERSION:
        raise DamagedFileError(f"{where}: encrypted in format version {version}, which this "
                               "software does not know")
    if not 0 < chunk <= 2**24:
        raise DamagedFileError(f"{where}: a damaged header (chunk size {chunk})")
    return Header(chunk, kid, ephemeral, wrap_nonce, wrapped, prefix, raw[:HEADER.size])


def encrypt_stream(source, target, public: PublicKey, *, chunk: int = CHUNK,
                   cancelled=lambda: False) -> None:
    """Everything ``source`` reads encrypted onto ``target`` (both binary streams)."""
    header, data_key = new_header(public, chunk)
    aead = _crypto().AESGCM(data_key)
    target.write(header.raw)
    index = 0
    current = source.read(chunk)
    while True:
        if cancelled():
            raise CancelledEncryptionError("stopped before the file was encrypted")
        following = source.read(chunk) if len(current) == chunk else b""
        last = not following
        target.write(aead.encrypt(_nonce(header.prefix, index), current, _aad(header, last)))
        if last:
            return
        index += 1
        current = following


class CancelledEncryptionError(CryptError):
    """Asked to stop while a file was encrypted."""


def encrypted_size(plain: int, chunk: int = CHUNK) -> int:
    chunks = max(1, -(-plain // chunk))
    return HEADER.size + plain + chunks * TAG


class DecryptingReader(io.RawIOBase):
    """An encrypted file read as its plaintext, seekable: only the chunks a read needs are
    decrypted (one kept). DamagedFileError names the file and the chunk for a file cut
    short or changed; WrongKeyError when ``key`` is not the one it was encrypted to."""

    def __init__(self, path: Path, key: RecordingsKey) -> None:
        super().__init__()
        self.path = Path(path)
        self._stream = self.path.open("rb")
        self._position = 0
        self._cached: tuple[int, bytes] | None = None
        try:
            self._open(key)
        except BaseException:
            self._stream.close()
            raise

    def _open(self, key: RecordingsKey) -> None:
        where = str(self.path)
        header = parse_header(self._stream.read(HEADER.size), where)
        public = key.public
        if header.key_id != key_id(public.raw):
            raise WrongKeyError(f"{where}: encrypted to the recordings key "
                                f"{header.key_id.hex()}, not to the key unlocked "
                                f"({public.fingerprint})")
        shared = key.private.exchange(_crypto().X25519PublicKey.from_public_bytes(header.ephemeral))
        try:
            data_key = _crypto().AESGCM(_wrap_key(shared, header.ephemeral, public.raw)).decrypt(
                header.wrap_nonce, header.wrapped, MAGIC + header.key_id)
        except _crypto().InvalidTag:
            raise DamagedFileError(f"{where}: its header is damaged (the data key does "
                                   "not open)") from None
        self.header = header
        self._aead = _crypto().AESGCM(data_key)
        body = os.fstat(self._stream.fileno()).st_size - HEADER.size
        sealed = header.chunk + TAG
        self.chunks = max(1, -(-body // sealed))
        self.size = body - self.chunks * TAG
        if body < TAG or (body % sealed and body % sealed < TAG):
            raise DamagedFileError(f"{where}: cut short (its last chunk is not whole)")
        if self.size == (self.chunks - 1) * header.chunk:
            # The last chunk holds no audio, so no read would decrypt it; yet it is what
            # says the file ends there (a file cut a tag's length after a chunk's end
            # looks the same): it is checked now.
            self.chunk(self.chunks - 1)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        sealed = self.header.chunk + TAG
        self._stream.seek(HEADER.size + index * sealed)
        data = self._stream.read(sealed)
        last = index == self.chunks - 1
        try:
            plain = self._aead.decrypt(_nonce(self.header.prefix, index), data,
                                       _aad(self.header, last))
        except _crypto().InvalidTag:
            raise DamagedFileError(
                f"{self.path}: chunk {index + 1} of {self.chunks} does not decrypt: the file "
                "was cut short or changed") from None
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer) -> int:
        if self._position >= self.size:
            return 0
        index, skip = divmod(self._position, self.header.chunk)
        data = self.chunk(index)[skip: skip + len(buffer)]
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def read_range(self, start: int, length: int) -> bytes:
        """``length`` bytes of plaintext from ``start`` (fewer at the end)."""
        self.seek(start)
        parts, wanted = [], length
        while wanted > 0:
            data = self.read(wanted)
            if not data:
                break
            parts.append(data)
            wanted -= len(data)
        return b"".join(parts)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stream.close()
        super().close()


def decrypt_sha256(path: Path, key: RecordingsKey) -> str:
    """The SHA-256 of an encrypted file's plaintext (every chunk checked)."""
    digest = hashlib.sha256()
    with DecryptingReader(path, key) as reader:
        for index in range(reader.chunks):
            digest.update(reader.chunk(index))
    return digest.hexdigest()


def file_key_id(path: Path) -> str:
    """The fingerprint of the key an encrypted file was encrypted to (no key needed)."""
    with Path(path).open("rb") as stream:
        return parse_header(stream.read(HEADER.size), str(path)).key_id.hex()


# ---- the box's key in the data folder ------------------------------------------------------


def box_public_key(folder) -> PublicKey | None:
    """The box's public recordings key (``folder``: a DataFolder), or None before it is
    made; CryptError for a file that cannot be read."""
    path = folder.recordings_public_key
    if not path.exists():
        return None
    return PublicKey.load(path)


def check_key_file_target(folder, path: Path) -> None:
    """A key file goes off the box, never over a file: CryptError for a path inside the data
    folder (a key beside the recordings protects nothing) or where a file is already."""
    path = Path(path)
    if not path.is_absolute():
        raise CryptError(f"{path}: a key file's path must be absolute, such as "
                         "/media/usb/linerec.key")
    try:
        inside = path.resolve().is_relative_to(Path(folder.root).resolve())
    except (OSError, RuntimeError) as error:
        raise CryptError(f"{path}: cannot be used for a key file: {error}") from None
    if inside:
        raise CryptError(f"{path}: inside the data folder: the key file must be kept off the "
                         "box (a USB stick)")
    if path.exists() or path.is_symlink():
        raise CryptError(f"{path}: there is a file there already; nothing was written")


def set_up(folder, passphrase: str | None, key_file: Path | None = None, *,
           n: int = SCRYPT_N) -> RecordingsKey:
    """Make the box's recordings key: its public key in ``keys/``, its private key sealed
    by ``passphrase`` there and/or written to ``key_file`` (at least one). Refused when the
    box has a key already: the recordings encrypted to it would be lost."""
    if box_public_key(folder) is not None:
        raise CryptError(f"{folder.recordings_public_key}: the box has a recordings key "
                         "already; making another would lose the recordings encrypted to it")
    if not passphrase and key_file is None:
        raise CryptError("a passphrase or a key file is needed: without either the "
                         "recordings could never be played again")
    if passphrase is not None and len(passphrase) < MIN_PASSPHRASE:
        raise CryptError(f"the passphrase is too short: at least {MIN_PASSPHRASE} characters")
    if key_file is not None:
        check_key_file_target(folder, key_file)
    key = RecordingsKey.generate()
    folder.keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    if key_file is not None:
        try:
            write_private_json(Path(key_file), key_file_document(key))
        except OSError as error:
            raise CryptError(f"{key_file}: cannot write the key file: "
                             f"{error.strerror or error}") from None
    if passphrase:
        write_private_json(folder.recordings_sealed_key, seal(key, passphrase, n=n))
    public = folder.recordings_public_key
    temporary = public.with_name(f".{public.name}.partial")
    temporary.write_bytes(key.public.pem())
    os.chmod(temporary, 0o600)
    os.replace(temporary, public)
    return key


def write_key_file(folder, key: RecordingsKey, path: Path) -> None:
    """Another copy of the unlocked key as a key file (a second USB stick)."""
    expected = box_public_key(folder)
    if expected is None or expected.raw != key.public.raw:
        raise WrongKeyError("the key unlocked is not this box's recordings key")
    check_key_file_target(folder, Path(path))
    try:
        write_private_json(Path(path), key_file_document(key))
    except OSError as error:
        raise CryptError(f"{path}: cannot write the key file: {error.strerror or error}"
                         ) from None


def unlock(folder, *, passphrase: str | None = None, key_file: Path | None = None
           ) -> RecordingsKey:
    """The box's private recordings key, by its passphrase or a key file. Nothing on the
    disk changes, whatever goes wrong."""
    expected = box_public_key(folder)
    if expected is None:
        raise CryptError("this box has no recordings key: encryption was never set up")
    if key_file is not None:
        return load_key_file(Path(key_file), expected)
    if passphrase is None:
        raise CryptError("a passphrase or a key file is needed")
    path = folder.recordings_sealed_key
    if not path.exists():
        raise CryptError(f"{path}: no sealed key on this box (the key was set up with a key "
                         "file only, or the box was restored from a backup, which never holds "
                         "it): unlock it with the key file")
    key = unseal(read_json(path, "a sealed recordings key"), passphrase, where=str(path))
    if key.public.raw != expected.raw:
        raise WrongKeyError(f"{path}: seals key {key.public.fingerprint}, not this box's "
                            f"recordings key {expected.fingerprint}")
    return key


def change_passphrase(folder, key: RecordingsKey, passphrase: str, *, n: int = SCRYPT_N
                      ) -> None:
    """Seal the unlocked key by a new passphrase (the old sealed file replaced)."""
    expected = box_public_key(folder)
    if expected is None or expected.raw != key.public.raw:
        raise WrongKeyError("the key unlocked is not this box's recordings key")
    if len(passphrase) < MIN_PASSPHRASE:
        raise CryptError(f"the passphrase is too short: at least {MIN_PASSPHRASE} characters")
    write_private_json(folder.recordings_sealed_key, seal(key, passphrase, n=n))
