"""What runs before the main window shows loads neither engine's heavy libraries (issue 14).

The AssemblyAI SDK (with its pydantic models, ~0.4 s) and PocketSphinx are
needed only once a run starts (or the offline engine is chosen, whose model
loads in the background); importing them earlier delays every launch.  Each
check runs in a fresh interpreter, because this test process has long since
imported both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.ui import test_global_hotkey

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("assemblyai", "pocketsphinx", "av")  # av: the optional Opus encoder (PyAV)
x_display = test_global_hotkey.x_display  # the fixture: a private Xvfb


def fresh(code: str, tmp_path: Path, **env: str) -> dict:
    """Run ``code`` in a new interpreter; it leaves its findings in ``found`` (a dict)."""
    script = "import json, sys\nfound = {}\n" + textwrap.dedent(code)
    script += "\nfound['modules'] = sorted(sys.modules)\nprint(json.dumps(found))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def heavy(found: dict) -> list[str]:
    return [m for m in found["modules"] if m.split(".")[0] in HEAVY]


@pytest.mark.parametrize(
    "module",
    [
        "captioner.__main__",  # the entry point parses arguments before anything else
        "captioner.cli",
        "captioner.engines.registry",
        "captioner.engines.assemblyai",
        "captioner.engines.offline",
        "captioner.engines.assemblyai.config",
        "captioner.ui.assemblyai_settings",
        "captioner.ui.run_starter",
        "captioner.ui.engine_picker",
    ],
)
def test_modules_loaded_before_the_window_import_no_engine_library(module, tmp_path):
    assert heavy(fresh(f"import {module}", tmp_path)) == []


def test_parsing_arguments_and_listing_engines_loads_no_engine_library(tmp_path):
    found = fresh(
        """
        from captioner.cli import parse_args
        from captioner.engines.assemblyai import DEFAULT_HOST, NO_KEY_MESSAGE, AssemblyAIConfig
        from captioner.engines.registry import available_engines, choose_engine, spec

        args = parse_args(["--engine", "assemblyai", "--api-host", "ws://127.0.0.1:9"])
        found["engines"] = [e.id.value for e in available_engines()]
        found["chosen"] = choose_engine(requested=None, remembered=None, has_key=True).value
        found["hint"] = spec("assemblyai").missing_key_message()
        found["host"] = AssemblyAIConfig(api_key="k", api_host=args.api_host).host_name
        found["default"] = DEFAULT_HOST
        """,
        tmp_path,
    )
    assert heavy(found) == []
    assert "importlib.resources" not in found["modules"]  # (via importlib.abc: tempfile, shutil)
    assert found["engines"] == ["offline", "assemblyai"]
    assert found["chosen"] == "assemblyai"
    assert "Settings ▸ AssemblyAI" in found["hint"]
    assert found["host"] == "127.0.0.1:9"
    assert found["default"] == "streaming.assemblyai.com"


def test_the_lazy_packages_still_give_every_name_they_list(tmp_path):
    found = fresh(
        """
        import captioner.engines.assemblyai as cloud
        import captioner.engines.offline as offline
        found["cloud"] = {n: type(getattr(cloud, n)).__name__ for n in cloud.__all__}
        found["offline"] = {n: type(getattr(offline, n)).__name__ for n in offline.__all__}
        try:
            cloud.NoSuchThing
        except AttributeError as exc:
            found["missing"] = str(exc)
        """,
        tmp_path,
    )
    assert found["cloud"]["AssemblyAIEngine"] == "type"
    assert found["cloud"]["test_api_key"] == "function"
    assert found["offline"]["OfflineEngine"] == "type"
    assert found["offline"]["preload"] == "function"
    assert "NoSuchThing" in found["missing"]


def test_speech_models_come_from_the_sdk_when_first_asked_for(tmp_path):
    found = fresh(
        """
        from captioner.engines.assemblyai import SPEECH_MODELS, AssemblyAIConfig
        found["before"] = "assemblyai" in sys.modules
        found["models"] = list(SPEECH_MODELS)
        found["unknown"] = AssemblyAIConfig(api_key="k", speech_model="nope").validate()
        from assemblyai.streaming.v3 import SpeechModel
        found["sdk"] = [m.value for m in SpeechModel]
        """,
        tmp_path,
    )
    assert found["before"] is False
    assert found["models"] and set(found["models"]) <= set(found["sdk"])
    assert "universal-3-5-pro" in found["models"]
    assert "u3-pro" not in found["models"]  # a deprecated alias
    assert "Unknown speech model “nope”" in found["unknown"][0]
    assert "universal-3-5-pro" in found["unknown"][0]


def test_a_run_imports_the_sdks_streaming_client_without_its_other_clients(tmp_path):
    # The SDK package's __init__ imports every client it has (transcripts, LeMUR, TTS…)
    # and their pydantic models: 0.1 s and 5 MB on the way to the first session.
    found = fresh(
        """
        import captioner.engines.assemblyai.engine  # what Start (or the preload) imports

        found["sdk"] = sorted(m for m in sys.modules if m.split(".")[0] == "assemblyai")
        found["httpx_cli"] = "httpx._main" in sys.modules
        # httpx itself only when the SDK's REST helper is used (the app never does)
        found["httpx_ran"] = "httpx._client" in sys.modules
        from assemblyai.streaming.v3.client import StreamingClient as Client
        from assemblyai.streaming.v3.models import StreamingClientOptions

        made = Client(StreamingClientOptions(api_key="k" * 32, api_host="127.0.0.1:9"))
        found["httpx_ran_after_client"] = "httpx._client" in sys.modules
        found["helper"] = type(made._client._client()._http_client).__name__
        try:  # where httpx's command-line extras are installed, asking for it still works
            import httpx._main

            found["cli_later"] = httpx._main.__name__
        except ImportError as exc:
            found["cli_later"] = exc.name
        from assemblyai.streaming.v3 import AsyncStreamingClient, StreamingClient

        found["client"] = StreamingClient.__module__
        found["async"] = AsyncStreamingClient.__module__  # v3's own __init__ ran for it
        import assemblyai  # code that wants the whole SDK still gets it

        found["version"] = assemblyai.__version__
        found["transcriber"] = assemblyai.Transcriber.__name__
        found["listed"] = "Transcriber" in dir(assemblyai) and "Transcriber" in assemblyai.__all__
        found["streaming"] = assemblyai.streaming.__name__
        try:
            assemblyai.NoSuchThing
        except AttributeError as exc:
            found["missing"] = str(exc)
        """,
        tmp_path,
    )
    assert "assemblyai.streaming.v3.client" in found["sdk"]
    others = ("transcriber", "types", "client", "llm_gateway", "tts", "dictation", "prerecorded")
    assert not [m for m in found["sdk"] if m.split(".")[1:2] and m.split(".")[1] in others]
    # Nor the streaming package's asyncio client and extras (its __init__ waits too).
    assert not {"assemblyai.streaming.v3.async_client", "assemblyai.streaming.v3.extras"} & set(
        found["sdk"]
    )
    # Nor httpx's command-line client (rich, click, pygments where they are installed).
    assert found["httpx_cli"] is False
    assert found["httpx_ran"] is False and found["httpx_ran_after_client"] is False
    assert found["helper"] == "Client"  # httpx's, made the moment the helper is used
    assert found["cli_later"] in ("httpx._main", "click", "rich", "pygments")
    assert found["client"] == "assemblyai.streaming.v3.client"
    assert found["async"] == "assemblyai.streaming.v3.async_client"
    assert found["version"][0].isdigit()
    assert found["transcriber"] == "Transcriber"
    assert found["listed"] is True
    assert found["streaming"] == "assemblyai.streaming"
    assert "NoSuchThing" in found["missing"]


APP_WITH_ENGINE = """
import threading

