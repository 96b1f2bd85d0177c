"""The recognisers load only the dictionary words the language model knows.

The n-gram search never builds a word the language model lacks, so the other
~55,000 of the en-US dictionary's entries cost every decoder 12.7 MB for
nothing (issue 14: the offline engine's memory).  What users would notice if
this went wrong is words changing or disappearing from their captions: these
tests decode real speech both ways and require the very same hypotheses.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pocketsphinx import Decoder, get_model_path

from captioner.engines.offline.model import (
    DEFAULT_DECODER_PARAMS,
    DEFAULT_FINAL_PARAMS,
    NOISY_FINAL_PARAMS,
    new_decoder,
)
from captioner.engines.offline.vocabulary import (
    language_model_words,
    trimmed_dictionary,
    with_trimmed_dictionary,
)
from tests import speech

MODEL = Path(get_model_path()) / "en-us"
DICTIONARY = MODEL / "cmudict-en-us.dict"
LANGUAGE_MODEL = MODEL / "en-us.lm.bin"


def _hypothesis(decoder: Decoder, pcm: bytes) -> tuple[str, int] | None:
    decoder.start_utt()
    decoder.process_raw(pcm, False, True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return (hyp.hypstr, hyp.score) if hyp is not None else None


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(DEFAULT_DECODER_PARAMS, id="live"),
        pytest.param({**DEFAULT_DECODER_PARAMS, **DEFAULT_FINAL_PARAMS}, id="final"),
        pytest.param(NOISY_FINAL_PARAMS, id="noisy", marks=pytest.mark.slow),
    ],
)
def test_the_trimmed_dictionary_recognises_exactly_the_same_words(params: dict) -> None:
    """Every clip, every decoder setting the engine uses: same words, same scores."""
    trimmed = new_decoder(params)
    assert trimmed.get_config()["dict"] != str(DICTIONARY)  # the trimmed one is in use
    whole = Decoder(**params)
    # Seven speakers, and (for the noisy-speech decoder, slower) one under noise.
    clips = list(speech.clips("pocketsphinx"))
    if params is NOISY_FINAL_PARAMS:
        clips = [*clips[::3], speech.mixed(speech.clips("librivox")[0], "noise", 15.0)]
    differ = [
        (clip.name, ours, theirs)
        for clip in clips
        if (ours := _hypothesis(trimmed, clip.pcm)) != (theirs := _hypothesis(whole, clip.pcm))
    ]
    assert not differ, f"the trimmed dictionary changed what was recognised: {differ}"


def test_it_keeps_every_word_the_language_model_knows_and_drops_the_rest() -> None:
    words = language_model_words(LANGUAGE_MODEL)
    assert words is not None
    assert {"the", "captions", "meeting", "zydeco"} <= words
    path = trimmed_dictionary(DICTIONARY, LANGUAGE_MODEL)
    assert path is not None
    kept = {line.split()[0] for line in path.read_text("utf-8").splitlines()}
    assert {"the", "read", "read(2)"} <= kept  # alternative pronunciations stay
    every = {line.split()[0] for line in DICTIONARY.read_text("utf-8").splitlines()}
    dropped = every - kept
    assert len(dropped) > 40_000
    assert all(entry.split("(")[0] not in words for entry in dropped)


def test_a_language_model_it_cannot_read_means_the_whole_dictionary(tmp_path: Path) -> None:
    """Another format or a damaged file must never cost words: no trimmed copy."""
    arpa = tmp_path / "model.lm"
    arpa.write_text("\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0 <s>\n-1.0 hello\n\\end\\\n")
    assert language_model_words(arpa) is None
    damaged = tmp_path / "damaged.lm.bin"
    damaged.write_bytes(LANGUAGE_MODEL.read_bytes()[: 1 << 20] + b"word\0")
    assert language_model_words(damaged) is None
    assert trimmed_dictionary(DICTIONARY, damaged) is None


def test_a_cache_it_cannot_write_means_the_whole_dictionary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    with caplog.at_level(logging.WARNING):
        params = with_trimmed_dictionary(DEFAULT_DECODER_PARAMS)
    assert "dict" not in params
    assert "whole dictionary" in caplog.text


def test_a_model_of_the_users_own_is_left_alone() -> None:
    own = {**DEFAULT_DECODER_PARAMS, "dict": "/somewhere/my.dict"}
    assert with_trimmed_dictionary(own) == own
    assert "dict" not in with_trimmed_dictionary({"lm": "/somewhere/my.lm.bin"})


@pytest.mark.parametrize("damage", ["cut short", "emptied"])
def test_a_damaged_cache_is_made_again_not_trusted(
    damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A power loss or a full disk left the cached copy short or empty: every later
    # run decoded with it, giving nonsense or no captions at all, and no error.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    made = trimmed_dictionary(DICTIONARY, LANGUAGE_MODEL)
    assert made is not None
    whole = made.read_bytes()
    made.write_bytes(whole[: len(whole) // 3] if damage == "cut short" else b"")
    again = trimmed_dictionary(DICTIONARY, LANGUAGE_MODEL)
    assert again is not None and again.read_bytes() == whole
    clip = speech.clips("librivox")[0]
    ours = _hypothesis(new_decoder(DEFAULT_DECODER_PARAMS), clip.pcm)
    theirs = _hypothesis(Decoder(**DEFAULT_DECODER_PARAMS), clip.pcm)
    assert ours == theirs
