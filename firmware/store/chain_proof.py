"""The hash chain as files that prove themselves away from the box: an export's proof, a
backup's copy.

``proof_files`` is what an auditors' export carries (``webui.recording_export``)
besides the recordings, their manifest and ``SHA256SUMS``::

    chain/entries.jsonl   every entry from the first to the head signed for this export
    chain/facts.jsonl     the facts of the entries about the exported recordings
    chain/head.json       the head signed: its entry's number and hash, the key, when
    chain/head.sig        the box's Ed25519 signature of head.json (64 bytes)
    chain/public.pem      the box's public key
    verify_export.py      the whole check in one program (Python 3's standard library)
    VERIFY.txt            how to check it all with sha256sum, openssl and python3

Before it is made, every finished recording is chained (``chain_pending``)
and the head is signed afresh, so the export's recordings are in the chain
it carries. A key that cannot sign (``firmware.store.signing``) leaves the
head unsigned: the export is still made, and VERIFY.txt and the checker say
that its chain is not signed and why.

``chain_copy_files`` / ``write_chain_copy`` give the same layout with every
entry's facts and every signature (``chain/signatures.jsonl``), for a backup
off the box: ``verify_export.py`` checks such a copy too.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from firmware.datafolder import DataFolder
from firmware.store import chain
from firmware.store.db import Store, StoreError
from firmware.store.files import make_folders, write_atomically
from firmware.store.signing import KeyUnavailableError, Signer, grouped

log = logging.getLogger(__name__)

CHECKER = Path(__file__).with_name("verify_export.py")
# The commands VERIFY.txt gives, run in the folder the export was unpacked into.
COMMANDS = (
    "sha256sum -c SHA256SUMS",
    "openssl pkeyutl -verify -pubin -inkey chain/public.pem -rawin -in chain/head.json "
    "-sigfile chain/head.sig",
    "openssl pkey -pubin -in chain/public.pem -outform DER | tail -c 32 | sha256sum | "
    "cut -c1-16",
    "python3 verify_export.py",
)

VERIFY_TEXT = """\
How to check this export without the box
========================================

This export proves itself with common tools on any computer: sha256sum,
openssl (1.1.1 or newer) and python3. Unpack it and, in its folder, run:

1. Every file is the one listed (each line says OK):

$ {files}

