"""The engine <-> web link: what the engine tells and takes, and the sockets that carry it.

``contract`` defines every event the engine publishes and every command it
accepts, and their one JSON encoding; ``bus`` carries them over the
engine's Unix socket; ``live_audio`` streams a line's audio to listeners
over a second socket; both are built on ``socket_server``, which never
lets a client hold the engine up. The web process's side is
``webui.engine_link``.
"""
