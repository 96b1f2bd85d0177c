"""The main window as a new user meets it (issue 13: items 5, 7, 11, 12, 13).

The transcript keeps the newest line in view, status says what is true,
every text reads at WCAG AA on light and dark palettes, focus is visible,
call mode explains itself, and the keys people try first work.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, QPoint, QRect, Qt, QUrl, Slot
from PySide6.QtGui import QColor, QDesktopServices, QImage, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QWidget

from captioner import __version__
from captioner.audio.echo import ECHO_HINT
from captioner.core.transcript import Turn, Word
from captioner.engines.base import EngineError, EngineState, ErrorKind
from captioner.ui.contrast import AA_NORMAL, contrast_ratio, text_colours
from captioner.ui.main_window import MainWindow
from captioner.ui.resources import read_text
from captioner.ui.transcript_view import IDLE_PLACEHOLDER

DROP_DETAIL = (
    "Reconnecting… (lost the connection to 127.0.0.1:40333: Connection closed (code=1006))"
)


def turn(n: int, text: str = "", *, source: str = "", speaker: str | None = None) -> Turn:
    words = (Word("w", n * 2000, n * 2000 + 500),)
    return Turn(
        f"k{n}",
        n,
        text or f"line number {n} of what was said",
        words=words,
        finished=True,
        source=source,
        speaker=speaker,
    )


@pytest.fixture
def window(qtbot) -> MainWindow:
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(820, 520)
    w.show()
    qtbot.waitExposed(w)
    return w


def at_bottom(w: MainWindow) -> bool:
    bar = w.transcript.verticalScrollBar()
    return bar.maximum() > 0 and bar.value() == bar.maximum()


# -- item 5: the newest line stays in view ---------------------------------------


def test_the_transcript_follows_the_newest_line_when_a_warning_shrinks_the_view(
    window, qtbot
) -> None:
    window.setFixedSize(820, 520)  # as when maximised or tiled: the view must give way
    for n in range(40):
        window.add_turn(n, turn(n))
    assert at_bottom(window)
    height = window.transcript.viewport().height()
    # A long warning and the echo hint push the transcript up from below and above.
    window.show_status("The microphone stopped. " * 12, True)
    window.call_panel.toggle.setChecked(True)
    window.call_panel.show_echo_hint(ECHO_HINT)
    qtbot.waitUntil(lambda: window.transcript.viewport().height() < height - 20)
    assert at_bottom(window), "the newest line went out of view when the view shrank"
    window.set_partial(Turn("p", 99, "and the line being spoken now"))
    assert at_bottom(window)
    window.add_turn(40, turn(40))
    assert at_bottom(window)
    assert not window.transcript.jump_button.isVisible()


def test_scrolling_up_keeps_the_place_and_offers_jump_to_latest(window, qtbot) -> None:
    for n in range(40):
        window.add_turn(n, turn(n))
    bar = window.transcript.verticalScrollBar()
    bar.setValue(0)  # the reader scrolls up to reread
    window.add_turn(40, turn(40))
    window.set_partial(Turn("p", 99, "more speech arrives"))
    assert bar.value() == 0, "new speech yanked the reader back down"
    button = window.transcript.jump_button
    assert button.isVisible() and "latest" in button.text().lower()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert at_bottom(window) and not button.isVisible()
    window.add_turn(41, turn(41))
    assert at_bottom(window)  # following again


# -- item 7: honest status ----------------------------------------------------------


def test_a_dropped_connection_says_reconnecting_with_the_detail_in_a_tooltip(make_app) -> None:
    app = make_app()
    w, bridge = app.window, app.controller._bridge
    app.controller.runningChanged.emit(True)  # as when a run starts
    assert w.transcript.placeholderText() != IDLE_PLACEHOLDER
    assert "Start" not in w.transcript.placeholderText()
    bridge.on_state(EngineState.CONNECTING, DROP_DETAIL)
    assert w.status_text() == "Reconnecting…"
    assert not w.status_line.is_error()
    assert "code=1006" in w.status_detail() and "code=1006" not in w.status_text()
    assert "code=1006" in w.status_label.toolTip()
    bridge.on_state(EngineState.LISTENING, "")
    assert w.status_text() == "Listening" and not w.status_detail()
    bridge.on_error(
        EngineError(
            ErrorKind.NETWORK,
            "Lost the connection to AssemblyAI and could not get it back.",
            detail="127.0.0.1:40333: Connection closed (code=1006)",
        )
    )
    assert w.status_text().startswith("Lost the connection") and w.status_line.is_error()
    assert "code=1006" in w.status_detail() and "code=1006" not in w.status_text()
    app.controller.runningChanged.emit(False)
    assert w.transcript.placeholderText() == IDLE_PLACEHOLDER


def test_the_echo_warning_is_shown_once(make_app) -> None:
    app = make_app()
    w = app.window
    w.call_panel.toggle.setChecked(True)
    app.call.echo.emit(ECHO_HINT)  # what the call sources report
    app.controller._bridge.on_state(EngineState.LISTENING, "")
    shown = [t for t in text_colours(w) if "headphones" in t.text]
    assert len(shown) == 1, [t.where for t in shown]
    assert w.status_text() == "Listening"


# -- item 12: contrast -------------------------------------------------------------------


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.Button, "#3a3a3a"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"),
        (QPalette.ColorRole.Mid, "#555555"),
        (QPalette.ColorRole.Highlight, "#3d8ee6"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


@pytest.fixture(params=["light", "dark"])
def styled(request: pytest.FixtureRequest) -> Iterator[str]:
    """The app's style sheet and a light or dark system palette, as run_gui sets them."""
    app = QApplication.instance()
    old_palette, old_sheet = app.palette(), app.styleSheet()
    if request.param == "dark":
        app.setPalette(dark_palette())
    app.setStyleSheet(read_text("main.qss"))
    yield request.param
    app.setStyleSheet(old_sheet)
    app.setPalette(old_palette)


