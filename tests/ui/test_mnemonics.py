"""Every window's Alt+letter keys are its own: no two controls of a window share one.

With two controls on one letter, Alt+letter only moves the focus between
them and activates neither: in Settings ▸ AssemblyAI Alt+T went to "Test
key" and then "Key terms" without testing the key, Alt+E in Sessions went to
"Show empty sessions" instead of Export, and in the main window Alt+E was
both the Engine picker and the Edit menu.  Each window and dialog the app
builds is walked with everything it can show shown (banners, call mode,
the options that fold rows in), and every letter a control, a label's buddy
or a menu answers to is counted.
"""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenu, QTabBar, QWidget

from captioner.core.journal import TranscriptJournal
from captioner.core.session import SessionInfo
from captioner.core.transcript import Turn, Word

_MNEMONIC = re.compile(r"&(.)")


def alt_letter(text: str) -> str | None:
    """The letter ``text`` answers to with Alt (``&&`` is a plain ampersand)."""
    found = _MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def texts(top: QWidget) -> list[str]:
    """What each visible control of ``top`` that takes an Alt+letter is labelled.

    Enabled or not: one disabled now ("Test key" until the keyring answers,
    the Sessions buttons until a session is picked) is enabled later, with the others.
    """
    found = []
    for widget in top.findChildren(QWidget):
        if not widget.isVisibleTo(top):
            continue
        buddied = isinstance(widget, QLabel) and widget.buddy() is not None
        if isinstance(widget, QAbstractButton) or buddied:
            found.append(widget.text())
        elif isinstance(widget, QGroupBox):
            found.append(widget.title())
        elif isinstance(widget, QTabBar):
            found += [widget.tabText(i) for i in range(widget.count()) if widget.isTabEnabled(i)]
    if hasattr(top, "menuBar"):  # a main window: its menus' letters are the window's too
        found += [a.text() for a in top.menuBar().actions() if a.isVisible()]
    return found


def clashes(labels: list[str]) -> dict[str, list[str]]:
    by_letter: dict[str, list[str]] = defaultdict(list)
    for label in labels:
        letter = alt_letter(label)
        if letter is not None:
            by_letter[letter].append(label)
    return {letter: same for letter, same in by_letter.items() if len(same) > 1}


def menu_clashes(top: QWidget) -> dict[str, dict[str, list[str]]]:
    """Within each menu (its own scope): items that share a letter."""
    found = {}
    for menu in top.findChildren(QMenu):
        labels = [a.text() for a in menu.actions() if a.isVisible() and not a.isSeparator()]
        if same := clashes(labels):
            found[menu.title()] = same
    return found


def journal(data, texts: list[str]) -> None:
    info = SessionInfo(engine="offline", source="Desk mic")
    record = TranscriptJournal.create(info, data)
    for n, text in enumerate(texts):
        record.append_turn(Turn(f"k{n}", n, text, words=(Word(text, n, n + 1),), finished=True))
    record.end(duration_ms=1000)


def test_no_two_controls_of_a_window_share_an_alt_letter(make_app, qtbot, tmp_path) -> None:
    data = tmp_path / "s"
    journal(data, ["a meeting worth keeping"])
    journal(data, [])  # an empty session: "Show empty sessions" is offered
    app = make_app("--data-dir", str(data))
    found: dict[str, dict] = {}

    # The main window with what it can show: both banners, call mode's rows, Open folder.
    window = app.window
    app.window.show_recovery("Captioner closed unexpectedly during a session. Recover it?")
    app.sessions.savingProblem.emit("The sessions folder cannot be written.")
    app.window.show_saved("Saved 3 lines.", tmp_path / "t.txt")
    window.call_panel.toggle.setChecked(True)
    qtbot.waitUntil(lambda: window.call_panel.details.isVisibleTo(window), timeout=5000)
    assert app.storage.shown and window.recovery_banner.isVisibleTo(window)
    assert window.status_line.open_folder.isVisibleTo(window)
    found["main window"] = clashes(texts(window))
    found["main window's menus"] = menu_clashes(window)

    sessions = app.session_actions.show_sessions()
    qtbot.waitUntil(
        lambda: sessions.list.count() == 1 and sessions.show_empty.isVisible(), timeout=5000
    )
    sessions.list.setCurrentRow(0)  # its buttons are enabled once a session is shown
    qtbot.waitUntil(lambda: sessions.export_button.isEnabled(), timeout=5000)
    found["Sessions"] = clashes(texts(sessions))
    sessions.close()

    for opener in ("edit_captions", "edit_assemblyai", "edit_translation"):
        dialog = getattr(app.dialogs, opener)()
        for check in dialog.findChildren(QAbstractButton):  # rows shown by an option
            if check.isCheckable() and not check.isChecked() and check.isVisibleTo(dialog):
                check.setChecked(True)
        found[dialog.windowTitle()] = clashes(texts(dialog))
        dialog.reject()

    about = app.window.show_about()
    found["About"] = clashes(texts(about))
    about.close()

    clashing = {where: same for where, same in found.items() if same}
    assert not clashing, "\n".join(f"{where}: {same}" for where, same in clashing.items())
