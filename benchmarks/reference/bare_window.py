"""A bare PySide6 window: the floor for start-up time and idle memory (benchmarks/footprint.py)."""

import signal
import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl+C ends it at once
app = QApplication(sys.argv)
window = QMainWindow()
window.setWindowTitle("Bare PySide6 window")
window.setCentralWidget(QLabel("reference: a bare QMainWindow"))
window.resize(640, 420)
window.show()
sys.exit(app.exec())
