"""Settings ▸ AssemblyAI…: the API key (kept in the keyring) and recognition options.

Options are persisted through typed settings and applied on the next Start;
key terms, turn silences, languages, prompt and mode also reach a running
session through ``UpdateConfiguration`` (the session options' rows are in
:mod:`~captioner.ui.assemblyai_options`).  Each row says under it which of
the two it is, and :attr:`~AssemblyAISettingsDialog.next_start` names the
changes that wait for the next Start, for the status line after OK mid-run.
The key is shown masked and never written to the settings file.  "Test
key" opens a real connection off the GUI thread, and every keyring call
(reading the key when the dialog opens, storing it on OK) runs off the GUI
thread too: the dialog shows "Checking the keyring…" or "Saving…" until the
keyring answers.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from captioner import keystore
from captioner.core.settings import Key, Settings
from captioner.engines.assemblyai import DEFAULT_HOST, SPEECH_MODELS, AssemblyAIConfig
from captioner.engines.assemblyai.session_options import live_changes
from captioner.engines.base import EngineError
from captioner.ui import assemblyai_help as helptext
from captioner.ui.assemblyai_config import config_from_settings, split_list
from captioner.ui.assemblyai_options import SessionOptions, help_label
from captioner.ui.key_check import KeyCheck
from captioner.ui.keyring_access import off_gui_thread
from captioner.ui.low_bandwidth_setting import LowBandwidthSetting
from captioner.ui.settings_form import SettingsForm
from captioner.ui.wrapped_rows import WrappedRows

# Said in the main window once the dialog closes: the key was not kept anywhere.
FOR_THIS_RUN = "AssemblyAI key set for this run only: there is no keyring to keep it."


class AssemblyAISettingsDialog(QDialog):
    """API key, speech model, languages, key terms and turn-taking options.

    Signals:
        liveUpdate(object): the settings a running session can take changed: a dict of
            connect parameter names and new values (``session_options.live_changes``).
    """

    liveUpdate = Signal(object)

    def __init__(
        self, settings: Settings, api_host: str = DEFAULT_HOST, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("AssemblyAI settings")
        self._settings = settings
        self._api_host = api_host
        self.said_on_close = ""  # for the main window's status line (FOR_THIS_RUN)
        # What OK changed that a running session cannot take (helptext.NEXT_START_NAMES).
        self.next_start: list[str] = []
        s = settings
        # The form scrolls and OK/Cancel stay below it, in view: at 1024×600 with
        # 2× scaling the screen (300 px) is shorter than the form.
        self.frame = frame = SettingsForm(self)
        form = frame.form

        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setAccessibleName("API key")
        self.key_edit.setPlaceholderText("Paste your AssemblyAI API key")
        self.key_edit.setToolTip("The key from your AssemblyAI dashboard (32 letters and digits)")
        self.test_button = QPushButton("&Test key")
        self.test_button.setAccessibleName("Test the API key")
        self.test_button.clicked.connect(self.test_key)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.test_button)
        key_label = QLabel("API &key:")
        key_label.setBuddy(self.key_edit)  # a row given a layout gets no buddy by itself
        form.addRow(key_label, key_row)
        self.key_status = QLabel()
        self.key_status.setWordWrap(True)
        self.key_status.setObjectName("keyStatus")
        self.key_status.setOpenExternalLinks(True)
        form.addRow(self.key_status)
        # Until the keyring answers: nothing known, nothing to type over or save.
        self._keyring_problem: str | None = None
        self._current_key = ""
        self._saving = False
        self.key_state: keystore.KeyState | None = None

        # The models this version describes at once; the SDK's own list (an import
        # of ~0.4-1.5 s the first time) is read off the GUI thread and replaces it.
        self.model_combo = QComboBox()
        self.models_known = False
        helptext.fill_model_picker(
            self.model_combo, list(helptext.MODELS), s.get(Key.AAI_SPEECH_MODEL)
        )
        self.model_description = QLabel()
        self.model_description.setObjectName("modelDescription")
        self.model_description.setWordWrap(True)
        self.model_description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.model_combo.currentIndexChanged.connect(self._describe_model)
        self._describe_model()
        off_gui_thread(lambda: tuple(SPEECH_MODELS), self._on_models, self, name="speech-models")
        self.languages_edit = QLineEdit(s.get(Key.AAI_LANGUAGE_CODES))
        self.languages_edit.setPlaceholderText("e.g. en, es  (empty: the model's default)")
        self.languages_edit.setToolTip(helptext.LANGUAGES_TIP)
        self.detect_check = QCheckBox("&Detect the language")
        self.detect_check.setChecked(s.get(Key.AAI_LANGUAGE_DETECTION))
        self.detect_check.setToolTip(helptext.DETECT_TIP)
        self.keyterms_edit = QPlainTextEdit(s.get(Key.AAI_KEYTERMS))
        self.keyterms_edit.setPlaceholderText("Names and jargon, one per line")
        self.keyterms_edit.setToolTip(helptext.KEYTERMS_TIP)
        self.keyterms_edit.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.keyterms_edit.setFixedHeight(80)
        self.profanity_check = QCheckBox("Filter profanity on AssemblyAI's servers as well")
        self.profanity_check.setChecked(s.get(Key.AAI_FILTER_PROFANITY))
        self.profanity_check.setToolTip(helptext.SERVER_PROFANITY_TIP)
        self.format_check = QCheckBox("&Punctuation and capital letters")
        self.format_check.setChecked(s.get(Key.AAI_FORMAT_TURNS))
        self.format_check.setToolTip(helptext.FORMAT_TIP)
        self.speakers_check = QCheckBox("Tell &speakers apart (A, B, C…)")
        self.speakers_check.setChecked(s.get(Key.AAI_SPEAKER_LABELS))
        self.speakers_check.setToolTip(helptext.SPEAKERS_TIP)
        for check, tip in (
            (self.profanity_check, helptext.SERVER_PROFANITY_TIP),
            (self.format_check, helptext.FORMAT_TIP),
            (self.speakers_check, helptext.SPEAKERS_TIP),
        ):  # a screen reader says on focus what the line under the box says
            check.setAccessibleDescription(f"{tip} {helptext.NEXT_START}")
        self.model_combo.setAccessibleDescription(helptext.NEXT_START)
        self.keyterms_edit.setAccessibleDescription(helptext.KEYTERMS_HELP)
        self.min_silence = _spin(Key.AAI_MIN_TURN_SILENCE_MS, s, " ms", helptext.MIN_SILENCE_TIP)
        self.max_silence = _spin(Key.AAI_MAX_TURN_SILENCE_MS, s, " ms", helptext.MAX_SILENCE_TIP)
        self.threshold = _spin(Key.AAI_EOT_THRESHOLD_PERCENT, s, " %", helptext.THRESHOLD_TIP)
        self.threshold.setSingleStep(5)
        turns = QLabel(helptext.TURNS_HELP)
        turns.setObjectName("turnHelp")
        turns.setWordWrap(True)
        frame.add_rows(
            (
                ("Speech &model:", self.model_combo),
                (" ", self.model_description),  # under the model, in the field column
                ("L&anguages:", self.languages_edit),
                ("", self.detect_check),
                (" ", QLabel(helptext.LANGUAGES_HELP, objectName="optionHelp", wordWrap=True)),
                ("Ke&y terms:", self.keyterms_edit),
                (" ", help_label(helptext.KEYTERMS_HELP)),
                ("", self.profanity_check),
                (" ", help_label(helptext.NEXT_START)),
                ("", self.format_check),
                (" ", help_label(helptext.NEXT_START)),
                ("", self.speakers_check),
                (" ", help_label(helptext.NEXT_START)),
                ("", turns),
                (helptext.MIN_SILENCE_LABEL, self.min_silence),
                (helptext.MAX_SILENCE_LABEL, self.max_silence),
                (helptext.THRESHOLD_LABEL, self.threshold),
            )
        )
        self.low_bandwidth = LowBandwidthSetting(s, form, self)  # asks for PyAV off-thread
        self.options = SessionOptions(s, form, self)
        # 620 px wide: the key's placeholder and the model's description fit.
        footer = frame.finish("AssemblyAI options", width=620)
        # The keyring notice and help lines at their full height (QFormLayout clipped them).
        self.wrapped_rows = WrappedRows(frame.scroll.widget())
        self.problems = footer.problems
        self.ok_button = footer.ok_button
        self.cancel_button = footer.cancel_button
        self._check = KeyCheck(api_host, self)
        self._check.finished.connect(self._on_key_checked)
        self._set_key_pending("Checking the keyring…")
        self.keyring_call = off_gui_thread(
            keystore.key_state, self._on_key_state, self, on_error=self._on_keyring_failed
        )

    # -- key -----------------------------------------------------------------

    def _set_key_pending(self, text: str, *, saving: bool = False) -> None:
        """The keyring is being asked: say so, and let nothing depend on its answer yet.

        The options do not depend on it, so OK stays usable while the key is
        only being read (a key typed meanwhile is stored as on any OK).
        """
        self.key_status.setText(text)
        for widget in (self.key_edit, self.test_button, self.ok_button):
            widget.setEnabled(widget is self.ok_button and not saving)

    def _on_models(self, model_ids: tuple[str, ...]) -> None:
        chosen = self.model_combo.currentData() or ""
        helptext.fill_model_picker(self.model_combo, model_ids, chosen)
        self.models_known = True

    def _describe_model(self) -> None:
        model_id = self.model_combo.currentData() or ""
        description = helptext.model_info(model_id).description
        self.model_description.setText(f"{description} {helptext.NEXT_START}")
        self.model_combo.setToolTip(f"Model id: {model_id}")

    def _on_key_state(self, state: keystore.KeyState) -> None:
        self.key_state = state
        self._current_key = state.key or ""
        self._keyring_problem = state.keyring_problem
        if self._current_key:
            self.key_edit.setPlaceholderText(keystore.mask(self._current_key))
        self.key_edit.setEnabled(state.source != "environment")
        self.test_button.setEnabled(True)
        self.ok_button.setEnabled(True)
        self.key_status.setText(helptext.key_status_text(state.source, state.keyring_problem))

    def _on_keyring_failed(self, exc: Exception) -> None:
        self._on_key_state(
            keystore.KeyState(keystore.env_key(), "", f"The keyring failed ({type(exc).__name__}).")
        )

    def entered_key(self) -> str:
        return self.key_edit.text().strip() or self._current_key

    def test_key(self) -> None:
        problem = keystore.typed_key_problem(self.entered_key())
        if problem and self.entered_key():
            self.key_status.setText(problem)
            return
        self.test_button.setEnabled(False)
        self.key_status.setText(f"Checking the key with {self._api_host}…")
        self._check.start(self.entered_key())

    def _on_key_checked(self, error: EngineError | None) -> None:
        self.test_button.setEnabled(True)
        if error is not None:
            self.key_status.setText(error.message)
        else:  # without a keyring, still say where it will (not) be kept
            where = helptext.key_status_text("run", self._keyring_problem)
            self.key_status.setText(
                f"The key works. {where}" if self._keyring_problem else "The key works."
            )

    # -- options ----------------------------------------------------------------

    def chosen_config(self) -> AssemblyAIConfig:
        def optional(spin: QSpinBox) -> int | None:
            return spin.value() or None

        return AssemblyAIConfig(
            api_key="",
            api_host=self._api_host,
            speech_model=self.model_combo.currentData() or self.model_combo.currentText(),
            language_codes=split_list(self.languages_edit.text(), ","),
            language_detection=self.detect_check.isChecked(),
            keyterms=split_list(self.keyterms_edit.toPlainText(), "\n"),
            filter_profanity=self.profanity_check.isChecked(),
            format_turns=self.format_check.isChecked(),
            min_turn_silence_ms=optional(self.min_silence),
            max_turn_silence_ms=optional(self.max_silence),
            end_of_turn_confidence_threshold=(
                self.threshold.value() / 100 if self.threshold.value() else None
            ),
            speaker_labels=self.speakers_check.isChecked(),
            **self.low_bandwidth.values(),
            **self.options.values(),
        )

    def accept(self) -> None:
        config = self.chosen_config()
        problems = config.validate()
        if problems:
            self.problems.setText("\n".join(problems))  # keep the dialog open
            return
        if self._saving:
            return  # the keyring is storing the key (OK is disabled meanwhile)
        key = self.key_edit.text().strip()
        if key:
            problem = keystore.typed_key_problem(key)
            if problem:
                self.problems.setText(problem)  # the key itself is never shown
                return
            if self._keyring_problem:
                keystore.use_for_this_run(key)  # memory only: no keyring call
                self.said_on_close = FOR_THIS_RUN
            else:
                self._save_options(config)
                self._saving = True
                self._set_key_pending("Saving the key in the keyring…", saving=True)
                self.cancel_button.setEnabled(False)
                off_gui_thread(
                    lambda: keystore.store_key(key),
                    lambda problem: self._on_key_stored(key, problem),
                    self,
                    on_error=lambda exc: self._on_key_stored(key, str(exc)),
                )
                return
        self._save_options(config)
        super().accept()

    @property
    def saving(self) -> bool:
        """The keyring is storing the key; the dialog closes (or says why not) when it answers."""
        return self._saving

    def reject(self) -> None:
        if not self._saving:  # Esc while the keyring stores the key: wait for its answer
            super().reject()

    def _on_key_stored(self, key: str, problem: str | None) -> None:
        self._saving = False
        self.cancel_button.setEnabled(True)
        self._current_key = key
        self.key_edit.clear()
        self.key_edit.setPlaceholderText(keystore.mask(key))
        self.key_edit.setEnabled(True)
        self.test_button.setEnabled(True)
        self.ok_button.setEnabled(True)
        if problem is None:
            self.key_status.setText(helptext.key_status_text("keyring", None))
            super().accept()
            return
        # The keyring said it worked and then refused: the key is kept for this
        # run, the dialog says where it really is, and the user decides.
        self._keyring_problem = problem
        self.key_status.setText(helptext.key_status_text("run", problem))
        self.problems.setText("The key was not stored: it is used for this run only.")

    def _save_options(self, config: AssemblyAIConfig) -> None:
        before = config_from_settings(self._settings, "", self._api_host)
        s = self._settings
        s.set(Key.AAI_SPEECH_MODEL, config.speech_model)
        s.set(Key.AAI_LANGUAGE_CODES, ", ".join(config.language_codes))
        s.set(Key.AAI_LANGUAGE_DETECTION, config.language_detection)
        s.set(Key.AAI_KEYTERMS, "\n".join(config.keyterms))
        s.set(Key.AAI_FILTER_PROFANITY, config.filter_profanity)
        s.set(Key.AAI_FORMAT_TURNS, config.format_turns)
        s.set(Key.AAI_SPEAKER_LABELS, config.speaker_labels)
        s.set(Key.AAI_MIN_TURN_SILENCE_MS, self.min_silence.value())
        s.set(Key.AAI_MAX_TURN_SILENCE_MS, self.max_silence.value())
        s.set(Key.AAI_EOT_THRESHOLD_PERCENT, self.threshold.value())
        self.low_bandwidth.save(s)
        self.options.save(s)
        saved = config_from_settings(s, "", self._api_host)
        self.next_start = helptext.next_start_changes(before, saved)
        changes = live_changes(before, config)
        if changes:
            self.liveUpdate.emit(changes)


def _spin(key: Key, settings: Settings, suffix: str, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(int(key.spec.minimum or 0), int(key.spec.maximum or 0))
    spin.setSpecialValueText("Service default")  # shown for 0
    spin.setSuffix(suffix)
    if suffix.strip() == "ms":
        spin.setSingleStep(50)
    spin.setGroupSeparatorShown(True)
    spin.setValue(settings.get(key))
    spin.setToolTip(tip)
    spin.setAccessibleDescription(tip)
    return spin
