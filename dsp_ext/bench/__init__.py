"""``make bench``: our kernels and the peers' timed side by side in one run.

Each ``bench_<unit>.py`` module here has ``run(bench)``, which times its
kernels with ``bench.measure`` on shared buffers; ``python -m dsp_ext.bench``
runs them all (or the units named) and prints one table per kernel.
"""