2. The box signed the head of its hash chain (it says "Signature Verified
   Successfully"):

$ {signature}

3. The key is the box's: this prints the key's fingerprint, which must be
   the one the box shows (Health page, and `linerec chain`). This export
   was signed by key {fingerprint}.

$ {fingerprint_command}

4. The chain leads from its first entry to that signed head, and holds each
   exported recording with the SHA-256 of its file, its line, call, number
   and times, and a tombstone for each one listed as deleted (it ends with
   "all intact"):

$ {checker}

   verify_export.py needs only Python 3; it checks the signature too, with
   the cryptography package if installed, else with openssl.

{signed}

What this proves, and what it does not
--------------------------------------

- The chain is the box's record of every recording it finished, every
  stored file that changed, every deletion by retention and every legal
  hold, each entry bound by SHA-256 to all those before it. The box signs
  its head with its own Ed25519 key; the private key never leaves the box.
- If the signature is valid, the key is the box's and the chain leads to
  the signed head, then every entry up to the head is as the box wrote it,
  and each exported file is the one the box recorded (or stored, when it
  was transcoded): changing a file, an entry or the signature shows.
- It does not prove that the box recorded every call, or that the box
  itself was not tampered with before it wrote an entry; nor that the
  person holding the box's private key did not sign a rewritten chain.
  Compare the fingerprint with the one noted when the box was installed.

Contents: recordings/ the files as stored; manifest.json and manifest.csv
who exported what and when; SHA256SUMS; chain/entries.jsonl every entry of
the chain (one JSON a line, exactly as hashed: SHA-256 of the previous
entry's hash followed by the line); chain/facts.jsonl the facts of the
entries about these recordings (each line's SHA-256 is the "facts" of its
entry); chain/head.json, head.sig, public.pem the signed head, its
signature, the box's public key.


如何不借助设备校验本导出
========================

本导出可在任何电脑上用常见工具自证：sha256sum、openssl（1.1.1 或更新）和
python3。解压后在其文件夹中依次运行：

1. 每个文件都与清单一致（每行显示 OK）：

   {files}

2. 设备签署了其哈希链的链头（显示 "Signature Verified Successfully"）：

   {signature}

3. 密钥属于本设备：下面的命令打印密钥指纹，应与设备显示的一致（健康状况页面，
   或 `linerec chain`）。本导出由密钥 {fingerprint} 签名。

   {fingerprint_command}

4. 哈希链从第一个条目连到已签名的链头，并包含每条导出录音的文件 SHA-256、
   线路、通话、号码和时间，以及每条已删除录音的删除记录（最后显示
   "all intact"）：

   {checker}

能证明什么，不能证明什么：链上每个条目都以 SHA-256 与之前所有条目相连，链头
由设备自己的 Ed25519 私钥签名（私钥从不离开设备）。签名有效、密钥属于设备、
链连到已签名的链头，则链头之前的每个条目都与设备写入时一致，每个导出文件都是
设备录制（或转码后存储）的文件：改动文件、条目或签名都会被发现。它不能证明设备
录下了每一通电话，也不能证明设备在写入条目之前未被篡改，或持有设备私钥的人未
签署改写过的链。请将指纹与设备安装时记下的指纹比对。
"""
SIGNED_TEXT = "The head is entry {seq}, signed {when} by key {fingerprint}."
UNSIGNED_TEXT = (
    "THE HEAD IS NOT SIGNED: {problem}. Steps 2 and 3 cannot succeed; the chain\n"
    "still shows whether entries were changed since it was written, but not by whom."
)


@dataclass(frozen=True)
class Proof:
    """An export's chain files, and the signature made for it (None: not signed, why in
    ``problem``)."""

    files: dict[str, bytes]
    signature: chain.Signature | None
    problem: str | None = None


def _utc(at: float) -> str:
    import time  # noqa: PLC0415 - only to name the moment in VERIFY.txt

    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at))


def _signed_head(folder: DataFolder, store: Store) -> tuple[chain.Signature | None, str | None]:
    try:
        return Signer(folder).sign(store), None
    except KeyUnavailableError as error:
        return None, str(error)
    except (sqlite3.Error, StoreError) as error:  # the signature could not be kept
        return None, f"the database cannot be written ({error})"


def proof_files(
    folder: DataFolder, store: Store, recording_ids: Collection[int]
) -> Proof:
    """The chain files of an export of ``recording_ids`` (see the module's description)."""
    try:
        chain.chain_pending(store)
    except (sqlite3.Error, StoreError) as error:  # a full disk: export what is chained
        log.warning("the chain could not be brought up to date for an export: %s", error)
    signature, problem = _signed_head(folder, store)
    top = chain.head(store)
    if signature is not None:
        through, message = signature.seq, signature.message.encode("utf-8")
    elif top is not None:
        through, message = top.seq, chain.head_message(top.seq, top.hash, None, None)
    else:
        through, message = 0, chain.head_message(0, chain.GENESIS, None, None)
    files = {
        f"chain/{name}": data
        for name, data in chain.segment_files(store, through, recording_ids=recording_ids).items()
    }
    files["chain/head.json"] = message
    if signature is not None:
        files["chain/head.sig"] = signature.signature_bytes
    public = folder.chain_public_key
    if public.is_file():
        files["chain/public.pem"] = public.read_bytes()
    files["verify_export.py"] = CHECKER.read_bytes()
    files["VERIFY.txt"] = verify_text(signature, problem).encode("utf-8")
    return Proof(files, signature, problem)


def verify_text(signature: chain.Signature | None, problem: str | None) -> str:
    """VERIFY.txt: the commands (``COMMANDS``) and what they prove, in English and Chinese."""
    if signature is not None:
        signed = SIGNED_TEXT.format(seq=signature.seq, when=_utc(signature.signed_at),
                                    fingerprint=grouped(signature.key))
        fingerprint = f"{grouped(signature.key)} ({signature.key})"
    else:
        signed = UNSIGNED_TEXT.format(problem=problem or "the box has no signing key")
        fingerprint = "-"
    files, signature_command, fingerprint_command, checker = COMMANDS
    return VERIFY_TEXT.format(
        files=files, signature=signature_command, fingerprint_command=fingerprint_command,
        checker=checker, fingerprint=fingerprint, signed=signed,
    )


def chain_copy_files(folder: DataFolder, store: Store) -> dict[str, bytes]:
    """The whole chain as files, for a backup off the box: every entry and its facts,
    every signature (``chain/signatures.jsonl``, one JSON a line), the newest signed
    head (``head.json``, ``head.sig``; signed now if the head is new and the key can),
    the public key and the checker. Read in one transaction."""
    signature = None
    with contextlib.suppress(KeyUnavailableError):  # else the newest signature there is
        signature = Signer(folder).sign_if_new(store)
    with chain.reading(store):
        signature = signature or chain.latest_signature(store)
        top = chain.head(store)
        through = top.seq if top is not None else 0
        files = {
            f"chain/{name}": data
            for name, data in chain.segment_files(store, through).items()
        }
        files["chain/signatures.jsonl"] = b"".join(
            chain.canonical({
                "seq": item.seq, "hash": item.hash, "signed_at": item.signed_at,
                "key": item.key, "message": item.message, "signature": item.signature,
            }) + b"\n"
            for item in chain.signatures(store)
        )
    if signature is not None and signature.seq == through:
        files["chain/head.json"] = signature.message.encode("utf-8")
        files["chain/head.sig"] = base64.b64decode(signature.signature)
    elif top is not None:  # appended since the newest signature: the checker says so
        files["chain/head.json"] = chain.head_message(top.seq, top.hash, None, None)
    if folder.chain_public_key.is_file():
        files["chain/public.pem"] = folder.chain_public_key.read_bytes()
    files["verify_export.py"] = CHECKER.read_bytes()
    return files


def write_chain_copy(folder: DataFolder, store: Store, target: Path) -> list[Path]:
    """``chain_copy_files`` written under ``target`` (each file replaced atomically);
    the paths written."""
    written = []
    for name, data in chain_copy_files(folder, store).items():
        path = Path(target) / name
        make_folders(path.parent)
        write_atomically(path, data)
        written.append(path)
    return written


def describe(signature: chain.Signature | None) -> dict:
    """The signature as the export's manifest names it."""
    if signature is None:
        return {"signed": False}
    return {"signed": True, "seq": signature.seq, "hash": signature.hash,
            "key": signature.key, "signed_at": signature.signed_at,
            "message": json.loads(signature.message)}
