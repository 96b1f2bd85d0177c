"""The main window's status line: one short sentence, its details on demand, an action.

What the status line says must be true and short.  Technical detail (a
websocket close code, a host and port) goes in the tooltip and the log, not
in place of the sentence; a problem is red, in a red that reads at AA on the
current palette; a passing state such as "Reconnecting…" is quiet.  After an
export the line offers "Open folder", so the file is one click away.

A problem is also announced to screen readers (assertively), once: a status
line is not read out when it changes, so "API key rejected" or "Not being
saved" went unheard.  A run's states that keep a problem as their note
("Listening · Not being saved", "Reconnecting… · Not being saved") announce
it once, not at each state.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QColor,
    QDesktopServices,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from captioner.ui.contrast import readable

ERROR_HUE = QColor("#c0392b")


class StatusLine(QWidget):
    """A label for the state of things, and an "Open folder" button after an export.

    Signals:
        folderOpened(str): the user asked to see the folder of the last export.
    """

    folderOpened = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("Ready")
        self.label.setObjectName("statusLine")
        self.label.setAccessibleName("Status")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.open_folder = QPushButton("O&pen folder")  # Alt+F: the File menu
        self.open_folder.setObjectName("openExportFolder")
        self.open_folder.setAccessibleName("Open the folder of the exported file")
        self.open_folder.clicked.connect(self._open_folder)
        self.open_folder.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.open_folder)
        self._error = False
        self._minimum = 0  # the minimum width last given to the layout
        self._announced = ""  # the problem last announced (its part after the state)
        self._folder: Path | None = None
        self.opener = QDesktopServices.openUrl  # tests replace it: no file manager there

    def show_status(self, text: str, is_error: bool = False, detail: str = "") -> None:
        """Say ``text``; ``detail`` (technical) goes in the tooltip, never in the line."""
        self.label.setText(text)
        self.label.setToolTip(detail if detail and detail != text else "")
        self.label.setAccessibleDescription(detail if detail != text else "")
        self._error = is_error
        self.label.setProperty("error", is_error)
        self._folder = None
        self.open_folder.hide()
        self._apply_colour()
        self.updateGeometry()
        self._announce(text if is_error else "")

    def _announce(self, problem: str) -> None:
        said = problem.rsplit(" · ", 1)[-1]
        if said and said != self._announced:
            event = QAccessibleAnnouncementEvent(self.label, problem)
            event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
            QAccessible.updateAccessibility(event)
        self._announced = said

    def show_saved(self, text: str, path: str | Path) -> None:
        """An export finished: say where, and offer to open its folder."""
        self.show_status(text)
        self._folder = Path(path).parent
        self.open_folder.setToolTip(str(self._folder))
        self.open_folder.show()
        self.updateGeometry()

    def text(self) -> str:
        return self.label.text()

    def detail(self) -> str:
        return self.label.toolTip()

    def is_error(self) -> bool:
        return self._error

    # A word-wrapped label in a status bar is sized for a guessed width (about
    # 170 px), so a one-line message left the bar three lines tall.  Size for
    # the width the line really has.
    def _text_width(self) -> int:
        button = self.open_folder.sizeHint().width() + 6 if self.open_folder.isVisible() else 0
        return self.width() - button

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self._text_width() > 50:
            height = self.label.heightForWidth(self._text_width())
            if self.open_folder.isVisible():
                height = max(height, self.open_folder.sizeHint().height())
            hint.setHeight(max(height, self.fontMetrics().height()))
        return hint

    def minimumSizeHint(self) -> QSize:
        # Its text on one line if that takes at most 40 % of the window: the
        # bar's other labels (a notice, the model) give way to it, so a short
        # state such as "Listening · microphone lost" is never folded into a
        # column of single words beside a long notice.  Longer text wraps.
        room = self.window().width() * 2 // 5 if self.window() is not self else 0
        return QSize(max(80, min(self._one_line_width(), room)), self.sizeHint().height())

    def _one_line_width(self) -> int:
        margins = self.label.contentsMargins()
        width = self.label.fontMetrics().horizontalAdvance(self.label.text())
        width += margins.left() + margins.right() + 2 * self.label.margin() + 2
        if self.open_folder.isVisible():
            width += self.open_folder.sizeHint().width() + 6
        return width

    def hasHeightForWidth(self) -> bool:
        return False  # sizeHint already answers for the current width

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        minimum = self.minimumSizeHint().width()
        if self.sizeHint().height() != self.height() or minimum != self._minimum:
            self._minimum = minimum  # follows the window's width (see minimumSizeHint)
            self.updateGeometry()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_colour()

    def _apply_colour(self) -> None:
        palette = self.label.palette()
        window = self.palette().color(QPalette.ColorRole.Window)
        normal = self.palette().color(QPalette.ColorRole.WindowText)
        palette.setColor(
            QPalette.ColorRole.WindowText, readable(ERROR_HUE, window) if self._error else normal
        )
        self.label.setPalette(palette)
        font = self.label.font()
        font.setBold(self._error)
        self.label.setFont(font)

    def _open_folder(self) -> None:
        if self._folder is not None:
            self.folderOpened.emit(str(self._folder))
            self.opener(QUrl.fromLocalFile(str(self._folder)))
