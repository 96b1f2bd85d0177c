"""Issue 6 acceptance: a call captured from two real PulseAudio monitors, offline engine.

Two null sinks on the private daemon: one is the "call" (what the speakers
would play), the other's monitor stands in for the microphone.  Each gets a
different LibriVox clip, overlapping in time like a conversation, and call
mode runs through the real capture path: PortAudio's ALSA "pulse" device per
monitor (PULSE_SOURCE set per stream) → conversion → CallSources → one
OfflineEngine per side.
"""

from __future__ import annotations

import jiwer
import pytest

from captioner.audio.call import MIC, SYSTEM, CallSources
from captioner.audio.system import list_system_sources
from captioner.engines.offline import OfflineCallEngine
from tests.conftest import DATA, reference_text
from tests.flowing import Flowing
from tests.pulse import PulseServer, playing
from tests.recording import RecordingListener

pytestmark = [pytest.mark.pulse, pytest.mark.slow, pytest.mark.sound_servers]

# Few shared words ("had", "might"), and each clip is 6-7 s.
SYSTEM_CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"
MIC_CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0920.wav"
ANSWER_AFTER_S = 3.0  # you answer while they are still talking
TAIL_S = 1.5  # the pause after both clips that ends both turns


def test_call_mode_puts_each_voice_on_its_own_side(pulse_server: PulseServer) -> None:
    call_sink = pulse_server.create_sink("captioner_call")
    mic_sink = pulse_server.create_sink("captioner_mic")
    try:
        monitors = {d.monitor: d for d in list_system_sources(platform="linux")}
        mic = Flowing(monitors[f"{mic_sink}.monitor"].make_source())  # type: ignore[arg-type]
        system = Flowing(monitors[f"{call_sink}.monitor"].make_source())  # type: ignore[arg-type]
        sources = CallSources(mic, system)
        listener = RecordingListener()
        engine = OfflineCallEngine(listener, realtime=True)
        engine.start(sources)
        try:
            assert mic.flowing.wait(20) and system.flowing.wait(20), "capture never started"
            # Waits on the audio the engine has read, not the wall clock: under load
            # the overlap and the pause are the same to the engine.
            with playing(SYSTEM_CLIP, call_sink) as them:
                them_from = system.heard_s
                assert system.wait_until(
                    lambda: system.heard_s >= them_from + ANSWER_AFTER_S, 20
                ), "the engine stopped reading their side"
                with playing(MIC_CLIP, mic_sink) as you:
                    for player in (them, you):
                        _, stderr = player.communicate(timeout=30)
                        assert player.returncode == 0, stderr
            mic_until, system_until = mic.heard_s, system.heard_s

            def settled() -> bool:
                with listener.lock:
                    open_turns = dict(listener.transcript.partials)
                return (
                    mic.heard_s >= mic_until + TAIL_S
                    and system.heard_s >= system_until + TAIL_S
                    and not open_turns
                )

            # Checked after each chunk read on the mic side: both sides are read in
            # step, so the system side's progress is seen as well.
            assert mic.wait_until(settled, 30), (
                f"not settled; open turns: {listener.transcript.partials}"
            )
        finally:
            engine.stop()
            listener.wait_stopped(30)
            assert engine.join(10)
        assert not listener.errors, listener.errors
    finally:
        pulse_server.remove_sink(call_sink)
        pulse_server.remove_sink(mic_sink)

    references = {MIC: reference_text(MIC_CLIP), SYSTEM: reference_text(SYSTEM_CLIP)}
    vocab = {side: set(text.split()) for side, text in references.items()}
    heard = {side: [] for side in (MIC, SYSTEM)}  # type: dict[str, list[str]]
    for turn in listener.transcript:
        assert turn.speaker == {MIC: "You", SYSTEM: "Them"}[turn.source]
        heard[turn.source] += turn.text.split()

    # Attribution: of the recognised words found in either clip, ≥ 90 % are on
    # the side that played them (a word in both clips counts for both).
    right = wrong = 0
    for side, other in ((MIC, SYSTEM), (SYSTEM, MIC)):
        for word in heard[side]:
            if word in vocab[side]:
                right += 1
            elif word in vocab[other]:
                wrong += 1
    assert right + wrong > 0, heard
    assert right / (right + wrong) >= 0.9, heard

    # Recognition: each side's text matches its own clip.
    for side in (MIC, SYSTEM):
        hypothesis = " ".join(heard[side]) or "<nothing>"
        hits = jiwer.process_words(references[side], hypothesis).hits
        assert hits >= 0.6 * len(references[side].split()), (side, hypothesis)