def test_every_text_in_the_main_window_reads_at_wcag_aa(make_app, styled) -> None:
    app = make_app()
    w = app.window
    w.call_panel.toggle.setChecked(True)
    w.add_turn(0, turn(0, "We should start.", source="mic", speaker="You"))
    w.add_turn(1, turn(1, "Agreed.", source="system", speaker="Them"))
    w.add_turn(
        2,
        Turn("k2", 2, "stand-in words", words=(Word("w", 5, 9),), finished=True, provisional=True),
    )
    w.set_partial(Turn("p", 3, "and the line being spoken"))
    w.show_status("The microphone was unplugged.", True)
    found = text_colours(w)
    where = {t.where.split(" line")[0] for t in found}
    assert {"engineHint", "transcriptView", "statusLine"} <= where  # the texts the issue named
    low = [f"{t.where} {t.text[:30]!r}: {t.ratio:.2f}" for t in found if t.ratio < AA_NORMAL]
    assert not low, low


def test_every_text_in_the_settings_sessions_shortcuts_and_about_reads_at_aa(
    make_app, qtbot, styled
) -> None:
    app = make_app()
    w = app.window
    w.show_recovery("Captioner closed unexpectedly during a session (12 lines saved). Recover it?")
    dialog = app.dialogs.edit_assemblyai()
    qtbot.waitUntil(lambda: dialog.key_state is not None)
    windows = [w, dialog, app.session_actions.show_sessions(), w.show_shortcuts(), w.show_about()]
    low = [
        f"{type(root).__name__} {t.where} {t.text[:30]!r}: {t.ratio:.2f}"
        for root in windows
        for t in text_colours(root)
        if t.ratio < AA_NORMAL
    ]
    assert not low, low  # placeholders were 4.0:1 (half-transparent text)


def test_the_contrast_check_catches_the_old_grey_hint(qtbot, styled) -> None:
    """The measuring stick itself: the hint's old colour (palette(mid)) fails it."""
    label = QLabel("Offline: private, free, works without internet")
    label.setStyleSheet("color: palette(mid);")
    qtbot.addWidget(label)
    label.show()
    (measured,) = text_colours(label)
    assert measured.ratio < AA_NORMAL
    assert contrast_ratio(QColor("#7f8c8d"), QColor("#ffffff")) == pytest.approx(3.48, abs=0.01)


# -- item 11: focus you can see, keys that work ------------------------------------------


def strongly_changed(before: QImage, after: QImage) -> int:
    """Pixels whose colour changed by 3:1 or more (WCAG's bar for a focus indicator)."""
    count = 0
    for y in range(before.height()):
        for x in range(before.width()):
            a, b = before.pixel(x, y), after.pixel(x, y)
            if a != b and contrast_ratio(QColor(a), QColor(b)) >= 3.0:
                count += 1
    return count


