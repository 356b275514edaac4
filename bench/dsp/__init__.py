"""The DSP kernels' benchmarks: our kernels and the peers' timed side by side in one run.

Each unit module here (``g711``, ``dtmf``, ``callerid``, ``echo``) has
``run(bench)``, which times its kernels with ``bench.measure`` on shared
buffers; ``python -m bench.dsp`` runs them all (or the units named) and
prints one table per kernel. ``make bench`` runs it first.
"""
