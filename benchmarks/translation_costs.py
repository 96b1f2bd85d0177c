"""What live translation costs besides tokens (issue 15): Stop time and journal size.

* **Stop**: the cloud engine waits (at most ``translation_wait_s``, 2 s) for
  the translations of the last turns before ``Terminate``.  Measured from
  ``engine.stop()`` to STOPPED against the fake v3 server, with the gateway
  answering at once, after 0.3 s, or never.
* **Journal**: a translation is journaled as the whole turn again (the
  last record of a key wins), so a translated session's journal is larger.
  Measured for 100 turns of 12 words.

    .venv/bin/python benchmarks/translation_costs.py [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from captioner.core.journal import TranscriptJournal
from captioner.core.session import SessionInfo
from captioner.core.transcript import Transcript, TurnUpdate, Word
from captioner.engines.assemblyai import AssemblyAIConfig, AssemblyAIEngine
from tests.engines.test_assemblyai import SilenceSource
from tests.engines.test_translation import KEY, SCRIPT, TranslationRecorder
from tests.fakes.v3_extras import Extras, Gateway
from tests.fakes.v3_server import FakeV3Server


def journal_bytes(translate: bool, turns: int = 100) -> int:
    with tempfile.TemporaryDirectory() as folder:
        journal = TranscriptJournal.create(SessionInfo(engine="assemblyai"), Path(folder))
        transcript = Transcript()
        transcript.subscribe(journal.record)
        for i in range(turns):
            words = tuple(
                Word(f"word{k}", i * 5000 + k * 300, i * 5000 + k * 300 + 250, 0.93, speaker="A")
                for k in range(12)
            )
            text = " ".join(w.text for w in words)
            transcript.apply(TurnUpdate(f"aai-1:{i}", i, text, words, True, True, speaker="A"))
            if translate:
                transcript.apply_translation(f"aai-1:{i}", "fr", " ".join(["mot"] * 12))
        journal.close()
        return journal.path.stat().st_size


def stop_seconds(gateway: Gateway) -> tuple[float, int]:
    with FakeV3Server(api_key=KEY, script=SCRIPT, extras=Extras(gateway=gateway)) as server:
        listener = TranslationRecorder()
        config = AssemblyAIConfig(
            api_key=KEY, api_host=server.url, provisional_offline=False, translate_to="fr"
        )
        engine = AssemblyAIEngine(listener, config)
        engine.start(SilenceSource())
        server.wait_for(lambda s: bool(s.sessions) and len(s.sessions[0].finals_sent) >= 2)
        began = time.monotonic()
        engine.stop()
        listener.wait_stopped()
        engine.join(5)
        return time.monotonic() - began, len(listener.translations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    plain, translated = journal_bytes(False), journal_bytes(True)
    print(
        f"journal, 100 turns x 12 words: {plain} B plain, {translated} B translated "
        f"({translated / plain:.2f}x)"
    )
    cases = [
        ("gateway answers at once", Gateway()),
        ("gateway answers after 0.3 s", Gateway(delays_s=(0.3,))),
        ("gateway never answers", Gateway(silent=frozenset({0, 1, 2}))),
    ]
    for name, gateway in cases:
        runs = [stop_seconds(gateway) for _ in range(args.runs)]
        figures = ", ".join(f"{s:.2f} s ({n} translated)" for s, n in runs)
        print(f"Stop, {name}: {figures}")


if __name__ == "__main__":
    main()
