"""How long the app's GUI thread is blocked, per user scenario (issue 11).

Each configuration runs the real app in a child process through its public entry
point (``captioner.__main__.main(argv)``, offscreen) and drives it as a user would:
the Start/Stop and ⟳ buttons, the Ctrl+H (View ▸ Sessions) action, key clicks in the
search box.  A QTimer on the GUI thread ticks every 10 ms; the gap between two ticks is
how long the GUI thread could not react (the reference row, a bare QMainWindow, is the
probe's own floor).  A sampler thread reads, every 5 ms, each Python thread's CPU time
and stack (innermost ``captioner/`` frame): a stall is put on the GUI thread's own call,
or, when the GUI thread burnt no CPU and neither could the sampler run, on the thread
that burnt it holding the GIL (where it was before ⇢ after).  AssemblyAI runs talk to
tests/fakes/v3_server.py, served by this process.

    .venv/bin/python benchmarks/gui_stalls.py [--quick] [--repeat N] [--only NAME] [--keep]

A benchmark, not a test: the exit status is 1 only when a child crashes or cannot run.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import faulthandler
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QMainWindow

ROOT = Path(__file__).resolve().parent.parent
CLIPS = sorted((ROOT / "tests" / "data" / "librivox").glob("*.wav"))
TARGET_MS = 50.0
TICK_MS = 10
SAMPLE_S = 0.005
QUERY = "dashwood"
KEY = "gui-stalls-benchmark-key-0000000"  # 32 characters: the app refuses "test-key"
LOOP = "(in the Qt event loop: C++ work)"


# -- child: probe, sampler, driver -------------------------------------------------------


def site(frames: list[tuple[str, str, str]]) -> str:
    """The innermost captioner frame (→ the leaf function), else where the thread is."""
    leaf = frames[0]  # innermost first
    short = f"{'/'.join(Path(leaf[0]).parts[-2:])}:{leaf[1]} {leaf[2]}"
    for path, line, func in frames:
        if "/captioner/" in path:
            here = f"{path[path.rfind('/captioner/') + 1 :]}:{line} {func}"
            return here if (path, line, func) == leaf else f"{here} → {leaf[2]}"
        if "qasync" in path or path == __file__:
            return LOOP if (path, line, func) == leaf else short
    return short


def stacks(scratch) -> dict[int, str]:
    """Every thread's site by ident, as faulthandler writes them (GIL held: a safe read).

    Not sys._current_frames(): a frame object held here keeps a returning function's
    locals (a QPainter!) alive, to be destroyed on this thread; not faulthandler's
    watchdog either: it reads frames without the GIL, and crashed here.
    """
    faulthandler.dump_traceback(scratch, all_threads=True)
    scratch.seek(0)
    text = scratch.read().decode(errors="replace")
    scratch.seek(0)
    scratch.truncate()
    found = {}
    for block in text.split("\n\n"):
        ident = re.search(r"hread (0x[0-9a-f]+)", block)
        frames = re.findall(r'File "(.*)", line (\d+) in (.*)', block)
        if ident and frames:
            found[int(ident.group(1), 16)] = site(frames)
    return found


def proc(tid: int, name: str) -> bytes:
    return Path(f"/proc/self/task/{tid}/{name}").read_bytes()


def main_window():
    tops = QApplication.topLevelWidgets()
    return next((w for w in tops if isinstance(w, QMainWindow) and w.isVisible()), None)


def find(widget, kind, *names: str):
    """A child of ``widget`` by its text, accessible name or shortcut."""
    for child in widget.findChildren(kind):
        labels = {child.text().replace("&", ""), getattr(child, "accessibleName", str)()}
        labels.add(child.shortcut().toString() if hasattr(child, "shortcut") else "")
        if labels & set(names):
            return child
    raise LookupError(f"no {kind.__name__} named {' / '.join(names)}: has the UI changed?")


def pactl_calls() -> int:
    log = Path(os.environ["GUI_STALLS_PACTL_LOG"])
    return len(log.read_text().splitlines()) if log.exists() else 0


class Sampler(threading.Thread):
    """The probe's ticks (GUI thread); CPU times and, during stalls, stacks (own thread)."""

    def __init__(self) -> None:
        super().__init__(name="gui-stalls-sampler", daemon=True)
        self.ticks: list[float] = []
        self.visible: float | None = None
        self.samples: list[tuple[float, dict, dict, bool]] = []
        self.names: dict[int, str] = {}
        self.running = True
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.timer.start(TICK_MS)

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())
        if self.visible is None and main_window() is not None:
            self.visible = self.ticks[-1]

    def run(self) -> None:
        scratch = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115 (lives as the process)
        main = threading.main_thread().native_id
        while self.running:
            time.sleep(SAMPLE_S)
            start, cpu, waiting = time.perf_counter(), {}, False
            threads = [t for t in threading.enumerate() if t is not self]
            for t in threads:  # by TID: unlike idents, not reused at once
                with contextlib.suppress(OSError, ValueError):
                    cpu[t.native_id] = int(proc(t.native_id, "schedstat").split()[0]) / 1e9
            with contextlib.suppress(OSError):  # in futex(): waiting for a lock, mostly the GIL
                waiting = proc(main, "syscall").startswith(b"202 ")
            found = stacks(scratch)
            now = time.perf_counter()
            if now - start > 0.002:  # another thread took the GIL mid-sample: torn
                continue
            where = {t.native_id: found[t.ident] for t in threads if t.ident in found}
            self.names.update((t.native_id, t.name) for t in threads)
            self.samples.append((now, cpu, where, waiting))

    def label(self, tid: int, before: dict, after: dict, starved: bool) -> str:
        """A thread and where it was; across a starved sampler, where it was before ⇢ after."""
        if tid == threading.main_thread().native_id:
            return "GUI thread (its own CPU)"
        was, now = before.get(tid, "?"), after.get(tid, "(ended)")
        at = f"{was} ⇢ {now}" if starved and was != now else now if tid in after else was
        return f"{self.names.get(tid, tid)} @ {at}"

    def attribute(self, stalls: list[tuple[float, float]]) -> tuple[Counter, Counter]:
        """Where the GUI thread was (ms), and CPU per thread (ms), over ``stalls``."""
        main, times = threading.main_thread().native_id, [s[0] for s in self.samples]
        sites: Counter = Counter()
        busy: Counter = Counter()
        for a, b in stalls:
            lo, hi = bisect.bisect_right(times, a), bisect.bisect_right(times, b)
            window = self.samples[max(lo - 1, 0) : hi + 1]
            for (t0, cpu0, at0, _), (t1, cpu1, at1, waiting) in itertools.pairwise(window):
                dt, overlap = t1 - t0, max(0.0, min(t1, b) - max(t0, a))
                spent = {i: max(0.0, cpu1[i] - cpu0[i]) for i in cpu1.keys() & cpu0.keys()}
                starved = dt > 4 * SAMPLE_S  # the sampler could not run either: the GIL was held
                ended = [self.label(i, at0, at1, True) for i in cpu0.keys() - cpu1.keys()]
                if overlap <= 0:
                    continue
                for tid, seconds in spent.items():
                    busy[self.label(tid, at0, at1, starved)] += seconds * 1000 * overlap / dt
                others = {tid: x for tid, x in spent.items() if tid != main}
                holder = max(others, key=others.get, default=None)
                here = at1.get(main, "(not sampled)")
                if here == LOOP and spent.get(main, 0.0) < dt / 3:
                    here = "(in the Qt event loop, off CPU: descheduled, or a C++ wait)"
                if (starved or waiting) and holder is not None and others[holder] > dt / 3:
                    here = f"waiting for the GIL held by {self.label(holder, at0, at1, starved)}"
                elif starved and ended and spent.get(main, 0.0) < dt / 3:
                    here = f"waiting for the GIL held by one that ended since: {', '.join(ended)}"
                sites[here] += overlap * 1000
        return sites, +busy


