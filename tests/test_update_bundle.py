"""The release bundle: made from a wheelhouse, checked before anything is installed."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.cli.commands import main
from firmware.store.signing import public_pem
from firmware.update import bundle
from firmware.update.bundle import BundleError


def wheelhouse(folder: Path, version: str = "0.2.0") -> Path:
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / f"linerec-{version}-py3-none-any.whl", "w") as archive:
        archive.writestr("firmware/__init__.py", "")
    (folder / "numpy-2.0.0-cp311-cp311-linux_aarch64.whl").write_bytes(b"numpy")
    return folder


def rewrite(path: Path, change) -> None:
    """The bundle at ``path`` again, its members passed through ``change(name, data)``
    (which returns a list of (TarInfo, data) to write instead)."""
    with tarfile.open(path, "r:gz") as archive:
        members = [(m, archive.extractfile(m).read()) for m in archive.getmembers()]
    with tarfile.open(path, "w:gz") as archive:
        for member, data in members:
            for info, new in change(member, data):
                info.size = len(new) if new is not None else 0
                archive.addfile(info, io.BytesIO(new) if new is not None else None)


@pytest.fixture
def made(tmp_path):
    return bundle.make(wheelhouse(tmp_path / "wheels"), tmp_path / "out", "pi")


def test_a_bundle_made_from_a_wheelhouse_verifies(made, tmp_path):
    assert made.name == "linerec-0.2.0.tar.gz"
    manifest = bundle.verify(made)
    assert manifest.version == "0.2.0"
    assert manifest.requirement == "linerec[pi]==0.2.0"
    assert sorted(manifest.files) == [
        "wheels/linerec-0.2.0-py3-none-any.whl", "wheels/numpy-2.0.0-cp311-cp311-linux_aarch64.whl"]
    bundle.unpack(made, tmp_path / "unpacked")
    assert (tmp_path / "unpacked" / "wheels" / "linerec-0.2.0-py3-none-any.whl").is_file()


def _damage(member, data):
    return [(member, data.replace(b"numpy", b"NUMPY") if member.name.startswith("wheels/n")
             else data)]


def _foreign(member, data):
    if member.name == "manifest.json":
        data = data.replace(b'"linerec"', b'"other"')
    return [(member, data)]


def _extra(member, data):
    extra = tarfile.TarInfo("wheels/evil-1.0-py3-none-any.whl")
    return [(member, data), *([(extra, b"evil")] if member.name == "manifest.json" else [])]


def _link(member, data):
    if member.name != "manifest.json":
        return [(member, data)]
    link = tarfile.TarInfo("wheels/link.whl")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    return [(member, data), (link, None)]


def _escape(member, data):
    if member.name.startswith("wheels/n"):
        member.name = "../numpy.whl"
    return [(member, data)]


def _no_manifest(member, data):
    return [] if member.name == "manifest.json" else [(member, data)]


def _other_version(member, data):
    if member.name == "manifest.json":
        document = json.loads(data)
        document["version"], document["requirement"] = "0.3.0", "linerec==0.3.0"
        data = json.dumps(document).encode()
    return [(member, data)]


@pytest.mark.parametrize(("change", "said"), [
    (_damage, "numpy-2.0.0-cp311-cp311-linux_aarch64.whl is damaged"),
    (_foreign, "not a linerec release"),
    (_extra, "evil-1.0-py3-none-any.whl is not in the manifest"),
    (_link, "is a link or a device"),
    (_escape, "points out of the bundle"),
    (_no_manifest, "no manifest.json"),
    (_other_version, "no single linerec 0.3.0 wheel"),
])
def test_a_bundle_that_is_not_whole_or_not_ours_is_refused(made, change, said):
    rewrite(made, change)
    with pytest.raises(BundleError, match=said):
        bundle.verify(made)



def test_a_signed_bundle_verifies_by_its_release_key_only(tmp_path):
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    signed = bundle.make(wheelhouse(tmp_path / "wheels"), tmp_path / "out", signing_key=key)
    assert bundle.verify(signed, [other.public_key(), key.public_key()]).version == "0.2.0"
    assert bundle.verify(signed).version == "0.2.0"  # a box without keys checks digests only
    with pytest.raises(BundleError, match="signature is not by a release key of this box"):
        bundle.verify(signed, [other.public_key()])

    def tamper(member, data):  # another manifest under the same signature
        return [(member, data.replace(b"linerec==0.2.0", b"linerec[pi]==0.2.0")
                 if member.name == "manifest.json" else data)]

    rewrite(signed, tamper)
    with pytest.raises(BundleError, match="signature is not by a release key"):
        bundle.verify(signed, [key.public_key()])


def test_a_box_with_a_release_key_refuses_an_unsigned_bundle(made, tmp_path, capsys):
    keys = tmp_path / "root" / "release-keys"
    keys.mkdir(parents=True)
    (keys / "linerec-release.pem").write_bytes(
        public_pem(Ed25519PrivateKey.generate().public_key()))
    status = main(["update", str(made), "--root", str(tmp_path / "root"),
                   "--data", str(tmp_path / "data"), "--services", "true"])
    assert status == 2
    assert capsys.readouterr().err == (
        f"linerec: error: {made}: the bundle is not signed, and this box takes only signed "
        "releases\n")
    assert not (tmp_path / "root" / "versions").exists()


def test_the_bundle_command_signs_with_a_key_file(tmp_path):
    key = Ed25519PrivateKey.generate()
    key_file = tmp_path / "release-key.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    wheels = wheelhouse(tmp_path / "wheels")
    assert bundle.main([str(wheels), str(tmp_path / "out"), "pi", "--key", str(key_file)]) == 0
    made = tmp_path / "out" / "linerec-0.2.0.tar.gz"
    assert bundle.verify(made, [key.public_key()]).requirement == "linerec[pi]==0.2.0"


def test_a_steady_time_longer_than_the_check_is_refused(made, tmp_path, capsys):
    status = main(["update", str(made), "--root", str(tmp_path / "root"), "--data",
                   str(tmp_path / "data"), "--services", "true", "--check-within", "5",
                   "--steady", "10"])
    assert status == 2
    assert capsys.readouterr().err == (
        "linerec: error: --steady 10 is longer than --check-within 5: the check could never "
        "pass\n")
    assert not (tmp_path / "root").exists()
