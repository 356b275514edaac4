"""Ed25519 as the chain's signer needs it: make a key, sign, the key files in and out.

The engine signs the chain's head every few minutes for as long as it runs.
The ``cryptography`` package would add several MB to the engine's memory for
that alone, so the signature is made by the OpenSSL library that Python's
``hashlib`` has already loaded (``libcrypto``, through ``ctypes``): it costs
no more memory. Where that library cannot be found or lacks Ed25519 (a Python
without a shared ``libcrypto``, OpenSSL before 1.1.1), ``cryptography`` does
it; either way the signature is the same (Ed25519 is deterministic).

A key is its 32-byte seed (RFC 8032's private key); the files are the
standard PEM forms ``cryptography`` and ``openssl`` write and read:
PKCS #8 (``PRIVATE KEY``) for the private key, SubjectPublicKeyInfo
(``PUBLIC KEY``) for the public one. Only that one form of each is read here
(``seed_from_pem``, ``raw_from_public_pem``: None for anything else); the
callers hand any other file to ``cryptography``, which reads every form and
says what is wrong with a bad one.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import functools
import hashlib  # noqa: F401 - loads libcrypto, which signs here
import os

SEED_BYTES = 32
SIGNATURE_BYTES = 64
# DER of an Ed25519 key in PKCS #8 (RFC 8410): everything before the 32-byte seed...
_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
# ... and in SubjectPublicKeyInfo: everything before the 32-byte public key.
_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
_NID_ED25519 = 1087  # OpenSSL's EVP_PKEY_ED25519


def generate() -> bytes:
    """A new private key (its seed): any 32 random bytes are one."""
    return os.urandom(SEED_BYTES)


def _pem(label: str, der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"".join(
        [f"-----BEGIN {label}-----\n".encode()]
        + [line + b"\n" for line in lines]
        + [f"-----END {label}-----\n".encode()]
    )


def _der(label: str, pem: bytes) -> bytes | None:
    lines = pem.strip().splitlines()
    if len(lines) < 3 or lines[0] != f"-----BEGIN {label}-----".encode():
        return None
    if lines[-1] != f"-----END {label}-----".encode():
        return None
    try:
        return base64.b64decode(b"".join(line.strip() for line in lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        return None


def private_pem(seed: bytes) -> bytes:
    """The private key as PKCS #8 PEM, unencrypted (what ``cryptography`` writes)."""
    return _pem("PRIVATE KEY", _PKCS8_PREFIX + seed)


def public_pem(raw: bytes) -> bytes:
    """The public key as SubjectPublicKeyInfo PEM (what ``cryptography`` writes)."""
    return _pem("PUBLIC KEY", _SPKI_PREFIX + raw)


def seed_from_pem(data: bytes) -> bytes | None:
    """The seed of an Ed25519 private key in the plain PKCS #8 PEM form; None for any other
    file (another form, another kind of key, a damaged one)."""
    der = _der("PRIVATE KEY", data)
    if der is None or len(der) != len(_PKCS8_PREFIX) + SEED_BYTES:
        return None
    if not der.startswith(_PKCS8_PREFIX):
        return None
    return der[len(_PKCS8_PREFIX) :]


def raw_from_public_pem(data: bytes) -> bytes | None:
    """The raw 32 bytes of an Ed25519 public key in PEM; None for any other file."""
    der = _der("PUBLIC KEY", data)
    if der is None or len(der) != len(_SPKI_PREFIX) + SEED_BYTES:
        return None
    if not der.startswith(_SPKI_PREFIX):
        return None
    return der[len(_SPKI_PREFIX) :]


# ---- the two operations --------------------------------------------------------------


def public_from_seed(seed: bytes) -> bytes:
    """The raw public key of a private key."""
    openssl = _openssl()
    if openssl is None:
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
            Ed25519PrivateKey,
        )

        return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    return openssl.public_from_seed(seed)


