"""Settings ▸ AssemblyAI ▸ "Low-bandwidth audio (Opus)" (issue 15.6)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from captioner.core.settings import Key, Settings
from captioner.engines.assemblyai import opus
from captioner.ui.assemblyai_settings import config_from_settings
from tests.engines.test_opus import need_opus
from tests.ui.test_assemblyai_settings import accept_and_wait, make_dialog


@pytest.fixture
def prefs(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def test_ticking_low_bandwidth_makes_the_next_run_send_opus(qtbot, prefs) -> None:
    need_opus()
    dialog = make_dialog(qtbot, prefs)
    setting = dialog.low_bandwidth
    qtbot.waitUntil(lambda: setting.available is not None, timeout=10000)  # asked off-thread
    assert setting.check.isEnabled() and not setting.check.isChecked()
    assert "tenth of the data" in setting.note.text()
    assert "Call mode always sends PCM" in setting.check.toolTip()
    setting.check.setChecked(True)
    accept_and_wait(qtbot, dialog)
    assert prefs.get(Key.AAI_LOW_BANDWIDTH)
    config = config_from_settings(prefs, "k", "host")
    assert config.low_bandwidth
    assert str(config.streaming_parameters().encoding) == "opus"


def test_without_pyav_the_box_is_disabled_with_the_reason_and_the_choice_kept(
    qtbot, prefs, monkeypatch
) -> None:
    prefs.set(Key.AAI_LOW_BANDWIDTH, True)  # chosen where PyAV was installed
    opus.opus_problem.cache_clear()
    monkeypatch.setitem(sys.modules, "av", None)  # as if PyAV were not installed
    try:
        dialog = make_dialog(qtbot, prefs)
        setting = dialog.low_bandwidth
        qtbot.waitUntil(lambda: setting.available is not None, timeout=10000)
    finally:
        opus.opus_problem.cache_clear()
    assert not setting.check.isEnabled() and not setting.check.isChecked()
    assert "Unavailable" in setting.note.text()
    assert "pip install 'captioner[opus]'" in setting.note.text()
    accept_and_wait(qtbot, dialog)
    assert prefs.get(Key.AAI_LOW_BANDWIDTH)  # comes back once PyAV is installed
