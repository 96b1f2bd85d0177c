"""Settings ▸ Captions…: how the overlay looks, previewed live on the real overlay.

Changes apply to the overlay as they are made (so people judge them over
what they are actually watching); OK keeps them, Cancel puts back what was
there before.  The profanity filter is here too, as the one user-facing
switch for what every view and export shows; it applies on OK.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFontComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from captioner.core.settings import Key, Settings
from captioner.ui import overlay_notes
from captioner.ui.overlay import CaptionOverlay, OverlayStyle
from captioner.ui.overlay_preview import PlacePreview
from captioner.ui.overlay_style import as_seen, readable_text_color
from captioner.ui.profanity_filter import ProfanityFilter
from captioner.ui.screen_fit import KeepOnScreen

PROFANITY_TIP = (
    "Shows strong profanity and slurs as “f***” in the overlay, the transcript, the "
    "Sessions window, copies and exports, with either engine. Sessions are saved with "
    "the words as recognised, so turning this off shows them again, in past sessions too."
)

NAMES_TIP = (
    "The offline engine hears every word in lower case: it writes these names and words "
    "as you type them here (“Dashwood”, “McAllister”, “iPhone”), one or more a line, from "
    "the next words on, mid-run too. AssemblyAI writes names itself; to help it hear "
    "them, add them to its key terms (Settings ▸ AssemblyAI…)."
)


class _ColorButton(QPushButton):
    def __init__(self, color: QColor, name: str) -> None:
        super().__init__()
        self.setAccessibleName(name)
        self.color = QColor(color)
        self._paint()
        self.clicked.connect(self._pick)

    def _paint(self) -> None:
        self.setText(self.color.name())
        self.setStyleSheet(
            f"background: {self.color.name()}; "
            f"color: {'#000' if self.color.lightness() > 128 else '#fff'};"
        )

    def _pick(self) -> None:
        chosen = QColorDialog.getColor(self.color, self, self.accessibleName())
        if chosen.isValid():
            self.color = chosen
            self._paint()
            parent = self.parent()
            while parent is not None and not isinstance(parent, OverlaySettingsDialog):
                parent = parent.parent()
            if parent is not None:
                parent.preview()


class OverlaySettingsDialog(QDialog):
    """Font, colours, opacity, lines, width, docking, fading, outline, announcements, profanity."""

    def __init__(
        self,
        overlay: CaptionOverlay,
        settings: Settings,
        parent: QWidget | None = None,
        profanity: ProfanityFilter | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Caption settings")
        overlay.save_place()  # a side dragged just now: its Width is what is read below
        self._overlay = overlay
        self._settings = settings
        self._profanity = profanity
        # Asked once, now (a compositor may have been started since the last time).
        self._solid = overlay_notes.background_solid(overlay.caps)
        self._original = OverlayStyle.from_settings(settings, self._solid)
        if overlay.style_settings.solid != self._solid:  # the caption colour judged anew
            overlay.apply_style(self._original)
        s = settings
        # The form scrolls and OK/Cancel stay below it: at 1024×600 with 2× scaling
        # the screen is 300 px tall, less than the form.
        outer = QVBoxLayout(self)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        # Tab goes to the fields inside, not to the area (a screen reader said "filler").
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        inner = QWidget()
        form = QFormLayout(inner)

        self.font_combo = QFontComboBox()
        self.font_combo.setCurrentFont(QFont(s.get(Key.OVERLAY_FONT_FAMILY)))
        self.size_spin = _spin(Key.OVERLAY_FONT_SIZE, s, " pt")
        self.text_color = _ColorButton(QColor(s.get(Key.OVERLAY_TEXT_COLOR)), "Text colour")
        self.background_color = _ColorButton(
            QColor(s.get(Key.OVERLAY_BACKGROUND_COLOR)), "Background colour"
        )
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(s.get(Key.OVERLAY_OPACITY))
        self.lines_spin = _spin(Key.OVERLAY_HISTORY_LINES, s, "")
        self.lines_spin.setSpecialValueText("0, the last until the next starts")
        self.lines_spin.setToolTip("Rows above the line being spoken (a long caption takes two)")
        self.width_spin = _spin(Key.OVERLAY_WIDTH_PERCENT, s, " % of the screen")
        self.dock_combo = QComboBox()
        for value, label in (
            ("bottom", "Bottom of the screen"),
            ("top", "Top of the screen"),
            ("float", "Where I drag it"),
        ):
            self.dock_combo.addItem(label, value)
        self.dock_combo.setCurrentIndex(self.dock_combo.findData(s.get(Key.OVERLAY_DOCK)))
        if not overlay.caps.places_windows:  # Wayland: the compositor places it
            self.dock_combo.setEnabled(False)
            self.dock_combo.setToolTip(overlay_notes.POSITION_OFF)
            self.dock_combo.setAccessibleDescription(overlay_notes.POSITION_OFF)
        self.fade_spin = _spin(Key.OVERLAY_FADE_SECONDS, s, " s of silence")
        self.fade_spin.setSpecialValueText("Never")
        self.fade_spin.setToolTip("Fade out during a run when nobody has spoken for this long.")
        self.stop_fade_check = QCheckBox("Fade out when captioning stops")
        self.stop_fade_check.setChecked(self._original.fade_after_stop)
        self.stop_fade_check.setToolTip(
            "After Stop, the last captions fade after the time above (8 s when it is Never)."
        )
        self.contrast_note = QLabel()
        self.contrast_note.setObjectName("contrastNote")
        self.contrast_note.setWordWrap(True)
        self.outline_check = QCheckBox("Dark outline around letters")
        self.outline_check.setChecked(s.get(Key.OVERLAY_OUTLINE))
        self.announce_check = QCheckBox("Announce finished lines to screen readers")
        self.announce_check.setChecked(s.get(Key.ANNOUNCE_CAPTIONS))
        self.profanity_check = QCheckBox("Hide p&rofanity (shown as f***)")
        self.profanity_check.setChecked(s.get(Key.PROFANITY_FILTER))
        self.profanity_check.setToolTip(PROFANITY_TIP)
        self.profanity_check.setAccessibleDescription(PROFANITY_TIP)
        self.names_edit = QPlainTextEdit(s.get(Key.CAPTION_NAMES))
        self.names_edit.setPlaceholderText("Names offline captions write as typed, one per line")
        self.names_edit.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.names_edit.setFixedHeight(3 * self.names_edit.fontMetrics().lineSpacing() + 12)
        self.names_edit.setToolTip(NAMES_TIP)
        self.names_edit.setAccessibleName("Names")
        self.names_edit.setAccessibleDescription(NAMES_TIP)

        fade_row = QWidget()
        fade_layout = QHBoxLayout(fade_row)
        fade_layout.setContentsMargins(0, 0, 0, 0)
        fade_layout.addWidget(self.fade_spin)
        fade_layout.addWidget(self.stop_fade_check, 1)
        rows = [
            ("&Font:", self.font_combo),
            ("&Size:", self.size_spin),
            ("&Text colour:", self.text_color),
            ("&Background:", self.background_color),
            ("Background &opacity:", self.opacity),
            ("Earlier &lines of text:", self.lines_spin),
            ("&Width:", self.width_spin),
            ("&Position:", self.dock_combo),
            ("F&ade out after:", fade_row),
        ]
        for label, widget in rows:
            form.addRow(label, widget)
            widget.setAccessibleName(label.replace("&", "").rstrip(":"))
        self.fade_spin.setAccessibleName("Fade out after")
        # Typing a font name happens in the combo box's line edit, which Qt leaves
        # unnamed: a screen reader said only "text" there.
        self.font_combo.lineEdit().setAccessibleName("Font")
        form.itemAt(form.rowCount() - 1, QFormLayout.ItemRole.LabelRole).widget().setBuddy(
            self.fade_spin
        )
        self.opacity_note = QLabel(overlay_notes.opacity_note(self._solid))
        self.opacity_note.setObjectName("opacityNote")
        self.opacity_note.setWordWrap(True)
        if self.opacity_note.text():  # X11 without a compositor: under the slider it affects
            self.opacity.setToolTip(self.opacity_note.text())
            self.opacity.setAccessibleDescription(self.opacity_note.text())
            form.insertRow(form.getWidgetPosition(self.opacity)[0] + 1, "", self.opacity_note)
        form.addRow(self.contrast_note)
        form.addRow(self.outline_check)
        form.addRow(self.announce_check)
        form.addRow(self.profanity_check)
        form.addRow("&Names:", self.names_edit)
        note = QLabel(overlay_notes.platform_notes(QGuiApplication.platformName(), overlay.caps))
        note.setWordWrap(True)
        note.setObjectName("platformNote")
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.scroll.setWidget(inner)
        outer.addWidget(self.scroll, 1)
        outer.addWidget(buttons)
        self.buttons = buttons

        self.width_spin.valueChanged.connect(self._width_changed)
        for spin in (self.size_spin, self.lines_spin, self.width_spin, self.fade_spin):
            spin.valueChanged.connect(self.preview)
        self.font_combo.currentFontChanged.connect(self.preview)
        self.opacity.valueChanged.connect(self.preview)
        self.outline_check.toggled.connect(self.preview)
        self.dock_combo.currentIndexChanged.connect(self._preview_dock)
        self.stop_fade_check.toggled.connect(self.preview)
        self._show_contrast()
        self._fit_screen(inner)
        self.keep_on_screen = KeepOnScreen(self)  # shrunk/moved once the real frame is known
        # Idle, the overlay shows sample captions so the changes can be judged
        # (and the overlay dragged into place); they go when the dialog closes.
        self._width_tried = False  # Width was changed here
        overlay.previewing = True
        overlay.widthDragged.connect(self._width_dragged)
        self._following = True  # a side of the overlay dragged meanwhile sets Width
        # (Not when it is only stepped aside for Captioner's own window: it is wanted,
        # and hiding it at the end would leave a run without captions.)
        self._started_sample = not overlay.wanted_visible
        if self._started_sample:
            overlay.set_sample(True)
            overlay.show()
        # Position and Width are tried out on the overlay itself (see overlay_preview).
        self._places = PlacePreview(overlay, settings, self)
        self.finished.connect(self._end_sample)

    def _fit_screen(self, inner: QWidget) -> None:
        """As tall as the form, or as the screen allows (the form then scrolls)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        margins = self.layout().contentsMargins()
        want = inner.sizeHint()
        width = want.width() + margins.left() + margins.right()
        height = (
            want.height()
            + self.buttons.sizeHint().height()
            + self.layout().spacing()
            + margins.top()
            + margins.bottom()
        )
        if height > area.height() - 8:
            height, width = area.height() - 8, width + bar  # the form scrolls
        self.resize(min(width, area.width() - 8), height)

    def _end_sample(self) -> None:
        if self._following:  # once, though a dialog can be finished again
            self._following = False
            self._overlay.widthDragged.disconnect(self._width_dragged)  # the dialog is kept
        self._places.end()
        self._overlay.previewing = False
        if self._started_sample and self._overlay.showing_sample:
            self._overlay.set_sample(False)
            self._overlay.hide()

    def _background(self) -> QColor:
        background = QColor(self.background_color.color)
        background.setAlphaF(self.opacity.value() / 100)
        return background

    def _show_contrast(self) -> None:
        """Say plainly when the chosen colours are unreadable, and what will be shown."""
        warning = overlay_notes.contrast_warning(
            QColor(self.text_color.color), self._background(), self._solid
        )
        self.contrast_note.setText(warning)
        self.contrast_note.setVisible(bool(warning))

    def chosen_style(self) -> OverlayStyle:
        background = self._background()  # painted as chosen: X shows it as as_seen says
        seen = as_seen(background, self._solid)
        return OverlayStyle(
            font_family=self.font_combo.currentFont().family(),
            font_point_size=self.size_spin.value(),
            text_color=readable_text_color(QColor(self.text_color.color), seen),
            background=background,
            history_lines=self.lines_spin.value(),
            width_percent=self.width_spin.value(),
            outline=self.outline_check.isChecked(),
            fade_seconds=self.fade_spin.value(),
            fade_after_stop=self.stop_fade_check.isChecked(),
            solid=self._solid,
        )

    def preview(self) -> None:
        self._show_contrast()
        self._places.note_home()  # before the style changes its size (and perhaps its place)
        self._overlay.apply_style(self.chosen_style())
        self._show_place()

    def _width_changed(self) -> None:
        self._width_tried = True

    def _width_dragged(self, percent: int) -> None:
        """A side of the overlay was dragged meanwhile: docked, that is Width (OK keeps it)."""
        if self.dock_combo.currentData() in ("top", "bottom"):
            self.width_spin.setValue(percent)
            self._preview_dock()  # centred on its edge at that width, even if Width was that

    def _preview_dock(self) -> None:
        self._places.note_home()
        self._show_place()

    def _show_place(self) -> None:
        """Docked at the edge tried, or floating at its home (at the Width tried)."""
        width = self._width_tried and self.width_spin.value() != self._original.width_percent
        self._places.show(self.dock_combo.currentData(), width)

    def accept(self) -> None:
        s = self._settings
        style = self.chosen_style()
        s.set(Key.OVERLAY_FONT_FAMILY, style.font_family)
        s.set(Key.OVERLAY_FONT_SIZE, style.font_point_size)
        s.set(Key.OVERLAY_TEXT_COLOR, self.text_color.color.name())
        s.set(Key.OVERLAY_BACKGROUND_COLOR, self.background_color.color.name())
        s.set(Key.OVERLAY_OPACITY, self.opacity.value())
        s.set(Key.OVERLAY_HISTORY_LINES, style.history_lines)
        s.set(Key.OVERLAY_WIDTH_PERCENT, style.width_percent)
        s.set(Key.OVERLAY_FADE_SECONDS, style.fade_seconds)
        s.set(Key.OVERLAY_FADE_AFTER_STOP, style.fade_after_stop)
        s.set(Key.OVERLAY_OUTLINE, style.outline)
        s.set(Key.ANNOUNCE_CAPTIONS, self.announce_check.isChecked())
        s.set(Key.CAPTION_NAMES, self.names_edit.toPlainText().strip())
        if self._profanity is not None:  # persists it and re-renders every view
            self._profanity.set_enabled(self.profanity_check.isChecked())
        else:
            s.set(Key.PROFANITY_FILTER, self.profanity_check.isChecked())
        self._overlay.apply_style(style)
        self._overlay.previewing = False
        where = self.dock_combo.currentData()
        chosen = self._places.users_choice(where)  # asked before the Position is saved
        self._overlay.dock(where)
        if chosen:
            self._overlay.remember_place()  # the place tried out (or dragged to) is kept
        super().accept()

    def reject(self) -> None:
        """Undo what was tried here; a drag of the overlay itself meanwhile is the user's."""
        overlay = self._overlay
        self._places.note_home()
        overlay.apply_style(self._original)  # undo the live preview
        overlay.previewing = False
        self._places.put_back()  # where it was (not where a bigger font pushed it), or dropped
        super().reject()


def _spin(key: Key, settings: Settings, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spec = key.spec
    spin.setRange(int(spec.minimum or 0), int(spec.maximum or 999))
    spin.setValue(settings.get(key))
    spin.setSuffix(suffix)
    return spin
