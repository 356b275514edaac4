"""Everything the box keeps: the SQLite database and the recording files.

Standard library only (no numpy, no DSP extension), so that ``recovery`` can
check and repair the store on a box whose engine does not start.
"""
