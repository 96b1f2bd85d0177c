"""Settings ▸ Translation and speakers…: live translation and speaker-label options.

Translation goes through AssemblyAI's LLM Gateway inside the streaming
session, so it exists only with the cloud engine and costs money per token:
the dialog says both in plain words, and with the offline engine selected it
shows the options greyed out with the reason rather than hiding them (people
look for the feature and must learn why it is not there).  Values persist
through typed settings.  The language, the model and the speaker options are
connect parameters of the streaming session (``llm_gateway``,
``speaker_labels``…: ``UpdateConfiguration`` cannot change them), so they
apply from the next Start, and their rows say so; what the overlay shows
applies on OK and subtitle exports at the next export.  :attr:`next_start`
names the changes that wait, for the status line after OK mid-run.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from captioner.core.settings import Key, Settings
from captioner.engines.assemblyai.translation import (
    COMMON_LANGUAGES,
    DEFAULT_TRANSLATION_MODEL,
    language_problem,
)
from captioner.ui.assemblyai_config import config_from_settings
from captioner.ui.assemblyai_help import next_start_changes
from captioner.ui.assemblyai_options import help_label
from captioner.ui.settings_form import SettingsForm, choice_combo

COST_NOTE = (
    "Translation is done by a language model through AssemblyAI's LLM Gateway. "
    "It is billed per token, on top of transcription, and needs a paid AssemblyAI "
    "account; a free account's sessions are refused and the status line says why."
)
LANGUAGE_TIMING = "The language and the model apply from the next Start."
DISPLAY_TIMING = "Changes the overlay at once."
SPEAKERS_TIMING = "The speaker options apply from the next Start."
OFFLINE_NOTE = (
    "Unavailable with the offline engine: translation and speaker labels are done by "
    "AssemblyAI's service. Choose AssemblyAI as the engine to use them."
)
OFF = "Off"
DISPLAY_CHOICES = (("both", "Original and translation"), ("translation", "Translation only"))
SUBTITLE_CHOICES = (
    ("bilingual", "One cue with both lines (bilingual subtitles)"),
    ("separate", "A separate file per language (name.srt and name.fr.srt)"),
)


def language_label(code: str) -> str:
    return f"{COMMON_LANGUAGES[code]} ({code})"


class TranslationSettingsDialog(QDialog):
    """Target language, gateway model, how translations show, and speaker options."""

    def __init__(self, settings: Settings, offline: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Translation and speakers")
        self._settings = settings
        self._offline = offline
        self.next_start: list[str] = []  # what OK changed that a running session cannot take
        s = settings
        self.frame = frame = SettingsForm(self)  # scrolls; OK/Cancel stay in view below
        form = frame.form
        self.unavailable = QLabel(OFFLINE_NOTE if offline else "")
        self.unavailable.setObjectName("translationUnavailable")
        self.unavailable.setWordWrap(True)
        self.unavailable.setVisible(offline)
        form.addRow(self.unavailable)
        self.cost_note = QLabel(COST_NOTE)
        self.cost_note.setObjectName("translationCost")
        self.cost_note.setWordWrap(True)
        form.addRow(self.cost_note)

        self.language_combo = QComboBox()
        self.language_combo.setEditable(True)  # any language name or code as free text
        # Focus lands in its line edit, which Qt leaves unnamed (a screen reader said "text").
        self.language_combo.lineEdit().setAccessibleName("Translate captions to")
        self.language_combo.addItem(OFF, "")
        for code in sorted(COMMON_LANGUAGES, key=lambda c: COMMON_LANGUAGES[c]):
            self.language_combo.addItem(language_label(code), code)
        self.set_language(s.get(Key.TRANSLATE_TO))
        self.language_combo.setToolTip(
            "Pick a language or type any language name or code (“Catalan”, “pt-BR”)."
        )
        self.model_edit = QLineEdit(s.get(Key.TRANSLATION_MODEL))
        self.model_edit.setPlaceholderText(DEFAULT_TRANSLATION_MODEL)
        self.model_edit.setToolTip(
            f"The LLM Gateway model that translates (empty: {DEFAULT_TRANSLATION_MODEL})."
        )
        self.display_combo = choice_combo(DISPLAY_CHOICES, s.get(Key.TRANSLATION_DISPLAY))
        self.display_combo.setToolTip("What the caption overlay shows; the transcript shows both.")
        self.subtitles_combo = choice_combo(SUBTITLE_CHOICES, s.get(Key.TRANSLATION_SUBTITLES))
        self.subtitles_combo.setToolTip("How SRT and WebVTT exports carry the translation.")
        self.speakers_check = QCheckBox("Tell &speakers apart (A, B, C…)")
        self.speakers_check.setChecked(s.get(Key.AAI_SPEAKER_LABELS))
        self.speakers_check.setToolTip("The same switch as in Settings ▸ AssemblyAI.")
        self.max_speakers = QSpinBox()
        self.max_speakers.setRange(0, 10)
        self.max_speakers.setSpecialValueText("Service decides")
        self.max_speakers.setValue(s.get(Key.AAI_MAX_SPEAKERS))
        self.revision = QSpinBox()
        self.revision.setRange(119, 3600)  # 119 shows as "Off": the service's minimum is 120
        self.revision.setSpecialValueText("Off")
        self.revision.setSuffix(" s")
        self.revision.setSingleStep(30)
        self.revision.setValue(s.get(Key.AAI_SPEAKER_REVISION_S) or 119)
        self.revision.setToolTip(
            "Every this many seconds the service may re-sort who said what and relabel "
            "lines already shown (at least 120 s)."
        )
        rows = (
            ("&Translate captions to:", self.language_combo),
            ("Translation &model:", self.model_edit),
            (" ", help_label(LANGUAGE_TIMING)),
            ("&Overlay shows:", self.display_combo),
            (" ", help_label(DISPLAY_TIMING)),
            ("S&ubtitle exports:", self.subtitles_combo),
            ("", self.speakers_check),
            ("Ma&ximum speakers:", self.max_speakers),
            ("Speaker &revision every:", self.revision),
            (" ", help_label(SPEAKERS_TIMING)),
        )
        frame.add_rows(rows)
        for label, widget in rows:
            widget.setEnabled(not offline or label == " ")
        # A screen reader says on focus what the line under the rows says.
        for widget, timing in (
            (self.language_combo, LANGUAGE_TIMING),
            (self.model_edit, LANGUAGE_TIMING),
            (self.display_combo, DISPLAY_TIMING),
            (self.speakers_check, SPEAKERS_TIMING),
            (self.max_speakers, SPEAKERS_TIMING),
            (self.revision, SPEAKERS_TIMING),
        ):
            widget.setAccessibleDescription(timing)
        self.speakers_check.toggled.connect(self._speaker_options)
        self._speaker_options()
        if offline:
            self.language_combo.setToolTip(OFFLINE_NOTE)
        footer = frame.finish("Translation and speaker options", width=560)
        self.problems = footer.problems
        self.ok_button = footer.ok_button

    def set_language(self, language: str) -> None:
        index = self.language_combo.findData(language.strip())
        if index >= 0:
            self.language_combo.setCurrentIndex(index)
        else:
            self.language_combo.setEditText(language.strip())

    def chosen_language(self) -> str:
        """A listed language's code, else the typed text ("" is off)."""
        text = self.language_combo.currentText().strip()
        index = self.language_combo.findText(text)
        if index >= 0:
            return str(self.language_combo.itemData(index) or "")
        return "" if text.lower() == OFF.lower() else text

    def _speaker_options(self) -> None:
        on = self.speakers_check.isChecked() and not self._offline
        self.max_speakers.setEnabled(on)
        self.revision.setEnabled(on)

    def accept(self) -> None:
        language = self.chosen_language()
        problems = []
        if language:
            problem = language_problem(language)
            if problem:
                problems.append(problem)
        model = self.model_edit.text().strip()
        if problems:
            self.problems.setText("\n".join(problems))  # keep the dialog open
            return
        s = self._settings
        before = config_from_settings(s, "", "")
        s.set(Key.TRANSLATE_TO, language)
        s.set(Key.TRANSLATION_MODEL, "" if model == DEFAULT_TRANSLATION_MODEL else model)
        s.set(Key.TRANSLATION_DISPLAY, self.display_combo.currentData())
        s.set(Key.TRANSLATION_SUBTITLES, self.subtitles_combo.currentData())
        s.set(Key.AAI_SPEAKER_LABELS, self.speakers_check.isChecked())
        s.set(Key.AAI_MAX_SPEAKERS, self.max_speakers.value())
        revision = self.revision.value()
        s.set(Key.AAI_SPEAKER_REVISION_S, 0 if revision < 120 else revision)
        self.next_start = next_start_changes(before, config_from_settings(s, "", ""))
        super().accept()
