"""The table ``benchmarks/footprint.py`` prints: its figures, rows, ratios and targets."""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass, field


@dataclass
class Figures:
    """One program's readings, one list per figure (one value per round)."""

    values: dict[str, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float | None) -> None:
        if value is not None:
            self.values.setdefault(name, []).append(value)

    def median(self, name: str) -> float | None:
        got = self.values.get(name)
        return statistics.median(got) if got else None

    def spread(self, name: str) -> str:
        got = self.values.get(name) or []
        return f"{min(got):.2f}–{max(got):.2f}" if len(got) > 1 else ""


LABELS = {
    "cloud": "Captioner captioning via the cloud",
    "quick": "AssemblyAI quickstart captioning",
    "idle-cloud": "Captioner idle, cloud selected",
    "idle-offline": "Captioner idle, offline selected",
    "offline": "Captioner captioning offline",
    "bare": "bare PySide6 window",
    "model": "PocketSphinx model only",
}
REFERENCES = {"quick": "quickstart", "bare": "bare window", "model": "model only"}


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure of Captioner against one of a reference."""

    label: str
    mine: str  # Figures name
    theirs: str
    key: str
    unit: str  # "s", "MB" or "/s"
    target: str
    max_ratio: float | None = None
    max_value: float | None = None
    max_over: float | None = None  # at most this much above the reference
    their_key: str | None = None  # the reference's figure, when not ``key``


def rows(seconds: float) -> list[Row]:
    return [
        Row(f"CPU s, {seconds:g} s of cloud captioning (start-up incl.)", "cloud", "quick",
            "cpu", "s", "≤ 1.2×", max_ratio=1.2),
        Row("max RSS while captioning via the cloud", "cloud", "quick", "max_rss", "MB",
            "≤ 150 MB", max_value=150),
        Row("idle RSS, window open, cloud selected", "idle-cloud", "bare", "idle_rss", "MB",
            "≤ 130 MB", max_value=130),
        Row("idle RSS, window open, offline selected", "idle-offline", "model", "idle_rss", "MB",
            "(summed)"),
        Row("  the same, each shared page counted once", "idle-offline", "model", "idle_distinct",
            "MB", "≤ model+80", max_over=80),
        Row("max RSS while captioning offline", "offline", "model", "max_rss", "MB", "(summed)",
            their_key="idle_rss"),
        Row("  the same, each shared page counted once", "offline", "model", "max_distinct",
            "MB", "≤ model+80", max_over=80, their_key="idle_distinct"),
        Row("idle wake-ups a second, window open, cloud selected", "idle-cloud", "bare",
            "idle_wakes", "/s", "≤ 1 /s", max_value=1),
        Row("  the same, offline selected", "idle-offline", "bare", "idle_wakes", "/s", "≤ 1 /s",
            max_value=1),
        Row("launch → window visible", "windows", "bare", "visible", "s", "≤ 2×", max_ratio=2),
        Row("launch → session open", "cloud", "quick", "open", "s", "≤ 1.2×", max_ratio=1.2),
        Row("SIGINT → process gone (Terminate, Termination)", "cloud", "quick", "stop", "s",
            "≤ 1.2×", max_ratio=1.2),
    ]  # fmt: skip


def report(figures: dict[str, Figures], args: argparse.Namespace) -> int:
    launches = ("cloud", "idle-cloud", "idle-offline")
    figures["windows"] = Figures(
        {"visible": [v for n in launches for v in figures[n].values.get("visible", [])]}
    )
    line = "{:<50} {:>9} {:>9} {:<11} {:>5}  {:<9} {}"
    head = line.format("figure", "Captioner", "reference", "", "ratio", "target", "met")
    print("\n" + head + "\n" + "-" * len(head))
    ranges = []
    for row in rows(args.caption_seconds):
        mine, theirs = figures[row.mine], figures[row.theirs]
        a, b = mine.median(row.key), theirs.median(row.their_key or row.key)
        shown = [
            "—" if v is None else (f"{v:.0f} MB" if row.unit == "MB" else f"{v:.2f} {row.unit}")
            for v in (a, b)
        ]
        ratio, met = "", "?"
        if a is not None and b is not None:
            ratio, met = (f"{a / b:.2f}" if b else "—"), "—"
            if row.max_ratio is not None:
                met = "yes" if a / b <= row.max_ratio else "NO"
            elif row.max_value is not None:
                met = "yes" if a <= row.max_value else "NO"
            elif row.max_over is not None:
                met = "yes" if a <= b + row.max_over else "NO"
        reference = REFERENCES[row.theirs]
        print(line.format(row.label, *shown, reference, ratio, row.target, met))
        theirs_spread = theirs.spread(row.their_key or row.key)
        if mine.spread(row.key) or theirs_spread:
            ranges.append(f"  {row.label}: {mine.spread(row.key) or '—'} / {theirs_spread or '—'}")
    print(
        f"\nmedians of {args.repeat} round(s); ranges (Captioner / reference):", *ranges, sep="\n"
    )
    for name in ("cloud", "quick"):
        seen = figures[name].values.get("terminated", [])
        turns = figures[name].median("turns")
        print(
            f"  {LABELS[name]}: Terminate and Termination before exit "
            f"{int(sum(seen))}/{len(seen)}; {turns} Turns per session"
        )
    for name in ("cloud", "quick"):
        before, after = (
            figures[name].median("to_terminate"),
            figures[name].median("after_termination"),
        )
        if before is not None and after is not None:
            print(
                f"  {LABELS[name]}: SIGINT → Terminate at the server {before:.2f} s, "
                f"Termination sent → process gone {after:.2f} s"
            )
    shown = [(n, figures[n].median("visible")) for n in launches]
    print(
        "  launch → window visible by launch:",
        ", ".join(f"{LABELS[n].removeprefix('Captioner ')} {v:.2f} s" for n, v in shown if v),
    )
    offline, cloud = (
        figures["idle-offline"].median("idle_rss"),
        figures["idle-cloud"].median("idle_rss"),
    )
    if offline and cloud:
        print(f"  offline minus cloud selected, idle (the offline model): {offline - cloud:.0f} MB")
    for name, fig in figures.items():
        for note in fig.notes:
            print(f"  {LABELS.get(name, name)}: {note}", file=sys.stderr)
    return 1 if any(fig.notes for fig in figures.values()) else 0
