"""The cloud engine's constants that the command line and the main window need first.

Apart from :mod:`.config` so that parsing arguments and building the window do
not define the config class (a frozen dataclass of ~40 fields: ~5 ms of
generated code at import, issue 14); ``config`` re-exports them.
"""

DEFAULT_HOST = "streaming.assemblyai.com"
# Speaker labels: the service tells at most this many speakers apart.
MAX_SPEAKERS = 10
