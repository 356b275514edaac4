"""The exceptions of the DSP kernels; every failure of ``dsp_ext`` is a DspError."""


class DspError(Exception):
    """Base of every error raised by dsp_ext."""


class DspInputError(DspError, ValueError):
    """An input buffer or argument the kernels cannot take (type, shape, size, range)."""


class DspStateError(DspError, RuntimeError):
    """A detector state used before it was set up."""


class DspInternalError(DspError, RuntimeError):
    """The Python layer passed the C layer something it should never pass: a bug here."""


class DspBuildError(DspError, ImportError):
    """The compiled extension is missing or does not match these sources."""
