#!/usr/bin/env python3
"""Check a linerec export (or a copy of its chain) without the box: python3 verify_export.py

Needs only Python 3 and its standard library; the signature is checked with
the ``cryptography`` package when it is installed, else with ``openssl``.
The box puts this file into every export of recordings (``firmware.store.
chain_proof``); it imports nothing of the box, and is never imported by it.

In the folder the export was unpacked into (or the one given), it checks:

1. every file listed in ``SHA256SUMS`` has that SHA-256;
2. ``chain/entries.jsonl`` is one chain from its first entry: each line is
   an entry whose ``prev`` is the hash of the line before it (32 zero bytes
   for the first), its hash SHA-256(prev || the line's bytes);
3. the chain's last entry is the one ``chain/head.json`` names, and
   ``chain/head.sig`` is a valid Ed25519 signature of ``head.json`` by
   ``chain/public.pem`` (whose fingerprint it prints: compare it with the one
   the box shows);
4. each line of ``chain/facts.jsonl`` is the facts of an entry of the chain
   (its SHA-256 is the one the entry names);
5. each recording in ``manifest.json`` has a chain entry, its file the SHA-256
   the chain says, and its line, call, number and start the chain's; each one
   listed as deleted has its tombstone.

Exit status 0 when all of it holds, 1 when something does not (each finding
is a line saying what and where), 2 when the folder is not an export.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

GENESIS = "0" * 64
HEAD_TYPE = "linerec chain head"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def when(at) -> str:
    if not isinstance(at, (int, float)):
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at))


def grouped(fingerprint: str) -> str:
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


class Check:
    def __init__(self) -> None:
        self.problems = 0

    def ok(self, topic: str, text: str) -> None:
        print(f"{topic:<11} {text}")

    def bad(self, topic: str, text: str) -> None:
        self.problems += 1
        print(f"{topic:<11} PROBLEM: {text}")


def check_files(folder: Path, check: Check) -> None:
    sums = folder / "SHA256SUMS"
    if not sums.is_file():
        return
    count = total = 0
    for number, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        total += 1
        expected, _, name = line.partition("  ")
        path = folder / name
        if not name or ".." in Path(name).parts or Path(name).is_absolute():
            check.bad("files", f"SHA256SUMS line {number} does not name a file of the export")
            continue
        if not path.is_file():
            check.bad("files", f"{name} is missing")
            continue
        found = sha256_file(path)
        if found != expected:
            check.bad("files", f"{name} FAILED: its SHA-256 is {found}, SHA256SUMS says "
                               f"{expected}")
            continue
        count += 1
    check.ok("files", f"{count} of {total} have the SHA-256 that SHA256SUMS lists")


def walk(path: Path, check: Check):
    """The chain's entries, checked link by link: (count, last seq, last hash, digests of
    the facts by entry, broken)."""
    prev, seq = GENESIS, 0
    facts_of: dict[str, dict] = {}
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, 1):
            line = raw.rstrip(b"\n")
            try:
                entry = json.loads(line)
                named_prev, named_seq = entry["prev"], entry["seq"]
                facts_digest, kind = entry["facts"], entry["kind"]
            except (ValueError, KeyError, TypeError):
                check.bad("chain", f"broken at line {number}: it is not a chain entry")
                return seq, prev, facts_of, True
            if named_seq != seq + 1:
                check.bad("chain", f"broken at entry {seq + 1}: line {number} is entry "
                                   f"{named_seq} (an entry was removed or put in between)")
                return seq, prev, facts_of, True
            if named_prev != prev:
                check.bad("chain", f"broken between entries {seq} and {seq + 1}: entry "
                                   f"{seq + 1} names {named_prev} as the hash before it, but "
                                   f"entry {seq} hashes to {prev} (one of them was changed)")
                return seq, prev, facts_of, True
            prev = hashlib.sha256(bytes.fromhex(prev) + line).hexdigest()
            seq = named_seq
            facts_of[facts_digest] = {"seq": seq, "kind": kind, "at": entry.get("at")}
    return seq, prev, facts_of, False


def check_signature(chain: Path, check: Check) -> None:
    head, signature, public = chain / "head.json", chain / "head.sig", chain / "public.pem"
    if not signature.is_file():
        check.bad("signature", "the head is not signed (no chain/head.sig): the box could not "
                               "sign it when it made the export")
        return
    message, sig, pem = head.read_bytes(), signature.read_bytes(), public.read_bytes()
    try:
        from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
        from cryptography.hazmat.primitives.serialization import (  # noqa: PLC0415
            load_pem_public_key,
        )
    except ImportError:
        openssl = shutil.which("openssl")
        if openssl is None:
            check.bad("signature", "not checked: neither the Python package cryptography nor "
                                   "openssl is installed; check it with the openssl command "
                                   "in VERIFY.txt on another computer")
            return
        answer = subprocess.run(
            [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", str(public), "-rawin",
             "-in", str(head), "-sigfile", str(signature)],
            capture_output=True, text=True, check=False,
        )
        if answer.returncode == 0:
            check.ok("signature", "valid: head.json was signed by the key in public.pem "
                                  "(checked with openssl)")
        else:
            check.bad("signature", "INVALID: head.json was not signed by the key in "
                                   "public.pem (openssl: "
                                   f"{(answer.stdout + answer.stderr).strip()})")
        return
    try:
        load_pem_public_key(pem).verify(sig, message)
    except InvalidSignature:
        check.bad("signature", "INVALID: head.json was not signed by the key in public.pem")
    except (ValueError, TypeError) as error:
        check.bad("signature", f"cannot be checked: public.pem is not an Ed25519 key ({error})")
    else:
        check.ok("signature", "valid: head.json was signed by the key in public.pem "
                              "(checked with cryptography)")


def fingerprint(pem: bytes) -> str:
    """The first 16 hex digits of the SHA-256 of the raw 32-byte Ed25519 public key."""
    body = b"".join(line for line in pem.splitlines() if line and not line.startswith(b"-----"))
    return hashlib.sha256(base64.b64decode(body)[-32:]).hexdigest()[:16]


def check_head(chain: Path, seq: int, last_hash: str, check: Check) -> None:
    try:
        head = json.loads((chain / "head.json").read_bytes())
        named_seq, named_hash, key = head["seq"], head["hash"], head["key"]
    except (OSError, ValueError, KeyError, TypeError):
        check.bad("head", "chain/head.json cannot be read")
        return
    if head.get("type") != HEAD_TYPE:
        check.bad("head", "chain/head.json is not a linerec chain head")
    if (named_seq, named_hash) != (seq, last_hash):
        check.bad("head", f"head.json names entry {named_seq} with hash {named_hash}, but the "
                          f"chain ends at entry {seq} with hash {last_hash}")
    else:
        check.ok("head", f"entry {seq}, signed {when(head.get('signed_at'))}: the chain's last "
                         "entry")
    try:
        found = fingerprint((chain / "public.pem").read_bytes())
    except (OSError, ValueError):
        check.bad("key", "chain/public.pem cannot be read")
        return
    if key is not None and key != found:
        check.bad("key", f"head.json names key {grouped(key)}, public.pem is key "
                         f"{grouped(found)}")
    check.ok("key", f"fingerprint {grouped(found)}: compare it with the one the box shows "
                    "(Health page, linerec chain)")


def read_facts(chain: Path, facts_of: dict, check: Check) -> dict[int, list[dict]]:
    """The facts given, by recording, each with its entry's seq and kind."""
    by_recording: dict[int, list[dict]] = {}
    path = chain / "facts.jsonl"
    if not path.is_file():
        return by_recording
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, 1):
            line = raw.rstrip(b"\n")
            entry = facts_of.get(hashlib.sha256(line).hexdigest())
            if entry is None:
                check.bad("facts", f"line {number} of chain/facts.jsonl is not the facts of any "
                                   "entry of the chain: it was changed")
                continue
            facts = json.loads(line)
            recording = facts.get("recording")
            if facts.get("target") == "recording":  # a legal hold on the recording itself
                recording = facts.get("id")
            if isinstance(recording, int):
                by_recording.setdefault(recording, []).append({**facts, **entry})
    return by_recording


