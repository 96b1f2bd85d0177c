"""Screen-reader announcements of finished lines wait for the text the overlay settles on.

With ``format_turns`` the service ends each turn twice: plain text first, the
formatted text a moment later; with translation on, each line's translation
comes seconds after.  Speech cannot be taken back, so the announcer holds a
line for its formatted version or its translation (bounded), speaks each line
once, as "Overlay shows" says, and keeps the order in which lines finished.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

import captioner.ui.announcer
from captioner.core.settings import Key, Settings
from captioner.core.transcript import TurnUpdate
from captioner.engines.assemblyai.config import AssemblyAIConfig
from captioner.engines.assemblyai.engine import AssemblyAIEngine
from captioner.engines.base import NullListener
from captioner.ui.announcer import FORMAT_WAIT_MS, TRANSLATION_WAIT_MS, CaptionAnnouncer
from captioner.ui.controller import CaptionController
from captioner.ui.profanity_filter import ProfanityFilter

PLAIN = "and mister john dashwood had then"
FORMATTED = "And Mr. John Dashwood had then."


class StubEngine:
    """Stands in for a run's engine: only what the announcer asks (formats_turns)."""

    def __init__(self, formats_turns: bool, translates: bool = False) -> None:
        self.formats_turns = formats_turns
        self.translates = translates

    def start(self, source: object) -> None:
        pass

    def stop(self) -> None:
        pass

    def join(self, timeout: float | None = None) -> bool:
        return True

    @property
    def running(self) -> bool:
        return True


@pytest.fixture
def heard(monkeypatch) -> list[str]:
    spoken: list[str] = []

    class Accessible:
        @staticmethod
        def updateAccessibility(event) -> None:  # Qt naming
            spoken.append(event.message())

    monkeypatch.setattr(captioner.ui.announcer, "QAccessible", Accessible)
    return spoken


@pytest.fixture
def controller(qtbot, tmp_path: Path):
    """A controller whose finished lines an announcer (option on) speaks."""

    def make(
        *,
        formats_turns: bool,
        translates: bool = False,
        display: str = "both",
        hide_profanity: bool = False,
        translation_wait_ms: int = TRANSLATION_WAIT_MS,
    ) -> CaptionController:
        prefs = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        prefs.set(Key.ANNOUNCE_CAPTIONS, True)
        prefs.set(Key.TRANSLATION_DISPLAY, display)
        prefs.set(Key.PROFANITY_FILTER, hide_profanity)
        ctl = CaptionController()
        overlay = QWidget()
        qtbot.addWidget(overlay)
        ctl.announcer = CaptionAnnouncer(
            ctl,
            overlay,
            ProfanityFilter(prefs, ctl),
            prefs,
            ctl,
            translation_wait_ms=translation_wait_ms,
        )
        ctl.start(lambda _listener: StubEngine(formats_turns, translates), source=None)
        return ctl

    return make


def cloud(order: int, text: str, *, formatted: bool) -> TurnUpdate:
    return TurnUpdate(f"c1:{order}", order, text, end_of_turn=True, formatted=formatted)


def test_the_formatted_line_is_announced_once_instead_of_the_plain_one(
    controller, heard, qtbot
) -> None:
    ctl = controller(formats_turns=True)
    ctl._on_update(cloud(0, PLAIN, formatted=False))
    assert heard == []  # held for the formatted version
    ctl._on_update(cloud(0, FORMATTED, formatted=True))
    assert heard == [FORMATTED]
    # The plain text is never spoken after all: a later line that waits out its
    # own bound (which ends after the first one's) is the next thing heard.
    ctl._on_update(cloud(1, "so it goes", formatted=False))
    qtbot.waitUntil(lambda: len(heard) > 1, timeout=FORMAT_WAIT_MS * 3)
    assert heard == [FORMATTED, "so it goes"]


def test_without_a_formatted_version_the_plain_line_is_announced_after_the_bound(
    controller, heard, qtbot
) -> None:
    ctl = controller(formats_turns=True)
    ctl._on_update(cloud(0, PLAIN, formatted=False))
    assert heard == []
    qtbot.waitUntil(lambda: heard == [PLAIN], timeout=FORMAT_WAIT_MS * 3)
    ctl._on_update(cloud(0, FORMATTED, formatted=True))  # too late: never twice
    assert heard == [PLAIN]


def test_lines_of_an_engine_that_does_not_format_are_announced_at_once(controller, heard) -> None:
    ctl = controller(formats_turns=False)
    ctl._on_update(TurnUpdate("offline-1:0", 0, "well hello there", end_of_turn=True))
    assert heard == ["well hello there"]


@pytest.mark.parametrize("format_turns", [True, False])
def test_the_cloud_engine_says_whether_it_formats_turns(format_turns: bool) -> None:
    engine = AssemblyAIEngine(
        NullListener(), AssemblyAIConfig(api_key="k", format_turns=format_turns)
    )
    assert engine.formats_turns is format_turns


def test_lines_are_announced_in_the_order_they_finished(controller, heard) -> None:
    ctl = controller(formats_turns=True)
    ctl._on_update(cloud(0, "hello there", formatted=False))
    ctl._on_update(cloud(1, "how are you", formatted=False))
    ctl._on_update(cloud(1, "How are you?", formatted=True))  # the second is ready first
    assert heard == []  # …but waits behind the first
    ctl._on_update(cloud(0, "Hello there.", formatted=True))
    assert heard == ["Hello there.", "How are you?"]


