"""The utterance segmenter: pre-roll before speech, nothing lost or doubled, bounded length."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from captioner.engines.offline.utterances import (
    BYTES_PER_MS,
    CUT_SLACK_FRAMES,
    UtteranceAudio,
    UtteranceEnded,
    UtteranceSegmenter,
    UtteranceStarted,
    cut_candidates,
)
from tests import speech

CHUNK = 1600  # 50 ms, as the audio layer delivers it


def run(segmenter: UtteranceSegmenter, pcm: bytes) -> list[object]:
    events: list[object] = []
    for at in range(0, len(pcm), CHUNK):
        events += segmenter.feed(pcm[at : at + CHUNK])
    events += segmenter.finish()
    return events


def utterances(events: list[object]) -> list[UtteranceEnded]:
    return [e for e in events if isinstance(e, UtteranceEnded)]


def silence(seconds: float, seed: int = 1) -> bytes:
    noise = np.random.default_rng(seed).normal(0, 3, int(seconds * 16000))
    return noise.astype("<i2").tobytes()


def test_each_utterance_begins_a_preroll_before_the_speech() -> None:
    clip = speech.clips("librivox")[0]
    first_word_s = speech.word_spans(clip)[0][1]
    pcm = silence(2.0) + clip.pcm
    ended = utterances(run(UtteranceSegmenter(preroll_ms=400), pcm))
    assert ended, "no utterance found in speech"
    onset_ms = (2.0 + first_word_s) * 1000
    assert ended[0].start_ms <= onset_ms - 300, (
        f"the utterance starts at {ended[0].start_ms} ms, the first word at {onset_ms:.0f} ms"
    )


def test_the_audio_of_an_utterance_is_the_stream_between_its_start_and_end() -> None:
    clip = speech.clips("librivox")[1]
    pcm = silence(1.0) + clip.pcm + silence(1.5, seed=2) + clip.pcm + silence(1.0, seed=3)
    ended = utterances(run(UtteranceSegmenter(), pcm))
    assert len(ended) >= 2
    for event in ended:
        start, end = event.start_ms * BYTES_PER_MS, event.end_ms * BYTES_PER_MS
        assert event.audio == pcm[start:end]
    for before, after in itertools.pairwise(ended):
        assert after.start_ms >= before.end_ms, "two utterances share audio"


def test_started_and_streamed_audio_add_up_to_the_utterance() -> None:
    """What the live decoder is fed is exactly what the final decode gets (no cut here)."""
    clip = speech.clips("librivox")[2]
    events = run(UtteranceSegmenter(), silence(1.0) + clip.pcm + silence(1.0, seed=4))
    fed = b""
    for event in events:
        if isinstance(event, UtteranceStarted):
            fed = event.audio
        elif isinstance(event, UtteranceAudio):
            fed += event.audio
        elif isinstance(event, UtteranceEnded):
            assert not event.cut
            assert fed == event.audio


def test_speech_that_never_pauses_is_cut_at_a_quiet_point_before_the_limit() -> None:
    clip = speech.continuous(40, music_snr_db=None)
    ended = utterances(run(UtteranceSegmenter(max_utterance_ms=15_000), clip.pcm))
    cuts = [e for e in ended if e.cut]
    assert cuts, "40 s without a pause produced no cut"
    for event in ended:
        assert event.end_ms - event.start_ms <= 15_000
    samples = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float64)
    overall = np.sqrt(np.mean(samples**2))
    for event in cuts:
        at = event.end_ms * 16
        around = samples[at - 800 : at + 800]
        assert np.sqrt(np.mean(around**2)) < overall, f"cut at {event.end_ms} ms is not quiet"
    # Consecutive pieces of one long stretch of speech touch: no sample lost.
    for before, after in itertools.pairwise(ended):
        if before.cut:
            assert after.start_ms == before.end_ms


def test_cut_search_must_fit_in_the_limit() -> None:
    with pytest.raises(ValueError):
        UtteranceSegmenter(max_utterance_ms=3000, cut_search_ms=3000)


class _AlwaysSpeech:
    """An endpointer that hears speech from the first frame on (30 ms frames)."""

    frame_bytes = 30 * BYTES_PER_MS
    in_speech = True
    speech_start = 0.0

    def process(self, frame: bytes) -> bytes:
        return frame

    def end_stream(self, frame: bytes) -> bytes:
        return frame


def test_a_forced_cut_goes_to_the_decoders_word_boundary_not_a_quiet_spot_inside_a_word() -> None:
    """A stop gap inside a word is quieter than the edge between two words, yet no place to cut.

    16 s of loud signal with a near-silent 80 ms dip at 13.0 s (inside a
    word, as in "s|t|ill") and a merely softer stretch at 12.0 s, where the
    decoder's segmentation puts the boundary between two words.
    """
    rng = np.random.default_rng(5)
    samples = rng.normal(0, 3000, 16 * 16000)
    samples[int(11.9 * 16000) : int(12.1 * 16000)] *= 0.5  # the edge between two words
    samples[int(12.96 * 16000) : int(13.04 * 16000)] *= 0.01  # the gap inside a word
    pcm = samples.astype("<i2").tobytes()
    # (word, first frame, last frame), 10 ms frames from the utterance's start.
    words = [("<s>", 0, 9), ("respectable", 10, 1199), ("still", 1200, 1700)]
    seen: list[int] = []

    def segments() -> list[tuple[str, int, int]]:
        seen.append(1)
        return words

    with_words = UtteranceSegmenter(endpointer=_AlwaysSpeech(), segments=segments)  # type: ignore[arg-type]
    [first, *_] = utterances(run(with_words, pcm))
    assert seen, "the segmenter never asked for the decoder's words"
    assert first.cut and abs(first.end_ms - 12_000) <= CUT_SLACK_FRAMES * 10, first.end_ms
    # Without the decoder's words it can only go by energy: into the word.
    energy_only = UtteranceSegmenter(endpointer=_AlwaysSpeech())  # type: ignore[arg-type]
    [first, *_] = utterances(run(energy_only, pcm))
    assert first.cut and abs(first.end_ms - 13_000) <= 60, first.end_ms


def test_cut_candidates_are_pauses_and_word_edges_the_decoder_has_heard_past() -> None:
    rows = [("<s>", 0, 9), ("a", 10, 50), ("<sil>", 51, 80), ("b", 81, 120), ("c", 121, 160)]
    ranges = cut_candidates(rows, first=0, last=400)
    assert (51, 81) in ranges  # anywhere in the pause, its edges included
    assert (121 - CUT_SLACK_FRAMES, 121 + CUT_SLACK_FRAMES) in ranges  # between b and c
    assert all(high < 161 for _, high in ranges)  # nothing at or past the last word's end
    assert cut_candidates(rows, first=130, last=400) == []  # no boundary in the window
