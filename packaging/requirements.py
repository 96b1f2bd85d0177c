"""Print the requirements of the packaged app, one per line, for ``pip install -r``.

    python packaging/requirements.py [EXTRA ...]      (default extra: package)

The app's runtime dependencies plus the named optional-dependency groups of
pyproject.toml.  ``make package`` installs these into its own venv *without*
installing captioner itself: PyInstaller analyses the source tree, and an
install would rewrite captioner.egg-info in the repo.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pip ships a copy of tomli
    from pip._vendor import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def requirements(extras: list[str]) -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    missing = [extra for extra in extras if extra not in optional]
    if missing:
        raise SystemExit(f"requirements.py: no optional-dependencies {missing} in {PYPROJECT}")
    return [*project["dependencies"], *(req for extra in extras for req in optional[extra])]


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1:] or ["package"])))
