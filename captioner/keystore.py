"""Where the AssemblyAI API key lives: the environment or the OS keyring.

Never in a settings file, log line or export.  ``ASSEMBLYAI_API_KEY`` wins
so that scripts and CI can supply a key without touching the keyring.
"""

from __future__ import annotations

import contextlib
import logging
import os

log = logging.getLogger(__name__)

ENV_VAR = "ASSEMBLYAI_API_KEY"
SERVICE = "captioner"
ACCOUNT = "assemblyai-api-key"


class KeyStoreError(Exception):
    """The OS keyring is missing or refused; the message says what to do instead."""


def load_api_key() -> str | None:
    """The key from the environment, else from the keyring, else ``None``."""
    key = os.environ.get(ENV_VAR, "").strip()
    if key:
        return key
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(SERVICE, ACCOUNT) or None
        except KeyringError as exc:
            log.info("No usable keyring: %s", type(exc).__name__)
            return None
    except Exception as exc:  # a broken backend must not stop the app
        log.info("Keyring unavailable: %s", type(exc).__name__)
        return None


def key_source() -> str:
    """Where the current key comes from, for the UI ("environment", "keyring", "")."""
    if os.environ.get(ENV_VAR, "").strip():
        return "environment"
    return "keyring" if load_api_key() else ""


def save_api_key(key: str) -> None:
    """Store ``key`` in the OS keyring (empty deletes it)."""
    try:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            if key:
                keyring.set_password(SERVICE, ACCOUNT, key)
            else:
                with contextlib.suppress(PasswordDeleteError):
                    keyring.delete_password(SERVICE, ACCOUNT)
        except KeyringError as exc:
            raise KeyStoreError(
                "No system keyring is available to store the key safely. Set the "
                f"{ENV_VAR} environment variable instead."
            ) from exc
    except ImportError as exc:
        raise KeyStoreError(f"The keyring package is missing; set {ENV_VAR} instead.") from exc


def mask(key: str) -> str:
    """A form of the key safe to show: its last four characters only."""
    return "•" * 8 + key[-4:] if len(key) > 8 else "•" * len(key)
