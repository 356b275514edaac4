"""Benchmarks of the whole box (``make bench`` runs them after the DSP kernels')."""