def test_keyboard_focus_is_visible_on_every_control(make_app, qtbot, styled) -> None:
    """Tab through the window: around each control, focus changes at least half its
    perimeter's worth of pixels by 3:1 or more (Fusion's own marks on pickers and
    check boxes changed none)."""
    w = make_app().window
    w.call_panel.toggle.setChecked(True)  # its controls too
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.transcript.setFocus()
    qtbot.waitUntil(w.transcript.hasFocus)

    def around(widget: QWidget) -> QImage:
        box = QRect(widget.mapTo(w, QPoint(0, 0)), widget.size()).adjusted(-4, -4, 4, 4)
        return w.grab(box).toImage()

    seen, faint = set(), []
    for _ in range(30):
        looks = {x: around(x) for x in w.findChildren(QWidget) if x.isVisibleTo(w)}
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        if widget in seen:
            break
        seen.add(widget)
        changed = strongly_changed(looks[widget], around(widget))
        if changed < widget.width() + widget.height():
            faint.append(f"{widget.accessibleName() or type(widget).__name__}: {changed}")
    assert {w.start_button, w.transcript, w.engine_combo, w.call_panel.toggle} <= seen
    assert not faint, faint


def test_about_opens_with_its_focus_drawn_around_its_text(window, qtbot, styled) -> None:
    """About opens with the focus on its text, which showed it only by a text cursor."""
    about = window.show_about()
    about.activateWindow()
    qtbot.waitUntil(about.text.hasFocus)
    text = about.text

    def around() -> QImage:
        box = QRect(text.mapTo(about, QPoint(0, 0)), text.size()).adjusted(-4, -4, 4, 4)
        return about.grab(box).toImage()

    focused = around()
    about.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close).setFocus()
    qtbot.waitUntil(lambda: not text.hasFocus())
    changed = strongly_changed(around(), focused)
    assert changed >= text.width() + text.height(), f"{changed} pixels mark the focus"


def test_about_rings_the_link_tab_reaches_and_enter_opens_it(window, qtbot, styled) -> None:
    """A focused link in About was marked only by Qt's faint dotted outline."""
    opened: list[str] = []

    class Browser(QObject):
        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            opened.append(url.toString())

    browser = Browser()
    QDesktopServices.setUrlHandler("https", browser, "open")
    try:
        about = window.show_about()
        about.activateWindow()
        qtbot.waitUntil(about.text.hasFocus)
        first = about.links[0]
        box = QRect(first.mapTo(about, QPoint(0, 0)), first.size()).adjusted(-4, -4, 4, 4)
        unfocused = about.grab(box).toImage()
        QTest.keyClick(about.text, Qt.Key.Key_Tab)  # one Tab: onto the first link
        assert QApplication.focusWidget() is first
        changed = strongly_changed(unfocused, about.grab(box).toImage())
        assert changed >= first.width() + first.height(), f"{changed} pixels mark the link"
        QTest.keyClick(first, Qt.Key.Key_Return)
        assert opened == ["https://www.assemblyai.com/app/api-keys"]
    finally:
        QDesktopServices.unsetUrlHandler("https")


def test_help_menu_has_keyboard_shortcuts_and_an_about_with_version_and_licence(window) -> None:
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    help_menu = window.menuBar().actions()[titles.index("Help")].menu()
    names = [a.text().replace("&", "") for a in help_menu.actions()]
    assert "Keyboard shortcuts" in names
    shortcuts = window.show_shortcuts()
    rows = shortcuts.rows()
    assert ("File", "Export transcript", "Ctrl+S") in rows
    assert any(key == "Ctrl+Q" for _where, _what, key in rows)
    assert any("Ctrl+Alt+Shift+L" in key for _where, _what, key in rows)
    assert any(where == "Sessions" and "Esc" in key for where, _what, key in rows)
    about = window.show_about()
    text = about.text.text()
    assert __version__ in text and "MIT" in text
    assert all("https://" in link.text() for link in about.links)


