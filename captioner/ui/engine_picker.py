"""The engine picker's rules: what it offers, which engine is chosen, and remembering it.

The engines themselves come from :mod:`captioner.engines.registry`; the main
window only shows them.  The choice is remembered as soon as the user makes
it (not only when a run starts), so a restart shows what was picked.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from captioner import keystore
from captioner.core.settings import Key, Settings
from captioner.engines.registry import (
    EngineId,
    EngineSpec,
    available_engines,
    choose_engine,
    spec,
)
from captioner.ui.main_window import MainWindow


def _has_key() -> bool:
    return bool(keystore.load_api_key())


class EnginePicker(QObject):
    """Fills the window's engine picker and remembers the user's pick.

    ``requested`` is the command line's ``--engine``: it wins until the user
    picks another engine in the window.
    """

    def __init__(
        self,
        window: MainWindow,
        prefs: Settings,
        *,
        requested: str | None = None,
        has_key: Callable[[], bool] = _has_key,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._prefs = prefs
        self._requested = requested
        self._has_key = has_key
        window.engineChosen.connect(self._on_chosen)

    def load(self) -> None:
        """(Re)fill the picker; call again when the key changes (it may change the default)."""
        chosen = choose_engine(
            requested=self._requested,
            remembered=self._prefs.get(Key.ENGINE),
            has_key=self._has_key(),
        )
        self._window.set_engines(available_engines(), chosen)
        spec(chosen).preload()

    def selected(self) -> EngineSpec | None:
        engine_id = self._window.selected_engine()
        return spec(engine_id) if engine_id is not None else None

    def remember(self, engine_id: EngineId) -> None:
        self._prefs.set(Key.ENGINE, engine_id.value)

    def _on_chosen(self, engine_id: str) -> None:
        engine = spec(engine_id)
        self._requested = None  # the user's pick now outranks the command line
        self.remember(engine.id)
        # The offline model takes a moment to load: start now, in the background,
        # so Start is instant when the user gets there.
        engine.preload()
