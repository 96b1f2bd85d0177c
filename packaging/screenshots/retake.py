"""Retake the README screenshots from the real app (run with the project's .venv Python).

Each scene runs ``python -m captioner`` on a private Xvfb (1400×900) with openbox (title
bars), xcompmgr (the overlay's translucent rounded background needs a compositor) and
hsetroot (a desktop behind it), light theme, fresh settings:

* ``cloud``: the cloud engine against the fake v3 server (tests/fakes), a LibriVox clip;
* ``bilingual``: the same with live translation to French (fake LLM Gateway answers);
* ``call``: the offline engine in call mode, a private PulseAudio with a "USB Headset
  Microphone" and "Built-in Audio Analog Stereo" speakers, one clip played into each.

The shot is taken when the fake server has sent the wanted words (cloud scenes) or at
fixed moments after the clips start (call: several frames, ``call-NN.png``; pick one).
PNGs are written to OUT_DIR (default /tmp/captioner-shots), then quantised with
pngquant + optipng when present.  This is a maintainer's tool, not a test: it sleeps.
Needs: xvfb openbox xcompmgr hsetroot xdotool imagemagick pulseaudio pulseaudio-utils
(optional: pngquant optipng).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes.v3_extras import Extras, Gateway  # noqa: E402
from tests.fakes.v3_server import FakeV3Server, ScriptTurn, TurnScript  # noqa: E402

LIBRIVOX = ROOT / "tests" / "data" / "librivox"
CLIP = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0870.wav"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
KEY = "screenshot-key"
SIZE = "1400x900"
FRENCH = {
    "Good morning, everyone.": "Bonjour à tous.",
    "Let's look at the results from last week.": "Regardons les résultats de la semaine dernière.",
}


def turn(formatted: str) -> ScriptTurn:
    return ScriptTurn(words=re.findall(r"[\w']+", formatted.lower()), formatted=formatted)


@contextmanager
def desktop() -> Iterator[dict[str, str]]:
    """Xvfb + desktop background + openbox + xcompmgr; yields the env with DISPLAY."""
    ready_read, ready_write = os.pipe()
    procs = [
        subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(ready_write),
                *("-screen", "0", f"{SIZE}x24"),
                *("-nolisten", "tcp"),
            ],
            pass_fds=(ready_write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    os.close(ready_write)
    with os.fdopen(ready_read) as ready:
        env = dict(os.environ, DISPLAY=":" + ready.readline().strip())
    try:
        background = Path(tempfile.mkdtemp(prefix="shot-bg-")) / "bg.png"
        subprocess.run(
            ["convert", "-size", SIZE, "gradient:#5b7ea5-#c9d6c0", background], check=True
        )
        subprocess.run(["hsetroot", "-fill", background], env=env, check=True, capture_output=True)
        for tool in ("openbox", "xcompmgr"):
            procs.append(
                subprocess.Popen(
                    [tool], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
        time.sleep(1.0)  # the window manager takes its place before the app maps windows
        yield env
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(10)


@contextmanager
def app(env: dict[str, str], *args: str, ini: str = "") -> Iterator[None]:
    """Captioner with fresh settings, its main window moved to the top left."""
    home = Path(tempfile.mkdtemp(prefix="shot-home-"))
    (home / "config" / "Captioner").mkdir(parents=True)
    (home / "config" / "Captioner" / "Captioner.ini").write_text(ini)
    app_env = dict(
        env,
        QT_QPA_PLATFORM="xcb",
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        HOME=str(home),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    app_env.pop("QT_SCALE_FACTOR", None)
    proc = subprocess.Popen([PYTHON, "-m", "captioner", *args], env=app_env, cwd=ROOT)
    try:
        subprocess.run(
            [
                "xdotool",
                "search",
                "--sync",
                "--onlyvisible",
                "--name",
                "^Captioner$",
                *("windowmove", "%@", "40", "44"),
            ],
            env=env,
            check=True,
        )
        yield
    finally:
        proc.terminate()
        proc.wait(30)


def grab(env: dict[str, str], out: Path) -> None:
    subprocess.run(["import", "-window", "root", out], env=env, check=True)
    print("wrote", out)


def words_sent(order: int, count: int) -> Callable[[FakeV3Server], bool]:
    """The fake server has sent ``count`` words of turn ``order``."""

    def sent(server: FakeV3Server) -> bool:
        sessions = server.sessions
        return bool(sessions) and any(
            t.get("turn_order") == order and len(t.get("words", [])) >= count
            for t in sessions[0].turns_sent
        )

    return sent


def cloud_scene(out_dir: Path, name: str, bilingual: bool) -> None:
    if bilingual:
        script = TurnScript(
            [
                turn("Good morning, everyone."),
                turn("Let's look at the results from last week."),
                turn("Sales went up by twelve percent in the north."),
            ]
        )
        extras = Extras(gateway=Gateway(translate=lambda t: FRENCH.get(t, t), delays_s=(0.3,)))
        ini = "[translation]\nlanguage=fr\n"
        wanted = words_sent(2, 5)

        def ready(server: FakeV3Server) -> bool:
            return wanted(server) and len(server.sessions[0].gateway_sent) >= 2

    else:
        script = TurnScript(
            [
                turn("And Mr. John Dashwood had then leisure to consider."),
                turn("how much there might be prudently in his power to do for them."),
            ]
        )
        extras, ini, ready = Extras(), "", words_sent(1, 5)
    with (
        desktop() as env,
        FakeV3Server(api_key=KEY, script=script, ms_per_word=300, extras=extras) as server,
    ):
        env = dict(env, ASSEMBLYAI_API_KEY=KEY)
        args = ("--engine", "assemblyai", "--api-host", server.url, "--input-file", str(CLIP))
        with app(env, *args, "--start", ini=ini):
            server.wait_for(ready, 60)
            time.sleep(0.15)  # the frame that shows what just arrived
            grab(env, out_dir / name)


@contextmanager
def pulse() -> Iterator[dict[str, str]]:
    """A private PulseAudio: speakers (system audio) and a USB headset microphone."""
    directory = Path(tempfile.mkdtemp(prefix="shot-pulse-", dir="/tmp"))
    socket = directory / "native"
    (directory / "default.pa").write_text(
        f"load-module module-native-protocol-unix socket={socket} auth-anonymous=1\n"
        "load-module module-null-sink sink_name=speakers"
        " sink_properties='device.description=\"Built-in Audio Analog Stereo\"'\n"
        "load-module module-null-sink sink_name=headset_feed\n"
        "load-module module-remap-source master=headset_feed.monitor source_name=usb_mic"
        " source_properties='device.description=\"USB Headset Microphone\"'\n"
        "set-default-sink speakers\nset-default-source usb_mic\n"
    )
    daemon_env = dict(
        os.environ,
        HOME=str(directory),
        XDG_CONFIG_HOME=str(directory / "config"),
        XDG_RUNTIME_DIR=str(directory),
        PULSE_RUNTIME_PATH=str(directory / "runtime"),
        PULSE_STATE_PATH=str(directory / "state"),
    )
    daemon = subprocess.Popen(
        [
            "pulseaudio",
            "-n",
            "--daemonize=no",
            "--system=false",
            "--use-pid-file=no",
            *("--exit-idle-time=-1", "--realtime=false", "--high-priority=false"),
            *("-F", str(directory / "default.pa")),
        ],
        env=daemon_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = dict(os.environ, PULSE_SERVER=f"unix:{socket}")
    try:
        deadline = time.monotonic() + 15
        while subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("PulseAudio did not start")
            time.sleep(0.1)
        yield env
    finally:
        daemon.terminate()
        daemon.wait(10)
        shutil.rmtree(directory, ignore_errors=True)


def call_scene(out_dir: Path) -> None:
    with pulse() as sound, desktop() as screen:
        env = {**sound, "DISPLAY": screen["DISPLAY"]}
        env.pop("ASSEMBLYAI_API_KEY", None)
        with app(env, "--engine", "offline", "--call-mode", "--start"):
            time.sleep(4)  # the offline recognisers load
            play = [
                "paplay",
                "--device=speakers",
                str(LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0880.wav"),
            ]
            subprocess.run(play, env=env, check=True)
            time.sleep(1.4)  # "Them" finishes its line; then "You" speaks
            you = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0930.wav"
            with subprocess.Popen(["paplay", "--device=headset_feed", str(you)], env=env) as mic:
                time.sleep(0.6)
                for frame in range(8):
                    time.sleep(0.3)
                    grab(env, out_dir / f"call-{frame:02d}.png")
                mic.wait()


def shrink(path: Path) -> None:
    if shutil.which("pngquant"):
        subprocess.run(
            [
                "pngquant",
                "--quality=80-95",
                "--speed",
                "1",
                "--strip",
                "--force",
                *("--output", path, path),
            ],
            check=True,
        )
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o2", path], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenes", nargs="*", default=["cloud", "bilingual", "call"])
    parser.add_argument("--out", type=Path, default=Path("/tmp/captioner-shots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for scene in args.scenes:
        if scene == "cloud":
            cloud_scene(args.out, "captions-cloud.png", bilingual=False)
        elif scene == "bilingual":
            cloud_scene(args.out, "bilingual.png", bilingual=True)
        elif scene == "call":
            call_scene(args.out)
        else:
            parser.error(f"unknown scene {scene!r}")
    for png in args.out.glob("*.png"):
        shrink(png)
    print(f"Look at each PNG in {args.out}, then copy the good ones to {Path(__file__).parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
