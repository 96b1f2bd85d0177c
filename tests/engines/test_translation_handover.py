"""Translations of connections the run closes while it goes on: a rollover's old one, a backfill.

Through the real SDK against the fake v3 server in timeline mode (each
session numbers its turns from 0, as the service does). The gateway answers
each finished turn late, so an answer is still on its way when the run has
no more audio for that connection; it must still land on its line.
"""

from __future__ import annotations

import time

import pytest

from captioner.core.transcript import Turn
from captioner.engines.assemblyai.link import Link, default_client_factory
from captioner.engines.assemblyai.turn_extras import (
    RunExtras,
    await_link_translations,
    await_translations,
)
from tests.engines.resilience_harness import (
    GAP_MS,
    KEY,
    MS_PER_WORD,
    SCRIPT,
    Outcome,
    fast_config,
    run_scenario,
)
from tests.engines.test_translation import TranslationRecorder
from tests.fakes.v3_extras import Extras, Gateway
from tests.fakes.v3_server import CHUNK_MS, FakeV3Server, Faults, FaultsArg, coded_chunk

# Later than the handover margin and than a backfill's last stretch of audio,
# within the bounded wait (translation_wait_s, 2 s).
LATE_S = 1.3


def _run(faults: FaultsArg, **changes: object) -> Outcome:
    """8 s through the fake server, whose gateway answers each final ``LATE_S`` later."""
    return run_scenario(
        faults,
        seconds=8.0,
        extras=Extras(gateway=Gateway(delays_s=(LATE_S,)), relative_turn_order=True),
        listener=TranslationRecorder(),
        translate_to="fr",
        provisional_offline=False,
        **changes,
    )


def _whole_lines(outcome: Outcome, role: str) -> dict[int, list[Turn]]:
    """The lines of ``role``'s connections that show a whole turn of their session, by connection.

    A line cut at an ownership window's edge shows only part of what its
    session finished (and translated); it gets no translation by design.
    """
    sessions = {s.offset_ms: s for s in outcome.sessions if s.began}
    out: dict[int, list[Turn]] = {}
    for link in outcome.engine.connections:
        session = sessions.get(link.offset_ms) if link.role == role else None
        if session is None:
            continue
        finals = {text for _index, text, _formatted in session.finals_sent}
        prefix = f"aai-{link.id}:"
        out[link.id] = [
            t
            for t in outcome.listener.transcript.finished
            if t.key.startswith(prefix) and t.text in finals
        ]
    return out


def test_a_rollover_keeps_the_translations_of_the_old_sessions_last_lines() -> None:
    by_link = _whole_lines(_run(None, rollover_after_s=3.0), "live")
    assert len(by_link) >= 2, "a rollover happened"
    newest = max(by_link)
    old = [t for link_id, lines in by_link.items() if link_id != newest for t in lines]
    assert old, by_link
    untranslated = [(t.key, t.text) for t in old if t.translation is None]
    assert not untranslated, untranslated
    for turn in old:
        assert turn.translation is not None and turn.translation.text == "[fr] " + turn.text


def test_a_backfill_keeps_the_translations_of_the_lines_it_transcribed() -> None:
    began = time.monotonic()
    outcome = _run([Faults(drop_after_ms=2300), Faults()], backoff_base_s=1.0, backoff_cap_s=1.0)
    lines = [t for ts in _whole_lines(outcome, "backfill").values() for t in ts]
    assert lines, "the gap was redone by a backfill"
    untranslated = [(t.key, t.text) for t in lines if t.translation is None]
    assert not untranslated, untranslated
    for turn in lines:
        assert turn.translation is not None and turn.translation.text == "[fr] " + turn.text
    assert time.monotonic() - began < 20  # the waits are bounded


def _owing_link(
    server: FakeV3Server, listener: TranslationRecorder, **changes: object
) -> tuple[Link, float]:
    """A connection that has finished its first line, and how long closing waited for it."""
    config = fast_config(server.url, **changes)
    link = Link(
        role="backfill",
        config=config,
        params=config.streaming_parameters(),
        client_factory=default_client_factory(config),
        listener=listener,
        source_label="",
        extras=RunExtras(listener, config.translate_to),
    )
    link.connect_and_wait()
    assert link.begun.is_set()
    for index in range(20):  # 1 s: the first turn's final, not yet the second's words
        link.send(coded_chunk(index))
        time.sleep(CHUNK_MS / 1000)
    deadline = time.monotonic() + 5
    while not listener.transcript.finished and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [t.text for t in listener.transcript.finished] == ["And Mister John."]
    if config.translate_to and not server.extras.gateway.silent:
        assert listener.translated.wait(5)
    began = time.monotonic()
    await_link_translations(link, config.translation_wait_s)
    waited = time.monotonic() - began
    assert not link.retired
    link.close()
    return link, waited


def _server(gateway: Gateway) -> FakeV3Server:
    extras = Extras(gateway=gateway, relative_turn_order=True)
    return FakeV3Server(
        KEY, SCRIPT, None, ms_per_word=MS_PER_WORD, gap_ms=GAP_MS, timeline=True, extras=extras
    )


def test_closing_a_connection_waits_for_an_owed_translation_only_up_to_the_bound() -> None:
    with _server(Gateway(silent=frozenset({0}))) as server:
        listener = TranslationRecorder()
        _link, waited = _owing_link(server, listener, translate_to="fr", translation_wait_s=0.4)
    assert 0.35 <= waited < 1.0, waited
    assert not listener.translations


@pytest.mark.parametrize("language", ["fr", ""], ids=["nothing owed", "translation off"])
def test_closing_a_connection_that_owes_no_translation_does_not_wait(language: str) -> None:
    with _server(Gateway()) as server:
        listener = TranslationRecorder()
        _link, waited = _owing_link(server, listener, translate_to=language)
    assert waited < 0.05, waited
    assert len(listener.translations) == (1 if language else 0)


class _LastLineStillOpen:
    """A connection whose last line is being finished (ForceEndpoint sent) for ``for_s``."""

    usable = True

    def __init__(self, for_s: float) -> None:
        self.until = time.monotonic() + for_s

    def has_open_turn(self) -> bool:
        return time.monotonic() < self.until

    def force_endpoint(self) -> None:
        pass


def test_stop_waits_for_the_forced_final_without_spinning_a_core() -> None:
    # Nothing owed yet, only the line being finished: the wait returned at once each
    # time round and spun a core (up to 2 s at each Stop, beside the SDK's read thread
    # that has to deliver that very final).
    from tests.recording import RecordingListener

    extras = RunExtras(RecordingListener(), "fr")
    link = _LastLineStillOpen(0.4)
    began, cpu = time.monotonic(), time.thread_time()
    await_translations(extras, link, 2.0)  # type: ignore[arg-type]
    waited, spent = time.monotonic() - began, time.thread_time() - cpu
    assert waited >= 0.35  # it did wait for the final
    assert spent < 0.5 * waited, f"{spent:.2f} s of CPU in {waited:.2f} s of waiting"
