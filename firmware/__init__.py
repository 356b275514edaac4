"""The line engine and the command line of linerec."""

from dsp_ext import __version__

__all__ = ["__version__"]
