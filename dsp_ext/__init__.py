"""linerec's DSP kernels: C code built with cffi, behind small numpy APIs.

Modules: ``dsp_ext.g711`` (A-law and mu-law). Every error is a
``dsp_ext.errors.DspError``. Importing the package checks that the compiled
extension matches these sources.
"""

from dsp_ext._binding import verify_build
from dsp_ext._version import __version__

verify_build()

__all__ = ["__version__"]
