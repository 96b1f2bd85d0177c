"""The main window's top row: Input ⟳ Engine, the level meter, Start/Stop.

Built here so the window's module keeps to its job (state in, intent out);
the window connects the buttons and keeps the widgets as its attributes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QToolButton

from captioner.ui.level_meter import LevelMeter


class TopRow(QHBoxLayout):
    """The pickers with their labels (Alt+I, Alt+N), the refresh button, meter and Start."""

    def __init__(self) -> None:
        super().__init__()
        input_label = QLabel("&Input:")
        self.input_combo = QComboBox()
        self.input_combo.setAccessibleName("Input device")
        # Narrow enough for a 512-px-wide screen (1024×600 at 2×); wider when there is room.
        self.input_combo.setMinimumContentsLength(10)
        self.input_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        input_label.setBuddy(self.input_combo)
        self.refresh_button = QToolButton()
        self.refresh_button.setText("⟳")
        self.refresh_button.setToolTip("Look for input devices again")
        self.refresh_button.setAccessibleName("Refresh input devices")
        engine_label = QLabel("E&ngine:")  # Alt+E is the Edit menu
        self.engine_combo = QComboBox()
        self.engine_combo.setAccessibleName("Recognition engine")
        self.engine_combo.setMinimumContentsLength(8)
        self.engine_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        engine_label.setBuddy(self.engine_combo)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startButton")
        self.start_button.setAccessibleName("Start or stop captioning")
        # Not a "default" button: a main window has no Enter-to-accept, and the
        # default look hid whether Start had the keyboard focus.
        self.start_button.setAutoDefault(False)
        self.addWidget(input_label)
        self.addWidget(self.input_combo, 1)
        self.addWidget(self.refresh_button)
        self.addSpacing(6)
        self.addWidget(engine_label)
        self.addWidget(self.engine_combo, 1)
        self.addSpacing(6)
        self.level_meter = LevelMeter()
        self.level_meter.setObjectName("levelMeter")
        self.level_meter.setAccessibleName("Input level")
        self.level_meter.setFixedWidth(56)
        self.level_meter.setToolTip("Input level: it moves when the device hears sound")
        self.addWidget(self.level_meter, 0, Qt.AlignmentFlag.AlignVCenter)
        self.addWidget(self.start_button)
