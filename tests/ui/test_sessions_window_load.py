"""Five hundred past sessions: the Sessions window opens and searches without freezing the GUI.

A probe timer ticks every 10 ms on the GUI thread and records the longest
gap between ticks: anything the GUI thread does in one go (reading a
journal, filling the list) shows up as a long gap.  The gaps are printed
(``-s``), not asserted: timings belong to ``benchmarks/gui_stalls.py``.  What is
asserted is the cause of such stalls: no journal is read on the GUI thread.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PySide6.QtCore import Qt, QTimer

from captioner.core import session_index
from captioner.core.session import SessionInfo, format_instant, turn_to_dict
from captioner.core.transcript import Turn, Word
from captioner.ui.session_manager import SessionManager
from captioner.ui.sessions_window import SessionsWindow

SESSIONS = 500
TURNS = 12
LONG = 450  # the newest session with a hit is a long one: about two hours, 720 turns
LONG_TURNS = 720
WORDS = "the quick brown fox jumps over a lazy dog while we talk about the weekly plan".split()


class StallProbe:
    """Ticks every 10 ms on the GUI thread; ``longest_ms`` is the longest wait between ticks."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = 0.0
        self._mark = 0

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now

    def stop(self) -> None:
        self.timer.stop()
        self._tick()  # a stall right at the end counts too

    @property
    def longest_ms(self) -> float:
        return max(self.gaps, default=0.0)

    def phase(self) -> float:
        """The longest gap since the last call (one step of the scenario)."""
        longest = max(self.gaps[self._mark :], default=0.0)
        self._mark = len(self.gaps)
        return longest


def write_journals(data_dir: Path, count: int) -> None:
    """Small finished journals, written directly (no fsync: this is set-up, not the subject)."""
    data_dir.mkdir(parents=True)
    start = datetime(2024, 1, 1, 9, tzinfo=timezone.utc)
    for n in range(count):
        info = SessionInfo(engine="offline", source="Mic", started_at=start + timedelta(hours=n))
        records = [{"type": "session", "schema": "captioner.journal", "version": 1}]
        records[0]["session"] = info.to_dict()
        for t in range(LONG_TURNS if n == LONG else TURNS):
            text = [WORDS[(n + t + i) % len(WORDS)] for i in range(8)]
            if n % 50 == 0 and t == 3:
                text.append("prudently")  # ten sessions have this one
            words = tuple(
                Word(w, t * 3000 + i * 300, t * 3000 + i * 300 + 250) for i, w in enumerate(text)
            )
            turn = Turn(key=f"k{t}", order=t, text=" ".join(text), words=words, finished=True)
            records.append(
                {"type": "turn", "at": format_instant(start), "turn": turn_to_dict(turn)}
            )
        ended = start + timedelta(hours=n, minutes=1)
        records.append(
            {
                "type": "end",
                "at": format_instant(ended),
                "ended_at": format_instant(ended),
                "duration_ms": 60000,
                "recovered": False,
            }
        )
        lines = "".join(json.dumps(record) + "\n" for record in records)
        (data_dir / f"{info.id}.jsonl").write_text(lines, encoding="utf-8")


def type_slowly(qtbot, window: SessionsWindow, text: str, every_ms: int = 60) -> None:
    """Type one key per ``every_ms`` through the event loop, as a person would."""
    keys = list(text)
    timer = QTimer()
    timer.setInterval(every_ms)

    def press() -> None:
        if keys:
            qtbot.keyClick(window.search, keys.pop(0))
        else:
            timer.stop()

    timer.timeout.connect(press)
    timer.start()
    qtbot.waitUntil(lambda: not keys and not timer.isActive(), timeout=5000)


def test_five_hundred_sessions_open_and_search_without_blocking_the_gui(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    data_dir = tmp_path / "sessions"
    readers: list[threading.Thread] = []
    real_read = session_index.read_journal

    def read_journal(path: Path):
        readers.append(threading.current_thread())
        return real_read(path)

    monkeypatch.setattr(session_index, "read_journal", read_journal)
    write_journals(data_dir, SESSIONS)
    manager = SessionManager(data_dir)
    probe = StallProbe()
    probe.start()

    opened = time.perf_counter()
    window = SessionsWindow(manager)  # cold index: every journal is read on the worker
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.list.count() == SESSIONS, timeout=20000)
    listed_s = time.perf_counter() - opened
    stalls = {"open": probe.phase()}

    typed = time.perf_counter()
    type_slowly(qtbot, window, "prudently")
    qtbot.waitUntil(lambda: window.list.count() == 10, timeout=5000)
    found_s = time.perf_counter() - typed
    stalls["search"] = probe.phase()

    with qtbot.waitSignal(window.sessionShown, timeout=10000):
        window.list.setCurrentRow(0)  # the newest session with a hit: the long one, at the line
    assert "prudently" in window.view.textCursor().selectedText()
    assert len(window.view.finished_texts()) == LONG_TURNS
    stalls["open a long session"] = probe.phase()
    window.search.clear()
    qtbot.waitUntil(lambda: window.list.count() == SESSIONS, timeout=5000)  # warm: from memory
    probe.stop()
    stalls["back to the list"] = probe.phase()

    phases = ", ".join(f"{name} {ms:.1f}" for name, ms in stalls.items())
    print(
        f"\n{SESSIONS} sessions: listed {listed_s * 1000:.0f} ms after opening (cold index); "
        f"search typed and answered in {found_s * 1000:.0f} ms; longest gap between 10 ms "
        f"ticks, ms: {phases}; median {sorted(probe.gaps)[len(probe.gaps) // 2]:.1f} ms "
        f"over {len(probe.gaps)} ticks"
    )
    assert manager.library.index.join(5)
    assert len(readers) >= SESSIONS  # every journal was read, on the worker
    assert threading.main_thread() not in readers, "a journal was read on the GUI thread"


def test_typing_a_word_costs_one_search_after_the_pause(qtbot, tmp_path: Path) -> None:
    data_dir = tmp_path / "sessions"
    write_journals(data_dir, 60)
    manager = SessionManager(data_dir)
    window = SessionsWindow(manager)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.list.count() == 60)
    asked: list[str] = []
    search = manager.library.index.search
    manager.library.index.search = lambda query, done: (asked.append(query), search(query, done))
    type_slowly(qtbot, window, "prudently", every_ms=40)  # faster than the 200 ms pause
    qtbot.waitUntil(lambda: window.list.count() == 2)  # sessions 0 and 50
    assert asked == ["prudently"]
    assert all("prudently" in window.list.item(i).text() for i in range(2))
