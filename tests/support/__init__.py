"""Helpers shared by the tests: signal makers for the DSP tests, and the Debian tools some need."""
