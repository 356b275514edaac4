"""Recovery: the boot-time checks and repairs of a data folder.

After a crash or a power cut, a damaged database is rebuilt from its newest
good snapshot (``recovery.database``), calls left in progress are closed,
unfinished recordings repaired, crash leftovers cleaned, and the recording
files and the index made to agree, sidecars of either version read
(``recovery.folder``, ``recovery.reconcile``, ``recovery.sidecars``). The
engine does this at every start; ``linerec recover`` and ``python -m
recovery`` (``recovery.cli``) do it on their own, so the box can be made
whole even when the engine or the DSP extension is broken. A factory reset
(``recovery.reset``) builds on the same pieces.

Import rule, for that reason: this package imports only ``firmware.config``,
``firmware.store``, ``firmware.datafolder``, ``firmware.errors``, the module
``audio_format`` and the standard library; never ``firmware.engine``,
``firmware.link``, ``firmware.cli``, ``drivers``, ``dsp_ext``, ``webui`` or
numpy. It sits above the store and the configuration: neither imports it.
"""

from recovery.folder import RecoveryError, RecoveryReport, recover_data_folder

__all__ = ["RecoveryError", "RecoveryReport", "recover_data_folder"]
