"""The session options rows of Settings ▸ AssemblyAI… (issue 15.3), and the token URL.

Mode, prompt (with a character counter), voice focus and its strength, PII
redaction (kinds and substitution), the medical domain, the inactivity
timeout and the token URL: each a field with one line under it that says
what it does, whether it reaches a running session, and its service name.
Kept out of :mod:`~captioner.ui.assemblyai_settings` so that module stays
about the key and recognition basics.

The list of PII kinds comes from the SDK, whose first import takes up to a
second: it is read off the GUI thread and fills the list when it answers
(kinds already chosen are shown meanwhile).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from captioner.core.settings import Key, Settings
from captioner.engines.assemblyai.config import MAX_PROMPT_CHARS
from captioner.engines.assemblyai.session_options import (
    MIN_INACTIVITY_TIMEOUT_S,
    PII_POLICIES,
)
from captioner.ui import assemblyai_help as helptext
from captioner.ui.keyring_access import off_gui_thread
from captioner.ui.settings_form import choice_combo


def help_label(text: str) -> QLabel:
    """The line under a row: what it does, whether it reaches a running session."""
    label = QLabel(text)
    label.setObjectName("optionHelp")
    label.setWordWrap(True)
    return label


class SessionOptions(QObject):
    """The rows, added to ``form``; :meth:`values` and :meth:`save` read them back.

    A plain object owned by the dialog: the widgets themselves live in the form.
    """

    def __init__(self, settings: Settings, form: QFormLayout, parent: QWidget) -> None:
        super().__init__(parent)
        s = settings
        self.mode_combo = choice_combo(helptext.MODE_CHOICES, s.get(Key.AAI_MODE))
        self.prompt_edit = QPlainTextEdit(s.get(Key.AAI_PROMPT))
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.setFixedHeight(64)
        self.prompt_edit.setPlaceholderText("e.g. A lecture on Jane Austen; keep names as spelled")
        self.prompt_count = QLabel()
        self.prompt_count.setObjectName("promptCount")
        self.prompt_edit.textChanged.connect(self._count_prompt)
        self._count_prompt()
        self.voice_combo = choice_combo(helptext.VOICE_FOCUS_CHOICES, s.get(Key.AAI_VOICE_FOCUS))
        self.voice_strength = QSpinBox()
        self.voice_strength.setRange(0, 100)
        self.voice_strength.setSpecialValueText("Service default")
        self.voice_strength.setSuffix(" %")
        self.voice_strength.setSingleStep(5)
        self.voice_strength.setValue(s.get(Key.AAI_VOICE_FOCUS_PERCENT))
        self.voice_combo.currentIndexChanged.connect(self._follow_switches)
        self.redact_check = QCheckBox("&Hide personal information (names, numbers…)")
        self.redact_check.setChecked(s.get(Key.AAI_REDACT_PII))
        self.redact_check.toggled.connect(self._follow_switches)
        self.policy_list = QListWidget()
        self.policy_list.setFixedHeight(110)
        self._chosen_policies = set(s.get(Key.AAI_REDACT_PII_POLICIES).split())
        self._fill_policies(sorted(self._chosen_policies))
        self.policies_known = False
        off_gui_thread(lambda: tuple(PII_POLICIES), self._on_policies, self, name="pii-policies")
        self.sub_combo = choice_combo(helptext.PII_SUB_CHOICES, s.get(Key.AAI_REDACT_PII_SUB))
        self.domain_combo = choice_combo(helptext.DOMAIN_CHOICES, s.get(Key.AAI_DOMAIN))
        self.inactivity = QSpinBox()
        # One below the service's minimum shows as "Off" (stored as 0).
        self.inactivity.setRange(MIN_INACTIVITY_TIMEOUT_S - 1, 3600)
        self.inactivity.setSpecialValueText("Off")
        self.inactivity.setSuffix(" s")
        self.inactivity.setSingleStep(30)
        self.inactivity.setValue(
            s.get(Key.AAI_INACTIVITY_TIMEOUT_S) or MIN_INACTIVITY_TIMEOUT_S - 1
        )
        self.token_url_edit = QLineEdit(s.get(Key.AAI_TOKEN_URL))
        self.token_url_edit.setPlaceholderText("https://… (optional: instead of a key)")
        for label, widget, line in (
            ("Speed or a&ccuracy:", self.mode_combo, helptext.MODE_HELP),
            ("P&rompt:", self.prompt_edit, None),
            (" ", self.prompt_count, helptext.PROMPT_HELP),
            ("&Voice focus:", self.voice_combo, None),
            ("Voice focus stren&gth:", self.voice_strength, helptext.VOICE_FOCUS_HELP),
            ("", self.redact_check, None),
            ("Ki&nds to hide:", self.policy_list, None),
            ("Replace &with:", self.sub_combo, helptext.REDACT_HELP),
            ("D&omain:", self.domain_combo, helptext.DOMAIN_HELP),
            ("End a&fter silence:", self.inactivity, helptext.INACTIVITY_HELP),
            ("Token &URL:", self.token_url_edit, helptext.TOKEN_URL_HELP),
        ):
            if label.strip():
                widget.setAccessibleName(label.replace("&", "").rstrip(":"))
                form.addRow(label, widget)
            elif label == " ":
                form.addRow("", widget)
            else:
                form.addRow(widget)
            if line is not None:
                widget.setToolTip(line)
                widget.setAccessibleDescription(line)
                form.addRow("", help_label(line))
        self._follow_switches()

    # -- what the rows show ------------------------------------------------------

    def _count_prompt(self) -> None:
        count = len(self.prompt_edit.toPlainText().strip())
        over = count > MAX_PROMPT_CHARS
        self.prompt_count.setText(
            f"{count:,} / {MAX_PROMPT_CHARS:,} characters" + (": too long" if over else "")
        )
        self.prompt_count.setProperty("over", over)

    def _follow_switches(self) -> None:
        self.voice_strength.setEnabled(bool(self.voice_combo.currentData()))
        redact = self.redact_check.isChecked()
        self.policy_list.setEnabled(redact)
        self.sub_combo.setEnabled(redact)

    def _fill_policies(self, policies: list[str]) -> None:
        self.policy_list.clear()
        for policy in policies:
            item = QListWidgetItem(helptext.policy_label(policy))
            item.setData(Qt.ItemDataRole.UserRole, policy)
            item.setToolTip(policy)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = policy in self._chosen_policies
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.policy_list.addItem(item)

    def _on_policies(self, policies: tuple[str, ...]) -> None:
        self._chosen_policies = set(self.chosen_policies())
        # A kind this SDK does not know (a hand-edited file) stays, for validation to name.
        self._fill_policies(list(policies) + sorted(self._chosen_policies - set(policies)))
        self.policies_known = True

    def chosen_policies(self) -> tuple[str, ...]:
        items = (self.policy_list.item(i) for i in range(self.policy_list.count()))
        return tuple(
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        )

    def set_policies(self, policies: set[str]) -> None:
        """Tick exactly ``policies`` (for tests and for "choose these kinds")."""
        for i in range(self.policy_list.count()):
            item = self.policy_list.item(i)
            chosen = item.data(Qt.ItemDataRole.UserRole) in policies
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)

    # -- reading them back ---------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The AssemblyAIConfig fields these rows set."""
        strength = self.voice_strength.value()
        voice = self.voice_combo.currentData() or None
        timeout = self.inactivity.value()
        return {
            "mode": self.mode_combo.currentData() or None,
            "prompt": self.prompt_edit.toPlainText().strip() or None,
            "voice_focus": voice,
            "voice_focus_threshold": strength / 100 if strength and voice else None,
            "redact_pii": self.redact_check.isChecked(),
            "redact_pii_policies": self.chosen_policies(),
            "redact_pii_sub": self.sub_combo.currentData() or None,
            "domain": self.domain_combo.currentData() or None,
            "inactivity_timeout_s": timeout if timeout >= MIN_INACTIVITY_TIMEOUT_S else None,
            "token_url": self.token_url_edit.text().strip(),
        }

    def save(self, settings: Settings) -> None:
        values = self.values()
        s = settings
        s.set(Key.AAI_MODE, values["mode"] or "")
        s.set(Key.AAI_PROMPT, values["prompt"] or "")
        s.set(Key.AAI_VOICE_FOCUS, values["voice_focus"] or "")
        s.set(Key.AAI_VOICE_FOCUS_PERCENT, self.voice_strength.value())
        s.set(Key.AAI_REDACT_PII, values["redact_pii"])
        s.set(Key.AAI_REDACT_PII_POLICIES, "\n".join(values["redact_pii_policies"]))
        s.set(Key.AAI_REDACT_PII_SUB, values["redact_pii_sub"] or "")
        s.set(Key.AAI_DOMAIN, values["domain"] or "")
        s.set(Key.AAI_INACTIVITY_TIMEOUT_S, values["inactivity_timeout_s"] or 0)
        s.set(Key.AAI_TOKEN_URL, values["token_url"])
