"""linerec's DSP kernels: C code built with cffi, behind small numpy APIs.

Modules: ``g711`` (A-law and mu-law), ``dtmf`` (DTMF receiver and
generator), ``fsk`` (Bell 202 / V.23 caller-ID modem), ``dtas`` (the ETSI
alerting tone), ``tones`` (call-progress and fax tone detector), ``tonegen``
(tone generator), ``vad`` (voice activity), ``levels`` (dBm0), ``front`` (a
line's DTMF, voice and FSK detectors in one call a frame). Every error is a
``dsp_ext.errors.DspError``. Importing the package checks that the compiled
extension matches these sources.
"""

from dsp_ext._binding import verify_build
from dsp_ext._version import __version__

verify_build()

__all__ = ["__version__"]
