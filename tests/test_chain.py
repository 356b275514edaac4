"""The archive's hash chain: its canonical form and hashes, appending, the key and its
signatures, and verification naming each kind of tampering."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading

import pytest

from firmware.cli.commands import main as linerec
from firmware.datafolder import DataFolder
from firmware.store import chain, chain_proof, integrity, signing
from firmware.store.db import Store
from firmware.store.legal_hold import Actor, LegalHold
from firmware.store.retention import DiskSpace, RetentionPolicy, carry_out, plan
from tests.chain_box import chained_box, record_call, tamper
from tests.recovery_folders import BASE

ZERO_NONCE = "0" * 32
SHA_OF_AUDIO = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture
def box(tmp_path):
    made = chained_box(tmp_path / "data")
    yield made
    made.close()


def verdicts(report: integrity.IntegrityReport) -> dict[int, str]:
    return {check.recording_id: check.verdict for check in report.recordings}


def texts(items) -> str:
    return "\n".join(str(item) for item in items)


# ---- the canonical form and the hashes --------------------------------------------------


def test_canonical_json_sorts_keys_drops_spaces_and_keeps_utf8():
    assert chain.canonical({"b": 1, "a": "号码", "c": [1.5, None, True]}) == (
        b'{"a":"\xe5\x8f\xb7\xe7\xa0\x81","b":1,"c":[1.5,null,true]}'
    )
    with pytest.raises(ValueError):
        chain.canonical({"at": float("nan")})


def test_a_fixed_vector_of_two_entries_hashes_as_written_by_hand(tmp_path, monkeypatch):
    """Two entries written out by hand, their hashes computed here with hashlib alone: the
    chain must produce exactly these bytes and hashes."""
    monkeypatch.setattr(chain.secrets, "token_hex", lambda size: ZERO_NONCE)
    store = Store(tmp_path / "linerec.db")
    call = store.start_call(1, "in", started_at=1767225600.0, number="13800138000")
    store.end_call(call, "answered", ended_at=1767225611.0)
    recording = store.add_recording(1, "2026/01/01/L1-20260101-000000-1.wav", "alaw",
                                    1767225600.5, call_id=call)
    store.finish_recording(recording, ended_at=1767225610.5, samples=80000,
                           sha256=SHA_OF_AUDIO)
    first_facts = (
        '{"call_id":1,"encoding":"alaw","ended_at":1767225610.5,"line":1,'
        '"nonce":"00000000000000000000000000000000","number":"13800138000",'
        '"path":"2026/01/01/L1-20260101-000000-1.wav","recording":1,"samples":80000,'
        f'"sha256":"{SHA_OF_AUDIO}","started_at":1767225600.5,"state":"complete"}}'
    )
    first_entry = (
        '{"at":1767225700.0,'
        f'"facts":"{hashlib.sha256(first_facts.encode()).hexdigest()}",'
        '"kind":"recording","prev":"' + "0" * 64 + '","seq":1}'
    )
    first_hash = hashlib.sha256(bytes(32) + first_entry.encode()).hexdigest()
    second_facts = ('{"by":"张三","id":1,"nonce":"00000000000000000000000000000000",'
                    '"on":true,"target":"recording"}')
    second_entry = (
        '{"at":1767225800.25,'
        f'"facts":"{hashlib.sha256(second_facts.encode()).hexdigest()}",'
        f'"kind":"hold","prev":"{first_hash}","seq":2}}'
    )
    second_hash = hashlib.sha256(bytes.fromhex(first_hash) + second_entry.encode()).hexdigest()

    first = chain.append_recording(store, recording, at=1767225700.0)
    with store.transaction() as connection:
        second = chain.append_hold(connection, target="recording", target_id=1, on=True,
                                   by="张三", at=1767225800.25)
    assert (first.facts, first.entry, first.hash) == (first_facts, first_entry, first_hash)
    assert (second.facts, second.entry, second.hash) == (second_facts, second_entry,
                                                         second_hash)
    walked = chain.walk(store)
    assert walked.broken is None and (walked.head_seq, walked.head_hash) == (2, second_hash)
    store.close()


# ---- appending -----------------------------------------------------------------------------


def test_recordings_are_chained_once_in_the_order_they_finished(tmp_path):
    folder = DataFolder(tmp_path)
    store = Store(folder.database)
    late = record_call(folder, store, BASE)  # finished last, below
    early = record_call(folder, store, BASE + 100)
    store.connection().execute("UPDATE recordings SET ended_at = ? WHERE id = ?",
                               (BASE + 1000, late))
    # One still being recorded, one whose call goes on: neither is chained yet.
    recording = store.add_recording(1, "2027/01/15/open.wav", "alaw", BASE + 200)
    going_on = store.start_call(2, "in", started_at=BASE + 300, number="10086")
    waiting = store.add_recording(2, "2027/01/15/vox.wav", "alaw", BASE + 301, call_id=going_on)
    store.finish_recording(waiting, ended_at=BASE + 302, samples=8000, sha256=SHA_OF_AUDIO)

    done = chain.chain_pending(store)
    assert [entry.recording_id for entry in done.appended] == [early, late]
    assert [entry.seq for entry in done.appended] == [1, 2]
    assert done.next_from_id == recording  # nothing below the open one is left
    assert chain.chain_pending(store).appended == ()
    assert chain.append_recording(store, early) is None  # idempotent

    store.end_call(going_on, "answered", ended_at=BASE + 310)
    store.finish_recording(recording, ended_at=BASE + 250, samples=8000, sha256=SHA_OF_AUDIO)
    again = chain.chain_pending(store, from_id=done.next_from_id)
    assert [entry.recording_id for entry in again.appended] == [recording, waiting]
    assert chain.walk(store).broken is None
    store.close()


def test_appends_from_two_threads_and_two_connections_stay_one_chain(tmp_path):
    """The engine's chain thread and the web process append at once: one chain."""
    path = tmp_path / "linerec.db"
    Store(path).close()
    errors = []

    def append_many(who: str) -> None:
        store = Store(path)  # its own connection, as another process has
        try:
            for number in range(40):
                with store.transaction() as connection:
                    chain.append_hold(connection, target="call", target_id=number, on=True,
                                      by=who)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            store.close()

    threads = [threading.Thread(target=append_many, args=(who,)) for who in ("web", "engine")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with Store(path) as store:
        walked = chain.walk(store)
        by = [entry.fact["by"] for entry in chain.entries(store)]
    assert walked.broken is None and walked.length == walked.head_seq == 80
    assert by.count("web") == by.count("engine") == 40


def test_the_chain_is_append_only_for_the_code(box):
    for sql in ("UPDATE chain SET facts = '{}' WHERE seq = 1", "DELETE FROM chain"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            box.store.connection().execute(sql)


def test_retention_leaves_a_tombstone_in_the_same_transaction(box):
    unchained = record_call(box.folder, box.store, BASE + 900)  # deleted before chaining
    store, root = box.store, box.folder.recordings
    now = BASE + 40 * 86400
    planned = plan(store, root, RetentionPolicy(keep_days=((1, 30),)), DiskSpace(10**12, 10**11),
                   now)
    gone = [item.recording_id for item in carry_out(store, root, planned.deletions, now).deleted]
    assert set(gone) == {box.recordings[0], box.recordings[2], unchained}
    tombstones = [entry for entry in chain.entries(store) if entry.kind == "deleted"]
    assert [entry.recording_id for entry in tombstones] == gone
    facts = tombstones[0].fact
    assert facts["reason"] == "older than 30 days (line 1)" and facts["deleted_at"] == now
    assert facts["sha256"] == store.recording(gone[0]).sha256
    # The one never chained got its own entry first, as it was recorded.
    kinds = [entry.kind for entry in chain.entries_of(store, unchained)]
    assert kinds == ["recording", "deleted"]
    report = integrity.verify(box.folder, store)
    found = verdicts(report)
    assert {found[n] for n in gone} == {"deleted_unsigned"}
    assert found[box.recordings[1]] == "intact" and report.intact
    signing.Signer(box.folder).sign(store)
    report = integrity.verify(box.folder, store, [gone[0]])
    assert report.recordings[0].verdict == "deleted"
    assert "deleted by retention on" in str(report.recordings[0].texts[0])
    assert "older than 30 days (line 1); its signed tombstone is entry" in str(
        report.recordings[0].texts[0])


def test_a_file_gone_is_missing_and_a_deletion_without_tombstone_is_named(box):
    first, second, _ = box.recordings
    box.path(first).unlink()
    box.store.connection().execute(
        "UPDATE recordings SET state = 'deleted', deleted_at = ?, delete_reason = 'by hand' "
        "WHERE id = ?", (BASE + 5000, second))
    box.path(second).unlink()
    found = verdicts(integrity.verify(box.folder, box.store))
    assert found[first] == "missing" and found[second] == "deleted_untold"


def test_legal_holds_are_chained_with_who_and_what(box):
    holds = LegalHold(box.store)
    recording = box.store.recording(box.recordings[0])
    holds.set_recording(recording.id, True, Actor("aud"))
    holds.set_call(recording.call_id, True, Actor("aud"))
    holds.set_call(recording.call_id, True, Actor("aud"))  # unchanged: no entry
    holds.set_recording(recording.id, False, Actor("boss"))
    entries = [entry for entry in chain.entries(box.store) if entry.kind == "hold"]
    assert [(e.fact["target"], e.fact["id"], e.fact["on"], e.fact["by"]) for e in entries] == [
        ("recording", recording.id, True, "aud"),
        ("call", recording.call_id, True, "aud"),
        ("recording", recording.id, False, "boss"),
    ]
    assert [e.recording_id for e in entries] == [recording.id, None, recording.id]
    assert integrity.verify(box.folder, box.store).intact


def test_a_transcoded_recording_is_checked_against_its_stored_entry(box):
    recording = box.recordings[0]
    path = box.path(recording)
    original = box.store.recording(recording).sha256
    opus = b"OggS" + bytes(range(200))
    stored = chain.append_stored(box.store, recording, hashlib.sha256(opus).hexdigest(),
                                 "opus", len(opus))
    assert stored.fact["original_sha256"] == original and stored.fact["format"] == "opus"
    path.write_bytes(opus)
    check = integrity.verify(box.folder, box.store, [recording]).recordings[0]
    assert check.verdict == "intact_stored" and check.index_sha256 == original
    assert "stored opus file's SHA-256" in str(check.texts[0])
    path.write_bytes(opus + b"!")
    assert integrity.verify(box.folder, box.store, [recording]).recordings[0].verdict == (
        "changed")
    with pytest.raises(chain.ChainError, match="not finished"):
        chain.append_stored(box.store, 999, "0" * 64, "opus", 1)


# ---- the key and the signatures -------------------------------------------------------------


def test_the_key_is_the_box_users_alone_and_its_first_entry_names_it(box):
    keys = box.folder.keys
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert stat.S_IMODE(box.folder.chain_private_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(box.folder.chain_public_key.stat().st_mode) == 0o644
    status = signing.key_status(box.folder, box.store)
    (made,) = chain.key_entries(box.store)
    assert status.state == "ready" and made.fact["new_key"] == status.fingerprint
    assert made.fact["public_key"].encode() == box.folder.chain_public_key.read_bytes()
    # A key restored with loose permissions is tightened before use.
    os.chmod(box.folder.chain_private_key, 0o644)
    signing.Signer(box.folder).sign(box.store)
    assert stat.S_IMODE(box.folder.chain_private_key.stat().st_mode) == 0o600


def test_a_missing_or_unreadable_key_is_a_state_and_never_replaced_silently(box):
    private = box.folder.chain_private_key
    kept = private.read_bytes()
    private.unlink()
    with pytest.raises(signing.KeyUnavailableError, match=r"is missing .* rotate-key"):
        signing.Signer(box.folder).sign(box.store)
    assert not private.exists()  # no new key over a signed chain
    status = signing.key_status(box.folder, box.store)
    assert status.state == "missing" and "put back from a backup" in status.problem
    report = integrity.verify(box.folder, box.store)
    assert not report.intact and "is missing" in texts(report.chain.problems)
    assert "waited for a signature" not in texts(report.chain.problems)  # said once: the key
    private.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    assert signing.key_status(box.folder, box.store).state == "unreadable"
    private.write_bytes(kept)
    assert signing.Signer(box.folder).sign(box.store) is not None


def test_verify_finds_everything_intact_and_signed(box):
    record_call(box.folder, box.store, BASE + 5000)
    (appended,) = chain.chain_pending(box.store).appended  # after the last signature
    report = integrity.verify(box.folder, box.store, now=appended.at + 60)
    assert report.intact and set(verdicts(report).values()) == {"intact"}
    notes = texts(report.chain.notes)
    assert "links intact from entry 1 to 5" in notes
    assert "the newest valid signature covers entry 4" in notes
    assert "entries 5 to 5 are not signed yet" in notes
    assert report.recordings[0].signed and not report.recordings[-1].signed
    # Left unsigned for more than an hour: the engine would have signed it.
    late = integrity.verify(box.folder, box.store, now=appended.at + 3601)
    assert "entries 5 to 5 have waited for a signature since" in texts(late.chain.problems)


def _flip_base64(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[10] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _rewrite_from(store: Store, seq: int) -> None:
    """What an intruder without the key does: change an entry's facts and recompute every
    hash after it, so that the links hold."""
    rows = list(chain.entries(store))
    prev = rows[seq - 2].hash if seq > 1 else chain.GENESIS
    for item in rows[seq - 1:]:
        envelope = json.loads(item.entry)
        facts = item.facts.replace("13800138000", "13900139000") if item.seq == seq else item.facts
        envelope.update(prev=prev, facts=chain.sha256_hex(facts.encode()))
        text = chain.canonical(envelope).decode()
        prev = chain.entry_hash(prev, text.encode())
        tamper(store, "UPDATE chain SET facts = ?, entry = ?, hash = ? WHERE seq = ?",
               (facts, text, prev, item.seq))


def _flip_file(box, first: int) -> None:
    data = bytearray(box.path(first).read_bytes())
    data[100] ^= 0x01
    box.path(first).write_bytes(bytes(data))


def _sidecar_says_another_hash(box, first: int) -> None:
    sidecar = box.path(first).with_suffix(".json")
    document = json.loads(sidecar.read_text())
    document["sha256"] = "0" * 64
    sidecar.write_text(json.dumps(document))


def _forge_signature(box, first: int) -> None:
    (signed,) = chain.signatures(box.store)
    tamper(box.store, "UPDATE chain_signatures SET signature = ?",
           (_flip_base64(signed.signature),))


def _sql(statement: str, *values):
    return lambda box, first: tamper(box.store, statement, tuple(
        first if value == "first" else value for value in values))


TAMPERINGS = {
    "file": _flip_file,
    "metadata": _sql("UPDATE recordings SET line = 2 WHERE id = ?", "first"),
    "sidecar": _sidecar_says_another_hash,
    "entry": _sql("UPDATE chain SET facts = replace(facts, '\"line\":1', '\"line\":2') "
                  "WHERE seq = 1"),
    "envelope": _sql("UPDATE chain SET entry = replace(entry, '\"at\":', '\"at\":1') "
                     "WHERE seq = 1"),
    "removed": _sql("DELETE FROM chain WHERE seq = 2"),
    "signature": _forge_signature,
    "rewritten": lambda box, first: _rewrite_from(box.store, 1),
    "cut": _sql("DELETE FROM chain WHERE seq >= 3"),
    "unsigned": _sql("DELETE FROM chain_signatures"),
}


@pytest.mark.parametrize(("tampering", "verdict", "problem"), [
    ("file", "changed", ""),
    ("metadata", "metadata", ""),
    ("sidecar", "metadata", ""),
    ("entry", "after_break", "the chain is broken at entry 1: its facts were changed"),
    ("envelope", "after_break", "the chain is broken at entry 1: its hash is not its contents'"),
    ("removed", "intact", "the chain is broken at entry 2: it is missing"),
    ("signature", "intact", "the signature of entry 4"),
    ("rewritten", "metadata", "the chain was rewritten"),
    ("cut", "intact", "entries were removed from its end"),
    ("unsigned", "intact", "signatures were removed or rewritten"),
])
def test_each_tampering_is_named(box, tampering, verdict, problem):
    store, first = box.store, box.recordings[0]
    TAMPERINGS[tampering](box, first)
    report = integrity.verify(box.folder, store, [first])
    check = report.recordings[0]
    assert check.verdict == verdict, texts(check.texts)
    assert not report.intact
    if problem:
        assert problem in texts(report.chain.problems)
    if tampering == "metadata":
        assert "line: index 2, chain 1" in str(check.texts[0])
    if tampering == "file":
        assert check.file_sha256 != check.expected_sha256 == check.index_sha256


def test_rotating_the_key_keeps_every_signature_verifiable(box):
    old = signing.key_status(box.folder, box.store).fingerprint
    rotation = signing.rotate_key(box.folder, box.store)
    assert rotation.old_key == old and rotation.signed_by_old.key == old
    assert rotation.signed_by_new.key == rotation.new_key != old
    assert (box.folder.retired_keys / f"{old}.pem").is_file()
    assert rotation.entry.fact["old_key"] == old
    report = integrity.verify(box.folder, box.store)
    assert report.intact
    assert {check.verdict for check in report.chain.signatures} == {"valid"}
    # Lost: refused unless said so, and then noted in the report.
    box.folder.chain_private_key.unlink()
    with pytest.raises(signing.KeyUnavailableError):
        signing.rotate_key(box.folder, box.store)
    lost = signing.rotate_key(box.folder, box.store, old_key_lost=True)
    assert lost.signed_by_old is None and lost.old_key == rotation.new_key
    report = integrity.verify(box.folder, box.store)
    assert report.intact
    assert f"the signing key changed at entry {lost.entry.seq} without the old key's" in texts(
        report.chain.notes)


# ---- the commands --------------------------------------------------------------------------


def test_linerec_verify_and_chain_say_what_they_found_with_their_exit_status(box, capsys):
    data = str(box.folder.root)
    assert linerec(["verify", "--data", data]) == 0
    out = capsys.readouterr().out
    assert "links intact from entry 1 to 4" in out and "3 checked: 3 intact" in out
    assert out.rstrip().endswith("all intact")
    first = box.recordings[0]
    box.path(first).write_bytes(b"RIFF")
    assert linerec(["verify", "--data", data, str(first)]) == 1
    out = capsys.readouterr().out
    assert f"recording {first:<5} changed: its file's SHA-256 is" in out
    assert "1 problem(s):" in out
    assert linerec(["verify", "--data", data, "999"]) == 2
    assert "no recording 999 in the index" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        linerec(["verify", "--data", data, "first"])
    assert bad.value.code == 2
    capsys.readouterr()
    assert linerec(["chain", "--data", data]) == 0
    out = capsys.readouterr().out
    fingerprint = signing.key_status(box.folder, box.store).fingerprint
    assert "signed      entry 4" in out and signing.grouped(fingerprint) in out
    assert linerec(["chain", "--data", data, "sign"]) == 0
    assert "signed      entry 4" in capsys.readouterr().out


def test_a_backups_copy_of_the_chain_checks_itself(box, tmp_path):
    """What the backup off the box carries: every entry and its facts, every signature,
    the signed head and the public key, which the export's checker reads too."""
    chain.chain_pending(box.store)
    copy = tmp_path / "copy"
    written = chain_proof.write_chain_copy(box.folder, box.store, copy)
    assert {path.relative_to(copy).as_posix() for path in written} == {
        "chain/entries.jsonl", "chain/facts.jsonl", "chain/signatures.jsonl",
        "chain/head.json", "chain/head.sig", "chain/public.pem", "verify_export.py"}
    facts = (copy / "chain" / "facts.jsonl").read_text().splitlines()
    assert len(facts) == len((copy / "chain" / "entries.jsonl").read_text().splitlines()) == 4
    checked = subprocess.run([sys.executable, "verify_export.py"], cwd=copy,
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout
    assert "chain       4 entries, links intact from entry 1 to 4" in checked.stdout
