"""The benchmarks import only names that exist in the app and the test helpers.

The benchmarks are not run by ``make test`` (they take minutes and judge
timings), so a helper renamed in ``tests/`` or ``captioner/`` broke them
unnoticed: ``rig.private_pulse`` imported ``tests.pulse._stop`` inside a
function for a session after the rename, and every benchmark with a sound
server failed at its first line of output.  This reads every ``from X import
names`` in ``benchmarks/`` (top level and inside functions) and checks each
name against the module it names.
"""

from __future__ import annotations

import ast
import importlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
OURS = ("captioner", "tests", "footprint", "rig", "reference")


def _imports() -> list[tuple[str, int, str, str]]:
    """(benchmark file, line, module, name) for each name imported from our own modules."""
    found = []
    for path in sorted(BENCHMARKS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if node.module.split(".")[0] not in OURS:
                continue
            for alias in node.names:
                if alias.name != "*":
                    found.append(
                        (path.relative_to(ROOT).as_posix(), node.lineno, node.module, alias.name)
                    )
    return found


IMPORTS = _imports()


def test_the_benchmarks_import_from_our_modules() -> None:
    # The check below would pass vacuously if the walk found nothing.
    assert any(module == "tests.pulse" for _, _, module, _ in IMPORTS)


@pytest.mark.parametrize(
    ("where", "module", "name"),
    [(f"{file}:{line}", module, name) for file, line, module, name in IMPORTS],
    ids=[f"{file}:{line}:{name}" for file, line, _, name in IMPORTS],
)
def test_each_imported_name_exists(
    where: str, module: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The benchmarks run with benchmarks/ on sys.path (footprint, rig, ...).
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    already = set(sys.modules)
    try:
        imported = importlib.import_module(module)
    finally:
        # Benchmark modules parse arguments or set up signals only under __main__;
        # forget them so that nothing else sees benchmarks/ modules.
        for loaded in set(sys.modules) - already:
            if loaded.split(".")[0] in {"footprint", "rig", "reference"}:
                del sys.modules[loaded]
    if hasattr(imported, name):
        return
    # ``from package import submodule`` names a module, not an attribute yet.
    try:
        importlib.import_module(f"{module}.{name}")
    except ModuleNotFoundError:
        pytest.fail(f"{where}: {module} has no {name!r} (renamed or removed?)")


def test_the_benchmark_rig_starts_its_own_sound_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """``rig.private_pulse`` (footprint, steady_cpu, latency, soak) starts and stops a daemon.

    The import check above cannot see a helper whose arguments changed
    (``PulseServer`` came to take a list of processes): this runs the rig.
    """
    import shutil
    import subprocess

    from tests.pulse import fail_or_skip

    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        fail_or_skip("pulseaudio/pactl not installed")
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    rig = importlib.import_module("rig")
    try:
        with rig.private_pulse() as (env, sink):
            info = subprocess.run(
                ["pactl", "info"],
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout
            assert f"Default Sink: {sink}" in info
        daemon_socket = env["PULSE_SERVER"].removeprefix("unix:")
        assert not Path(daemon_socket).exists(), "the private daemon outlived the benchmark"
    finally:
        sys.modules.pop("rig", None)
