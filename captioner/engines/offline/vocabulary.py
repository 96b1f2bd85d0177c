"""A pronunciation dictionary trimmed to the words the language model knows.

PocketSphinx's en-US dictionary has 134,860 entries, its language model
72,547 words.  The n-gram search only ever builds words the language model
knows, so the other ~55,000 entries are loaded, hashed and kept for nothing:
12.7 MB in every decoder (each recogniser process holds one, the final-decode
process up to two).  Decoding with the trimmed dictionary gives the same
hypotheses with the same scores (checked on every clip in tests/data under
the live, final and noisy-speech settings; tests/engines/test_offline_vocabulary.py
keeps checking it).

The trimmed copy is written once into the user's cache directory, named after
the two model files it was made from (size and modification time), so a new
PocketSphinx model gets a new copy.  Anything unexpected (another model, a
language-model file in a format this does not read, a read-only cache) means
the model's own dictionary is used: this only ever saves memory, it never
changes what is recognised.  Runs in the recogniser processes, never in the
app's.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# PocketSphinx's binary ("trie") language model begins with this; its
# vocabulary is the file's tail: a little-endian uint32 byte count, then that
# many bytes of NUL-terminated words, in the unigram count the header gives.
_TRIE_MAGIC = b"Trie Language Model"
# Alternative pronunciations are spelled "word(2)" in the dictionary.
_ALTERNATIVE = re.compile(r"\(\d+\)$")
# The most of the file's end read to find the words (the en-US model's take 0.8 MB).
_MAX_TAIL = 16 * 1024 * 1024


def with_trimmed_dictionary(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with ``dict`` set to the trimmed dictionary, when one can be had.

    Only for the bundled model: parameters that name their own model,
    dictionary or language model are returned unchanged.
    """
    out = dict(params)
    if any(key in out for key in ("hmm", "lm", "dict", "jsgf", "kws", "keyphrase", "fsg")):
        return out
    try:
        from pocketsphinx import get_model_path

        model = Path(get_model_path()) / "en-us"
        trimmed = trimmed_dictionary(model / "cmudict-en-us.dict", model / "en-us.lm.bin")
    except Exception:  # saving memory must never stop recognition
        log.warning("Using the model's whole dictionary", exc_info=True)
        return out
    if trimmed is not None:
        out["dict"] = str(trimmed)
    return out


def trimmed_dictionary(dictionary: Path, language_model: Path) -> Path | None:
    """The cached trimmed copy of ``dictionary`` (made now if missing or damaged), or None.

    The cache's name carries its size: a copy cut short or left empty (a power
    loss, a full disk, a half-synced home folder) would otherwise be trusted by
    every later run, giving nonsense or no captions at all, and no error.
    """
    stats = [path.stat() for path in (dictionary, language_model)]
    stamp = "-".join(f"{stat.st_size:x}.{stat.st_mtime_ns:x}" for stat in stats)
    folder = _cache_dir()
    prefix = f"dictionary-{stamp}-"
    for found in sorted(folder.glob(f"{prefix}*.dict")):
        with contextlib.suppress(ValueError, OSError):
            if int(found.name[len(prefix) : -len(".dict")], 16) == found.stat().st_size:
                return found
        found.unlink(missing_ok=True)  # damaged: made again below
    words = language_model_words(language_model)
    if words is None:
        return None
    kept = "".join(
        line
        for line in dictionary.read_text("utf-8").splitlines(keepends=True)
        if line.strip() and _ALTERNATIVE.sub("", line.split(None, 1)[0]) in words
    ).encode("utf-8")
    if not kept:
        return None
    cache = folder / f"{prefix}{len(kept):x}.dict"
    folder.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: the live and final processes may both get here.
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(kept)
            out.flush()
            os.fsync(out.fileno())  # on disk before its name says it is whole
        os.replace(temporary, cache)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return cache


def language_model_words(path: Path) -> frozenset[str] | None:
    """The vocabulary of a binary PocketSphinx language model, or None if unreadable."""
    with path.open("rb") as file:
        head = file.read(len(_TRIE_MAGIC) + 1 + 4)
        if not head.startswith(_TRIE_MAGIC) or len(head) < len(_TRIE_MAGIC) + 5:
            return None
        (unigrams,) = struct.unpack_from("<I", head, len(_TRIE_MAGIC) + 1)
        size = file.seek(0, os.SEEK_END)
        file.seek(max(0, size - _MAX_TAIL))
        tail = file.read()
    if not unigrams or not tail.endswith(b"\0"):
        return None
    # Walk back over the words' terminators: the one before the first word
    # ends the byte count, which is not part of the words.
    start = len(tail) - 1
    for _ in range(unigrams):
        start = tail.rfind(b"\0", 0, start)
        if start < 0:
            return None
    start += 1  # the first word's first byte
    # The byte count in front of the words must say exactly how long they are.
    if start < 4 or struct.unpack_from("<I", tail, start - 4)[0] != len(tail) - start:
        return None
    words = tail[start:-1].split(b"\0")
    return frozenset(word.decode("utf-8", "replace") for word in words)


def _cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("Captioner", appauthor=False))
