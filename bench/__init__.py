"""Benchmarks (``make bench``) and what they share with the tests; none of it is installed.

- ``dsp``: the DSP kernels against the peers, ``python -m bench.dsp``;
- ``tones``, ``amd``, ``engine``, ``web``, ``calllog``, ``pi``: the whole
  box's figures, ``python -m bench.<name>`` each (``pi``: on a Pi's CPU);
- ``arm64``: the arm64 Debian root under qemu-user that ``make pi-check``,
  ``bench.pi`` and ``tests/test_arm64.py`` run the Pi's side in;
- ``harness``: timing and reporting; ``peers``: the implementations we
  measure against (spandsp, speexdsp, Asterisk's app_amd); ``corpora``:
  espeak-ng speech and the AMD corpus; ``browser``: ``linerec run`` under
  headless Chromium.

The tests import from here; nothing here imports from the tests.
"""