from PySide6.QtCore import QDeadlineTimer, QSettings
from PySide6.QtWidgets import QApplication

qt = QApplication([])
from captioner.app import CaptionerApp
from captioner.cli import parse_args


def loading():
    return any(t.name == "offline-model-load" for t in threading.enumerate())


def model_made():
    model = sys.modules.get("captioner.engines.offline.model")
    # getattr: the preload imports the module on a worker, it may be half-initialised
    return getattr(model, "_default_model", None) is not None


settings = QSettings(sys.argv[1] + "/settings.ini", QSettings.Format.IniFormat)
argv = ["--engine", ENGINE, "--data-dir", sys.argv[1] + "/sessions"]
# No devices are listed here: in run_gui the scan runs on the loop, after the window shows.
app = CaptionerApp(parse_args(argv), settings, list_devices=list, use_tray=False)
found["before_window"] = sorted(sys.modules)
found["model_before_window"] = model_made() or loading()
app.window.show()
def sdk_loaded():
    busy = any(t.name == "assemblyai-preload" for t in threading.enumerate())
    return "assemblyai.streaming.v3" in sys.modules and not busy


found["sdk_before_window"] = "assemblyai" in sys.modules
deadline = QDeadlineTimer(20000)  # the preload starts once the window has been painted
while not deadline.hasExpired() and not (sdk_loaded() if ENGINE == "assemblyai" else model_made()):
    qt.processEvents()
