"""Versions of linerec made from this tree for the update tests, and the fakes they run with.

``make_wheel`` packs the tree into a wheel with another version number (in its
metadata, what ``linerec --version`` says; ``dsp_ext/_version.py`` stays the one the
built C extension was made for) and optional text replacements, to make a version
fail; ``make_release`` makes
the bundle of it. ``TreeInstaller`` installs a version as pip would from a
wheelhouse holding every dependency, except that the dependencies come from
the development venv (a ``.pth`` line) instead of wheels of their own: the
host has no wheelhouse of numpy and the rest. ``services.py`` (this folder's
``update_services.py``) stands in for systemd: ``restart`` starts the engine
of ``ROOT/current`` on the data folder as its own process, ``stop`` ends it.
"""

from __future__ import annotations

import os
import signal
import site
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from firmware.update import bundle

TREE = Path(__file__).resolve().parents[1]
PACKAGES = ("dsp_ext", "drivers", "firmware", "recovery", "webui")
SERVICES = Path(__file__).with_name("update_services.py")

# The new version's schema: one migration more than this tree's.
EXTRA_MIGRATION = (
    "\nMIGRATIONS.append(\"CREATE TABLE update_probe (id INTEGER PRIMARY KEY, note TEXT);\")\n"
)
# A version whose engine moves the database forward, then exits at start.
ENGINE_EXITS = {
    "firmware/cli/processes.py": (
        "        engine.start()\n    except Exception as error:",
        "        engine.start()\n        engine.stop()\n"
        "        raise SystemExit('engine exits at start')\n    except Exception as error:",
    ),
}


def _files() -> list[Path]:
    found = [TREE / "audio_format.py"]
    for package in PACKAGES:
        for path in sorted((TREE / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.append(path)
    return found


def make_wheel(
    out_dir: Path, version: str, *, replace: dict[str, tuple[str, str]] | None = None,
    migration: bool = False,
) -> Path:
    """A wheel of this tree as linerec ``version``, with ``replace``'s texts changed."""
    replace = dict(replace or {})
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"linerec-{version}-py3-none-any.whl"
    info = f"linerec-{version}.dist-info"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _files():
            name = path.relative_to(TREE).as_posix()
            data = path.read_bytes()
            if name in replace:
                old, new = replace.pop(name)
                assert old.encode() in data, (name, old)
                data = data.replace(old.encode(), new.encode())
            if migration and name == "firmware/store/schema.py":
                data += EXTRA_MIGRATION.encode()
            archive.writestr(name, data)
        archive.writestr(f"{info}/METADATA",
                         f"Metadata-Version: 2.1\nName: linerec\nVersion: {version}\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    assert not replace, f"not found in the tree: {sorted(replace)}"
    return wheel


def make_release(out_dir: Path, version: str, **changes) -> Path:
    wheels = out_dir / f"wheels-{version}"
    make_wheel(wheels, version, **changes)
    return bundle.make(wheels, out_dir)


class TreeInstaller:
    """Installs the bundle's linerec wheel in a fresh venv; the other packages from ours."""

    def install(self, wheels: Path, requirement: str, venv: Path) -> None:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        target = next((venv / "lib").glob("python3*/site-packages"))
        for wheel in wheels.glob("linerec-*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(target)
        ours = [path for path in site.getsitepackages() if Path(path).is_dir()]
        (target / "zz-development-packages.pth").write_text("\n".join(ours) + "\n")


def services_command(root: Path, data: Path) -> str:
    return f"{sys.executable} {SERVICES} {root} {data}"


def engine_pid(root: Path) -> int | None:
    try:
        return int((root.parent / "engine.pid").read_text())
    except (FileNotFoundError, ValueError):
        return None


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def stop_engine(root: Path) -> None:
    pid = engine_pid(root)
    if pid is not None and alive(pid):
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
