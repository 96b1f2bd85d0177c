"""What a screen reader gets from the real app, read over AT-SPI (issue 13.14).

The app runs as ``python -m captioner`` on a private Xvfb with its own D-Bus
session and accessibility bus (at-spi-bus-launcher, activated by D-Bus as on a
desktop), with Qt's AT-SPI bridge on.  ``atspi_client.py``, run by the system
Python that has pyatspi's bindings, reads the tree as Orca does, opens each
settings window through its menu item and hears the ``object:announcement``
events; these tests judge what it saw.  Speech comes from the fake v3 server
through the real AssemblyAI SDK, so the announced lines are known exactly.

Locally the tests skip, saying what is missing, when the AT-SPI tools are not
installed; in CI (``CAPTIONER_REQUIRE_PULSE=1``, which installs them) their
absence is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA
from tests.fakes.v3_server import FakeV3Server, TurnScript

SYSTEM_PYTHON = "/usr/bin/python3"  # where python3-gi and gir1.2-atspi-2.0 are installed
CLIENT = Path(__file__).with_name("atspi_client.py")
BUS_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"
SPOKEN = (
    "And Mister John Dashwood had then leisure to consider. "
    "How much there might be prudently in his power to do for them."
)
KEY = "test-key-a11y"
# The windows a user opens from the menus, each with its controls read while it shows.
WINDOWS = {
    "Captions…": "Caption settings — Captioner",
    "AssemblyAI (API key, model, key terms)…": "AssemblyAI settings — Captioner",
    "Translation and speakers…": "Translation and speakers — Captioner",
    "Sessions…": "Sessions — Captioner",
    "Keyboard shortcuts": "Keyboard shortcuts — Captioner",
    "About Captioner": "About Captioner",
}
# Roles a user acts on: each must say what it is (a non-empty name).  Scroll bars are
# left out (no toolkit names them; screen readers announce the view they scroll), and
# so is the popup list of a combo box (the combo box itself is what is announced).
CONTROL_ROLES = {
    "push button",
    "toggle button",
    "check box",
    "radio button",
    "combo box",
    "text",
    "password text",
    "entry",
    "spin button",
    "slider",
    "menu item",
    "check menu item",
    "radio menu item",
    "page tab",
    "list",
    "tree",
    "tree table",
    "table",
    "link",
}
# What a focusable object may be: anything else (a focusable "filler", "panel" or
# "unknown") is a control a screen reader cannot describe.
FOCUSABLE_ROLES = CONTROL_ROLES | {
    "list item",
    "table cell",
    "tree item",
    "label",
    "frame",
    "dialog",
}
WINDOW_ROLES = {"frame", "dialog", "window", "alert"}


def missing_tools() -> str | None:
    """What this machine lacks for an AT-SPI run, or None."""
    for tool in ("Xvfb", "dbus-daemon", "dbus-send"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not os.access(BUS_LAUNCHER, os.X_OK):
        return f"{BUS_LAUNCHER} is missing (Debian package at-spi2-core)"
    probe = "import gi; gi.require_version('Atspi', '2.0'); from gi.repository import Atspi"
    try:
        subprocess.run([SYSTEM_PYTHON, "-c", probe], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.CalledProcessError):
        return f"{SYSTEM_PYTHON} cannot import Atspi (Debian packages python3-gi, gir1.2-atspi-2.0)"
    return None


@pytest.fixture(scope="module")
def a11y_session() -> Iterator[dict[str, str]]:
    """A private X server, D-Bus session bus and accessibility bus; yields their env."""
    problem = missing_tools()
    if problem:
        if os.environ.get("CAPTIONER_REQUIRE_PULSE"):  # CI installs the AT-SPI tools
            pytest.fail(f"the AT-SPI test cannot run: {problem}")
        pytest.skip(f"needs the AT-SPI tools: {problem}")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        # -displayfd / --print-address: each tells us when it is ready and where.
        ready_read, ready_write = os.pipe()
        procs.append(
            subprocess.Popen(
                [
                    "Xvfb",
                    "-displayfd",
                    str(ready_write),
                    *("-screen", "0", "1280x800x24"),
                    *("-nolisten", "tcp"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(ready_write,),
            )
        )
        os.close(ready_write)
        with os.fdopen(ready_read) as ready:
            display = ready.readline().strip()
        assert display.isdigit(), "Xvfb did not start"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DISPLAY": f":{display}"}
        # The services D-Bus starts (the accessibility bus, its registry) inherit its
        # environment, so they find the private display too.
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        procs.append(bus)  # type: ignore[arg-type]
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        bus.stdout.close()  # it prints nothing more
        assert address, "dbus-daemon did not start"
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        # Qt joins the accessibility bus only once org.a11y.Bus exists (it watches for
        # it, it does not start it): ask for its address first, which makes D-Bus
        # start at-spi-bus-launcher and answers once it is up.
        subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.a11y.Bus",
                *("/org/a11y/bus", "org.a11y.Bus.GetAddress"),
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=30,
        )
        yield env
    finally:
        for proc in reversed(procs):  # the bus first: the launcher and registry follow it
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_app_and_client(
    env: dict[str, str],
    tmp_path: Path,
    *,
    announce: bool,
    client_args: list[str],
) -> dict[str, Any]:
    """Captioner captioning ``CLIP`` against the fake server, read by the AT-SPI client."""
    config = tmp_path / "config"
    (config / "Captioner").mkdir(parents=True)
    (config / "Captioner" / "Captioner.ini").write_text(
        f"[accessibility]\nannounce_captions={'true' if announce else 'false'}\n"
    )
    app_env = {
        **env,
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(config),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "QT_QPA_PLATFORM": "xcb",
        "QT_ACCESSIBILITY": "1",
        "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
        "ASSEMBLYAI_API_KEY": KEY,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    script = TurnScript.from_text(SPOKEN)
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=250) as server:
        app = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "captioner",
                "--engine",
                "assemblyai",
                *("--api-host", server.url, "--input-file", str(CLIP)),
                *("--data-dir", str(tmp_path / "sessions"), "--start"),
            ],
            env=app_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            client = subprocess.run(
                [
                    SYSTEM_PYTHON,
                    str(CLIENT),
                    "--pid",
                    str(app.pid),
                    "--timeout",
                    "40",
                    *client_args,
                ],
                env={**env, "HOME": str(tmp_path / "home")},
                capture_output=True,
                text=True,
                timeout=300,
            )
        finally:
            app.terminate()  # SIGTERM: the app stops its run and quits as on Quit
            try:
                _, app_err = app.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                app.kill()
                _, app_err = app.communicate()
    assert client.returncode == 0, f"{client.stderr}\napp stderr:\n{app_err}"
    seen = json.loads(client.stdout)
    assert "error" not in seen, f"{seen['error']}\napp stderr:\n{app_err}"
    assert "Traceback" not in app_err, app_err
    return seen


def controls(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def popup_list(n: dict[str, Any]) -> bool:
        return n["role"] == "list" and n["path"].rsplit("/", 2)[-2].startswith("combo box:")

    return [n for n in nodes if n["role"] in CONTROL_ROLES and not popup_list(n)]


def problems_in(title: str, nodes: list[dict[str, Any]]) -> list[str]:
    """Every control a screen reader could not name or describe, as a readable line."""
    found = []
    for n in controls(nodes):
        where = f"{title}: {n['role']} at {n['path']}"
        if not n["name"].strip():
            found.append(f"{where} has no name")
        # On Linux Qt names a combo box after its current item, which says nothing
        # about what is chosen there: its label (the buddy relation) must say it.
        if n["role"] == "combo box" and not any(label.strip() for label in n["labelled_by"]):
            found.append(f"{where} has no label")
    for n in nodes:
        if "focusable" in n["states"] and n["role"] not in FOCUSABLE_ROLES:
            found.append(f"{title}: focusable {n['role']} {n['name']!r} at {n['path']}")
    return found


def words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def by_name(nodes: list[dict[str, Any]], name: str) -> dict[str, Any]:
    hits = [n for n in nodes if n["name"] == name]
    assert hits, f"nothing named {name!r}"
    return hits[0]


def test_every_control_has_a_name_and_a_role_and_finished_lines_are_announced(
    a11y_session, tmp_path: Path
) -> None:
    args = [a for item, title in WINDOWS.items() for a in ("--open", f"{item}={title}")]
    args += ["--announcements", "2"]
    seen = run_app_and_client(a11y_session, tmp_path, announce=True, client_args=args)

    main = next(w for w in seen["windows"] if w["title"] == "Captioner")["nodes"]
    windows = [("Captioner", main)]
    for dialog in seen["dialogs"]:
        assert "error" not in dialog, dialog
        assert dialog["title"] == WINDOWS[dialog["menu_item"]]
        windows.append((dialog["title"], dialog["nodes"]))
        # A window announces itself as a window (Orca reads its title on focus).
        assert dialog["nodes"][0]["role"] in WINDOW_ROLES, (dialog["title"], dialog["nodes"][0])
    problems = [p for title, nodes in windows for p in problems_in(title, nodes)]
    assert not problems, "\n".join(problems)
    assert sum(len(controls(nodes)) for _, nodes in windows) > 100  # the tree was really read

    # The controls a user starts with are what they look like.
    assert main[0]["role"] == "frame"
    assert by_name(main, "Start or stop captioning")["role"] == "push button"
    assert by_name(main, "Show caption overlay")["role"] == "check box"
    assert by_name(main, "Transcript")["role"] == "text"
    inputs = [n for n in main if n["role"] == "combo box" and n["labelled_by"] == ["Input:"]]
    assert inputs and inputs[0]["name"] == f"File: {CLIP.name}"
    menus = {n["name"] for n in main if n["role"] == "menu item"}
    assert {"File", "Edit", "View", "Settings", "Help", "Quit", "Sessions…"} <= menus

    # Each finished line reaches the screen reader once, whole, from the caption overlay
    # (as it ends: the service's formatted copy, moments later, is not read again).
    heard = [words(a["text"]) for a in seen["announcements"]]
    assert heard == [words(turn.formatted_text()) for turn in TurnScript.from_text(SPOKEN).turns]
    assert all(a["from_app"] and a["source_name"] == "Live captions" for a in seen["announcements"])


def test_nothing_is_announced_when_the_option_is_off(a11y_session, tmp_path: Path) -> None:
    last_line = TurnScript.from_text(SPOKEN).turns[-1].formatted
    assert last_line is not None
    seen = run_app_and_client(
        a11y_session, tmp_path, announce=False, client_args=["--until-text", last_line]
    )
    assert seen["text_seen"], "the last line never reached the transcript"
    assert seen["announcements"] == []
