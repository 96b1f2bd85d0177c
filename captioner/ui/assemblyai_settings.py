"""Settings ▸ AssemblyAI…: the API key (kept in the keyring) and recognition options.

Options are persisted through typed settings and applied on the next Start;
key terms and turn silences also reach a running session through
``UpdateConfiguration``.  The key is shown masked and never written to the
settings file.  "Test key" opens a real connection off the GUI thread.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
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
from captioner.engines.base import EngineError

# Two filters could confuse: say which one people want, and why the other exists.
SERVER_PROFANITY_TIP = (
    "Not needed to hide profanity: Settings ▸ Captions… ▸ Hide profanity (on by default) "
    "already does that for both engines and keeps the words in the session record, so "
    "it can be turned off later. This option has AssemblyAI mask the words before they "
    "reach Captioner, so they are never saved and cannot be shown again."
)


def config_from_settings(settings: Settings, api_key: str, api_host: str) -> AssemblyAIConfig:
    """The engine config for a Start, from what the user chose in this dialog."""

    def optional(key: Key) -> int | None:
        value = settings.get(key)
        return value or None  # 0 means "the service's default"

    threshold = settings.get(Key.AAI_EOT_THRESHOLD_PERCENT)
    return AssemblyAIConfig(
        api_key=api_key,
        api_host=api_host,
        speech_model=settings.get(Key.AAI_SPEECH_MODEL),
        language_codes=_split(settings.get(Key.AAI_LANGUAGE_CODES), ","),
        language_detection=settings.get(Key.AAI_LANGUAGE_DETECTION),
        keyterms=_split(settings.get(Key.AAI_KEYTERMS), "\n"),
        filter_profanity=settings.get(Key.AAI_FILTER_PROFANITY),
        format_turns=settings.get(Key.AAI_FORMAT_TURNS),
        min_turn_silence_ms=optional(Key.AAI_MIN_TURN_SILENCE_MS),
        max_turn_silence_ms=optional(Key.AAI_MAX_TURN_SILENCE_MS),
        end_of_turn_confidence_threshold=threshold / 100 if threshold else None,
        speaker_labels=settings.get(Key.AAI_SPEAKER_LABELS),
    )


def _split(text: str, sep: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace("\n", sep).split(sep) if part.strip())


class KeyCheck(QObject):
    """Runs ``test_api_key`` on a worker thread and reports on the GUI thread.

    Signals:
        finished(object): ``None`` when the key works, else an ``EngineError``.
    """

    finished = Signal(object)

    def __init__(self, api_host: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api_host = api_host
        self.thread: threading.Thread | None = None

    def start(self, key: str) -> None:
        from captioner.engines.assemblyai import test_api_key

        def run() -> None:
            self.finished.emit(test_api_key(key, self._api_host))

        self.thread = threading.Thread(target=run, name="key-check", daemon=True)
        self.thread.start()


class AssemblyAISettingsDialog(QDialog):
    """API key, speech model, languages, key terms and turn-taking options.

    Signals:
        liveUpdate(object): key terms / turn silences changed; sent to a running session.
    """

    liveUpdate = Signal(object)

    def __init__(
        self, settings: Settings, api_host: str = DEFAULT_HOST, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("AssemblyAI settings")
        self._settings = settings
        self._api_host = api_host
        s = settings
        form = QFormLayout(self)

        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setAccessibleName("API key")
        source = keystore.key_source()
        current = keystore.load_api_key() or ""
        self.key_edit.setPlaceholderText(
            keystore.mask(current) if current else "Paste your AssemblyAI API key"
        )
        self.key_edit.setEnabled(source != "environment")
        self.test_button = QPushButton("Test key")
        self.test_button.setAccessibleName("Test the API key")
        self.test_button.clicked.connect(self.test_key)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.test_button)
        form.addRow("API &key:", key_row)
        self._keyring_problem = None if source == "environment" else keystore.keyring_problem()
        self.key_status = QLabel(_key_status_text(source, self._keyring_problem))
        self.key_status.setWordWrap(True)
        self.key_status.setObjectName("keyStatus")
        form.addRow(self.key_status)

        self.model_combo = QComboBox()
        self.model_combo.addItems(list(SPEECH_MODELS))
        self.model_combo.setCurrentText(s.get(Key.AAI_SPEECH_MODEL))
        self.languages_edit = QLineEdit(s.get(Key.AAI_LANGUAGE_CODES))
        self.languages_edit.setPlaceholderText("e.g. en, es  (empty: the model's default)")
        self.detect_check = QCheckBox("Detect the language")
        self.detect_check.setChecked(s.get(Key.AAI_LANGUAGE_DETECTION))
        self.keyterms_edit = QPlainTextEdit(s.get(Key.AAI_KEYTERMS))
        self.keyterms_edit.setPlaceholderText("Names and jargon, one per line")
        self.keyterms_edit.setFixedHeight(80)
        self.profanity_check = QCheckBox("Filter profanity on AssemblyAI's servers as well")
        self.profanity_check.setChecked(s.get(Key.AAI_FILTER_PROFANITY))
        self.profanity_check.setToolTip(SERVER_PROFANITY_TIP)
        self.profanity_check.setAccessibleDescription(SERVER_PROFANITY_TIP)
        self.format_check = QCheckBox("Punctuation and casing (format turns)")
        self.format_check.setChecked(s.get(Key.AAI_FORMAT_TURNS))
        self.speakers_check = QCheckBox("Tell speakers apart (speaker labels)")
        self.speakers_check.setChecked(s.get(Key.AAI_SPEAKER_LABELS))
        self.min_silence = _spin(Key.AAI_MIN_TURN_SILENCE_MS, s, " ms")
        self.max_silence = _spin(Key.AAI_MAX_TURN_SILENCE_MS, s, " ms")
        self.threshold = _spin(Key.AAI_EOT_THRESHOLD_PERCENT, s, " %")
        for label, widget in (
            ("Speech &model:", self.model_combo),
            ("&Languages:", self.languages_edit),
            ("", self.detect_check),
            ("Key &terms:", self.keyterms_edit),
            ("", self.profanity_check),
            ("", self.format_check),
            ("", self.speakers_check),
            ("Mi&n. turn silence:", self.min_silence),
            ("Ma&x. turn silence:", self.max_silence),
            ("End-of-turn &confidence:", self.threshold),
        ):
            if label:
                widget.setAccessibleName(label.replace("&", "").rstrip(":"))
                form.addRow(label, widget)
            else:
                form.addRow(widget)
        self.problems = QLabel()
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c0392b;")
        form.addRow(self.problems)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._check = KeyCheck(api_host, self)
        self._check.finished.connect(self._on_key_checked)

    # -- key -----------------------------------------------------------------

    def entered_key(self) -> str:
        return self.key_edit.text().strip() or (keystore.load_api_key() or "")

    def test_key(self) -> None:
        problem = keystore.key_problem(self.entered_key())
        if problem and self.entered_key():
            self.key_status.setText(problem)
            return
        self.test_button.setEnabled(False)
        self.key_status.setText(f"Checking the key with {self._api_host}…")
        self._check.start(self.entered_key())

    def _on_key_checked(self, error: EngineError | None) -> None:
        self.test_button.setEnabled(True)
        self.key_status.setText("The key works." if error is None else error.message)

    # -- options ----------------------------------------------------------------

    def chosen_config(self) -> AssemblyAIConfig:
        def optional(spin: QSpinBox) -> int | None:
            return spin.value() or None

        return AssemblyAIConfig(
            api_key="",
            api_host=self._api_host,
            speech_model=self.model_combo.currentText(),
            language_codes=_split(self.languages_edit.text(), ","),
            language_detection=self.detect_check.isChecked(),
            keyterms=_split(self.keyterms_edit.toPlainText(), "\n"),
            filter_profanity=self.profanity_check.isChecked(),
            format_turns=self.format_check.isChecked(),
            min_turn_silence_ms=optional(self.min_silence),
            max_turn_silence_ms=optional(self.max_silence),
            end_of_turn_confidence_threshold=(
                self.threshold.value() / 100 if self.threshold.value() else None
            ),
            speaker_labels=self.speakers_check.isChecked(),
        )

    def accept(self) -> None:
        config = self.chosen_config()
        problems = config.validate()
        if problems:
            self.problems.setText("\n".join(problems))  # keep the dialog open
            return
        key = self.key_edit.text().strip()
        if key:
            problem = keystore.key_problem(key)
            if problem:
                self.problems.setText(problem)  # the key itself is never shown
                return
            if self._keyring_problem:
                keystore.use_for_this_run(key)
            else:
                try:
                    keystore.save_api_key(key)
                except keystore.KeyStoreError as exc:
                    # The keyring said it worked and then refused: keep the key for
                    # this run, say where it really is, and let the user decide.
                    keystore.use_for_this_run(key)
                    self._keyring_problem = str(exc)
                    self.key_edit.clear()
                    self.key_edit.setPlaceholderText(keystore.mask(key))
                    self.key_status.setText(_key_status_text("run", str(exc)))
                    self.problems.setText("The key was not stored: it is used for this run only.")
                    return
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
        live = replace(before, api_key="")
        if (config.keyterms, config.min_turn_silence_ms, config.max_turn_silence_ms) != (
            live.keyterms,
            live.min_turn_silence_ms,
            live.max_turn_silence_ms,
        ):
            self.liveUpdate.emit(config)
        super().accept()


def _spin(key: Key, settings: Settings, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(int(key.spec.minimum or 0), int(key.spec.maximum or 0))
    spin.setSpecialValueText("Service default")
    spin.setSuffix(suffix)
    spin.setValue(settings.get(key))
    return spin


def _key_status_text(source: str, keyring_problem: str | None) -> str:
    """Where the key is (or will be) kept, never claiming a place it is not."""
    if source == "environment":
        return "Set by the ASSEMBLYAI_API_KEY environment variable."
    if keyring_problem:
        return (
            f"{keyring_problem} A key entered here is used for this run only. To keep it, "
            "set the ASSEMBLYAI_API_KEY environment variable (for example in ~/.profile), "
            "or start a keyring and open this dialog again. Your key is on your AssemblyAI "
            "dashboard: https://www.assemblyai.com/app/api-keys"
        )
    if source == "run":
        return "Used for this run only: it is not stored anywhere."
    return "Kept in the system keyring, never in a file."
