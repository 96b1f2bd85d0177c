"""What the app builds once its window has painted: imported on a worker meanwhile.

:meth:`captioner.app.CaptionerApp.complete` imports these; ``run_gui`` loads
them on a worker thread while the main window first paints (issue 14), so the
GUI thread finds them loaded.
"""

# What CaptionerApp.complete imports: loaded on a worker while the window first paints.
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
    # Never a PySide6 module (PySide6.QtNetwork was here for SingleInstance.serve):
    # Shiboken's set-up of a Qt module lets the GIL go between steps and is not safe
    # against the GUI thread converting a QObject meanwhile: a launch now and then
    # died of SIGSEGV in BindingManager::findDerivedType under one of the app's
    # event filters.  serve() imports it on the GUI thread, after the first paint.
)
