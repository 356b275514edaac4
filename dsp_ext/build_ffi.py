"""cffi build of the DSP kernels (API mode, out of line).

The cdef is the public headers in ``dsp_ext/include`` themselves, with the
preprocessor lines taken out; nothing is declared here. The version and a
digest of the C sources are compiled in, so that ``import dsp_ext`` can
refuse a stale build (see ``dsp_ext/_binding.py``).

Used by setuptools through ``setup.py``'s ``cffi_modules`` (which calls
``make_builder``): ``make`` (or ``pip install -e .``) builds the module in
place. Importing this module costs no C parsing: ``import dsp_ext`` in a
checkout imports it for ``source_digest`` alone.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cffi import FFI

PACKAGE_DIR = Path(__file__).resolve().parent
INCLUDE_DIR = PACKAGE_DIR / "include"
SOURCE_DIR = PACKAGE_DIR / "src"
MODULE_NAME = "dsp_ext._lr_dsp"

# Our C is held to these; the generated wrapper is not ours and is quietened
# by the pragmas in the preamble below.
C_FLAGS = ["-std=c11", "-Wall", "-Wextra", "-Wconversion", "-O2", "-pthread"]


# Headers that use other headers' types, after them all: lr_common.h is used by every one.
_FIRST = "lr_common.h"
_LAST = ("lr_front.h",)


def public_headers() -> list[Path]:
    """The public headers, each after the ones whose types it uses (cffi reads them in order)."""
    headers = sorted(INCLUDE_DIR.glob("lr_*.h"))
    headers.sort(key=lambda path: (path.name != _FIRST, path.name in _LAST))
    return headers


def c_sources() -> list[Path]:
    return sorted(SOURCE_DIR.glob("*.c"))


def source_digest() -> str:
    """SHA-256 over every header and source, by name and content."""
    digest = hashlib.sha256()
    for path in public_headers() + sorted(SOURCE_DIR.glob("*.[ch]")):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def package_version() -> str:
    text = (PACKAGE_DIR / "_version.py").read_text()
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no __version__ line in {PACKAGE_DIR / '_version.py'}")
    return match.group(1)


def cdef_text(header: Path) -> str:
    """A header as cffi's cdef reads it: everything but preprocessor lines."""
    lines = header.read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


def make_builder() -> FFI:
    """The cffi builder of the extension: the headers parsed, the sources named."""
    from cffi import FFI  # noqa: PLC0415 - the C parser, only when building

    builder = FFI()
    for header in public_headers():
        builder.cdef(cdef_text(header))
    includes = "\n".join(f'#include "{header.name}"' for header in public_headers())
    builder.set_source(
        MODULE_NAME,
        '#pragma GCC diagnostic ignored "-Wconversion"\n'
        '#pragma GCC diagnostic ignored "-Wsign-conversion"\n'
        '#pragma GCC diagnostic ignored "-Wunused-parameter"\n' + includes,
        sources=[str(path.relative_to(PACKAGE_DIR.parent)) for path in c_sources()],
        include_dirs=[str(INCLUDE_DIR.relative_to(PACKAGE_DIR.parent))],
        define_macros=[
            ("LR_VERSION", f'"{package_version()}"'),
            ("LR_SOURCE_DIGEST", f'"{source_digest()}"'),
        ],
        extra_compile_args=C_FLAGS,
        extra_link_args=["-pthread"],
        libraries=["m"],
    )
    return builder
