"""Memory the main window's transcript view keeps per finished turn (issue 14 soak).

The 30-minute soak grew by ~2.3 KB per finished turn, and that was the live
transcript view's QTextDocument.  This drives a shown :class:`TranscriptView`
offscreen the way a cloud session does (per turn: two partials, the final, the
partial line cleared, the formatted final in its place; a paint every few
turns), with every Turn object built before the first reading: they live in the
core transcript whatever the view does, so only what the view adds is counted.

It prints the C heap in use (glibc ``mallinfo2``: Qt's document, blocks,
layouts, undo records) and the resident memory, each per finished turn, over
``--turns`` turns after a warm-up.  ``--source DIR`` measures another checkout
(e.g. ``git archive HEAD captioner | tar -x -C /tmp/before``) for before/after.

    .venv/bin/python benchmarks/transcript_view_memory.py [--turns 2000] [--call] [--source DIR]
        [--without undo-off|edit-blocks|folding]...
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import sys
from pathlib import Path

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
WARM_UP = 200


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


_libc = ctypes.CDLL("libc.so.6")
_libc.mallinfo2.restype = _MallInfo2


def heap_kb() -> float:
    """C heap in use (small chunks + mmapped blocks), KB."""
    info = _libc.mallinfo2()
    return (info.uordblks + info.hblkhd) / 1024


def rss_kb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1])
    return 0.0


def session(turns: int, call: bool) -> list[tuple[object, ...]]:
    """Per turn: (partial 1, partial 2, final, formatted final), as the server sends them."""
    from captioner.core.transcript import Turn, Word

    made = []
    for i in range(turns):
        first, second = WORDS[i % len(WORDS)], WORDS[(i // len(WORDS)) % len(WORDS)]
        start = i * 850
        w1, w2 = Word(first, start, start + 100), Word(second, start + 100, start + 200)
        side = ("mic", "You") if i % 2 else ("system", "Them")
        source, speaker = side if call else ("", None)
        common = {"key": f"c:{i}", "order": i, "source": source, "speaker": speaker}
        made.append(
            (
                Turn(text=first, words=(w1,), **common),
                Turn(text=f"{first} {second}", words=(w1, w2), **common),
                Turn(text=f"{first} {second}", words=(w1, w2), finished=True, **common),
                Turn(
                    text=f"{first.title()} {second}.",
                    words=(w1, w2),
                    finished=True,
                    formatted=True,
                    **common,
                ),
            )
        )
    return made


def _undo_on() -> None:
    """What undo records and the removed partials' text kept for undo cost."""
    from captioner.ui.transcript_view import TranscriptView

    init = TranscriptView.__init__

    def with_undo(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        init(self, *args, **kwargs)
        self.setUndoRedoEnabled(True)

    TranscriptView.__init__ = with_undo  # type: ignore[method-assign]


def _no_edit_blocks() -> None:
    """What the glyphs cached by cursors measuring their x position cost."""
    from captioner.ui.transcript_lines import TranscriptLines

    TranscriptLines._editing = contextlib.nullcontext  # type: ignore[method-assign,assignment]


def _no_folding() -> None:
    """What a block per turn costs (and keeping every turn)."""
    import captioner.ui.transcript_lines as lines

    lines.RECENT = 10**9


# --without NAME: measure the view with one of its economies undone.
WITHOUT = {"undo-off": _undo_on, "edit-blocks": _no_edit_blocks, "folding": _no_folding}


def drive(view, app, turns: list[tuple[object, ...]], start: int) -> None:  # type: ignore[no-untyped-def]
    for n, (partial1, partial2, final, formatted) in enumerate(turns, start):
        view.show_partial(partial1)
        view.show_partial(partial2)
        view.insert_turn(n, final)
        view.show_partial(None)
        view.revise_turn(n, formatted)
        if n % 5 == 0:
            app.processEvents()  # lay out and paint, as the event loop would between turns


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000, help="finished turns measured")
    parser.add_argument("--call", action="store_true", help="call mode: You/Them labels")
    parser.add_argument("--source", type=Path, help="the Captioner checkout to measure")
    parser.add_argument("--rows", type=int, default=4, help="readings along the way")
    parser.add_argument("--without", action="append", default=[], choices=sorted(WITHOUT))
    args = parser.parse_args(argv)
    if args.source is not None:
        sys.path.insert(0, str(args.source.resolve()))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    import captioner.ui.transcript_view as module

    for name in args.without:
        WITHOUT[name]()
    app = QApplication.instance() or QApplication([])
    view = module.TranscriptView()
    view.resize(900, 500)
    view.show()
    app.processEvents()
    made = session(WARM_UP + args.turns, args.call)
    drive(view, app, made[:WARM_UP], 0)
    gc.collect()
    heap0, rss0 = heap_kb(), rss_kb()
    mode = "call mode" if args.call else "one input"
    print(f"{module.__file__}; {mode}; without {args.without or 'nothing'}")
    print("turns  C heap MB  KB/turn  RSS MB  KB/turn  blocks")
    done, last = WARM_UP, (heap0, rss0)
    for row in range(1, args.rows + 1):
        end = WARM_UP + args.turns * row // args.rows
        drive(view, app, made[done:end], done)
        app.processEvents()
        gc.collect()
        heap, rss = heap_kb(), rss_kb()
        step = end - done
        print(
            f"{end:5d}  {(heap - heap0) / 1024:9.2f}  {(heap - last[0]) / step:7.2f}  "
            f"{(rss - rss0) / 1024:6.2f}  {(rss - last[1]) / step:7.2f}  "
            f"{view.document().blockCount():6d}"
        )
        done, last = end, (heap, rss)
    print(
        f"{args.turns} turns after {WARM_UP}: C heap {(last[0] - heap0) / args.turns:.2f} KB/turn, "
        f"RSS {(last[1] - rss0) / args.turns:.2f} KB/turn; load {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
