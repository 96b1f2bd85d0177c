"""Shared engine test fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from captioner.engines.offline import OfflineModel


@pytest.fixture(scope="module")
def model() -> Iterator[OfflineModel]:
    """One offline model per test module, as in the app: loaded once, reused by every run."""
    shared = OfflineModel()
    shared.load()
    # One final-decode process for the module's runs, as an app that keeps
    # captioning: each run would otherwise start (and load) its own.
    shared.run_started()
    yield shared
    shared.run_ended()
    shared.close()
