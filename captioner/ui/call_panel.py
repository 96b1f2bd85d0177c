"""The call-mode controls: which two sources, their levels, mute, and the side names.

A self-contained widget: it renders what it is given and emits what the user
did; the app turns that into a :class:`~captioner.audio.call.CallSources`
and a call engine.  No audio or engine code is imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from captioner.audio.sides import DEFAULT_NAMES, MIC, SIDE_NAMES, SYSTEM
from captioner.ui.level_meter import LevelMeter

NAME_TIP = "Label shown before this side's captions"
NAME_TIP_RUNNING = f"{NAME_TIP} (fixed during a call: change it after Stop)"


def _item_text(item: Any) -> str:
    return str(getattr(item, "label", None) or getattr(item, "name", None) or item)


class CallPanel(QWidget):
    """Call mode toggle, a picker, meter, mute button and name field per side.

    Signals:
        callModeToggled(bool): the user switched call mode on or off.
        muteToggled(str, bool): side ("mic"/"system") muted (True) or unmuted.
        namesChanged(dict): the side names after an edit, e.g. {"mic": "You", "system": "Them"}.
        sourceChanged(str, object): side and the item now selected in its picker.
    """

    callModeToggled = Signal(bool)
    muteToggled = Signal(str, bool)
    namesChanged = Signal(dict)
    sourceChanged = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Call mode")
        self.toggle = QCheckBox("&Call mode (caption microphone and system audio)")
        self.toggle.setAccessibleName("Call mode")
        self.toggle.setAccessibleDescription(
            "Caption your microphone and the call audio at the same time, each line labelled"
        )
        self.toggle.toggled.connect(self.callModeToggled)
        self.toggle.toggled.connect(self._show_details)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.toggle)
        self._names = dict(DEFAULT_NAMES)
        self._running = False
        self._updating = False
        # The source rows only matter in call mode: folded away otherwise, so the
        # main window stays simple for people captioning one source.  They are
        # built on first use, after the window has shown (their first line edit
        # alone costs ~4 ms of the launch, issue 14).
        self._details: _Details | None = None

    # -- the folded rows, built on first use -------------------------------------

    @property
    def details(self) -> QWidget:
        """The source rows, echo hint and help (hidden unless call mode is on)."""
        return self._built()

    @property
    def pickers(self) -> dict[str, QComboBox]:
        return self._built().pickers

    @property
    def meters(self) -> dict[str, LevelMeter]:
        return self._built().meters

    @property
    def mute_buttons(self) -> dict[str, QPushButton]:
        return self._built().mute_buttons

    @property
    def name_fields(self) -> dict[str, QLineEdit]:
        return self._built().name_fields

    @property
    def echo_hint(self) -> QLabel:
        return self._built().echo_hint

    @property
    def help(self) -> QLabel:
        return self._built().help

    def _built(self) -> _Details:
        if self._details is None:
            details = _Details(self._names)
            details.setVisible(self.toggle.isChecked())
            self._layout.addWidget(details)
            for side in (MIC, SYSTEM):
                details.pickers[side].currentIndexChanged.connect(
                    lambda _i, s=side: self._on_source(s)
                )
                details.mute_buttons[side].toggled.connect(lambda on, s=side: self._on_mute(s, on))
                details.name_fields[side].editingFinished.connect(self._on_names)
            # Built after the rest of the window: put the rows back after the toggle
            # in the Tab order (a widget added late goes to the end of the chain).
            previous: QWidget = self.toggle
            for widget in details.focus_order():
                QWidget.setTabOrder(previous, widget)
                previous = widget
            self._details = details
            self.set_running(self._running)
        return self._details

    def _show_details(self, on: bool) -> None:
        if on or self._details is not None:
            self._built().setVisible(on)

    # -- state from the app ----------------------------------------------------

    def set_sources(self, mics: Sequence[Any], systems: Sequence[Any]) -> None:
        """Fill the pickers; the system item with ``is_default`` is pre-selected.

        Items are whatever the app lists (``InputDevice``, ``SystemAudioDevice``);
        their ``label`` (else ``name``) is shown and the item comes back from
        :meth:`selected` and ``sourceChanged``.  A previous choice is kept when
        it is still listed.
        """
        self._updating = True
        try:
            for side, items in ((MIC, mics), (SYSTEM, systems)):
                picker = self.pickers[side]
                previous = picker.currentText()
                picker.clear()
                for item in items:
                    picker.addItem(_item_text(item), item)
                index = picker.findText(previous) if previous else -1
                if index < 0:
                    index = next(
                        (i for i, item in enumerate(items) if getattr(item, "is_default", False)),
                        0 if items else -1,
                    )
                picker.setCurrentIndex(index)
                picker.setEnabled(bool(items) and not self._running)  # fixed during a run
        finally:
            self._updating = False

    def select(self, side: str, name: str) -> None:
        """Select the item called ``name`` in ``side``'s picker (a remembered choice), if listed."""
        picker = self.pickers[side]
        for index in range(picker.count()):
            if name and getattr(picker.itemData(index), "name", None) == name:
                self._updating = True
                try:
                    picker.setCurrentIndex(index)
                finally:
                    self._updating = False
                return

    def set_levels(self, mic: float, system: float) -> None:
        """Show both sides' RMS levels (0..1)."""
        self.meters[MIC].set_level(mic)
        self.meters[SYSTEM].set_level(system)

    def show_echo_hint(self, text: str) -> None:
        """Show the "use headphones" hint; an empty text hides it."""
        self.echo_hint.setText(text)
        self.echo_hint.setVisible(bool(text))

    def set_help(self, text: str) -> None:
        """Explain how to get a system-audio source (shown when there is none)."""
        self.help.setText(text)
        self.help.setVisible(bool(text))

    def set_running(self, running: bool) -> None:
        """Sources, call mode and names are fixed during a run; mute is not.

        A name is written into each line as it is captioned (and so into the
        session and its exports): a rename mid-call would label the call's lines
        two ways, so the fields are read-only meanwhile, and say so.
        """
        self._running = running
        self.toggle.setEnabled(not running)
        if self._details is None:
            return  # applied when the rows are built
        for picker in self._details.pickers.values():
            picker.setEnabled(not running and picker.count() > 0)
        for field in self._details.name_fields.values():
            field.setReadOnly(running)
            field.setToolTip(NAME_TIP_RUNNING if running else NAME_TIP)

    def set_call_mode(self, on: bool) -> None:
        self.toggle.setChecked(on)

    def set_names(self, names: dict[str, str]) -> None:
        """The remembered side names (an empty one keeps the default)."""
        self._names = {side: names.get(side) or name for side, name in self._names.items()}
        if self._details is not None:
            for side, field in self._details.name_fields.items():
                field.setText(self._names[side])

    # -- what the user chose -----------------------------------------------------

    def call_mode(self) -> bool:
        return self.toggle.isChecked()

    def selected(self, side: str) -> Any:
        """The item selected in ``side``'s picker (None when the list is empty)."""
        return self.pickers[side].currentData()

    def muted(self, side: str) -> bool:
        return self._details is not None and self._details.mute_buttons[side].isChecked()

    def names(self) -> dict[str, str]:
        """Side names, falling back to the defaults for an empty field."""
        if self._details is None:
            return dict(self._names)
        return {
            side: field.text().strip() or DEFAULT_NAMES[side]
            for side, field in self._details.name_fields.items()
        }

    # -- internals ---------------------------------------------------------------

    def _on_source(self, side: str) -> None:
        if not self._updating:
            self.sourceChanged.emit(side, self.selected(side))

    def _on_mute(self, side: str, on: bool) -> None:
        self.mute_buttons[side].setText("Unmute" if on else "Mute")
        self.muteToggled.emit(side, on)

    def _on_names(self) -> None:
        names = self.names()
        if names != self._names:
            self._names = names
            self.namesChanged.emit(dict(names))


