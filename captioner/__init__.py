"""Captioner: live captions from a microphone, system audio or a file.

The package is layered so that the core (transcript model, export, journal,
settings), audio capture and recognition engines never import Qt; the Qt
front end lives in :mod:`captioner.ui` and is wired together in
:mod:`captioner.app`.
"""

__version__ = "0.1.0"
APP_NAME = "Captioner"
APP_ID = "captioner"
