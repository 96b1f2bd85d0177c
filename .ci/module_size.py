"""Fail when a module in captioner/ grows past 400 lines (issue 11: small modules, one job each).

Run by ``make lint``; prints each offender with its length.
"""

import sys
from pathlib import Path

LIMIT = 400
ROOT = Path(__file__).resolve().parent.parent / "captioner"

over = sorted(
    (n, path.relative_to(ROOT.parent))
    for path in ROOT.rglob("*.py")
    if (n := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
)
for n, path in over:
    print(f"{path}: {n} lines (limit {LIMIT}): split it by job")
sys.exit(1 if over else 0)