class Driver:
    """Plays the scenarios: a generator that yields seconds, or (predicate, timeout)."""

    def __init__(self, spec: dict, probe: Sampler, created: float) -> None:
        self.spec, self.probe, self.created = spec, probe, created
        self.launch = time.perf_counter() - (time.time() - spec["launch_wall"])
        self.marks: list[tuple[str, float, float, str]] = []
        self.result: dict = {"rows": []}
        self.steps = self.script()

    def advance(self, predicate=None, timeout: float = 0.0, began: float = 0.0) -> None:
        if predicate is not None and not predicate() and time.perf_counter() - began < timeout:
            QTimer.singleShot(20, lambda: self.advance(predicate, timeout, began))
            return
        try:
            item = next(self.steps)
        except StopIteration:
            return self.finish()
        except Exception as exc:
            self.result["error"] = f"{type(exc).__name__}: {exc}"
            return self.finish()
        if isinstance(item, float):
            QTimer.singleShot(int(item * 1000), lambda: self.advance())
        else:
            self.advance(*item, time.perf_counter())

    def mark(self, name: str, t0: float, note: str = "") -> None:
        self.marks.append((name, t0, time.perf_counter(), note))

    def script(self):
        yield (lambda: self.probe.visible is not None, 120.0)
        if self.probe.visible is None:
            raise RuntimeError("the main window never appeared")
        self.result["visible_s"] = self.probe.visible - self.launch
        yield 2.0
        self.mark("start-up", self.probe.ticks[0], f"window after {self.result['visible_s']:.2f} s")
        win, steps, now = main_window(), self.spec["steps"], time.perf_counter
        if "run" in steps:
            button, t0 = find(win, QAbstractButton, "Start"), now()
            button.click()
            yield (lambda: "Stop" in button.text(), 60.0)
            note = f"running after {now() - t0:.1f} s"
            if "Stop" not in button.text():
                note = f"never running: {getattr(win, 'status_text', lambda: '?')()}"
            yield max(0.0, self.spec["run_s"] - (now() - t0))
            self.mark("run " + self.spec["engine"], t0, note)
            note, t0 = "" if "Stop" in button.text() else "ended by itself; ", now()
            button.click()
            yield (lambda: button.text() == "Start" and button.isEnabled(), 30.0)
            note += f"idle after {now() - t0:.2f} s"
            yield 1.0
            self.mark("stop", t0, note)
        if "sessions" in steps:
            t0 = now()
            find(win, QAction, "Ctrl+H", "Sessions…").trigger()

            def sessions():
                tops = QApplication.topLevelWidgets()
                return next((w for w in tops if "Sessions" in w.windowTitle()), None)

            yield (lambda: sessions() is not None and sessions().isVisible(), 30.0)
            shown = now() - t0
            yield 1.0
            search = find(sessions(), QLineEdit, "Search all sessions")
            for char in QUERY:  # a user typing: one key every 150 ms
                QTest.keyClick(search, char)
                yield 0.15
            yield 2.0
            self.mark("sessions + search", t0, f"shown after {shown:.2f} s; typed “{QUERY}”")
            sessions().close()
            yield 0.5
        if "refresh" in steps:
            before, t0 = pactl_calls(), now()
            find(win, QAbstractButton, "⟳", "Refresh input devices").click()
            calls = -1
            while calls != pactl_calls():  # until no pactl starts for 1.5 s (answers by signal?)
                calls = pactl_calls()
                yield 1.5
            self.mark("device refresh", t0, f"{pactl_calls() - before} pactl calls")

    def finish(self) -> None:
        self.probe.running = False
        self.probe.join()
        ticks = self.probe.ticks
        for name, t0, t1, note in self.marks:
            gaps = [(a, b) for a, b in itertools.pairwise(ticks) if t0 < b <= t1]
            ms = sorted((b - a) * 1000 for a, b in gaps) or [0.0]
            stalls = [(a, b) for a, b in gaps if (b - a) * 1000 > TARGET_MS]
            if name == "start-up":  # the GUI thread is busy until its loop first runs
                stalls.insert(0, (self.created, ticks[0]))
                note += f"; loop first ran {ticks[0] - self.created:.2f} s after QApplication"
            sites, busy = self.probe.attribute(stalls)
            row = {"scenario": name, "duration_s": t1 - t0, "longest_ms": ms[-1], "note": note}
            row |= {"p99_ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))], "ticks": len(gaps)}
            row["stalls_ms"] = [(b - a) * 1000 for a, b in stalls]
            row |= {"sites": sites.most_common(6), "busy": busy.most_common(4)}
            self.result["rows"].append(row)
        Path(self.spec["out"]).write_text(json.dumps(self.result))
        watchdog = threading.Timer(30, os._exit, (0,))  # the results are on disk already
        watchdog.daemon = True
        watchdog.start()
        try:
            find(main_window(), QAction, "Ctrl+Q", "Quit").trigger()
        except (LookupError, AttributeError):
            QApplication.quit()


def child(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    app = QApplication(["captioner"])  # the app adopts it (QApplication.instance())
    created, probe = time.perf_counter(), Sampler()
    probe.start()
    driver = Driver(spec, probe, created)  # PySide holds bound-method slots weakly: keep it
    QTimer.singleShot(0, lambda: driver.advance())
    if spec["mode"] == "bare":
        window = QMainWindow()
        window.setCentralWidget(QLabel("reference: a bare QMainWindow"))
        window.show()
        return app.exec()
    try:
        from captioner.__main__ import main as entry

        return entry(spec["argv"])
    except (ImportError, AttributeError) as exc:
        print(f"gui_stalls: captioner.__main__.main(argv) is not usable: {exc!r}", file=sys.stderr)
        return 3


# -- parent: fixtures, children, the table -----------------------------------------------


def make_wav(path: Path) -> tuple[float, str]:
    """The LibriVox clips end to end, then the first again (so Stop lands mid-sentence)."""
    frames, texts = [], []
    for clip in [*CLIPS, CLIPS[0]]:
        with wave.open(str(clip)) as w:
            params, _ = w.getparams(), frames.append(w.readframes(w.getnframes()))
        texts.append(clip.with_suffix(".txt").read_text().strip())
    with wave.open(str(path), "wb") as out:
        out.setparams(params)
        out.writeframes(b"".join(frames))
    return sum(map(len, frames)) / 2 / params.framerate, ". ".join(texts)


def make_sessions(directory: Path, count: int, sentences: list[str]) -> None:
    """``count`` small finished sessions, through the journal's own writer."""
    try:
        from captioner.core.journal import TranscriptJournal
        from captioner.core.session import SessionInfo
        from captioner.core.transcript import Turn, Word

        began = datetime.now(timezone.utc) - timedelta(days=count)
        for i in range(count):
            info = SessionInfo(engine="offline", source="bench", started_at=began + timedelta(i))
            journal, ms = TranscriptJournal.create(info, directory), 0
            for j in range(8 + i % 9):
                words = sentences[(i * 7 + j) % len(sentences)].split()
                timed = tuple(
                    Word(w, ms + k * 300, ms + k * 300 + 250) for k, w in enumerate(words)
                )
                journal.append_turn(Turn(f"s{i}:{j}", j, " ".join(words), timed, finished=True))
                ms += len(words) * 300 + 700
            journal.end(duration_ms=ms, ended_at=info.started_at + timedelta(milliseconds=ms))
    except (ImportError, AttributeError, TypeError) as exc:
        raise SystemExit(f"gui_stalls: the journal writer API moved: {exc!r}") from exc


def fake_pactl(directory: Path, delay: float) -> Path:
    """A ``pactl`` first on PATH that answers after ``delay`` s (a busy PipeWire): the real
    one when a sound server runs, else canned answers of a server with one output."""
    directory.mkdir()
    real = shutil.which("pactl")
    live = real and subprocess.run([real, "info"], capture_output=True).returncode == 0
    (directory / "pactl").write_text(
        f'#!/bin/sh\necho "$*" >>"$GUI_STALLS_PACTL_LOG"\nsleep {delay}\n'
        + (f'exec "{real}" "$@"\n' if live else "")
        + 'case "$*" in\n  \'-f json list sources\') echo \'[{"name": "bench.monitor", '
        '"description": "Monitor of Bench", "monitor_source": "bench"}]\' ;;\n'
        '  \'-f json list sinks\') echo \'[{"name": "bench", "description": "Bench"}]\' ;;\n'
        "  get-default-sink) echo bench ;;\n  *) exit 1 ;;\nesac\n"
    )
    (directory / "pactl").chmod(0o755)
    return directory


def run_child(tmp: Path, name: str, spec: dict, env: dict[str, str]) -> dict:
    out = tmp / f"{name}.out.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONFAULTHANDLER": "1", **env}
    env["XDG_CONFIG_HOME"] = str(tmp / f"config-{name}")  # fresh settings and instance lock
    env["GUI_STALLS_PACTL_LOG"] = str(tmp / f"pactl-{name}.log")
    spec = {**spec, "out": str(out), "launch_wall": time.time()}
    (tmp / f"{name}.json").write_text(json.dumps(spec))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(tmp / f"{name}.json")]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        err, code = proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        err, code = (exc.stderr or b"").decode(errors="replace"), "timeout"
    (tmp / f"{name}.stderr").write_text(err)
    tail = "\n    ".join(err.strip().splitlines()[-30:])
    if not out.exists():
        return {"crash": f"{name}: exit status {code}:\n    {tail}", "rows": []}
    result = json.loads(out.read_text())
    if code != 0:
        result["crash"] = f"{name}: exit status {code} after its results:\n    {tail}"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="offline engine only")
    parser.add_argument("--repeat", type=int, default=3, help="start-ups per configuration")
    parser.add_argument("--sessions", type=int, default=500, help="past sessions in the data dir")
    parser.add_argument("--only", default="", help="configurations whose name contains this")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child)
    sys.path.append(str(ROOT))  # tests.fakes; a captioner on PYTHONPATH wins over ROOT
    tmp = Path(tempfile.mkdtemp(prefix="gui-stalls-"))
    try:
        with contextlib.ExitStack() as stack:
            return report(bench(args, tmp, stack))
    finally:
        print(f"(kept {tmp})") if args.keep else shutil.rmtree(tmp, ignore_errors=True)


