"""Audio test fixtures.

The PulseAudio fixtures live in :mod:`tests.pulse`, a plugin the root conftest
loads with ``pytest_plugins``; re-exporting them here keeps this directory
runnable on its own and is harmless when the plugin is loaded as well.
"""

from __future__ import annotations

from tests.pulse import pulse_server, pulse_sink

__all__ = ["pulse_server", "pulse_sink"]
