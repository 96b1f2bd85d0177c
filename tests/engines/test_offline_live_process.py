"""The live recogniser process never outlives the app (issues 11 and 14).

Its pipe is its lifeline: when the app dies, even by SIGKILL (no exit handler
runs), the pipe closes and the child returns from its read and exits.
"""

from __future__ import annotations

from tests.orphans import app_like, wait_exit

WAIT_S = 60  # a hang guard, not a speed requirement

APP_LIKE = """
import sys
from captioner.engines.offline import OfflineModel

model = OfflineModel()
model.load()  # the offline engine was chosen: a recogniser waits for Start
print(model.spare_pid, flush=True)
if sys.argv[1] == "wait":
    sys.stdin.read()  # until the test kills this process
# "exit": quit with the recogniser still waiting: it must not stay behind
"""


def test_no_recogniser_outlives_a_killed_app() -> None:
    with app_like(APP_LIKE, "wait") as (process, child):
        assert not wait_exit(child, 0), "the recogniser did not wait for a run"
        process.kill()  # SIGKILL: no exit handler runs; the pipe closes with the process
        process.communicate(timeout=WAIT_S)
        assert wait_exit(child, WAIT_S), f"recogniser process {child} still runs"


def test_no_recogniser_outlives_an_app_that_exits() -> None:
    with app_like(APP_LIKE, "exit") as (process, child):
        _, stderr = process.communicate(timeout=WAIT_S)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert wait_exit(child, WAIT_S), f"recogniser process {child} still runs"


def test_choosing_the_cloud_engine_ends_the_pre_started_recogniser() -> None:
    """Issue 14: with the cloud engine chosen, no PocketSphinx model stays in memory."""
    from captioner.engines import registry
    from captioner.engines.offline.model import default_model

    registry.ENGINES[registry.EngineId.OFFLINE].preload()  # the user picks offline
    model = default_model()
    model.load()
    pid = model.spare_pid
    assert pid is not None and not wait_exit(pid, 0)

    registry.ENGINES[registry.EngineId.ASSEMBLYAI].preload()  # then the cloud
    if registry._cloud_import is not None:
        registry._cloud_import.join(WAIT_S)  # the SDK import it starts, in the background
    assert model.spare_pid is None
    assert wait_exit(pid, WAIT_S), f"recogniser process {pid} still runs"