def bench(args: argparse.Namespace, tmp: Path, stack: contextlib.ExitStack) -> list:
    wav_s, text = make_wav(tmp / "speech.wav")
    empty, full, n = tmp / "data-empty", tmp / "data-full", args.sessions
    make_sessions(full, n, [t.lower() for t in text.split(". ")])
    print(f"speech {wav_s:.1f} s; {n} sessions; load average {os.getloadavg()[0]:.2f}")
    fast, slow = fake_pactl(tmp / "pactl-fast", 0), fake_pactl(tmp / "pactl-slow", 1)

    def app(data: Path, pactl: Path, steps: list[str], engine: str = "offline", *extra: str):
        argv = ["--engine", engine, "--input-file", str(tmp / "speech.wav"), *extra]
        spec = {"mode": "app", "run_s": wav_s - 6, "engine": engine, "steps": steps}
        spec["argv"] = [*argv, "--data-dir", str(data)]
        return spec, {"PATH": f"{pactl}{os.pathsep}{os.environ['PATH']}"}

    every = ["run", "sessions", "refresh"]
    plan = [("reference", "bare QMainWindow", {"mode": "bare", "steps": []}, {})]
    plan.append(("offline-empty", "offline, empty, pactl 0 s", *app(empty, fast, every)))
    plan.append(("offline-full", f"offline, {n}, pactl 1 s", *app(full, slow, every)))
    if not args.quick:
        from tests.fakes.v3_server import FakeV3Server, TurnScript

        server = stack.enter_context(FakeV3Server(KEY, TurnScript.from_text(text)))
        spec, env = app(full, slow, ["run"], "assemblyai", "--api-host", server.url)
        env["ASSEMBLYAI_API_KEY"] = server.api_key
        plan.append(("cloud-full", f"assemblyai, {n}, pactl 1 s", spec, env))
    starts = [("empty", empty, fast), (f"{n}", full, fast), (f"{n}+1s", full, slow)]
    for i, (label, data, pactl) in itertools.product(range(args.repeat), starts):
        plan.append((f"start-{label}-{i}", f"start-up only: {label}", *app(data, pactl, [])))
    results = []
    for name, label, spec, env in (p for p in plan if args.only in p[0]):
        print(f"  {name} …", flush=True)
        results.append((name, label, run_child(tmp, name, spec, env)))
    return results