def check_recordings(folder: Path, by_recording: dict, check: Check) -> None:
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        return
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for item in manifest.get("recordings", []):
        recording = item.get("recording_id")
        topic = f"recording {recording}"
        own = sorted(by_recording.get(recording, []), key=lambda facts: facts["seq"])
        recorded = next((f for f in own if f["kind"] == "recording"), None)
        stored = [f for f in own if f["kind"] == "stored"]
        if recorded is None:
            check.bad(topic, "not in the chain (it was exported before it was chained)")
            continue
        expected = stored[-1]["sha256"] if stored else recorded["sha256"]
        seq = stored[-1]["seq"] if stored else recorded["seq"]
        path = folder / item.get("file", "")
        if not path.is_file():
            check.bad(topic, f"its file {item.get('file')} is not in the export")
            continue
        found = sha256_file(path)
        # A recording encrypted at rest is exported decrypted: its plaintext's SHA-256 is
        # the one the chain's entry of the encrypted file names.
        plain = (stored[-1].get("encrypted") or {}).get("plain_sha256") if stored else None
        if found != expected and not (plain and found == plain):
            check.bad(topic, f"CHANGED: its file's SHA-256 is {found}, the chain (entry {seq}) "
                             f"says {expected}")
            continue
        said = {"line": item.get("line"), "call_id": item.get("call_id"),
                "number": item.get("number") or None, "started_at": item.get("started_at_unix")}
        differ = [f"{name}: manifest {value!r}, chain {recorded.get(name)!r}"
                  for name, value in said.items() if value != recorded.get(name)]
        if differ:
            check.bad(topic, "manifest.json differs from the chain: " + "; ".join(differ))
            continue
        check.ok(topic, f"intact: line {recorded['line']}, {when(recorded['started_at'])}, "
                        f"number {recorded.get('number') or '-'}, entry {seq}")
    for item in manifest.get("deleted", []):
        recording = item.get("recording_id")
        tombstone = next((f for f in by_recording.get(recording, []) if f["kind"] == "deleted"),
                         None)
        if tombstone is None:
            check.bad(f"recording {recording}", "listed as deleted, but the chain holds no "
                                                "tombstone for it")
            continue
        check.ok(f"recording {recording}",
                 f"deleted by retention {when(tombstone['deleted_at'])}: "
                 f"{tombstone['reason']} (tombstone, entry {tombstone['seq']})")


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    chain = folder / "chain"
    if not (chain / "entries.jsonl").is_file():
        print(f"verify_export: {folder} holds no chain/entries.jsonl: not a linerec export",
              file=sys.stderr)
        return 2
    check = Check()
    check_files(folder, check)
    seq, last_hash, facts_of, broken = walk(chain / "entries.jsonl", check)
    if not broken:
        check.ok("chain", f"{seq} entries, links intact from entry 1 to {seq}")
    check_head(chain, seq, last_hash, check)
    check_signature(chain, check)
    check_recordings(folder, read_facts(chain, facts_of, check), check)
    if check.problems:
        print(f"{check.problems} problem(s): this export is not as the box made it")
        return 1
    print("all intact: the files, the chain and its signature are as the box made them")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