for _ in range(20):  # let a wrongly started preload show itself
    qt.processEvents()
found["model"] = model_made()
found["loading"] = loading()
found["sdk"] = sdk_loaded()
"""

# What may not load before the main window shows (issue 14): the engines' libraries,
# and the audio stack (numpy, soxr, PortAudio) which only a run's capture needs.
AUDIO = ("numpy", "soxr", "sounddevice", "_sounddevice")


def app_run(engine: str, tmp_path: Path) -> dict:
    code = APP_WITH_ENGINE.replace("ENGINE", repr(engine)).replace(
        "sys.argv[1]", repr(str(tmp_path))
    )
    return fresh(code, tmp_path, ASSEMBLYAI_API_KEY="k" * 32)


@pytest.mark.parametrize("engine", ["assemblyai", "offline"])
def test_the_offline_model_loads_only_when_the_offline_engine_is_chosen(engine, tmp_path):
    found = app_run(engine, tmp_path)
    if engine == "offline":  # chosen: it starts loading in the background once shown
        assert found["model"] is True
    else:
        assert found["model"] is False
        assert found["loading"] is False
        assert "pocketsphinx" not in found["modules"]


def test_the_cloud_sdk_is_imported_in_the_background_once_the_window_shows(tmp_path):
    # So the first session opens without the SDK's ~0.5 s import on Start.
    found = app_run("assemblyai", tmp_path)
    assert found["sdk_before_window"] is False
    assert found["sdk"] is True


@pytest.mark.parametrize("engine", ["assemblyai", "offline"])
def test_nothing_heavy_loads_before_the_window_shows(engine, tmp_path):
    # The offline model's load holds the GIL ~0.6 s at a time: it must not delay the
    # first paint, so it starts only after the window has been painted.
    found = app_run(engine, tmp_path)
    early = [m for m in found["before_window"] if m.split(".")[0] in HEAVY + AUDIO]
    assert early == []
    assert found["model_before_window"] is False


def test_the_app_module_imports_no_engine_library(tmp_path):
    # What the entry point imports before it shows the window.
    assert heavy(fresh("import captioner.app", tmp_path)) == []


def test_modules_imported_after_qt_are_not_read_for_their_source(tmp_path):
    # PySide6's import hook reads every later module's source into linecache (16 MB
    # for the SDK); the entry point takes the hook back once Qt is imported.
    found = fresh(
        """
        import linecache
        from captioner.__main__ import prepare_qt

        prepare_qt()
        import PySide6.QtWidgets
        import colorsys  # any module nothing has imported yet
        found["read"] = [name for name in linecache.cache if name.endswith("colorsys.py")]
        """,
        tmp_path,
    )
    assert found["read"] == []


def test_an_offline_run_never_loads_pocketsphinx_in_the_apps_process(tmp_path):
    """The recogniser runs in child processes: its native calls hold *their* GIL (issue 11)
    and its model their memory (issue 14), never the app's."""
    found = fresh(
        """
        from captioner.audio.file_source import WavFileSource
        from captioner.engines.registry import ENGINES, EngineId, EngineOptions
        from tests.conftest import DATA

        class Listener:
            def __init__(self):
                self.finals, self.errors = [], []
            def on_partial(self, update): pass
            def on_final(self, update): self.finals.append(update.text)
            def on_state(self, state, detail): pass
            def on_error(self, error): self.errors.append(error.message)

        listener = Listener()
        engine = ENGINES[EngineId.OFFLINE].create(listener, EngineOptions(realtime=False))
        clip = sorted((DATA / "librivox").glob("*.wav"))[0]
        engine.start(WavFileSource(clip, realtime=False))
        found["joined"] = engine.join(120)
        found["text"] = " ".join(t for t in listener.finals if t)
        found["errors"] = listener.errors
        """,
        tmp_path,
    )
    assert found["joined"] and not found["errors"]
    assert found["text"]  # it did caption the clip
    assert "pocketsphinx" not in found["modules"]
    assert "captioner.engines.offline.utterances" not in found["modules"]