def test_a_stand_in_line_is_not_spoken_before_an_earlier_waiting_line(controller, heard) -> None:
    ctl = controller(formats_turns=True)
    ctl._on_update(cloud(0, PLAIN, formatted=False))
    stand_in = TurnUpdate("offline-1:0", 1, "good morning", end_of_turn=True, provisional=True)
    ctl._on_update(stand_in)  # never formatted: no wait of its own
    assert heard == []
    ctl._on_update(cloud(0, FORMATTED, formatted=True))
    assert heard == [FORMATTED, "good morning"]


def translate(ctl: CaptionController, order: int, text: str) -> None:
    """The service's translation of turn ``order`` arrives (as the engine bridge applies it)."""
    ctl.transcript.apply_translation(f"c1:{order}", "fr", text)


def test_translation_only_announces_the_translation_when_it_comes(controller, heard) -> None:
    ctl = controller(formats_turns=True, translates=True, display="translation")
    ctl._on_update(cloud(0, PLAIN, formatted=False))
    ctl._on_update(cloud(0, FORMATTED, formatted=True))
    assert heard == []  # the overlay will show the translation: wait for it
    translate(ctl, 0, "Et M. John Dashwood avait alors.")
    assert heard == ["Et M. John Dashwood avait alors."]


def test_translation_only_announces_the_original_when_no_translation_comes(
    controller, heard, qtbot
) -> None:
    ctl = controller(
        formats_turns=True, translates=True, display="translation", translation_wait_ms=200
    )
    ctl._on_update(cloud(0, PLAIN, formatted=False))
    ctl._on_update(cloud(0, FORMATTED, formatted=True))
    qtbot.waitUntil(lambda: heard != [], timeout=FORMAT_WAIT_MS * 3)
    assert heard == [FORMATTED]  # what the overlay still shows, rather than nothing
    translate(ctl, 0, "Et M. John Dashwood avait alors.")  # too late: never twice
    assert heard == [FORMATTED]


def test_translation_only_a_quick_translation_need_not_wait_for_formatting(
    controller, heard
) -> None:
    ctl = controller(formats_turns=True, translates=True, display="translation")
    ctl._on_update(cloud(0, "hello there", formatted=False))
    translate(ctl, 0, "Bonjour.")
    assert heard == ["Bonjour."]
    ctl._on_update(cloud(0, "Hello there.", formatted=True))
    assert heard == ["Bonjour."]


def test_both_announces_the_original_and_its_translation_as_one(controller, heard) -> None:
    ctl = controller(formats_turns=True, translates=True, display="both")
    ctl._on_update(cloud(0, "hello there", formatted=False))
    ctl._on_update(cloud(0, "Hello there.", formatted=True))
    assert heard == []
    translate(ctl, 0, "Bonjour.")
    ctl._on_update(cloud(1, "how are you", formatted=False))
    translate(ctl, 1, "Comment allez-vous ?")  # translated before it was formatted…
    assert heard == ["Hello there. Bonjour."]  # …the original still waits for its best text
    ctl._on_update(cloud(1, "How are you?", formatted=True))
    assert heard == ["Hello there. Bonjour.", "How are you? Comment allez-vous ?"]


def test_a_japanese_line_and_its_translation_are_parted_by_a_japanese_full_stop(
    controller, heard
) -> None:
    # A plain (unformatted) Japanese line ends in a letter, and the pause
    # before its translation is the language's own full stop, not a "." read out as a dot.
    ctl = controller(formats_turns=False, translates=True, display="both")
    ctl._on_update(cloud(0, "今日は会議です", formatted=False))
    translate(ctl, 0, "We have a meeting today.")
    ctl._on_update(cloud(1, "ok see you", formatted=False))
    translate(ctl, 1, "じゃあまたね")
    assert heard == ["今日は会議です。 We have a meeting today.", "ok see you. じゃあまたね"]


def test_the_profanity_filter_masks_an_announced_translation(controller, heard) -> None:
    ctl = controller(
        formats_turns=False, translates=True, display="translation", hide_profanity=True
    )
    ctl._on_update(cloud(0, "well shit", formatted=False))
    translate(ctl, 0, "Eh bien, shit.")
    assert heard == ["Eh bien, s***."]


@pytest.mark.parametrize("language", ["fr", ""])
def test_the_cloud_engines_say_whether_they_translate(language: str) -> None:
    from captioner.engines.cloud_host import HostedCloudEngine
    from captioner.engines.registry import EngineOptions

    config = AssemblyAIConfig(api_key="k", translate_to=language)
    assert AssemblyAIEngine(NullListener(), config).translates is bool(language)
    hosted = HostedCloudEngine(NullListener(), EngineOptions(assemblyai=config))
    assert hosted.translates is bool(language)


def test_a_line_filled_in_after_a_reconnect_is_announced_as_such(controller, heard) -> None:
    """Old speech transcribed again arrives among live lines: a listener must tell them apart."""
    ctl = controller(formats_turns=False)
    ctl._on_update(TurnUpdate("c2:0", 0, "live words now", end_of_turn=True))
    ctl._on_update(TurnUpdate("c3:0", 0, "words from the gap", end_of_turn=True, recovered=True))
    assert heard == ["live words now", "(filled in) words from the gap"]
