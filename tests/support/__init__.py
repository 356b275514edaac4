"""Signal makers shared by the DSP tests."""
