"""The call-mode panel: pickers, meters, mute, names, echo hint, accessibility."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton, QStyle, QVBoxLayout, QWidget

from captioner.ui.call_panel import CallPanel
from captioner.ui.level_meter import level_to_percent


@dataclass(frozen=True)
class Item:
    label: str
    is_default: bool = False


MICS = [Item("Built-in Mic (ALSA)"), Item("Headset (ALSA)")]
SYSTEMS = [Item("System audio — Speakers"), Item("System audio — HDMI", is_default=True)]


def make(qtbot) -> CallPanel:
    panel = CallPanel()
    qtbot.addWidget(panel)
    panel.set_sources(MICS, SYSTEMS)
    return panel


def test_default_output_monitor_is_preselected(qtbot) -> None:
    panel = make(qtbot)
    assert panel.selected("mic") == MICS[0]
    assert panel.selected("system") == SYSTEMS[1]
    # A refresh keeps the user's choice.
    panel.pickers["system"].setCurrentIndex(0)
    panel.set_sources(MICS, SYSTEMS)
    assert panel.selected("system") == SYSTEMS[0]


def test_picking_a_source_is_signalled(qtbot) -> None:
    panel = make(qtbot)
    with qtbot.waitSignal(panel.sourceChanged) as blocker:
        panel.pickers["mic"].setCurrentIndex(1)
    assert blocker.args == ["mic", MICS[1]]


def test_call_mode_toggle_and_mute_buttons_emit(qtbot) -> None:
    panel = make(qtbot)
    # On the box itself: the middle of a check box wider than its text is not a click
    # on it (in a narrower font than DejaVu Sans, Noto Sans, the text ends before it).
    box = panel.toggle.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
    on_box = QPoint(box // 2 + 1, panel.toggle.height() // 2)
    with qtbot.waitSignal(panel.callModeToggled) as toggled:
        qtbot.mouseClick(panel.toggle, Qt.MouseButton.LeftButton, pos=on_box)
    assert toggled.args == [True] and panel.call_mode()
    with qtbot.waitSignal(panel.muteToggled) as muted:
        qtbot.mouseClick(panel.mute_buttons["system"], Qt.MouseButton.LeftButton)
    assert muted.args == ["system", True]
    assert panel.muted("system") and panel.mute_buttons["system"].text() == "Unmute"


def test_names_are_editable_and_empty_falls_back(qtbot) -> None:
    panel = make(qtbot)
    field = panel.name_fields["system"]
    field.clear()
    qtbot.keyClicks(field, "Client")
    with qtbot.waitSignal(panel.namesChanged) as changed:
        field.editingFinished.emit()
    assert changed.args == [{"mic": "You", "system": "Client"}]
    panel.name_fields["mic"].setText("  ")
    assert panel.names()["mic"] == "You"


def test_levels_use_a_db_scale(qtbot) -> None:
    panel = make(qtbot)
    panel.set_levels(0.1, 0.0)  # -20 dBFS: two thirds of the bar
    assert panel.meters["mic"].value() == 67
    assert panel.meters["system"].value() == 0
    assert level_to_percent(1.0) == 100 and level_to_percent(0.001) == 0


def test_echo_hint_shows_and_hides(qtbot) -> None:
    panel = make(qtbot)
    panel.show()
    panel.set_call_mode(True)  # the details unfold only in call mode
    panel.show_echo_hint("Use headphones.")
    assert panel.echo_hint.isVisible() and panel.echo_hint.text() == "Use headphones."
    panel.show_echo_hint("")
    assert not panel.echo_hint.isVisible()


def test_running_locks_sources_but_not_mute(qtbot) -> None:
    panel = make(qtbot)
    panel.set_running(True)
    assert not panel.toggle.isEnabled() and not panel.pickers["mic"].isEnabled()
    assert panel.mute_buttons["mic"].isEnabled()
    panel.set_running(False)
    assert panel.pickers["system"].isEnabled()


def test_empty_system_list_disables_its_picker_and_help_explains(qtbot) -> None:
    panel = CallPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_sources(MICS, [])
    assert panel.selected("system") is None and not panel.pickers["system"].isEnabled()
    panel.set_help("Install BlackHole")
    assert not panel.help.isVisible()  # folded away while call mode is off
    panel.set_call_mode(True)
    assert panel.help.isVisible()


def test_every_control_has_an_accessible_name(qtbot) -> None:
    panel = make(qtbot)
    controls: list[QWidget] = [panel.toggle, panel.echo_hint, panel.help]
    for group in (panel.pickers, panel.meters, panel.mute_buttons, panel.name_fields):
        controls += list(group.values())
    # Nothing focusable (the combo boxes' popups aside) is missing from the list.
    focusable = [
        w
        for w in panel.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus and w.parent() in (panel,)
    ]
    assert set(focusable) <= set(controls)
    for widget in controls:
        assert widget.accessibleName(), widget


def test_tab_goes_from_the_toggle_through_both_rows_then_on(qtbot) -> None:
    """The rows are built after the rest of the window (issue 14), yet Tab still
    visits them right after the toggle, side by side, before what follows the panel."""
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    panel = CallPanel()
    after = QPushButton("Start")
    layout.addWidget(panel)
    layout.addWidget(after)
    window.show()
    panel.set_call_mode(True)
    panel.set_sources(MICS, SYSTEMS)
    expected = [
        panel.pickers["mic"],
        panel.mute_buttons["mic"],
        panel.name_fields["mic"],
        panel.pickers["system"],
        panel.mute_buttons["system"],
        panel.name_fields["system"],
        after,
    ]
    visited = []
    widget = panel.toggle
    while len(visited) < len(expected):
        widget = widget.nextInFocusChain()
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible():
            visited.append(widget)
    assert [w.accessibleName() or w.text() for w in visited] == [
        w.accessibleName() or w.text() for w in expected
    ]


def test_names_and_running_state_given_before_the_rows_exist_are_shown_in_them(qtbot) -> None:
    panel = CallPanel()
    qtbot.addWidget(panel)
    panel.set_names({"mic": "Ana", "system": ""})
    panel.set_running(True)
    assert panel.names() == {"mic": "Ana", "system": "Them"}
    panel.set_sources(MICS, SYSTEMS)  # the rows are built now
    assert panel.name_fields["mic"].text() == "Ana"
    assert panel.name_fields["system"].text() == "Them"
    assert not panel.pickers["mic"].isEnabled()  # fixed during the run
    assert not panel.muted("mic")
    assert panel.name_fields["mic"].isReadOnly()  # names too: each line carries its name


def test_a_name_cannot_be_changed_mid_call_and_can_after_stop(qtbot) -> None:
    # A name is written into each line as it is captioned: a rename mid-call changed
    # nothing in that call (every later line kept the old name, exports too), unsaid.
    panel = CallPanel()
    qtbot.addWidget(panel)
    panel.set_sources(MICS, SYSTEMS)
    panel.toggle.setChecked(True)
    field = panel.name_fields["system"]
    changes: list[dict] = []
    panel.namesChanged.connect(changes.append)
    panel.set_running(True)
    field.setFocus()
    qtbot.keyClicks(field, "Bob")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert field.text() == "Them" and changes == [] and panel.names()["system"] == "Them"
    assert "after Stop" in field.toolTip()
    panel.set_running(False)
    field.selectAll()
    qtbot.keyClicks(field, "Bob")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert changes == [{"mic": "You", "system": "Bob"}]
    assert "after Stop" not in field.toolTip()
