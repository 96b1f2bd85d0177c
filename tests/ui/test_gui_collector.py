"""Cyclic garbage is destroyed on the GUI thread, whichever thread made it collectable."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject

from captioner.ui.gui_collector import GuiThreadCollector


class _Cycle:
    """Garbage only the cycle collector can free; says which thread freed it."""

    def __init__(self, freed_on: list[str]) -> None:
        self.me = self
        self._freed_on = freed_on

    def __del__(self) -> None:
        self._freed_on.append(threading.current_thread().name)


# What the worker allocated, kept until the test ends (freed, the counts would drop again).
_KEPT: list[list[int]] = []


def _allocate_a_lot() -> None:
    """What an engine's thread does all day: enough allocations to pass gen 0's threshold."""
    _KEPT.extend([index] for index in range(3 * gc.get_threshold()[0]))


@pytest.fixture(autouse=True)
def _forget_allocations() -> Iterator[None]:
    yield
    _KEPT.clear()


@pytest.fixture
def collector(qapp) -> Iterator[GuiThreadCollector]:
    made = GuiThreadCollector()
    made.start()
    yield made
    made.stop()
    del made


def _drop_a_cycle_then_allocate_on_a_worker(freed_on: list[str]) -> None:
    gc.collect()  # start from empty generations
    _Cycle(freed_on)  # unreachable at once
    worker = threading.Thread(target=_allocate_a_lot, name="engine-like-worker")
    worker.start()
    worker.join()


def test_garbage_is_freed_on_the_gui_thread_not_on_the_worker(collector, qtbot) -> None:
    freed_on: list[str] = []
    _drop_a_cycle_then_allocate_on_a_worker(freed_on)
    assert freed_on == [], "collected by the worker's allocations"
    qtbot.waitUntil(lambda: freed_on != [], timeout=5000)  # the timer's next look
    assert freed_on == [threading.main_thread().name]
    assert collector.collections[0] >= 1


def test_without_it_python_frees_it_on_the_worker(qapp) -> None:
    """What the collector is for: this is what automatic collection does."""
    assert gc.isenabled()
    freed_on: list[str] = []
    _drop_a_cycle_then_allocate_on_a_worker(freed_on)
    assert freed_on == ["engine-like-worker"]


def test_a_qobject_in_a_cycle_is_deleted_on_the_gui_thread(collector, qtbot) -> None:
    freed_on: list[str] = []
    gc.collect()
    orphan = QObject()
    orphan.setObjectName("dialog-slot-like")
    orphan.destroyed.connect(lambda: freed_on.append(threading.current_thread().name))
    orphan.me = orphan  # the cycle: a Python attribute back to the wrapper
    del orphan
    worker = threading.Thread(target=_allocate_a_lot, name="engine-like-worker")
    worker.start()
    worker.join()
    assert freed_on == []
    qtbot.waitUntil(lambda: freed_on != [], timeout=5000)
    assert freed_on == [threading.main_thread().name]


def test_stop_gives_collection_back_to_python(qapp) -> None:
    made = GuiThreadCollector()
    made.start()
    assert not gc.isenabled()
    made.stop()
    assert gc.isenabled()


def test_older_generations_are_collected_when_their_turn_comes(collector) -> None:
    """As automatic collection would: a long session's garbage that survived gen 0 is freed."""
    freed_on: list[str] = []
    gc.collect()
    survivor = _Cycle(freed_on)
    while collector.collections[1] == 0:  # it survives a gen 1 collection: in gen 2 now
        _allocate_a_lot_here_and_collect(collector)
    young = collector.collections[:2]
    del survivor
    rounds = 0
    while not freed_on and rounds < 1000:
        _allocate_a_lot_here_and_collect(collector)
        rounds += 1
    assert freed_on == [threading.main_thread().name]
    assert collector.collections[2] == 1, f"since {young}: {collector.collections}"


def _allocate_a_lot_here_and_collect(collector: GuiThreadCollector) -> None:
    kept = [[index] for index in range(2 * gc.get_threshold()[0])]
    assert collector.collect_due() is not None
    del kept


def test_a_full_collection_waits_until_the_old_objects_have_grown(collector) -> None:
    """As Python does: a long session's full collection (a pause of the captions) comes
    again only once the objects that live long have grown by a quarter, not every time
    the counts say so."""
    while collector.collections[2] == 0:
        _allocate_a_lot_here_and_collect(collector)
    for _ in range(300):  # three times what the counts alone ask for a full one
        _allocate_a_lot_here_and_collect(collector)
    assert collector.collections[2] == 1, "short-lived garbage made it walk the old objects"
    grown = [[index] for index in range(len(gc.get_objects(2)))]  # a transcript's worth
    for _ in range(300):
        _allocate_a_lot_here_and_collect(collector)
    assert collector.collections[2] >= 2
    del grown


def test_an_idle_app_looks_rarely_and_a_burst_brings_the_pace_back(qapp, qtbot, monkeypatch):
    """Left open with nothing to do, the app wakes the processor ever more rarely (a laptop
    on battery); as soon as something allocates again, garbage is looked for at full pace."""
    from captioner.ui import gui_collector

    monkeypatch.setattr(gui_collector, "CHECK_MS", 20)
    monkeypatch.setattr(gui_collector, "IDLE_CHECK_MS", 160)
    made = GuiThreadCollector()
    paces: list[int] = []  # the interval each look chose (this slot runs after the look's)
    made._timer.timeout.connect(lambda: paces.append(made.interval()))
    made.start()
    try:
        assert made.interval() == 20
        qtbot.waitUntil(lambda: made.interval() == 160, timeout=5000)
        qtbot.wait(400)  # several idle looks: it stays at the idle pace, no further
        assert made.interval() == 160
        paces.clear()
        freed_on: list[str] = []
        _drop_a_cycle_then_allocate_on_a_worker(freed_on)
        qtbot.waitUntil(lambda: freed_on != [], timeout=5000)
        assert freed_on == [threading.main_thread().name]
        assert paces[-1] == 20, f"the look that collected left the pace at {paces}"
    finally:
        made.stop()
