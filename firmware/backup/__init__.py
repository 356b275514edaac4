"""Backups off the box: to a USB disk, a NAS over SFTP or SMB, or an S3-compatible store.

rclone moves the files (``rclone``); ``targets`` turns the configuration's
targets into rclone's, secrets kept apart in ``<data>/offsite/rclone.conf``;
``run`` makes one incremental, verified run to one target; ``service`` is the
engine's thread ``backup`` that runs them on the schedule and on request;
``ledger`` is what the database keeps of them; ``restore`` brings a backup
back onto a data folder; ``archive`` lists, searches and verifies the backups
of many boxes in one target.

Import rule: the foundation (configuration, store, data folder), ``recovery``
(a restore ends with it) and ``firmware.country``; the engine, the command
line, the health report and the web use this package, never the other way.
"""
