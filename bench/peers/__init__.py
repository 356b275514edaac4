"""The peer implementations (spandsp, speexdsp) we measure ourselves against.

Each ``peer_<unit>.c`` here wraps one peer feature behind a few plain C
functions declared in ``peer_<unit>.h``. They are compiled together into
``build/peers/<machine>/libpeers.so``, linked against Debian's ``libspandsp-dev`` and
``libspeexdsp-dev``, and loaded with cffi's ABI mode. Tests and ``make bench``
use them; the product never does.

The library is rebuilt on first use whenever a peer source is newer than it.
One library per machine (``x86_64``, ``aarch64``): ``bench.arm64`` cross-builds
the aarch64 one for the tests under qemu.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

from cffi import FFI

PEER_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PEER_DIR.parents[1]
LIBRARY = PROJECT_DIR / "build" / "peers" / platform.machine() / "libpeers.so"
PKG_CONFIG_PACKAGES = ["spandsp", "speexdsp"]
DEBIAN_PACKAGES = "libspandsp-dev libspeexdsp-dev pkg-config"


class PeerUnavailableError(RuntimeError):
    """The peer library cannot be built here (missing Debian packages or compiler)."""


def _headers() -> list[Path]:
    return sorted(PEER_DIR.glob("peer_*.h"))


def _sources() -> list[Path]:
    return sorted(PEER_DIR.glob("peer_*.c"))


def _is_stale() -> bool:
    if not LIBRARY.exists():
        return True
    built = LIBRARY.stat().st_mtime
    return any(path.stat().st_mtime > built for path in _headers() + _sources())


def _compiler_flags() -> list[str]:
    if shutil.which("pkg-config") is None:
        raise PeerUnavailableError(
            f"pkg-config is missing; install: apt-get install {DEBIAN_PACKAGES}"
        )
    result = subprocess.run(
        ["pkg-config", "--cflags", "--libs", *PKG_CONFIG_PACKAGES],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PeerUnavailableError(
            f"spandsp/speexdsp development files not found ({result.stderr.strip()}); "
            f"install: apt-get install {DEBIAN_PACKAGES}"
        )
    return result.stdout.split()


def build() -> Path:
    """Compile the peer library if it is missing or older than its sources."""
    if not _is_stale():
        return LIBRARY
    flags = _compiler_flags()
    LIBRARY.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename, so concurrent users never load half a file.
    with tempfile.NamedTemporaryFile(dir=LIBRARY.parent, suffix=".so", delete=False) as temp:
        temp_path = Path(temp.name)
    command = [
        os.environ.get("CC", "cc"),
        "-O2",
        "-fPIC",
        "-shared",
        "-w",  # peer headers are not ours to clean; our own C is linted separately
        f"-I{PEER_DIR}",
        *map(str, _sources()),
        "-o",
        str(temp_path),
        *flags,
        "-lm",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        temp_path.unlink(missing_ok=True)
        raise PeerUnavailableError(f"building the peer library failed:\n{result.stderr}")
    temp_path.replace(LIBRARY)
    return LIBRARY


def _cdef(header: Path) -> str:
    lines = header.read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


_loaded = None


def load():
    """Return ``(ffi, lib)`` for the peer library, building it first if needed."""
    global _loaded  # noqa: PLW0603 - one library per process, loaded once
    if _loaded is None:
        ffi = FFI()
        for header in _headers():
            ffi.cdef(_cdef(header))
        _loaded = (ffi, ffi.dlopen(str(build())))
    return _loaded