def sign(seed: bytes, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message``."""
    openssl = _openssl()
    if openssl is None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
            Ed25519PrivateKey,
        )

        return Ed25519PrivateKey.from_private_bytes(seed).sign(message)
    return openssl.sign(seed, message)


class _OpenSsl:
    """Ed25519 in the process's ``libcrypto`` (OpenSSL 1.1.1 or later)."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        pointer, size = ctypes.c_void_p, ctypes.c_size_t
        self._new_private = lib.EVP_PKEY_new_raw_private_key
        self._new_private.restype = pointer
        self._new_private.argtypes = [ctypes.c_int, pointer, ctypes.c_char_p, size]
        self._get_public = lib.EVP_PKEY_get_raw_public_key
        self._get_public.restype = ctypes.c_int
        self._get_public.argtypes = [pointer, ctypes.c_char_p, ctypes.POINTER(size)]
        self._free_key = lib.EVP_PKEY_free
        self._free_key.restype = None
        self._free_key.argtypes = [pointer]
        self._new_context = lib.EVP_MD_CTX_new
        self._new_context.restype = pointer
        self._new_context.argtypes = []
        self._free_context = lib.EVP_MD_CTX_free
        self._free_context.restype = None
        self._free_context.argtypes = [pointer]
        self._sign_init = lib.EVP_DigestSignInit
        self._sign_init.restype = ctypes.c_int
        self._sign_init.argtypes = [pointer, pointer, pointer, pointer, pointer]
        self._sign = lib.EVP_DigestSign
        self._sign.restype = ctypes.c_int
        self._sign.argtypes = [pointer, ctypes.c_char_p, ctypes.POINTER(size), ctypes.c_char_p,
                               size]

    def _key(self, seed: bytes) -> int:
        if len(seed) != SEED_BYTES:
            raise ValueError(f"an Ed25519 private key is {SEED_BYTES} bytes, not {len(seed)}")
        key = self._new_private(_NID_ED25519, None, seed, SEED_BYTES)
        if not key:
            raise ValueError("OpenSSL refused the Ed25519 private key")
        return key

    def public_from_seed(self, seed: bytes) -> bytes:
        key = self._key(seed)
        try:
            out = ctypes.create_string_buffer(SEED_BYTES)
            length = ctypes.c_size_t(SEED_BYTES)
            if self._get_public(key, out, ctypes.byref(length)) != 1 or length.value != 32:
                raise ValueError("OpenSSL could not derive the Ed25519 public key")
            return out.raw
        finally:
            self._free_key(key)

    def sign(self, seed: bytes, message: bytes) -> bytes:
        key = self._key(seed)
        context = self._new_context()
        try:
            if not context or self._sign_init(context, None, None, None, key) != 1:
                raise ValueError("OpenSSL could not start an Ed25519 signature")
            out = ctypes.create_string_buffer(SIGNATURE_BYTES)
            length = ctypes.c_size_t(SIGNATURE_BYTES)
            if self._sign(context, out, ctypes.byref(length), message, len(message)) != 1:
                raise ValueError("OpenSSL could not make the Ed25519 signature")
            if length.value != SIGNATURE_BYTES:
                raise ValueError(f"OpenSSL made a signature of {length.value} bytes")
            return out.raw
        finally:
            if context:
                self._free_context(context)
            self._free_key(key)


def _loaded_libcrypto() -> str | None:
    """The path of the ``libcrypto`` this process has loaded (``hashlib``, imported above,
    loads it where Python's OpenSSL is a shared library), if any."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.rstrip("\n").partition("/")[2]
                if path and os.path.basename(path).startswith("libcrypto.so"):
                    return "/" + path
    except OSError:
        pass
    return None


@functools.cache
def _openssl() -> _OpenSsl | None:
    """Ed25519 through the loaded ``libcrypto``, checked against RFC 8032's first test
    vector; None (``cryptography`` does it) where that is not possible."""
    path = _loaded_libcrypto()
    if path is None:
        return None
    try:
        openssl = _OpenSsl(ctypes.CDLL(path))
        public = openssl.public_from_seed(_TEST_SEED)
        signature = openssl.sign(_TEST_SEED, b"")
    except (OSError, AttributeError, ValueError):
        return None
    if public != _TEST_PUBLIC or signature != _TEST_SIGNATURE:
        return None
    return openssl


# RFC 8032, 7.1, TEST 1 (the empty message).
_TEST_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
_TEST_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
_TEST_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)
