"""Test material made on the spot, shared by the tests and the benchmarks.

- ``speech``: espeak-ng speech at 8 kHz, cached under ``build/speech``;
- ``amd``: the labelled answering-machine detection corpus built from it.
"""
