"""Private layer over the compiled kernels: loading, build checks, status codes, buffers.

Public modules (``dsp_ext.g711`` and the others) call C only through the
helpers here, so the mapping from C status codes to exceptions and the rules
for what arrays the kernels accept live in one place.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dsp_ext._version import __version__
from dsp_ext.errors import DspBuildError, DspInputError, DspInternalError, DspStateError

try:
    from dsp_ext._lr_dsp import ffi, lib
except ImportError as error:  # pragma: no cover - exercised only on a broken checkout
    raise DspBuildError(
        f"the DSP extension dsp_ext._lr_dsp is not built ({error}); "
        "run `make` in the project folder (or `pip install -e .`)"
    ) from error

_PACKAGE_DIR = Path(__file__).resolve().parent


def _c_string(pointer) -> str:
    return ffi.string(pointer).decode("ascii")


def verify_build() -> None:
    """Refuse an extension built for another version or from other C sources.

    The digest check runs only where the C sources sit beside the package
    (a development checkout); an installed package carries no sources to
    compare with.
    """
    built_version = _c_string(lib.lr_version())
    if built_version != __version__:
        raise DspBuildError(
            f"the DSP extension was built for version {built_version}, "
            f"the Python package is {__version__}; rebuild it with `make`"
        )
    if (_PACKAGE_DIR / "src").is_dir():
        from dsp_ext import build_ffi  # noqa: PLC0415 - needs cffi's builder, dev only

        if _c_string(lib.lr_source_digest()) != build_ffi.source_digest():
            raise DspBuildError(
                "the DSP extension is older than its C sources in "
                f"{_PACKAGE_DIR}; rebuild it with `make`"
            )


def check(status: int, function: str) -> int:
    """Return a non-negative status; raise the matching DspError for a negative one."""
    if status >= 0:
        return status
    message = f"{function}: {_c_string(lib.lr_strerror(status))}"
    if status == lib.LR_ERR_ARG:
        raise DspInputError(message)
    if status == lib.LR_ERR_STATE:
        raise DspStateError(message)
    raise DspInternalError(f"{message} (status {status})")


def input_array(value: object, dtype: type[np.generic], name: str, function: str) -> np.ndarray:
    """Check that ``value`` is a non-empty, C-contiguous 1-D array of ``dtype``.

    The kernels read the caller's memory directly, so nothing is converted
    silently: a float array or a strided view is a mistake the caller should
    see, with the fix named. The checks are cheap on purpose (this runs for
    every 20 ms frame of every line); the messages are built only on failure.
    """
    if (
        isinstance(value, np.ndarray)
        and value.dtype == dtype
        and value.ndim == 1
        and value.size
        and value.flags.c_contiguous
    ):
        return value
    raise DspInputError(_input_problem(value, dtype, name, function))


def _input_problem(value: object, dtype: type[np.generic], name: str, function: str) -> str:
    expected = np.dtype(dtype).name
    if not isinstance(value, np.ndarray):
        return (
            f"{function}: {name} must be a numpy {expected} array, "
            f"got {type(value).__name__}; use np.asarray(..., dtype=np.{expected})"
        )
    if value.dtype != dtype:
        return (
            f"{function}: {name} must have dtype {expected}, got {value.dtype}; "
            f"convert it with .astype(np.{expected}) (clip first if it can overflow)"
        )
    if value.ndim != 1:
        return (
            f"{function}: {name} must be one-dimensional, got shape {value.shape}; "
            "pass one channel as a flat array"
        )
    if value.size == 0:
        return f"{function}: {name} is empty; pass at least one sample"
    return (
        f"{function}: {name} is not contiguous in memory (a strided view?); "
        "pass np.ascontiguousarray(...) of it"
    )


def pointer(array: np.ndarray, c_type: str):
    """A C pointer into ``array``'s memory, valid while ``array`` lives."""
    return ffi.from_buffer(f"{c_type}[]", array)