def launched_on_x(code: str, tmp_path: Path, x_display: str) -> dict:
    """Run ``code`` (which patches the app), then the app's own ``main`` on a private X
    display with the offline engine, in a fresh interpreter; ``code`` ends the process."""
    code = textwrap.dedent(code) + '\nmain(["--data-dir", DATA, "--engine", "offline"])\n'
    home = {f"XDG_{d}_HOME": str(tmp_path / d.lower()) for d in ("CONFIG", "DATA", "CACHE")}
    return fresh(
        code.replace("DATA", repr(str(tmp_path / "sessions"))),
        tmp_path,
        QT_QPA_PLATFORM="xcb",
        DISPLAY=x_display,
        XDG_RUNTIME_DIR=str(tmp_path),
        **home,
    )


def test_the_global_shortcut_is_grabbed_after_the_window_shows(tmp_path, x_display):
    # Importing python-xlib and grabbing the keys took 55-120 ms before the first paint;
    # libxcb's prototypes, the X connection and the grab still wait for it.
    code = """
    import os
    from captioner.__main__ import main
    from captioner.ui import xcb_grab
    from captioner.ui.global_hotkey import GlobalHotkey
    from captioner.ui.main_window import MainWindow

    show, start_soon = MainWindow.show, GlobalHotkey.start_soon

    def showing(window):
        found["xcb_at_show"] = xcb_grab._lib is not None
        show(window)

    def grabbing(hotkey, on_started):
        found["shown_before"] = "xcb_at_show" in found
        found["xlib"] = "Xlib" in sys.modules

        def started(ok):
            found["grabbed"] = ok
            print(json.dumps(found), flush=True)
            hotkey.stop()
            os._exit(0)

        start_soon(hotkey, started)

    MainWindow.show, GlobalHotkey.start_soon = showing, grabbing
    """
    found = launched_on_x(code, tmp_path, x_display)
    assert found["shown_before"] is True
    assert found["xcb_at_show"] is False
    assert found["xlib"] is False  # python-xlib's 55 modules, ~5.8 MB: not for one key
    assert found["grabbed"] is True  # and the shortcut is still there


def target(engine: str) -> str:
    return f"captioner.engines.{engine}.engine"


@pytest.mark.parametrize("engine", ["assemblyai", "offline"])
def test_start_imports_the_engine_off_the_gui_thread(engine, tmp_path):
    # Start pressed before the background preload has run (or while it is importing)
    # used to import the engine's modules, the SDK's models with them, on the GUI
    # thread: 0.2-0.45 s of frozen window right as captions should begin.  Capture's
    # numpy and soxr likewise (110-130 ms at the first Start).
    code = """
    import threading
    from PySide6.QtCore import QDeadlineTimer, QSettings
    from PySide6.QtWidgets import QApplication

    TARGET = "captioner.engines.ENGINE.engine"
    WATCHED = (TARGET, "numpy", "soxr", "captioner.audio.source")
    found["importers"] = {}

    class Watch:
        def find_spec(self, name, path=None, target=None):
            if name in WATCHED:
                found["importers"][name] = threading.current_thread().name
            return None

    sys.meta_path.insert(0, Watch())
    qt = QApplication([])
    from captioner.app import CaptionerApp
    from captioner.cli import parse_args
    from tests.conftest import DATA

    clip = sorted((DATA / "librivox").glob("*.wav"))[0]
    settings = QSettings(TMP + "/settings.ini", QSettings.Format.IniFormat)
    argv = ["--engine", "ENGINE", "--data-dir", TMP + "/sessions", "--input-file", str(clip)]
    app = CaptionerApp(parse_args(argv), settings, list_devices=list, use_tray=False)
    found["loaded_before_start"] = [name for name in WATCHED if name in sys.modules]
    app.runs.start()  # the window was never shown: no preload has run
    found["status_at_start"] = app.window.status_text()
    deadline = QDeadlineTimer(30000)
    while not deadline.hasExpired() and not app.controller.running:
        qt.processEvents()
    found["running"] = app.controller.running
    app.controller.stop()
    deadline = QDeadlineTimer(30000)
    while not deadline.hasExpired() and app.controller.running:
        qt.processEvents()
    """.replace("ENGINE", engine).replace("TMP", repr(str(tmp_path)))
    found = fresh(code, tmp_path, ASSEMBLYAI_API_KEY="k" * 32)
    assert found["loaded_before_start"] == []
    importers = found["importers"]
    for name in ("numpy", "soxr", target(engine)):  # imported, and not by the GUI thread
        assert importers.get(name) not in (None, "MainThread"), importers
    assert found["status_at_start"] == "Starting…"
    assert found["running"] is True


