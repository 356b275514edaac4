"""The binding's own promises: stale builds are refused, C codes become exceptions."""

from __future__ import annotations

import pytest

import dsp_ext
from dsp_ext import _binding, build_ffi
from dsp_ext.errors import DspBuildError, DspError, DspInputError, DspInternalError, DspStateError


def test_the_extension_matches_these_sources():
    assert _binding.ffi.string(_binding.lib.lr_version()).decode() == dsp_ext.__version__
    assert (
        _binding.ffi.string(_binding.lib.lr_source_digest()).decode() == build_ffi.source_digest()
    )
    _binding.verify_build()


def test_a_build_from_other_sources_is_refused(monkeypatch):
    monkeypatch.setattr(build_ffi, "source_digest", lambda: "0" * 64)
    with pytest.raises(DspBuildError, match="older than its C sources"):
        _binding.verify_build()


def test_a_build_for_another_version_is_refused(monkeypatch):
    monkeypatch.setattr(_binding, "__version__", "0.0.0-other")
    with pytest.raises(DspBuildError, match="built for version"):
        _binding.verify_build()


def test_the_digest_changes_with_any_c_source(tmp_path, monkeypatch):
    before = build_ffi.source_digest()
    include = tmp_path / "include"
    src = tmp_path / "src"
    include.mkdir()
    src.mkdir()
    for path in build_ffi.INCLUDE_DIR.glob("*.h"):
        (include / path.name).write_bytes(path.read_bytes())
    for path in build_ffi.SOURCE_DIR.glob("*.[ch]"):
        (src / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(build_ffi, "INCLUDE_DIR", include)
    monkeypatch.setattr(build_ffi, "SOURCE_DIR", src)
    assert build_ffi.source_digest() == before
    (src / "g711.c").write_text((src / "g711.c").read_text() + "\n/* edited */\n")
    assert build_ffi.source_digest() != before


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("LR_ERR_ARG", DspInputError),
        ("LR_ERR_STATE", DspStateError),
        ("LR_ERR_NULL", DspInternalError),
    ],
)
def test_every_status_code_maps_to_one_exception(status, error):
    code = getattr(_binding.lib, status)
    with pytest.raises(error, match="some_function: ") as caught:
        _binding.check(code, "some_function")
    assert isinstance(caught.value, DspError)
    assert _binding.ffi.string(_binding.lib.lr_strerror(code)).decode() in str(caught.value)


def test_unknown_codes_are_internal_errors_and_success_passes_through():
    with pytest.raises(DspInternalError, match="unknown status code"):
        _binding.check(-999, "f")
    assert _binding.check(0, "f") == 0
    assert _binding.check(7, "f") == 7


def test_the_cdef_is_the_public_headers():
    # Every function the headers declare is reachable; nothing else was declared.
    for header in build_ffi.public_headers():
        for line in build_ffi.cdef_text(header).splitlines():
            if "(" in line and line.rstrip().endswith(";") and not line.startswith((" ", "/", "*")):
                name = line.split("(")[0].split()[-1].lstrip("*")
                assert hasattr(_binding.lib, name), name