class _Details(QWidget):
    """Per side a picker, level meter, mute button and name field; the echo hint and help."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self.pickers: dict[str, QComboBox] = {}
        self.meters: dict[str, LevelMeter] = {}
        self.mute_buttons: dict[str, QPushButton] = {}
        self.name_fields: dict[str, QLineEdit] = {}
        grid = QGridLayout()
        titles = {MIC: "&Microphone:", SYSTEM: "S&ystem audio:"}  # Alt+S: the Settings menu
        spoken = SIDE_NAMES
        for row, side in enumerate((MIC, SYSTEM)):
            title = QLabel(titles[side])
            picker = QComboBox()
            picker.setAccessibleName(f"{spoken[side].capitalize()} source")
            # Long source names must not widen the window past a small screen.
            picker.setMinimumContentsLength(12)
            picker.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            title.setBuddy(picker)
            meter = LevelMeter()
            meter.setFixedHeight(10)
            meter.setAccessibleName(f"{spoken[side].capitalize()} level")
            mute = QPushButton("Mute")
            mute.setCheckable(True)
            mute.setAccessibleName(f"Mute {spoken[side]}")
            name = QLineEdit(names[side])
            name.setMaxLength(40)
            name.setAccessibleName(f"Name shown for the {spoken[side]}")
            name.setToolTip(NAME_TIP)
            for column, widget in enumerate((title, picker, meter, mute, name)):
                grid.addWidget(widget, row, column)
            self.pickers[side] = picker
            self.meters[side] = meter
            self.mute_buttons[side] = mute
            self.name_fields[side] = name
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 1)

        self.echo_hint = QLabel()
        self.echo_hint.setWordWrap(True)
        self.echo_hint.setAccessibleName("Echo hint")
        self.echo_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.echo_hint.hide()
        self.help = QLabel()
        self.help.setWordWrap(True)
        self.help.setOpenExternalLinks(True)
        self.help.setAccessibleName("System audio help")
        self.help.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.echo_hint)
        layout.addWidget(self.help)

    def focus_order(self) -> list[QWidget]:
        """The rows' focusable widgets, side by side, left to right; then the help's links."""
        order: list[QWidget] = []
        for side in (MIC, SYSTEM):
            order += [self.pickers[side], self.mute_buttons[side], self.name_fields[side]]
        return [*order, self.help]
