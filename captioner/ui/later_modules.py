"""What the app builds once its window has painted, and what a worker may import for it.

:meth:`captioner.app.CaptionerApp.complete` imports :data:`LATER_MODULES`
(issue 14: not on the way to the first paint).  They are imported on the GUI
thread, because each imports Qt classes, and PySide6 (6.8 and later) makes a
Qt class's Python type, and its enums, the first time the class is touched:
Shiboken's registration of a type lets the GIL go between steps (the enums are
built by Python code) and is not safe against another thread converting a
QObject meanwhile.  A launch that imported these on a worker died now and then
of SIGSEGV in ``BindingManager::findDerivedType`` under one of the app's event
filters, on the GUI thread (1 launch in 12 under a monkey of key presses; a
probe touching Qt classes on a worker while the GUI thread built widgets
crashed 1 run in 40, one importing PySide6.QtNetwork 3 in 60).

What they need that knows nothing of Qt (:data:`LATER_CORE_MODULES`: the
transcript, journal and session store, the cloud engine's settings, the
profanity pattern) is imported on a worker while the window paints; that is
half of the ~80 ms.
"""

# What CaptionerApp.complete imports, on the GUI thread.
LATER_MODULES = (
    "captioner.ui.after_opening",
    "captioner.ui.announcer",
    "captioner.ui.controller",
    "captioner.ui.global_hotkey",
    "captioner.ui.input_in_use",
    "captioner.ui.level_monitor",
    "captioner.ui.meter_pace",
    "captioner.ui.overlay",
    "captioner.ui.overlay_captions",
    "captioner.ui.overlay_visibility",
    "captioner.ui.profanity_filter",
    "captioner.ui.quit_sequence",
    "captioner.ui.run_starter",
    "captioner.ui.service_status",
    "captioner.ui.session_actions",
    "captioner.ui.session_manager",
    "captioner.ui.settings_dialogs",
    "captioner.ui.storage_notice",
    "captioner.ui.tray",
    "captioner.ui.tray_alerts",
)

# What those import that has no Qt in it: loaded on a worker while the window
# paints (tests/test_startup_imports.py checks that this list covers them and
# that none of it imports Qt).  Never a PySide6 module or a captioner.ui one.
LATER_CORE_MODULES = (
    "captioner.core.data_dir",
    "captioner.core.journal_writer",
    "captioner.core.profanity",
    "captioner.core.session_index",
    "captioner.core.sessions",
    "captioner.core.transcript",
    "captioner.core.unsaved",
    "captioner.engines.assemblyai.config",
    "captioner.engines.base",
    "platform",
    "queue",
    "uuid",
)


def load_core() -> None:
    """Import :data:`LATER_CORE_MODULES` and warm what they cache (on a worker)."""
    from captioner.core import lazy_import

    lazy_import.load(LATER_CORE_MODULES)
    from captioner.core.profanity import token_pattern

    token_pattern()  # its Unicode classes, ~4.5 ms to compile: not at the first caption