# Code that only a user action needs (issue 14): the help dialogs, the settings
# dialogs, the Sessions window, the export formats and importlib.resources'
# reader.  Imported before the window showed, they cost ~50 ms of every launch.
ON_FIRST_USE = (
    "captioner.ui.help_dialogs",
    "captioner.ui.overlay_settings",
    "captioner.ui.sessions_window",
    "captioner.ui.session_window_actions",
    "captioner.ui.session_prompts",
    "captioner.core.export",
    "captioner.core.cues",
    "captioner.core.bilingual",
    "importlib.resources",
    # The cloud engine's settings dialogs: Start reads their keys through the
    # widget-free captioner.ui.assemblyai_config.
    "captioner.ui.assemblyai_settings",
    "captioner.ui.assemblyai_options",
    "captioner.ui.translation_settings",
    "captioner.ui.low_bandwidth_setting",
    "captioner.ui.settings_form",
)


def test_dialogs_and_export_code_load_when_first_used_not_before_the_window(tmp_path):
    code = """
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    qt = QApplication([])
    from captioner.app import CaptionerApp
    from captioner.cli import parse_args

    settings = QSettings(TMP + "/settings.ini", QSettings.Format.IniFormat)
    argv = ["--engine", "offline", "--data-dir", TMP + "/sessions"]
    app = CaptionerApp(parse_args(argv), settings, list_devices=list, use_tray=False)
    app.window.show()
    found["before_use"] = sorted(sys.modules)
    found["icon"] = not app.window.windowIcon().isNull()
    opened = [
        app.window.show_about(),
        app.window.show_shortcuts(),
        app.dialogs.edit_captions(),
        app.dialogs.edit_translation(),
        app.dialogs.edit_assemblyai(),
        app.session_actions.show_sessions(),
    ]
    qt.processEvents()
    found["shown"] = [type(w).__name__ for w in opened if w.isVisible()]
    from captioner.core.session import SessionInfo

    talk = SessionInfo("offline", title="Talk")
    found["suggested"] = app.session_actions.export_place.suggest(talk)
    """.replace("TMP", repr(str(tmp_path)))
    found = fresh(code, tmp_path)
    assert [m for m in ON_FIRST_USE if m in found["before_use"]] == []
    assert found["icon"] is True  # the icon is still read from captioner.resources
    assert found["shown"] == [
        "AboutDialog",
        "ShortcutsWindow",
        "OverlaySettingsDialog",
        "TranslationSettingsDialog",
        "AssemblyAISettingsDialog",
        "SessionsWindow",
    ]
    assert found["suggested"].endswith("Talk.txt")  # the export formats, loaded when asked
    used = [m for m in ON_FIRST_USE if m != "importlib.resources"]
    assert [m for m in used if m not in found["modules"]] == []  # (the test opens the right things)


def test_later_core_modules_cover_what_the_later_modules_need_without_qt(tmp_path):
    # The worker imports LATER_CORE_MODULES; the GUI thread then imports
    # LATER_MODULES.  What the latter still imports that is not Qt-side (a new
    # core module, say) would run on the GUI thread: list it in LATER_CORE_MODULES.
    code = """
    import importlib

    import captioner.app
    from captioner.ui.later_modules import LATER_MODULES, load_core

    before = set(sys.modules)
    load_core()
    found["core_brought"] = sorted(
        m for m in set(sys.modules) - before if m.startswith(("PySide6", "captioner.ui"))
    )
    before = set(sys.modules)
    for name in LATER_MODULES:
        importlib.import_module(name)
    found["left"] = sorted(
        m for m in set(sys.modules) - before
        if m.startswith("captioner.") and not m.startswith("captioner.ui.")
    )
    """
    found = fresh(code, tmp_path)
    assert found["core_brought"] == []
    assert found["left"] == []


