"""Typed settings: what the app remembers, with bad stored values read as defaults."""

from __future__ import annotations

import pytest

from captioner.core.settings import DictStore, Key, Settings


def test_defaults_when_nothing_is_stored() -> None:
    settings = Settings(DictStore())
    assert settings.get(Key.OVERLAY_HISTORY_LINES) == 2
    assert settings.get(Key.OVERLAY_LOCKED) is False
    assert settings.get(Key.ANNOUNCE_CAPTIONS) is False  # off by default


def test_ini_strings_are_read_back_as_their_types() -> None:
    store = DictStore()
    store.data.update({"overlay/font_size": "30", "overlay/locked": "true"})
    settings = Settings(store)
    assert settings.get(Key.OVERLAY_FONT_SIZE) == 30
    assert settings.get(Key.OVERLAY_LOCKED) is True


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        (Key.OVERLAY_FONT_SIZE, "huge"),
        (Key.OVERLAY_FONT_SIZE, "500"),
        (Key.OVERLAY_HISTORY_LINES, "-1"),
        (Key.OVERLAY_DOCK, "sideways"),
        (Key.OVERLAY_LOCKED, "maybe"),
    ],
)
def test_a_hand_edited_bad_value_reads_as_the_default(key: Key, raw: str) -> None:
    store = DictStore()
    store.data[key.spec.name] = raw
    assert Settings(store).get(key) == key.spec.default


def test_out_of_range_values_are_refused_on_write() -> None:
    settings = Settings(DictStore())
    with pytest.raises(ValueError, match="history_lines"):
        settings.set(Key.OVERLAY_HISTORY_LINES, 9)
    settings.set(Key.OVERLAY_HISTORY_LINES, 5)
    assert settings.get(Key.OVERLAY_HISTORY_LINES) == 5
