"""The Raspberry Pi's CPU on this machine: an arm64 Debian root run under qemu-user.

``make pi-check`` (``python -m bench.arm64 check``) cross-builds the DSP
extension for aarch64 and runs the DSP and driver tests in an arm64 Debian
root under qemu-user; ``make test`` runs a short form (``tests/test_arm64.py``)
and ``bench.pi`` counts the pipeline's aarch64 instructions there.

The root (Debian bookworm, its Python 3.11, made by ``mmdebstrap``) and the
Python packages (aarch64 wheels from the package index, installed by the
host's pip into ``site/``) are cached in ``~/.cache/linerec-pi/<key>/``
(``LINEREC_PI_CACHE`` moves it), the key being a hash of the package lists
below: change a list and the next run builds a new root and then removes the
old one.
``make pi-clean`` (``python -m bench.arm64 clean``) removes the cache.

There is no binfmt_misc here: the arm64 Python runs as
``qemu-aarch64 -L ROOT ROOT/usr/bin/python3.11``, through the wrapper script
``<key>/bin/python3`` so that tests starting ``sys.executable`` start it again.
The host needs the Debian packages in ``HOST_PACKAGES`` (in the test list of
``scripts/system-deps.sh``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
SUITE = "bookworm"
TRIPLET = "aarch64-linux-gnu"
PYTHON_VERSION = "3.11"
HOST_PACKAGES = "gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user mmdebstrap"
# In the root: the interpreter and its headers, the C libraries the extension's
# tests and the peers link against (their headers for the peers' cross-build).
DEBIAN_PACKAGES = ("python3", "python3-dev", "libasound2-dev", "libspandsp-dev", "libspeexdsp-dev")
# In site/: the project's dependencies (the engine's pipeline imports most of
# them), and what the DSP and driver tests import besides.
WHEELS = (
    *tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]["dependencies"],
    "pytest>=8",
    "hypothesis>=6.100",
    "gpiozero>=2.0",
    "lgpio>=0.2",
)
# Source only (no aarch64 wheel): its one C file is cross-compiled into site/.
ALSA_SOURCE = "pyalsaaudio>=0.10"
# Bookworm's glibc is 2.36: any manylinux wheel up to that runs in the root.
PLATFORMS = (
    *(f"manylinux_2_{minor}_aarch64" for minor in (36, 35, 34, 31, 28, 27, 26, 24, 17)),
    "manylinux2014_aarch64",
)
SOABI = f"cpython-{PYTHON_VERSION.replace('.', '')}-{TRIPLET}"
EXTENSION = PROJECT_DIR / "dsp_ext" / f"_lr_dsp.{SOABI}.so"
PEERS = PROJECT_DIR / "build" / "peers" / "aarch64" / "libpeers.so"

# The DSP and driver tests (pi-check), and the short form make test runs.
DSP_TESTS = (
    "test_binding.py",
    "test_g711.py",
    "test_dtmf.py",
    "test_dtmf_conformance.py",
    "test_fsk.py",
    "test_callerid_fsk.py",
    "test_callerid_dtmf.py",
    "test_callerid_message.py",
    "test_echo.py",
    "test_echo_lines.py",
    "test_tones.py",
    "test_tones_plans.py",
    "test_vad.py",
)
DRIVER_TESTS = (
    "test_drivers_audio.py",
    "test_drivers_audio_alsa.py",
    "test_drivers_debounce.py",
    "test_drivers_gpio_pins.py",
    "test_drivers_modem_line.py",
    "test_drivers_modem_protocol.py",
    "test_drivers_modem_serial.py",
    "test_drivers_signals.py",
)
QUICK_TESTS = ("test_binding.py", "test_g711.py", "test_drivers_debounce.py")


def cache_dir() -> Path:
    configured = os.environ.get("LINEREC_PI_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "linerec-pi"


def cache_key() -> str:
    text = "\n".join([SUITE, *DEBIAN_PACKAGES, "--", *WHEELS, ALSA_SOURCE, "--", *PLATFORMS])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def missing_tools() -> str | None:
    """What the host lacks to build and run the root, or None."""
    tools = ("mmdebstrap", f"{TRIPLET}-gcc", "qemu-aarch64")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} missing; install: apt-get install {HOST_PACKAGES}"
    return None


@dataclass(frozen=True)
class Arm64:
    home: Path

    @property
    def root(self) -> Path:
        return self.home / "root"

    @property
    def site(self) -> Path:
        return self.home / "site"

    @property
    def wheels(self) -> Path:
        return self.home / "wheels"

    @property
    def pycache(self) -> Path:
        """Where the arm64 interpreter keeps the bytecode it compiled."""
        return self.home / "pycache"

    @property
    def python(self) -> Path:
        """The wrapper that runs the arm64 interpreter under qemu."""
        return self.home / "bin" / "python3"

    @property
    def ready(self) -> bool:
        return (self.home / "ready").exists()

    def environment(self, **extra: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTHON", "VIRTUAL_ENV", "QEMU_"))
        }
        env["PYTHONPATH"] = str(PROJECT_DIR)  # the wrapper adds site/
        # The bytecode goes to the root's own cache, never beside the sources (the host's
        # .pyc stay the host's): the root's Python comes without any, and compiling pytest's
        # and numpy's modules again under qemu took half of the short set's run.
        env["PYTHONPYCACHEPREFIX"] = str(self.pycache)
        env.update(extra)
        return env

    def run_python(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        env = self.environment(**kwargs.pop("env", {}))
        return subprocess.run(
            [str(self.python), *args], cwd=PROJECT_DIR, env=env, check=False, **kwargs
        )


def find() -> Arm64 | None:
    """The cached root for the current package lists, if it is complete."""
    arm64 = Arm64(cache_dir() / cache_key())
    return arm64 if arm64.ready and missing_tools() is None else None


def absent_reason() -> str:
    return missing_tools() or (
        f"no arm64 root in {cache_dir()} for these package lists (key {cache_key()}); "
        "`make pi-check` or `python -m bench.arm64 setup` builds it"
    )


def _say(message: str) -> None:
    print(f"arm64: {message}", flush=True)


def _run(command: list[str], **kwargs) -> None:
    subprocess.run(command, check=True, **kwargs)


def _make_root(arm64: Arm64) -> None:
    partial = arm64.home / "root.partial"
    shutil.rmtree(partial, ignore_errors=True)
    _say(f"making the {SUITE} arm64 root with mmdebstrap: {' '.join(DEBIAN_PACKAGES)}")
    _run(
        [
            "mmdebstrap",
            "--quiet",
            "--mode=unshare",
            "--variant=extract",
            "--architectures=arm64",
            f"--include={','.join(DEBIAN_PACKAGES)}",
            SUITE,
            str(partial),
        ]
    )
    partial.rename(arm64.root)


def _pip(*args: str) -> None:
    _run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args])


def _install_wheels(arm64: Arm64) -> None:
    target = [
        "--only-binary=:all:",
        f"--python-version={PYTHON_VERSION}",
        "--implementation=cp",
        f"--abi=cp{PYTHON_VERSION.replace('.', '')}",
        *(f"--platform={platform}" for platform in PLATFORMS),
    ]
    if not any(arm64.wheels.glob("*.whl")):
        _say(f"downloading aarch64 wheels to {arm64.wheels}")
        partial = arm64.home / "wheels.partial"
        shutil.rmtree(partial, ignore_errors=True)
        _pip("download", "--dest", str(partial), *target, *WHEELS)
        _pip("download", "--dest", str(partial), "--no-deps", "--no-binary=:all:", ALSA_SOURCE)
        partial.rename(arm64.wheels)
    _say(f"installing them into {arm64.site}")
    partial = arm64.home / "site.partial"
    shutil.rmtree(partial, ignore_errors=True)
    _pip(
        "install", "--no-index", "--find-links", str(arm64.wheels), "--target", str(partial),
        "--no-compile", *target, *WHEELS,
    )
    _build_alsaaudio(arm64, partial)
    shutil.rmtree(arm64.site, ignore_errors=True)
    partial.rename(arm64.site)


def _build_alsaaudio(arm64: Arm64, site: Path) -> None:
    """pyalsaaudio's alsaaudio.c, cross-compiled against the root's libasound, into ``site``."""
    (archive,) = arm64.wheels.glob("pyalsaaudio-*.tar.gz")
    _say(f"cross-building {archive.name}")
    libraries = arm64.root / "usr" / "lib" / TRIPLET
    with tempfile.TemporaryDirectory() as folder:
        shutil.unpack_archive(archive, folder)
        (source,) = Path(folder).glob("pyalsaaudio-*/alsaaudio.c")
        _run(
            [
                *_cross_gcc(arm64),
                "-O2",
                "-fPIC",
                "-shared",
                "-w",  # not our C
                f"-I{arm64.root}/usr/include/python{PYTHON_VERSION}",
                str(source),
                "-o",
                str(site / f"alsaaudio.{SOABI}.so"),
                str(libraries / "libasound.so"),
                f"-Wl,-rpath-link,{libraries}",
            ]
        )


def _write_wrapper(arm64: Arm64) -> None:
    arm64.python.parent.mkdir(parents=True, exist_ok=True)
    interpreter = arm64.root / "usr" / "bin" / f"python{PYTHON_VERSION}"
    arm64.python.write_text(
        "#!/bin/sh\n"
        "# The root's arm64 Python under qemu-user (no binfmt_misc); -0 keeps this\n"
        "# script as sys.executable, so that a child Python runs the same way; the\n"
        "# packages in site/ come after whatever PYTHONPATH the caller gives.\n"
        f'PYTHONPATH="${{PYTHONPATH:+$PYTHONPATH:}}{arm64.site}" '
        f'exec qemu-aarch64 ${{LINEREC_QEMU_OPTIONS:-}} -L "{arm64.root}" -0 "$0" '
        f'"{interpreter}" "$@"\n'
    )
    arm64.python.chmod(0o755)


def setup() -> Arm64:
    """Build (or find) the cached root with its wheels, then the aarch64 extension and peers."""
    problem = missing_tools()
    if problem:
        raise SystemExit(f"arm64: {problem}")
    arm64 = Arm64(cache_dir() / cache_key())
    if not arm64.ready:
        started = time.monotonic()
        arm64.home.mkdir(parents=True, exist_ok=True)
        if not arm64.root.exists():
            _make_root(arm64)
        _install_wheels(arm64)
        (arm64.home / "ready").write_text(f"{time.time():.0f}\n")
        for stale in cache_dir().iterdir():
            if stale != arm64.home and (stale / "ready").exists():
                _say(f"removing {stale}, made for other package lists")
                shutil.rmtree(stale, ignore_errors=True)
        _say(f"root ready in {time.monotonic() - started:.0f} s: {arm64.home}")
    _write_wrapper(arm64)  # cheap, and a changed wrapper needs no new root
    build_extension(arm64)
    build_peers(arm64)
    return arm64


def _cross_gcc(arm64: Arm64) -> list[str]:
    """The cross compiler, the root's headers after its own (its C library's come first)."""
    include = arm64.root / "usr" / "include"
    return [f"{TRIPLET}-gcc", f"-idirafter{include / TRIPLET}", f"-idirafter{include}"]


def _stale(target: Path, inputs: list[Path]) -> bool:
    if not target.exists():
        return True
    built = target.stat().st_mtime
    return any(path.stat().st_mtime > built for path in inputs)


def build_extension(arm64: Arm64, target: Path = EXTENSION) -> Path:
    """Cross-compile dsp_ext for aarch64, every warning an error, beside the host's build.

    cffi writes the wrapper's C on the host; the cross compiler builds it and
    our sources against the root's Python headers with the project's C flags
    (and ``-Wshadow``, as ``make lint``). Another ``target`` is always built.
    """
    from dsp_ext import build_ffi  # noqa: PLC0415 - cffi's builder, dev only

    inputs = [*build_ffi.public_headers(), *build_ffi.SOURCE_DIR.glob("*.[ch]")]
    inputs += [build_ffi.PACKAGE_DIR / "build_ffi.py", build_ffi.PACKAGE_DIR / "_version.py"]
    if target == EXTENSION and not _stale(EXTENSION, inputs):
        return EXTENSION
    _say(f"cross-building {target.name}")
    with tempfile.TemporaryDirectory() as folder:
        wrapper = Path(folder) / "_lr_dsp.c"
        build_ffi.make_builder().emit_c_code(str(wrapper))
        output = Path(folder) / EXTENSION.name
        command = [
            *_cross_gcc(arm64),
            *build_ffi.C_FLAGS,
            "-Wshadow",
            "-Werror",
            "-fPIC",
            "-shared",
            f"-DLR_VERSION=\"{build_ffi.package_version()}\"",
            f"-DLR_SOURCE_DIGEST=\"{build_ffi.source_digest()}\"",
            f"-I{build_ffi.INCLUDE_DIR}",
            f"-I{arm64.root}/usr/include/python{PYTHON_VERSION}",
            str(wrapper),
            *map(str, build_ffi.c_sources()),
            "-o",
            str(output),
            "-lm",
        ]
        _run(command)
        shutil.move(output, target)
    return target


def build_peers(arm64: Arm64) -> Path:
    """Cross-compile the peer library (spandsp, speexdsp) against the root's libraries."""
    from bench import peers  # noqa: PLC0415

    sources = sorted(peers.PEER_DIR.glob("peer_*.c"))
    if not _stale(PEERS, sources + sorted(peers.PEER_DIR.glob("peer_*.h"))):
        return PEERS
    _say(f"cross-building {PEERS.relative_to(PROJECT_DIR)}")
    libraries = arm64.root / "usr" / "lib" / TRIPLET
    PEERS.parent.mkdir(parents=True, exist_ok=True)
    temporary = PEERS.with_suffix(".partial")
    _run(
        [
            *_cross_gcc(arm64),
            "-O2",
            "-fPIC",
            "-shared",
            "-w",  # as bench.peers: the peers' headers are not ours to clean
            f"-I{peers.PEER_DIR}",
            *map(str, sources),
            "-o",
            str(temporary),
            # the libraries by path: -L to the root would take its libc.so script too
            str(libraries / "libspandsp.so"),
            str(libraries / "libspeexdsp.so"),
            f"-Wl,-rpath-link,{libraries}",
            "-lm",
        ]
    )
    temporary.replace(PEERS)
    return PEERS


