"""A real AT-SPI client: what a screen reader sees of a running Captioner.

Run by ``tests/ui/test_accessibility_atspi.py`` with the *system* Python
(``/usr/bin/python3``), because pyatspi's GObject bindings (python3-gi,
gir1.2-atspi-2.0) come from the distribution, not from PyPI, and the project's
venv may be another Python.  It imports nothing from Captioner: it only talks to
the accessibility bus, as Orca does.

It waits for the application with the given process id to show its main
window, records the whole accessible tree (role, name, description, states,
the names of its labels, its actions), opens each window named on the command
line through its menu item (an AT-SPI action, as a screen-reader user would),
records that window and closes it with its Cancel/Close button, and collects
``object:announcement`` events until enough have come.  It prints one JSON
object on stdout; judging it is the test's job.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402

POLL_MS = 50  # how often a wait re-checks its condition (on the GLib loop, not a sleep)
CLOSE_NAMES = ("Cancel", "Close")


def wait_until(condition: Callable[[], Any], timeout: float) -> Any:
    """Run the GLib loop (events keep arriving) until ``condition()`` is truthy."""
    loop = GLib.MainLoop()
    result: list[Any] = []
    deadline = time.monotonic() + timeout

    def check() -> bool:
        try:
            value = condition()
        except GLib.Error:  # an object went away while we looked: look again
            value = None
        if value or time.monotonic() > deadline:
            result.append(value)
            loop.quit()
            return False
        return True

    GLib.timeout_add(POLL_MS, check)
    loop.run()
    return result[0]


def states_of(acc: Atspi.Accessible) -> list[str]:
    state_set = acc.get_state_set()
    return [s.value_nick for s in state_set.get_states()]


def labels_of(acc: Atspi.Accessible) -> list[str]:
    """Names of the objects that label ``acc`` (a label's buddy), as Orca reads them."""
    names = []
    for relation in acc.get_relation_set() or []:
        if relation.get_relation_type() != Atspi.RelationType.LABELLED_BY:
            continue
        for i in range(relation.get_n_targets()):
            target = relation.get_target(i)
            if target is not None:
                names.append(target.get_name() or "")
    return names


def actions_of(acc: Atspi.Accessible) -> list[str]:
    if "Action" not in acc.get_interfaces():
        return []
    return [acc.get_action_name(i) for i in range(acc.get_n_actions())]


def press(acc: Atspi.Accessible) -> None:
    """Activate ``acc`` (its first action: Press, Toggle…), as a screen reader's Enter does."""
    acc.do_action(0)


def node(acc: Atspi.Accessible, path: str) -> dict[str, Any]:
    return {
        "path": path,
        "role": acc.get_role_name(),
        "name": acc.get_name() or "",
        "description": acc.get_description() or "",
        "states": states_of(acc),
        "labelled_by": labels_of(acc),
        "actions": actions_of(acc),
    }


def walk(acc: Atspi.Accessible, path: str = "") -> list[dict[str, Any]]:
    here = f"{path}/{acc.get_role_name()}:{acc.get_name() or ''}"
    nodes = [node(acc, here)]
    for i in range(acc.get_child_count()):
        child = acc.get_child_at_index(i)
        if child is not None:
            nodes.extend(walk(child, here))
    return nodes


def read_tree(window: Atspi.Accessible, timeout: float) -> list[dict[str, Any]]:
    """``walk(window)``, read again if a part went away meanwhile (the app is live)."""
    return wait_until(lambda: walk(window), timeout) or []


def find_app(pid: int) -> Atspi.Accessible | None:
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        if app is not None and app.get_process_id() == pid:
            return app
    return None


def showing_windows(app: Atspi.Accessible) -> dict[str, Atspi.Accessible]:
    windows = {}
    for i in range(app.get_child_count()):
        window = app.get_child_at_index(i)
        if window is not None and "showing" in states_of(window):
            windows[window.get_name() or ""] = window
    return windows


def find(
    root: Atspi.Accessible, role: str, name: str, showing: bool = False
) -> Atspi.Accessible | None:
    if (root.get_role_name(), root.get_name()) == (role, name) and (
        not showing or "showing" in states_of(root)
    ):
        return root
    for i in range(root.get_child_count()):
        child = root.get_child_at_index(i)
        if child is not None and (hit := find(child, role, name, showing)):
            return hit
    return None


def transcript_text(app: Atspi.Accessible) -> str:
    """The main window's transcript as the screen reader reads it (its Text interface)."""
    view = find(app, "text", "Transcript", showing=True)
    if view is None:
        return ""
    return view.get_text(0, view.get_character_count())


def open_and_record(app: Atspi.Accessible, request: str, timeout: float) -> dict[str, Any]:
    """Trigger a menu item (as a screen reader's "activate" does), record the window it opens.

    ``request`` is "MENU ITEM=WINDOW TITLE": other windows may come and go meanwhile
    (the caption overlay steps aside for a dialog), so the title says which one to read.
    """
    menu_item, _, title = request.partition("=")
    item = find(app, "menu item", menu_item)
    if item is None:
        return {"menu_item": menu_item, "error": "no such menu item"}
    press(item)
    window = wait_until(lambda: showing_windows(app).get(title), timeout)
    if not window:
        shown = sorted(showing_windows(app))
        return {"menu_item": menu_item, "error": f"no {title!r} within {timeout} s: {shown}"}
    record = {"menu_item": menu_item, "title": title, "nodes": read_tree(window, timeout)}
    for name in CLOSE_NAMES:
        button = find(window, "push button", name, showing=True)
        if button is not None:
            press(button)
            closed = wait_until(lambda: title not in showing_windows(app), timeout)
            record["closed_with"] = name if closed else f"{name} (still open)"
            break
    else:
        record["closed_with"] = None
    return record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--open", action="append", default=[], metavar="MENU_ITEM=TITLE")
    parser.add_argument("--announcements", type=int, default=0)
    parser.add_argument("--until-text", help="wait until the transcript shows this text")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()

    announcements: list[dict[str, Any]] = []

    def on_announcement(event: Atspi.Event) -> None:
        source = event.source
        announcements.append(
            {
                "text": str(event.any_data) if event.any_data is not None else "",
                "source_role": source.get_role_name() if source else "",
                "source_name": source.get_name() if source else "",
                "from_app": bool(source) and source.get_process_id() == args.pid,
            }
        )

    listener = Atspi.EventListener.new(on_announcement)
    listener.register("object:announcement")

    out: dict[str, Any] = {"windows": [], "dialogs": [], "announcements": announcements}
    app = wait_until(
        lambda: (a := find_app(args.pid)) is not None and showing_windows(a) and a,
        args.timeout,
    )
    if not app:
        out["error"] = f"process {args.pid} did not show a window on the AT-SPI bus"
        print(json.dumps(out))
        return 0
    out["windows"] = [
        {"title": title, "nodes": read_tree(window, args.timeout)}
        for title, window in showing_windows(app).items()
    ]
    out["dialogs"] = [open_and_record(app, item, args.timeout) for item in args.open]
    if args.announcements:
        wait_until(lambda: len(announcements) >= args.announcements, args.timeout)
    if args.until_text:
        out["text_seen"] = bool(
            wait_until(lambda: args.until_text in transcript_text(app), args.timeout)
        )
    listener.deregister("object:announcement")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
