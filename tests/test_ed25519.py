"""The chain signer's Ed25519 (``firmware.store.ed25519``): the same keys, files and signatures
as ``cryptography`` makes, through the process's OpenSSL and through the fallback."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from firmware.datafolder import DataFolder
from firmware.store import ed25519, integrity, signing
from tests.chain_box import chained_box

# RFC 8032, 7.1: TEST 2 and TEST 3 (TEST 1 is the library's own check when it is loaded).
VECTORS = [
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]


@pytest.fixture(params=["openssl", "cryptography"])
def backend(request, monkeypatch):
    """Each test runs through the process's libcrypto and through the fallback."""
    if request.param == "openssl":
        assert ed25519._openssl() is not None, "this machine's Python has a shared libcrypto"
    else:
        monkeypatch.setattr(ed25519, "_openssl", lambda: None)
    return request.param


@pytest.mark.parametrize(("seed", "public", "message", "signature"), VECTORS)
def test_rfc_8032_vectors(backend, seed, public, message, signature):
    seed = bytes.fromhex(seed)
    assert ed25519.public_from_seed(seed).hex() == public
    assert ed25519.sign(seed, bytes.fromhex(message)).hex() == signature


def test_keys_files_and_signatures_are_cryptographys(backend):
    for index in range(20):
        seed = ed25519.generate()
        theirs = Ed25519PrivateKey.from_private_bytes(seed)
        message = b"head %d" % index * index
        assert ed25519.sign(seed, message) == theirs.sign(message)
        theirs.public_key().verify(ed25519.sign(seed, message), message)
        assert ed25519.private_pem(seed) == theirs.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        public = ed25519.public_from_seed(seed)
        assert ed25519.public_pem(public) == theirs.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        assert ed25519.seed_from_pem(ed25519.private_pem(seed)) == seed
        assert ed25519.raw_from_public_pem(ed25519.public_pem(public)) == public
    assert len({ed25519.generate() for _ in range(10)}) == 10


def test_only_the_plain_form_of_an_ed25519_key_is_read_here():
    seed = ed25519.generate()
    pem = ed25519.private_pem(seed)
    assert ed25519.seed_from_pem(pem.replace(b"\n", b"\r\n")) == seed
    other = X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    sealed = Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"))
    public = ed25519.public_pem(ed25519.public_from_seed(seed))
    for data in (other, sealed, public, b"", b"-----BEGIN PRIVATE KEY-----\n!!\n"
                 b"-----END PRIVATE KEY-----\n", b"Bag Attributes\n" + pem):
        assert ed25519.seed_from_pem(data) is None
    assert ed25519.raw_from_public_pem(pem) is None


def test_the_box_key_in_another_form_is_read_by_cryptography(tmp_path, backend):
    """A key file the box did not write in its own form (text before it, as some tools add)
    still signs; one that is no key still says so."""
    box = chained_box(tmp_path / "data", 1)
    try:
        folder: DataFolder = box.folder
        private = folder.chain_private_key
        kept = private.read_bytes()
        private.write_bytes(b"Bag Attributes\n    localKeyID: 01\n" + kept)
        status = signing.key_status(folder, box.store)
        assert status.state == "ready"
        record = signing.Signer(folder).sign(box.store)
        assert record is not None and record.key == status.fingerprint
        assert signing.public_keys(folder, box.store)[status.fingerprint]
        other = X25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        private.write_bytes(other)
        with pytest.raises(signing.KeyUnavailableError, match="not an Ed25519 key"):
            signing.Signer(folder).sign(box.store)
        private.write_bytes(kept)
        report = integrity.verify(folder, box.store)
        assert report.intact and all(check.signed for check in report.recordings)
    finally:
        box.close()