def pytest_command(files: tuple[str, ...], *extra: str) -> list[str]:
    return [
        "-m", "pytest", "-p", "no:cacheprovider", "-q",
        *(f"tests/{name}" for name in files), *extra,
    ]


def check(quick: bool) -> int:
    started = time.monotonic()
    arm64 = setup()
    ready = time.monotonic()
    _say(f"set up in {ready - started:.0f} s")
    files = QUICK_TESTS if quick else DSP_TESTS + DRIVER_TESTS
    _say(f"pytest under qemu-aarch64: {len(files)} test files")
    result = arm64.run_python(pytest_command(files))
    finished = time.monotonic()
    _say(f"tests ran in {finished - ready:.0f} s (total {finished - started:.0f} s)")
    return result.returncode


def clean() -> None:
    folder = cache_dir()
    if folder.exists():
        # mmdebstrap's unshare mode leaves files owned by sub-ids: remove as the namespace did.
        _say(f"removing {folder}")
        shutil.rmtree(folder, ignore_errors=True)
        if folder.exists():
            _run(["unshare", "--map-root-user", "--map-auto", "rm", "-rf", str(folder)])
    for product in (EXTENSION, PEERS):
        product.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.arm64", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup", help="build the cached root, the aarch64 extension and peers")
    check_parser = commands.add_parser("check", help="the DSP and driver tests under qemu")
    check_parser.add_argument("--quick", action="store_true", help="only the short form")
    commands.add_parser("clean", help="remove the cache and the aarch64 builds")
    commands.add_parser("python", help="run the arm64 Python with the arguments that follow")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["python"]:
        return setup().run_python(argv[1:]).returncode
    args = parser.parse_args(argv)
    if args.command == "setup":
        print(setup().home)
        return 0
    if args.command == "check":
        return check(args.quick)
    clean()
    return 0


if __name__ == "__main__":
    sys.exit(main())
