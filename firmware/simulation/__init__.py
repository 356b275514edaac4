"""The simulated office: scripted calls played as real lines would carry them.

``scenario`` reads the scripts (TOML), ``timeline`` turns each call into what
the line does when (ring, caller ID, hook, tones, speech), ``voices`` makes
speech-like audio. The simulated drivers then carry it into the engine
through exactly the code path real line audio takes.
"""