def test_the_window_shows_first_and_the_rest_loads_after_it(tmp_path, x_display):
    # Progressive start-up: the overlay, controller, sessions, run starter, dialogs and
    # quit sequence (LATER_MODULES, ~80 ms of imports) are not on the way to the first
    # paint; a worker imports what they need without Qt while the window paints, then
    # the GUI thread imports them and the app completes.
    code = """
    import os, threading, traceback
    from captioner.__main__ import main
    from captioner.app import LATER_MODULES, CaptionerApp
    from captioner.ui.later_modules import LATER_CORE_MODULES
    from captioner.ui.main_window import MainWindow

    found["importers"], found["qt_importers"] = {}, {}

    def for_the_loop():
        # asyncio and qasync are imported on the GUI thread after the first paint, by
        # design: what they import (qasync: queue) is theirs, on whichever thread is
        # first, which on a loaded machine is not always the worker.
        files = [frame.filename for frame in traceback.extract_stack()]
        return any("/qasync/" in f or "/asyncio/" in f for f in files)

    class Watch:
        def find_spec(self, name, path=None, target=None):
            if name in LATER_CORE_MODULES and not for_the_loop():
                found["importers"][name] = threading.current_thread().name
            if name.startswith(("PySide6.", "captioner.ui.")):
                found["qt_importers"][name] = threading.current_thread().name
            return None

    sys.meta_path.insert(0, Watch())
    show, complete = MainWindow.show, CaptionerApp.complete

    def showing(window):
        found["later_at_show"] = [m for m in LATER_MODULES if m in sys.modules]
        found["asyncio_at_show"] = "asyncio" in sys.modules
        found["network_at_show"] = "PySide6.QtNetwork" in sys.modules
        show(window)

    import captioner.app
    from PySide6.QtCore import QEvent, QObject

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint:
                Paints.count += 1
            return False

    class Counting(captioner.app.FirstPaint):
        def __init__(self, window):  # made before show(): counts every paint
            super().__init__(window)
            self.paints = Paints()
            window.installEventFilter(self.paints)

        def wait(self, timeout_ms=500):
            super().wait(timeout_ms)
            found["painted_before_asyncio"] = Paints.count > 0 and "asyncio" not in sys.modules

    captioner.app.FirstPaint = Counting

    def completing(app):
        found["visible_before_complete"] = app.window.isVisible()
        complete(app)
        found["wired"] = app.runs is not None and app.quit_sequence is not None

    from captioner.ui.single_instance import SingleInstance

    serve = SingleInstance.serve

    def serving(instance):  # right after complete(), on the GUI thread
        found["served"] = serve(instance)
        print(json.dumps(found), flush=True)
        os._exit(0)

    MainWindow.show, CaptionerApp.complete = showing, completing
    SingleInstance.serve = serving
    """
    found = launched_on_x(code, tmp_path, x_display)
    assert found["later_at_show"] == []
    # asyncio and qasync (~30 ms) wait for the window's first paint too.
    assert found["asyncio_at_show"] is False
    # QtNetwork (~10 ms with its enums) serves later launches once the window has painted.
    assert found["network_at_show"] is False
    assert found["painted_before_asyncio"] is True
    assert found["visible_before_complete"] is True
    assert found["wired"] is True
    importers = found["importers"]
    assert importers and "MainThread" not in importers.values(), importers
    # But nothing that makes Qt types: Shiboken's set-up of a type (or of a Qt
    # module) is not safe against the GUI thread converting a QObject meanwhile
    # (a launch now and then died of SIGSEGV in BindingManager::findDerivedType).
    assert found["served"] is True
    qt = found["qt_importers"]
    assert "PySide6.QtNetwork" in qt and "captioner.ui.overlay" in qt, qt
    assert set(qt.values()) == {"MainThread"}, qt
