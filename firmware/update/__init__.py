"""Updates of the box's software, with rollback (``linerec update``).

- ``bundle``: the release artifact, ``linerec-<version>.tar.gz``: a manifest
  (name, version, the requirement to install, every file's SHA-256) and a
  wheelhouse; made, checked and unpacked.
- ``updater``: the install root (``versions/<version>/``, the ``current``
  symlink, ``update-state.json``), installing a bundle beside the running
  version, switching, the health check, rolling back, and settling an update
  a crash or a power cut interrupted.

Standard library and the foundation only (``firmware.store.backups`` for the
database snapshot): the other versions' code runs in their own processes.
"""
