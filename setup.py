"""Only what pyproject.toml cannot say: the cffi extension module."""

from setuptools import setup

setup(cffi_modules=["dsp_ext/build_ffi.py:make_builder"])
