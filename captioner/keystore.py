"""Where the AssemblyAI API key lives: the environment, the OS keyring, or this run.

Never in a settings file, log line or export.  ``ASSEMBLYAI_API_KEY`` wins
so that scripts and CI can supply a key without touching the keyring.  On a
desktop with no usable keyring (no Secret Service or KWallet running, keyring's
null or fail backend) a key can still be used *for this run only*, in memory,
and the UI says so instead of claiming a place the key is not.

Keys are checked for their shape wherever they come from: a key pasted with
its line break, a non-ASCII character or a whole document would otherwise
reach an HTTP header and come back as a network error, a traceback, or
"HTTP 431, try again later".  The problem names the key and never echoes it.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass

log = logging.getLogger(__name__)

ENV_VAR = "ASSEMBLYAI_API_KEY"
SERVICE = "captioner"
ACCOUNT = "assemblyai-api-key"


MAX_KEY_LENGTH = 512  # an AssemblyAI key is 32 characters; temporary tokens are longer
# A key typed into Settings shorter than this was cut when copied (a key is 32 characters);
# the environment is not held to it (scripts and tests may use any token their server takes).
MIN_TYPED_KEY_LENGTH = 20

_run_key: str | None = None  # a key kept in memory for this run (no usable keyring)


class KeyStoreError(Exception):
    """The OS keyring is missing or refused; the message says what to do instead."""


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be an API key, in words that never repeat it; ``None`` if fine."""
    if any(c in key for c in "\r\n"):
        return "The API key contains a line break. Paste only the key itself."
    if not key.isascii():
        return (
            "The API key contains characters that are not in an API key (letters with "
            "accents, symbols or invisible characters). Paste only the key itself."
        )
    if any(c.isspace() or not c.isprintable() for c in key):
        return "The API key contains spaces or control characters. Paste only the key itself."
    if len(key) > MAX_KEY_LENGTH:
        return (
            f"The text given as the API key is {len(key):,} characters long; "
            "an AssemblyAI key is 32. Paste only the key itself."
        )
    return None


def typed_key_problem(key: str) -> str | None:
    """:func:`key_problem`, and a key too short to be whole (a paste that lost its end).

    Such a key was stored and only refused at the next Start, with "key refused"
    as the only clue; said here, the user pastes it again while the page is open.
    """
    problem = key_problem(key)
    if problem is None and 0 < len(key) < MIN_TYPED_KEY_LENGTH:
        return (
            f"The text given as the API key is only {len(key)} characters long; "
            "an AssemblyAI key is 32. Copy the whole key again."
        )
    return problem


def keyring_problem() -> str | None:
    """Why no key can be stored safely here, or ``None`` when the keyring works.

    keyring falls back to its ``fail`` backend (raises on every call) or the
    ``null`` one (accepts and forgets) when no Secret Service, KWallet,
    macOS Keychain or Windows Credential Locker is reachable.
    """
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring installation
        log.info("Keyring unavailable: %s", type(exc).__name__)
        return "The keyring package cannot be loaded."
    backends = getattr(backend, "backends", None)  # the chainer wraps several
    usable = [b for b in (backends if backends is not None else [backend])]
    usable = [b for b in usable if not isinstance(b, fail.Keyring | null.Keyring)]
    if not usable or (getattr(backend, "priority", 1) <= 0 and backends is None):
        return (
            "No system keyring is running on this desktop (such as GNOME Keyring or "
            "KWallet), so the key cannot be stored safely."
        )
    return None


@dataclass(frozen=True)
class KeyState:
    """Everything the key's settings need to show, read in one go (off the GUI thread).

    ``key`` and ``source`` as :func:`load_api_key` / :func:`key_source` give
    them; ``keyring_problem`` as :func:`keyring_problem` (``None`` when the
    key comes from the environment, where the keyring does not matter).
    """

    key: str | None
    source: str
    keyring_problem: str | None


def env_key() -> str | None:
    """The key from ``ASSEMBLYAI_API_KEY``: no keyring call, so safe on any thread."""
    return os.environ.get(ENV_VAR, "").strip() or None


def key_state() -> KeyState:
    """The current key, where it comes from and whether the keyring works.

    Talks to the keyring (D-Bus, possibly a password prompt): call it off the
    GUI thread.
    """
    key, source = _current_key()
    problem = None if source == "environment" else keyring_problem()
    return KeyState(key, source, problem)


def store_key(key: str) -> str | None:
    """Keep ``key``: in the keyring when one works, else for this run.

    Returns ``None`` when the keyring holds it, else why it is kept for this
    run only.  Talks to the keyring: call it off the GUI thread.
    """
    try:
        save_api_key(key)
    except KeyStoreError as exc:
        use_for_this_run(key)
        return str(exc)
    return None


def use_for_this_run(key: str) -> None:
    """Keep ``key`` in memory until the app quits (no keyring to store it in)."""
    global _run_key
    _run_key = key or None


def load_api_key() -> str | None:
    """The key from the environment, else the keyring, else this run's, else ``None``.

    A key whose shape is wrong is returned as it is: the caller asks
    :func:`key_problem` and tells the user (see :func:`api_key_problem`).
    """
    return _current_key()[0]


def key_source() -> str:
    """Where the current key comes from: "environment", "keyring", "run" or ""."""
    return _current_key()[1]


def api_key_problem() -> str | None:
    """What is wrong with the key a run would use, naming where it comes from."""
    return _problem(*_current_key())


def key_for_run() -> tuple[str | None, str | None]:
    """The key a run would use and what is wrong with it, from one keyring read.

    Start calls this on a worker thread: a keyring call may wait for the user
    to unlock a collection, and the GUI thread must not wait with it.
    """
    key, source = _current_key()
    return key, _problem(key, source)


def _problem(key: str | None, source: str) -> str | None:
    problem = key_problem(key) if key else None
    if problem is None:
        return None
    where = {"environment": f"from {ENV_VAR}", "keyring": "in the system keyring"}.get(
        source, "entered for this run"
    )
    return f"{problem} (the key {where}; change it in Settings ▸ AssemblyAI…)"


def _current_key() -> tuple[str | None, str]:
    """The key a run would use and where it is, asking the keyring at most once."""
    key = env_key()
    if key:
        return key, "environment"
    stored = _keyring_key()
    if stored:
        return stored, "keyring"
    return (_run_key, "run") if _run_key else (None, "")


def _keyring_key() -> str | None:
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


def save_api_key(key: str) -> None:
    """Store ``key`` in the OS keyring (empty deletes it).

    Raises :class:`KeyStoreError` when no keyring can hold it (see
    :func:`keyring_problem`): the null backend would accept it and forget.
    """
    problem = keyring_problem()
    if key and problem:
        raise KeyStoreError(f"{problem} Set the {ENV_VAR} environment variable instead.")
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