def activate(qtbot, window) -> None:
    """Make ``window`` the active one: window shortcuts only reach the active window."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_ctrl_w_hides_the_main_window_like_its_close_button(make_app, qtbot) -> None:
    app = make_app()
    activate(qtbot, app.window)
    closes: list[bool] = []
    app.window.closeRequested.connect(lambda: closes.append(True))
    QTest.keyClick(app.window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert closes == [True]


@pytest.mark.parametrize(
    ("key", "modifier"),
    [
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
    ],
)
def test_sessions_closes_with_ctrl_w_and_escape(make_app, qtbot, key, modifier) -> None:
    app = make_app()
    sessions = app.session_actions.show_sessions()
    qtbot.waitExposed(sessions)
    activate(qtbot, sessions)
    QTest.keyClick(sessions, key, modifier)
    assert not sessions.isVisible()


def test_ctrl_q_in_sessions_quits_the_app(make_app, qtbot) -> None:
    app = make_app()
    sessions = app.session_actions.show_sessions()
    qtbot.waitExposed(sessions)
    activate(qtbot, sessions)
    with qtbot.waitSignal(app.quitFinished, timeout=15000):
        QTest.keyClick(sessions, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)


# -- item 13: call mode in the main window -----------------------------------------------


def test_call_mode_disables_the_single_input_and_says_why(window) -> None:
    assert window.input_combo.isEnabled()
    window.call_panel.toggle.setChecked(True)
    assert not window.input_combo.isEnabled()
    assert "call mode" in window.input_combo.toolTip().lower()
    window.call_panel.toggle.setChecked(False)
    assert window.input_combo.isEnabled() and not window.input_combo.toolTip()
    window.set_running(True)
    assert not window.input_combo.isEnabled()
    window.set_running(False)
    assert window.input_combo.isEnabled()


def test_you_and_them_have_their_own_colours_in_the_transcript(window) -> None:
    window.add_turn(0, turn(0, "Hello?", source="mic", speaker="You"))
    window.add_turn(1, turn(1, "Hi there.", source="system", speaker="Them"))
    found = {t.text: t for t in text_colours(window.transcript)}
    you, them = found["You: "], found["Them: "]
    text = found["Hello?"]
    assert you.foreground != them.foreground
    assert you.foreground != text.foreground and them.foreground != text.foreground
    assert min(you.ratio, them.ratio) >= AA_NORMAL
    assert window.transcript.finished_texts()[1].endswith("Them: Hi there.")
    window.set_partial(Turn("p", 2, "and one more", source="system", speaker="Them"))
    assert window.transcript.partial_text() == "Them: and one more"
    partial = [t for t in text_colours(window.transcript) if t.where.endswith("line 3")]
    assert [t.text for t in partial] == ["Them: ", "and one more"]
    assert partial[0].foreground == them.foreground and partial[0].ratio >= AA_NORMAL


def test_a_one_line_status_keeps_the_status_bar_one_line_high(window, qtbot) -> None:
    window.show_status("The microphone was unplugged.", True)
    line = window.status_label.fontMetrics().height()
    qtbot.waitUntil(lambda: window.statusBar().height() < 2 * line + 8)
    window.resize(520, 520)
    window.show_status("The microphone “USB Headset” stopped sending sound. " * 3, True)
    qtbot.waitUntil(lambda: window.status_label.height() >= 2 * line)  # long: it wraps


def test_copying_a_selection_gives_plain_line_breaks(make_app, tmp_path) -> None:
    """Edit ▸ Copy transcript with a selection pastes line by line, as Ctrl+C does: the
    view's own in-block breaks (a translation under its line, older turns folded into
    one block) are newlines on the clipboard, not U+2028, which many apps show as one
    run-on line."""
    from PySide6.QtGui import QGuiApplication

    from captioner.core.transcript import TurnUpdate

    app = make_app("--data-dir", str(tmp_path))
    transcript = app.controller.transcript
    for i in range(100):  # enough for older turns to be folded together
        text = f"Line number {i}."
        transcript.apply(
            TurnUpdate(f"k{i}", i, text, (Word(text, i * 1000, i * 1000 + 500),), end_of_turn=True)
        )
    transcript.apply_translation("k99", "fr", "Ligne.")
    app.window.transcript.selectAll()
    app.session_actions.copy_current()
    copied = QGuiApplication.clipboard().text()
    assert "\u2028" not in copied and "\u2029" not in copied
    lines = copied.splitlines()
    assert [line.split()[-1] for line in lines if "Line number" in line] == [
        f"{i}." for i in range(100)
    ]
    assert lines[-1].strip() == "Ligne."
