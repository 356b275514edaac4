"""The hash chain on the web: Verify in both languages, the health page, and the auditors'
export checked offline exactly as its VERIFY.txt says, then tampered with."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from firmware.store import chain_proof
from firmware.store.signing import grouped, key_status
from tests.calls_box import make_office
from tests.chain_box import tamper
from tests.test_web_retention import delete_by_retention

VENV_BIN = Path(sys.executable).parent
TOOLS = ("openssl", "sha256sum", "bash")


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, calls_per_line=3)
    yield made
    made.box.close()


def _need_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"needs {', '.join(missing)}")
    assert not missing, missing


def verified(client, recording: int) -> dict:
    return client.get(f"/recordings/{recording}/verify",
                      headers={"Accept": "application/json"}).json()


# ---- Verify --------------------------------------------------------------------------------


def test_verify_checks_the_chain_and_says_so_in_english_and_chinese(office):
    recording = office.recording_of_line(1)
    auditor = office.signed_in("aud")
    page = auditor.get(f"/recordings/{recording}/verify").text
    assert "The file is intact: its SHA-256 is the one recorded in the index, the sidecar and " \
           "the hash chain." in page
    assert "intact: its file&#039;s SHA-256 is the one in the index and in the chain" in page
    assert "links intact from entry 1 to" in page
    assert "its entry is not signed yet (the engine signs every 10 minutes)" in page
    office.deps.accounts.update_user(office.ids["boss"], language="zh-CN")
    boss = office.signed_in("boss")
    chinese = boss.get(f"/recordings/{recording}/verify").text
    assert "文件完好：其 SHA-256 与索引、附属文件和哈希链中的记录一致。" in chinese
    assert "链接完好" in chinese and "引擎每 10 分钟签名一次" in chinese
    # The file changed, then the chain: named in both languages.
    path = office.deps.folder.recordings / office.deps.store.recording(recording).path
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    result = verified(auditor, recording)
    assert result["verdict"] == "changed" and result["problem"] is True
    assert result["chain_sha256"] == result["index"] != result["file"]
    assert "已改动：文件的 SHA-256 为" in boss.get(f"/recordings/{recording}/verify").text
    entry = result["entry"]
    tamper(office.deps.store, "UPDATE chain SET facts = replace(facts, '\"line\":1', "
                              "'\"line\":3') WHERE seq = ?", (entry,))
    result = verified(auditor, recording)
    assert result["verdict"] == "after_break" and not result["chain"]["intact"]
    assert f"the chain is broken at entry {entry}: its facts were changed after it was " \
           "written" in result["chain"]["problems"]
    assert f"哈希链在第 {entry} 条处断开：其内容在写入后被改动" in boss.get(
        f"/recordings/{recording}/verify").text


def test_a_deletion_by_retention_is_told_apart_from_a_missing_file(office):
    deleted, lost = office.recording_of_line(1), office.recording_of_line(2)
    delete_by_retention(office, deleted)
    path = office.deps.folder.recordings / office.deps.store.recording(lost).path
    path.unlink()
    auditor = office.signed_in("aud")
    result = verified(auditor, deleted)
    assert result["verdict"] == "deleted" and result["finding"] == "deleted_unsigned"
    assert result["texts"][0].startswith("deleted by retention on 4 Jan 2026, 09:00:00: "
                                         "older than 1 day (line 1); its tombstone is entry")
    missing = verified(auditor, lost)
    assert missing["verdict"] == "missing" and missing["problem"]
    assert missing["texts"][0] == "missing: its file is not there, and retention did not " \
                                  "delete it"


def test_the_health_page_shows_the_chain_and_the_keys_fingerprint(office):
    auditor = office.signed_in("aud")
    auditor.post("/recordings/export?line=1")  # chains and signs
    fingerprint = key_status(office.deps.folder, office.deps.store).fingerprint
    page = auditor.get("/health").text
    assert "Hash chain" in page and grouped(fingerprint) in page
    assert "up to entry" in page
    office.deps.folder.chain_private_key.unlink()
    page = auditor.get("/health").text
    assert "the hash chain cannot be signed: the chain&#039;s private key" in page
    assert "the private key is missing" in page


# ---- the export, checked without the box --------------------------------------------------


def _export(office, tmp_path: Path, name: str = "export") -> Path:
    auditor = office.signed_in("aud")
    auditor.get("/recordings")
    answer = auditor.post("/recordings/export?line=1")
    assert answer.status == 200, answer.text[:300]
    target = tmp_path / name
    zipfile.ZipFile(io.BytesIO(answer.body)).extractall(target)
    return target


def _documented_commands(folder: Path) -> list[str]:
    """The commands VERIFY.txt gives, exactly as written there."""
    return [line[2:] for line in (folder / "VERIFY.txt").read_text().splitlines()
            if line.startswith("$ ")]


def _run(command: str, folder: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", **env}
    return subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True, text=True,
                          timeout=60, env=environment, check=False)


def test_an_export_proves_itself_with_the_commands_its_verify_txt_gives(office, tmp_path):
    _need_tools()
    delete_by_retention(office, office.recording_of_line(1))  # listed with its tombstone
    folder = _export(office, tmp_path)
    fingerprint = key_status(office.deps.folder, office.deps.store).fingerprint
    commands = _documented_commands(folder)
    assert commands == list(chain_proof.COMMANDS)
    assert [command.split()[0] for command in commands] == [
        "sha256sum", "openssl", "openssl", "python3"]  # common tools only, never the box's
    sums, signature, key, checker = (_run(command, folder) for command in commands)
    assert sums.returncode == 0 and sums.stdout.count(": OK") == 1, sums.stdout
    assert signature.returncode == 0 and "Signature Verified Successfully" in signature.stdout
    assert key.returncode == 0 and key.stdout.strip() == fingerprint
    assert checker.returncode == 0, checker.stdout + checker.stderr
    assert checker.stdout.rstrip().endswith("all intact: the files, the chain and its "
                                            "signature are as the box made them")
    assert "signature   valid" in checker.stdout and grouped(fingerprint) in checker.stdout
    assert re.search(r"recording \d+ +deleted by retention .*older than 1 day \(line 1\)",
                     checker.stdout)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["chain"]["signed"] and manifest["chain"]["key"] == fingerprint
    # The facts of these recordings only: the other lines' calls stay digests in the chain.
    exported = {item["recording_id"] for item in manifest["recordings"] + manifest["deleted"]}
    facts = [json.loads(line) for line in (folder / "chain" / "facts.jsonl").read_text()
             .splitlines()]
    assert {item["recording"] for item in facts} == exported
    entries = (folder / "chain" / "entries.jsonl").read_text().splitlines()
    assert len(entries) > len(facts) and "13800132" not in "".join(entries)  # line 2's numbers
    text = (folder / "VERIFY.txt").read_text()
    assert f"signed by key {grouped(fingerprint)}" in text and "如何不借助设备校验本导出" in text
    # Without the cryptography package the checker asks openssl.
    blocker = tmp_path / "no-cryptography" / "cryptography"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('not installed here')\n")
    bare = _run("python3 verify_export.py", folder, PYTHONPATH=str(blocker.parent))
    assert bare.returncode == 0 and "(checked with openssl)" in bare.stdout, bare.stdout


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_byte_changed_in_a_file_an_entry_or_the_signature_is_caught(office, tmp_path):
    _need_tools()
    clean = _export(office, tmp_path)
    sums, signature, _, checker = _documented_commands(clean)

    folder = shutil.copytree(clean, tmp_path / "file")
    wav = next((folder / "recordings").rglob("*.wav"))
    _flip(wav, 200)
    found = _run(sums, folder)
    assert found.returncode == 1 and f"{wav.relative_to(folder)}: FAILED" in found.stdout
    found = _run(checker, folder)
    assert found.returncode == 1
    assert f"{wav.relative_to(folder)} FAILED: its SHA-256 is" in found.stdout
    assert re.search(r"recording \d+ +PROBLEM: CHANGED: its file's SHA-256 is", found.stdout)

    folder = shutil.copytree(clean, tmp_path / "entry")
    entries = folder / "chain" / "entries.jsonl"
    lines = entries.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"at":', b'"at":1', 1)  # entry 2, one byte more
    entries.write_bytes(b"".join(lines))
    found = _run(checker, folder)
    assert found.returncode == 1
    assert "broken between entries 2 and 3: entry 3 names" in found.stdout
    assert "(one of them was changed)" in found.stdout

    folder = shutil.copytree(clean, tmp_path / "signature")
    _flip(folder / "chain" / "head.sig", 5)
    found = _run(signature, folder)
    assert found.returncode != 0 and "Signature Verification Failure" in found.stdout
    found = _run(checker, folder)
    assert found.returncode == 1
    assert "signature   PROBLEM: INVALID: head.json was not signed by the key in public.pem" \
           in found.stdout

    folder = shutil.copytree(clean, tmp_path / "facts")
    facts = folder / "chain" / "facts.jsonl"
    facts.write_bytes(facts.read_bytes().replace(b'"line":1', b'"line":2', 1))
    found = _run(checker, folder)
    assert found.returncode == 1
    assert "line 1 of chain/facts.jsonl is not the facts of any entry of the chain" in (
        found.stdout)


def test_an_export_without_a_usable_key_says_its_head_is_not_signed(office, tmp_path):
    _need_tools()
    office.deps.folder.keys.mkdir()
    office.deps.folder.chain_public_key.write_bytes(b"a public key without its private key")
    folder = _export(office, tmp_path)
    assert not (folder / "chain" / "head.sig").exists()
    assert "THE HEAD IS NOT SIGNED: the chain's private key" in (folder / "VERIFY.txt").read_text()
    found = _run("python3 verify_export.py", folder)
    assert found.returncode == 1 and "the head is not signed" in found.stdout
    assert json.loads((folder / "manifest.json").read_text())["chain"]["signed"] is False