def report(results: list) -> int:
    line = "{:<27} {:<18} {:>6} {:>7} {:>6} {:>6}  {:<4} {}"
    head = line.format("configuration", "scenario", "dur s", "max ms", "p99", "ticks", "≤50", "")
    print("\n" + head + "\n" + "-" * len(head))
    crashes, detail, visible = [], [], {}
    for name, label, result in results:
        crashes += [result["crash"]] if "crash" in result else []
        crashes += [f"{name}: {result['error']}"] if "error" in result else []
        if name.startswith("start-"):
            visible.setdefault(label.split(": ")[1], []).append(result.get("visible_s"))
            if not name.endswith("-0"):
                continue
        for r in result["rows"]:
            ok = "yes" if r["longest_ms"] <= TARGET_MS else "NO"
            cells = f"{r['duration_s']:.1f} {r['longest_ms']:.0f} {r['p99_ms']:.0f} {r['ticks']}"
            print(line.format(label, r["scenario"], *cells.split(), ok, r["note"]))
            detail += [(label, r)] if max(r["stalls_ms"], default=0) > TARGET_MS else []
    visible = {label: [t for t in times if t] for label, times in visible.items()}
    if visible.get("empty"):
        ref = statistics.median(visible["empty"])
        print(f"\nlaunch → window visible (median of {len(visible['empty'])}; target ≤ 1.3× empty)")
        for label, got in visible.items():
            ratio = statistics.median(got or [float("nan")]) / ref
            runs = ", ".join(f"{t:.2f}" for t in got)
            verdict = "yes" if ratio <= 1.3 else "NO"
            print(f"  {label:<8} {ratio * ref:5.2f} s  ×{ratio:.2f}  {verdict:<4} ({runs})")
    print("\nWhat blocks, over all stalls > 50 ms (start-up: also before the loop first ran)")
    for label, r in detail:
        shown = ", ".join(f"{ms:.0f}" for ms in sorted(r["stalls_ms"], reverse=True)[:8])
        print(f"\n{label} / {r['scenario']}: {len(r['stalls_ms'])} × ms: {shown}")
        for where, ms in r["sites"]:
            print(f"  GUI thread {ms:6.0f} ms  {where}")
        for where, ms in r["busy"]:
            print(f"  CPU        {ms:6.0f} ms  {where}")
    for crash in crashes:
        print(f"\nCRASH {crash}", file=sys.stderr)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
