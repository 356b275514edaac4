"""The box's health, as ``linerec status`` and the web's health page show it.

``report.gather`` puts together what a person looking after the box needs:
the disk and its forecast, retention, the last snapshots, each line's lag
and lost audio, the storage problems the engine went on past (from its
``status`` command), and the machine itself (``system``: the Pi's
temperature, load, memory). ``HealthReport.problems`` lists what needs a
person; none means healthy.
"""
