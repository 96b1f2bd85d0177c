"""CallSources: lock-step frames, mute, a side lost mid-call, levels, echo hint."""

from __future__ import annotations

import numpy as np
import pytest

from captioner.audio.call import (
    FRAME_BYTES,
    MIC,
    SYSTEM,
    CallSources,
    chunk_level,
    join_frame,
    split_frame,
)
from captioner.audio.convert import CHUNK_BYTES
from captioner.audio.echo import ECHO_HINT, EchoDetector
from captioner.audio.errors import AudioError
from captioner.audio.file_source import WavFileSource
from tests.audio.helpers import LIBRIVOX


def tone(value: int) -> bytes:
    return int(value).to_bytes(2, "little", signed=True) * (CHUNK_BYTES // 2)


class ScriptedSource:
    """Chunks from a list; None entries mean "nothing yet"; an exception is raised."""

    def __init__(self, name: str, items: list) -> None:
        self.name = name
        self.items = list(items)
        self.opened = self.closed = False

    def open(self) -> None:
        self.opened = True

    def read(self, timeout: float) -> bytes | None:
        if not self.items:
            return b""
        item = self.items.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    def close(self) -> None:
        self.closed = True


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def read_all(sources: CallSources, limit: int = 1000) -> list[bytes]:
    frames = []
    for _ in range(limit):
        frame = sources.read(0.0)
        if frame == b"":
            return frames
        if frame is not None:
            frames.append(frame)
    raise AssertionError("no end of stream")


def test_frames_pair_the_same_moment_of_both_sides() -> None:
    sources = CallSources(
        ScriptedSource("mic", [tone(1), tone(2), tone(3)]),
        ScriptedSource("sys", [tone(11), tone(12), tone(13)]),
    )
    sources.open()
    frames = read_all(sources)
    assert all(len(f) == FRAME_BYTES for f in frames)
    assert [split_frame(f) for f in frames] == [
        (tone(1), tone(11)),
        (tone(2), tone(12)),
        (tone(3), tone(13)),
    ]
    assert sources.name == "mic + sys"


def test_a_side_that_has_nothing_waits_briefly_then_gets_silence() -> None:
    clock = FakeClock()
    mic = ScriptedSource("mic", [tone(1), None, None, tone(2)])
    system = ScriptedSource("sys", [None] * 3 + [tone(11)])
    sources = CallSources(mic, system, clock=clock, max_wait_s=0.3)
    sources.open()
    assert sources.read(0.0) is None  # the system side may just be late
    clock.now = 0.31
    mic_chunk, system_chunk = split_frame(sources.read(0.0) or b"")
    assert (mic_chunk, system_chunk) == (tone(1), bytes(CHUNK_BYTES))


def test_mute_sends_silence_but_keeps_reading_and_unmute_restores() -> None:
    mic = ScriptedSource("mic", [tone(5)] * 4)
    sources = CallSources(mic, ScriptedSource("sys", [tone(7)] * 4))
    sources.open()
    sources.set_muted(MIC, True)
    first = split_frame(sources.read(0.0) or b"")
    assert first == (bytes(CHUNK_BYTES), tone(7))
    assert sources.level(MIC) == 0.0 and sources.level(SYSTEM) > 0
    assert sources.muted(MIC)
    sources.set_muted(MIC, False)
    assert split_frame(sources.read(0.0) or b"") == (tone(5), tone(7))
    assert sources.level(MIC) == pytest.approx(5 / 32768)


def test_a_vanished_side_stops_alone_with_its_message_and_the_other_goes_on() -> None:
    lost: list[tuple[str, str]] = []
    mic = ScriptedSource(
        "Headset", [tone(1), AudioError("Lost the audio device “Headset”: unplugged.")]
    )
    system = ScriptedSource("sys", [tone(11), tone(12), tone(13)])
    sources = CallSources(mic, system, on_source_lost=lambda side, msg: lost.append((side, msg)))
    sources.open()
    frames = read_all(sources)
    assert [split_frame(f)[1] for f in frames] == [tone(11), tone(12), tone(13)]
    assert [split_frame(f)[0] for f in frames[1:]] == [bytes(CHUNK_BYTES)] * 2
    assert lost == [
        (
            MIC,
            "Lost the audio device “Headset”: unplugged. "
            "Captioning continues for the system audio only.",
        )
    ]
    assert mic.closed and not sources.active(MIC)
    assert sources.lost_message(MIC) is not None and sources.lost_message(SYSTEM) is None


def test_losing_both_sides_ends_the_run_with_an_error() -> None:
    sources = CallSources(
        ScriptedSource("mic", [AudioError("mic gone.")]),
        ScriptedSource("sys", [AudioError("sys gone.")]),
    )
    sources.open()
    with pytest.raises(AudioError, match=r"mic gone\. sys gone\."):
        for _ in range(10):
            sources.read(0.0)


def test_a_side_that_cannot_open_is_reported_and_left_out() -> None:
    class Broken(ScriptedSource):
        def open(self) -> None:
            raise AudioError("Cannot open “BlackHole”: no such device.")

    lost = []
    sources = CallSources(
        ScriptedSource("mic", [tone(1)]),
        Broken("sys", []),
        on_source_lost=lambda side, msg: lost.append(side),
    )
    sources.open()
    assert [split_frame(f) for f in read_all(sources)] == [(tone(1), bytes(CHUNK_BYTES))]
    assert lost == [SYSTEM]


def test_a_side_running_ahead_is_trimmed_to_bound_the_skew() -> None:
    mic = ScriptedSource("mic", [tone(1)] * 60 + [tone(2)])
    system = ScriptedSource("sys", [None] * 2 + [tone(11)] * 80)
    sources = CallSources(mic, system, max_skew_s=0.5, max_wait_s=100)
    sources.open()
    frame = None
    while frame is None:
        frame = sources.read(0.0)
    # 60 mic chunks were ready while the system had none: only 10 (0.5 s) were kept.
    assert sources._sides[MIC].dropped >= 50


def test_join_and_split_check_sizes() -> None:
    assert split_frame(join_frame(tone(1), tone(2))) == (tone(1), tone(2))
    with pytest.raises(ValueError):
        split_frame(b"\0" * 10)
    assert chunk_level(tone(32767)) == pytest.approx(1.0, abs=1e-4)


# -- echo ------------------------------------------------------------------------


def _clip(name: str) -> np.ndarray:
    source = WavFileSource(
        LIBRIVOX / f"sense_and_sensibility_01_austen_64kb-{name}.wav", realtime=False
    )
    source.open()
    data = b"".join(iter(lambda: source.read(0) or b"", b""))
    source.close()
    return np.frombuffer(data, "<i2").astype(np.float32) / 32768


def _conversation(names: list[str]) -> np.ndarray:
    return np.concatenate([_clip(n) for n in names])


def _chunks(signal: np.ndarray) -> list[bytes]:
    pcm = (np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes()
    return [pcm[i : i + CHUNK_BYTES] for i in range(0, len(pcm) - CHUNK_BYTES + 1, CHUNK_BYTES)]


def _run_call(mic: np.ndarray, system: np.ndarray) -> tuple[list[str], CallSources]:
    n = min(len(mic), len(system))
    hints: list[str] = []
    sources = CallSources(
        ScriptedSource("mic", _chunks(mic[:n])),
        ScriptedSource("sys", _chunks(system[:n])),
        on_echo=hints.append,
    )
    sources.open()
    read_all(sources, limit=10_000)
    return hints, sources


def test_echo_of_the_speakers_in_the_microphone_is_reported_once() -> None:
    rng = np.random.default_rng(1)
    system = _conversation(["0870", "0890", "0920"])
    delay = 2400  # 150 ms from the speaker to the microphone
    echo = np.concatenate([np.zeros(delay, np.float32), system])[: len(system)] * 0.25
    room = np.exp(-np.arange(2400) / 600.0) * rng.normal(0, 0.04, 2400)
    room[0] = 1.0
    mic = np.convolve(echo, room)[: len(system)] + rng.normal(0, 0.003, len(system))
    hints, sources = _run_call(mic.astype(np.float32), system)
    assert hints == [ECHO_HINT]
    assert sources.echo_suspected


def test_two_independent_voices_are_not_taken_for_echo() -> None:
    mic = _conversation(["0920", "0880", "0930", "0890"])
    system = _conversation(["0870", "0890", "0880", "0920"])
    hints, sources = _run_call(mic, system)
    assert hints == []
    assert not sources.echo_suspected


def test_echo_detector_ignores_a_silent_system_side() -> None:
    detector = EchoDetector(window_s=1.0, hop_s=0.1, confirmations=1)
    noise = _chunks(np.random.default_rng(2).normal(0, 0.1, 32000).astype(np.float32))
    assert not any(detector.feed(chunk, bytes(CHUNK_BYTES)) for chunk in noise)


class CapturedAhead(ScriptedSource):
    """A side captured before anyone read it: each chunk comes with when it was heard."""

    def __init__(self, name: str, heard: list[tuple[float, bytes]]) -> None:
        super().__init__(name, [])
        self.heard = list(heard)

    def read_stamped(self, timeout: float) -> tuple[float, bytes] | None:
        return self.heard.pop(0) if self.heard else (99.0, b"")


def test_sides_captured_ahead_are_lined_up_by_when_they_were_heard() -> None:
    """Start opened both devices at once; the system side's first sound came 0.5 s later.

    Read live, the microphone's first 0.2 s would have gone out beside silence;
    read later from the early-capture buffers, they must too, instead of being
    paired with system audio heard half a second after them.
    """
    mic = CapturedAhead("mic", [(i * 0.05, tone(100)) for i in range(20)])
    system = CapturedAhead("system", [(0.5 + i * 0.05, tone(-200)) for i in range(10)])
    clock = FakeClock()
    clock.now = 10.0  # the engine reads long after all of it was captured
    frames = read_all(CallSources(mic, system, clock=clock))
    # 0.00-0.20 s went out alone (0.3 s or more before the system's first sound),
    # from 0.25 s on every frame has both sides: none with silence in between.
    system_heard = [split_frame(f)[1] == tone(-200) for f in frames]
    assert system_heard[:15] == [False] * 5 + [True] * 10
    assert all(split_frame(f)[0] == tone(100) for f in frames) and len(frames) == 20
