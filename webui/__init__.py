"""The box's web UI: a Bottle app served by cheroot, in its own process (``linerec web``).

``webui.app.make_app(deps)`` builds the app over a data folder's stores and
a link to the engine (``webui.deps``); ``webui.server`` serves it over
HTTPS (plain HTTP only on loopback, for development).
"""
