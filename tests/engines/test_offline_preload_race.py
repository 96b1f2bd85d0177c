"""Picking the offline engine and then another one quickly leaves no recogniser behind.

Issue 14: with the cloud engine chosen no PocketSphinx model may stay in
memory.  The preload (imports, then a process spawn) runs on worker threads,
so the user's next choice can overtake it; whichever order the threads run
in, the last choice wins.
"""

from __future__ import annotations

import threading

from captioner.engines.offline import OfflineModel


def _join_named(prefix: str, timeout: float = 30.0) -> None:
    for thread in list(threading.enumerate()):
        if thread.name.startswith(prefix):
            thread.join(timeout)
            assert not thread.is_alive(), f"{thread.name} still runs"


def test_a_drop_before_the_preload_thread_spawns_leaves_no_recogniser() -> None:
    model = OfflineModel()
    try:
        with model._spawning:  # hold the spawn back until the user has moved on
            model.ensure_loaded_async()  # the offline engine is chosen…
            model.drop_spare()  # …and another one right after
        _join_named("offline-model-load")
        assert model.spare_pid is None
        assert model.decoders_created == 0
    finally:
        model.close()


def test_registry_preload_then_cloud_leaves_no_recogniser(monkeypatch) -> None:
    """The registry's own preload (an import on a worker) against a quick switch.

    Whichever runs first, the preload thread or the release, nothing stays.
    """
    from captioner.engines import registry
    from captioner.engines.offline import model as model_module

    model = OfflineModel()
    monkeypatch.setattr(model_module, "_default_model", model)
    try:
        for _ in range(3):
            registry._offline_preload()  # the user picks offline…
            registry._release_offline()  # …then the cloud, at once
            _join_named("offline-preload")
            _join_named("offline-model-load")
            assert model.spare_pid is None
    finally:
        model.close()
