"""The one place the project's version is written; the build and the package read it."""

__version__ = "0.1.0"
