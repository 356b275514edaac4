"""Helpers shared by the caller-ID tests: signals, noise, and both receivers."""
