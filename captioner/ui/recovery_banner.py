"""Banners over the transcript: recover a session a crash left unfinished; sessions not saved.

A banner rather than a dialog: nothing should stand between someone
launching the app and captioning; they can decide later.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class RecoveryBanner(QFrame):
    """Recover / Discard / Later for an unfinished session (hidden until shown).

    Signals:
        recoverRequested(): the Recover button.
        discardRequested(): the Discard button.
    """

    recoverRequested = Signal()
    discardRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        self.label = QLabel()
        self.label.setWordWrap(True)
        recover = QPushButton("&Recover")
        recover.setAccessibleName("Recover the unfinished session")
        recover.clicked.connect(self.recoverRequested)
        discard = QPushButton("Discard")
        discard.setAccessibleName("Discard the unfinished session")
        discard.clicked.connect(self.discardRequested)
        later = QPushButton("Later")
        later.setAccessibleName("Decide about the unfinished session later")
        later.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        for button in (recover, discard, later):
            layout.addWidget(button)
        self.hide()

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.show()


class FolderBanner(QFrame):
    """Sessions are not being saved: why, and a button to choose another folder.

    It stays until saving works again (the session manager says when): a
    status line is overwritten by the next state, and this must not be
    missed while captions still look normal.  Its host shows and hides it.

    Signals:
        chooseRequested(): the "Choose another folder…" button.
    """

    chooseRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("folderBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Sessions are not being saved")
        self.choose = QPushButton("Choose &another folder…")  # Alt+C: Call mode
        self.choose.setAccessibleName("Choose another folder for saved sessions")
        self.choose.clicked.connect(self.chooseRequested)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.choose)

    def set_text(self, text: str) -> None:
        self.label.setText(text)
