"""Captions from a real capture device: PulseAudio null sink → PortAudio → offline engine."""

from __future__ import annotations

from pathlib import Path

import jiwer
import numpy as np
import pytest

from captioner.audio.source import DeviceSource
from captioner.engines.offline import OfflineEngine
from tests import speech
from tests.conftest import DATA, reference_text
from tests.flowing import Flowing
from tests.pulse import PulseServer, playing, pulse_input_device
from tests.recording import RecordingListener

CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0920.wav"

# Three LibriVox clips whose split-at-pauses versions add up to ~24 s of audio
# with nine utterance onsets.  Which three matters: with 0870 and 0880 most of
# the onsets are words the model mishears even reading the file directly ("and
# mister" → "mr", "an ill" → "and ill"), which says nothing about lost onsets.
ONSET_CLIPS = (
    "sense_and_sensibility_01_austen_64kb-0890",
    "sense_and_sensibility_01_austen_64kb-0920",
    "sense_and_sensibility_01_austen_64kb-0930",
)
CLIP_GAP_S = 1.2  # the same pause split_at_pauses puts between pieces
# Audio the engine reads after the clip has played, before it is stopped: the
# last words reach the recogniser and the pause after them ends their turn.
TAIL_S = 1.5


def settled(source: Flowing, listener: RecordingListener, played_until_s: float) -> bool:
    """The engine has read ``TAIL_S`` of the silence after the clip and left no turn open."""
    with listener.lock:
        open_turn = bool(listener.transcript.partials)
    return source.heard_s >= played_until_s + TAIL_S and not open_turn


pytestmark = [pytest.mark.pulse, pytest.mark.slow]


def caption_through_sink(
    wav: Path, pulse_sink: str, monkeypatch: pytest.MonkeyPatch, *, play_timeout: float
) -> str:
    """Play ``wav`` into the null sink, caption its monitor live; the text heard."""
    monkeypatch.setenv("PULSE_SOURCE", f"{pulse_sink}.monitor")
    source = Flowing(DeviceSource(pulse_input_device()))
    listener = RecordingListener()
    engine = OfflineEngine(listener, realtime=True)
    engine.start(source)
    try:
        assert source.flowing.wait(20), "capture never started"
        with playing(wav, pulse_sink) as player:
            _, stderr = player.communicate(timeout=play_timeout)
        assert player.returncode == 0, stderr
        played_until_s = source.heard_s
        assert source.wait_until(lambda: settled(source, listener, played_until_s), 30), (
            f"the engine read {source.heard_s - played_until_s:.1f} s after the clip; "
            f"open turn: {listener.transcript.latest_partial()}"
        )
    finally:
        engine.stop()
        listener.wait_stopped(30)
        assert engine.join(10)
    assert not listener.errors, listener.errors
    return " ".join(t.text for t in listener.transcript)


def test_speech_played_into_a_sink_is_captioned_from_its_monitor(
    pulse_server: PulseServer, pulse_sink: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard = caption_through_sink(CLIP, pulse_sink, monkeypatch, play_timeout=30)
    reference = reference_text(CLIP)
    hits = jiwer.process_words(reference.lower(), heard.lower() or "<nothing>").hits
    assert hits >= 0.6 * len(reference.split()), f"heard {heard!r}"


def _split_clips_joined(names: tuple[str, ...]) -> tuple[bytes, list[speech.Piece]]:
    """The clips split at their pauses, one after another with a pause between.

    Returns the audio and every piece of it, in order, on its timeline; each
    piece's first word is an onset (the first piece of each clip too).
    """
    by_name = {clip.name: clip for clip in speech.clips("librivox")}
    rng = np.random.default_rng(0)
    audio: list[bytes] = []
    pieces: list[speech.Piece] = []
    offset_s = 0.0
    for name in names:
        split, split_pieces = speech.split_at_pauses(by_name[name])
        assert len(split_pieces) > 1, f"{name} was not split"
        if audio:
            # Faint noise like split_at_pauses' gaps: a room is never digitally silent.
            samples = np.frombuffer(split.pcm, dtype="<i2").astype(np.float64)
            floor = np.sqrt(np.mean(samples**2)) * 10 ** (-45 / 20)
            gap = rng.standard_normal(round(CLIP_GAP_S * speech.RATE)) * floor
            audio.append(np.round(gap).astype("<i2").tobytes())
            offset_s += CLIP_GAP_S
        audio.append(split.pcm)
        pieces += [speech.Piece(offset_s + p.start_s, p.words) for p in split_pieces]
        offset_s += split.seconds
    return b"".join(audio), pieces


def test_first_words_after_pauses_survive_live_capture(
    pulse_server: PulseServer,
    pulse_sink: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Utterance onsets are recognised about as often as other words, end to end.

    The endpointer decides that speech started only after hearing some of it;
    the engine's pre-roll must give the decoder the first word anyway, also
    when the audio comes through a real device at wall-clock pace.
    """
    pcm, pieces = _split_clips_joined(ONSET_CLIPS)
    wav = speech.write_wav(tmp_path / "split_at_pauses.wav", pcm)
    seconds = len(pcm) / 2 / speech.RATE
    heard = speech.normalise(
        caption_through_sink(wav, pulse_sink, monkeypatch, play_timeout=seconds + 30)
    )
    first_rate, rest_rate = speech.onset_rates([pieces], [heard])
    rates = (
        f"first words {first_rate:.0%} (of {len(pieces)}), other words {rest_rate:.0%}; "
        f"heard {heard!r}"
    )
    print(rates)  # shown with -rP: how much margin the thresholds had
    assert first_rate >= 0.6, rates
    assert first_rate >= rest_rate - 0.15, rates
