"""A recorder of paint events, for tests that assert what repaints (and what does not)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect


class Paints(QObject):
    """Records each paint of the objects it watches: the rectangle, and how many per object name.

    An object without a name is counted under its class name.
    """

    def __init__(self, *watched: QObject) -> None:
        super().__init__()
        self.rects: list[QRect] = []
        self.seen: dict[str, int] = {}
        for each in watched:
            each.installEventFilter(self)

    @property
    def count(self) -> int:
        return len(self.rects)

    def clear(self) -> None:
        self.rects.clear()
        self.seen.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.rects.append(event.rect())  # type: ignore[attr-defined]
            name = watched.objectName() or type(watched).__name__
            self.seen[name] = self.seen.get(name, 0) + 1
        return False
