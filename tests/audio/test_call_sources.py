"""CallSources: lock-step frames, mute, a side lost mid-call, levels, echo hint."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from captioner.audio.call import MIC, SYSTEM, CallSources
from captioner.audio.call_frames import FRAME_BYTES, chunk_level, join_frame, split_frame
from captioner.audio.convert import CHUNK_BYTES
from captioner.audio.early_capture import EarlyCapture
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
    mic = ScriptedSource("mic", [tone(1)] * 49 + [tone(2)] * 12)
    system = ScriptedSource("sys", [tone(11)] * 2 + [None] * 2 + [tone(12)] * 80)
    sources = CallSources(mic, system, max_skew_s=0.5, max_wait_s=100)
    sources.open()
    frame = None
    while frame is None:
        frame = sources.read(0.0)
    # 61 mic chunks were ready while the system had delivered 2: only 2 + 10 (0.5 s)
    # more were kept, the newest.
    assert sources._sides[MIC].dropped == 49
    assert split_frame(frame) == (tone(2), tone(11))
    assert sources._sides[SYSTEM].dropped == 0


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


def test_a_side_lost_at_start_costs_the_other_none_of_a_long_backlog() -> None:
    """The engine read 15 s after Start; the microphone never delivered.  All 15 s of
    the system side are framed: more than the 10 s held per side at once waits in the
    source, it is not dropped (nearly 5 s of it were)."""
    system = CapturedAhead("system", [(i * 0.05, tone(i + 1)) for i in range(300)])
    mic = ScriptedSource("mic", [AudioError("Lost “Headset”: no audio arrived for 10 seconds.")])
    clock = FakeClock()
    clock.now = 15.0
    sources = CallSources(mic, system, clock=clock)
    sources.open()
    heard = [int.from_bytes(split_frame(f)[1][:2], "little") for f in read_all(sources)]
    assert heard == list(range(1, 301))
    assert sources._sides[SYSTEM].dropped == 0


# -- sides captured ahead by EarlyCapture, over devices paced in real time --------


class PacedDevice:
    """A capture device: a 50 ms chunk every ``every`` s, the first ``delay`` s after open.

    Chunk ``n`` holds the number ``sign * (n + 1)``; ``heard[n]`` is when it came.
    """

    def __init__(self, name: str, *, delay: float = 0.0, every: float = 0.05, sign: int = 1):
        self.name, self.delay, self.every, self.sign = name, delay, every, sign
        self.heard: list[float] = []
        self.closed = threading.Event()
        self.t0 = 0.0

    def open(self) -> None:
        self.t0 = time.monotonic() + self.delay

    def read(self, timeout: float) -> bytes | None:
        wait = self.t0 + len(self.heard) * self.every - time.monotonic()
        if wait > timeout:
            self.closed.wait(timeout)
            return b"" if self.closed.is_set() else None
        if self.closed.wait(max(0.0, wait)):
            return b""
        self.heard.append(time.monotonic())
        return tone(self.sign * len(self.heard))

    def close(self) -> None:
        self.closed.set()


def _call_read_late(
    mic_device: PacedDevice, system_device: PacedDevice, ready_s: float
) -> tuple[list[tuple[int | None, int | None]], dict[str, int]]:
    """Start capturing both sides, let the engine read from ``ready_s`` on until all
    captured by then is framed.  Each frame as ``(mic chunk, system chunk)`` numbers,
    and how many chunks of each side the skew bound dropped before the first frame."""
    mic, system = EarlyCapture(mic_device), EarlyCapture(system_device)
    mic.start()
    system.start()
    time.sleep(ready_s)  # keyring prompt, engine import, connecting
    captured = {MIC: len(mic_device.heard), SYSTEM: len(system_device.heard)}
    sources = CallSources(mic, system)
    sources.open()
    frames: list[tuple[int | None, int | None]] = []
    framed = {MIC: -1, SYSTEM: -1}
    dropped: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 10
        while any(framed[s] < captured[s] - 1 - sources._sides[s].dropped for s in framed):
            assert time.monotonic() < deadline, f"framed only {framed} of {captured}"
            frame = sources.read(0.2)
            if not frame:
                continue
            dropped = dropped or {s: sources._sides[s].dropped for s in framed}
            numbers = []
            for side, chunk in zip((MIC, SYSTEM), split_frame(frame), strict=True):
                value = abs(int.from_bytes(chunk[:2], "little", signed=True))
                numbers.append(value - 1 if value else None)
                framed[side] = max(framed[side], value - 1)
            frames.append((numbers[0], numbers[1]))
    finally:
        sources.close()
    return frames, dropped


def _side(frames: list[tuple[int | None, int | None]], index: int) -> list[int]:
    return [f[index] for f in frames if f[index] is not None]


@pytest.mark.slow
def test_a_side_whose_device_starts_seconds_late_costs_the_other_side_nothing() -> None:
    """The microphone's first block came 3 s after Start (a Bluetooth headset switching
    profile); the engine read only 5 s after Start.  The system side's first 3 s (their
    "Hi, can you hear me?") are framed, beside silence, lined up by when they were heard."""
    mic = PacedDevice("Headset", delay=3.0)
    system = PacedDevice("Speakers", sign=-1)
    frames, dropped = _call_read_late(mic, system, ready_s=5.0)
    mic_numbers, system_numbers = _side(frames, 0), _side(frames, 1)
    assert system_numbers == list(range(len(system_numbers)))  # every chunk, in order
    assert mic_numbers == list(range(len(mic_numbers)))
    assert dropped == {MIC: 0, SYSTEM: 0}
    # Until the microphone's first chunk, the system side went out alone: what it heard
    # 0.3 s (max_wait) or more before the microphone started, ~2.7 s of it.
    start = next(i for i, (m, _) in enumerate(frames) if m is not None)
    assert start >= 50
    assert all(system.heard[s] <= mic.heard[0] - 0.3 + 0.02 for _, s in frames[:start])
    for m, s in frames[start:]:  # then side by side, heard at the same moment
        if m is not None and s is not None:
            assert abs(mic.heard[m] - system.heard[s]) < 0.3 + 0.02


@pytest.mark.slow
def test_a_side_delivering_faster_than_the_other_is_still_trimmed() -> None:
    """Both devices start together; the microphone delivers twice as fast (clock drift
    or bursts, exaggerated).  Read 2 s later, the skew bound (1 s) still holds."""
    mic = PacedDevice("Headset", every=0.025)
    system = PacedDevice("Speakers", sign=-1)
    frames, dropped = _call_read_late(mic, system, ready_s=2.0)
    assert 15 <= dropped[MIC] <= 25  # ~80 mic chunks against ~40: 40 + 20 kept
    mic_numbers = _side(frames, 0)
    assert mic_numbers[0] >= dropped[MIC]  # its oldest went (and more since: it is 2x)
    assert mic_numbers == sorted(set(mic_numbers))
    assert _side(frames, 1) == list(range(len(_side(frames, 1))))  # the other lost none
    assert dropped[SYSTEM] == 0


@pytest.mark.parametrize(
    ("resumes_at", "burst", "lag"),
    [(23, 2, 0), (25, 1, 0), (40, 2, 0), (40, 8, 2)],
    ids=["gap-0.15s", "gap-0.25s", "gap-1s", "gap-1s-long-burst"],
)
def test_a_system_side_switching_output_stays_in_step_with_the_microphone(
    resumes_at: int, burst: int, lag: int
) -> None:
    """ "Them" follows the default output (pulse_record): its old stream's last chunk is
    #19, the new one's audio begins at #``resumes_at`` and its first ``burst`` chunks come
    at once.  The silence put before them (:func:`bridge_seconds`) keeps each frame's two
    sides from the same moment, after a short gap as after one CallSources bridges; only
    a first burst longer than CallSources waits (0.3 s) leaves "Them" behind, by the rest."""
    from captioner.audio.pulse_record import bridge_seconds

    def heard(n: int) -> float:  # chunk n: 50 ms from n * 0.05 s, there when it ends
        return round((n + 1) * 0.05, 6)

    mic = [(heard(n), tone(n + 1)) for n in range(80)]
    system = [(heard(n), tone(-(n + 1))) for n in range(20)]
    came_at = heard(resumes_at + burst - 1)
    fill = round(bridge_seconds(came_at - heard(19), burst * 0.05) / 0.05)
    system += [(came_at, tone(0))] * fill
    system += [(max(came_at, heard(n)), tone(-(n + 1))) for n in range(resumes_at, 80)]
    clock = FakeClock()
    clock.now = 10.0
    sources = CallSources(CapturedAhead("mic", mic), CapturedAhead("system", system), clock=clock)
    number = lambda chunk: int.from_bytes(chunk[:2], "little", signed=True)  # noqa: E731
    frames = [[number(c) for c in split_frame(f)] for f in read_all(sources)]
    paired = [(m - 1, -s - 1) for m, s in frames if m and s]  # chunk numbers, both sides real
    assert paired[:20] == [(n, n) for n in range(20)]
    after = paired[20:]
    assert [s for _, s in after] == list(range(resumes_at, resumes_at + len(after)))
    assert {m - s for m, s in after} == {lag}
