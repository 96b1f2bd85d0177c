"""The engine picker's rules: what it offers, which engine is chosen, and remembering it.

The engines themselves come from :mod:`captioner.engines.registry`; the main
window only shows them.  The choice is remembered as soon as the user makes
it (not only when a run starts), so a restart shows what was picked.

Whether there is an API key decides the default engine, and finding out may
mean asking the keyring (a D-Bus call that can wait for an unlock prompt).
That question is asked off the GUI thread: the picker is filled at once from
what is known without the keyring (the command line, the remembered engine,
``ASSEMBLYAI_API_KEY``) and corrected when the keyring answers, unless the
user has picked an engine meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from captioner import keystore
from captioner.core.settings import Key, Settings
from captioner.engines.registry import (
    EngineId,
    EngineSpec,
    available_engines,
    choose_engine,
    spec,
)
from captioner.ui.keyring_access import off_gui_thread
from captioner.ui.main_window import MainWindow


def _has_key() -> bool:
    return bool(keystore.load_api_key())


class EnginePicker(QObject):
    """Fills the window's engine picker and remembers the user's pick.

    ``requested`` is the command line's ``--engine``: it wins until the user
    picks another engine in the window.  ``has_key`` may block (it asks the
    keyring): it is only ever called on a worker thread.

    Signals:
        keyKnown(bool): the keyring answered whether there is a key (the picker is final).
    """

    keyKnown = Signal(bool)

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
        self._picked = False  # the user chose in the window since the last load()
        self._asking = 0  # counts load()s: only the newest answer counts
        self.pending = False
        self._painted = False  # the window has been painted once
        self._deferred: EngineSpec | None = None  # preload waiting for that paint
        self._ask_later = False  # load(ask_now=False) left the keyring's question for later
        window.engineChosen.connect(self._on_chosen)

    def load(self, *, ask_now: bool = True) -> None:
        """(Re)fill the picker; call again when the key changes (it may change the default).

        ``ask_now=False``: the keyring is asked only at :meth:`ask_keyring` (at launch,
        once the window is shown: the keyring's import on a worker would slow the
        window's own start-up, the GIL being shared).
        """
        self._picked = False
        self._ask_later = False
        if self._requested or keystore.env_key():
            # Known without the keyring: final now.
            self._fill(has_key=bool(keystore.env_key()), preload=True)
            return
        # Until the keyring answers, a remembered engine is taken at its word.
        self._fill(has_key=self._prefs.get(Key.ENGINE) != "", preload=False)
        self._asking += 1
        self.pending = True
        if ask_now:
            self._ask(self._asking)
        else:
            self._ask_later = True

    def ask_keyring(self) -> None:
        """Ask the keyring now if :meth:`load` was told to wait."""
        if self._ask_later:
            self._ask_later = False
            self._ask(self._asking)

    def _ask(self, asking: int) -> None:
        off_gui_thread(
            self._has_key,
            lambda has_key: self._on_key_known(asking, bool(has_key)),
            self,
            on_error=lambda _exc: self._on_key_known(asking, False),
        )

    def _on_key_known(self, asking: int, has_key: bool) -> None:
        if asking != self._asking:
            return  # a newer load() asked again
        self.pending = False
        if not self._picked:
            self._fill(has_key=has_key, preload=True)
        self.keyKnown.emit(has_key)

    def _fill(self, *, has_key: bool, preload: bool) -> None:
        has_key = has_key or bool(self._prefs.get(Key.AAI_TOKEN_URL).strip())  # key-less cloud
        chosen = choose_engine(
            requested=self._requested,
            remembered=self._prefs.get(Key.ENGINE),
            has_key=has_key,
        )
        if self._window.selected_engine() is not chosen or not self._window.engine_combo.count():
            self._window.set_engines(available_engines(), chosen)
        if preload:
            # The offline model takes a moment to load: start in the background, so
            # Start is instant when the user gets there.
            self._preload(spec(chosen))

    def _preload(self, engine: EngineSpec) -> None:
        """Preload ``engine`` now if the window has been painted, else just after.

        The offline model loads in a child process now, but spawning it and the
        cloud SDK's import still cost the GUI thread a little, so preloading
        waits for the first paint.
        """
        if self._painted:
            engine.preload()
            return
        if self._deferred is None:
            self._window.installEventFilter(self)
        self._deferred = engine  # the latest choice wins

    def preload_now(self) -> None:
        """Preload without waiting for the first paint: a run starts at once (``--start``).

        The session is then what the user asked for, and the engine's import
        is on its critical path: started with the window instead of after its
        first paint, it overlaps the window's own start-up.
        """
        if self._painted:
            return
        self._painted = True
        if self._deferred is not None:
            self._window.removeEventFilter(self)
            self._run_deferred()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            self._window.removeEventFilter(self)
            QTimer.singleShot(0, self._run_deferred)  # after this paint reaches the screen
        return False

    def _run_deferred(self) -> None:
        engine, self._deferred = self._deferred, None
        if engine is not None:
            engine.preload()

    def request(self, engine_id: EngineId) -> None:
        """Pick ``engine_id`` as ``--engine`` would (a later launch asked for it)."""
        self._requested = engine_id.value
        self.load()

    def selected(self) -> EngineSpec | None:
        engine_id = self._window.selected_engine()
        return spec(engine_id) if engine_id is not None else None

    def remember(self, engine_id: EngineId) -> None:
        self._prefs.set(Key.ENGINE, engine_id.value)

    def _on_chosen(self, engine_id: str) -> None:
        engine = spec(engine_id)
        self._requested = None  # the user's pick now outranks the command line
        self._picked = True
        self.remember(engine.id)
        self._preload(engine)
