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


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        (Key.OVERLAY_TEXT_COLOR, "not-a-colour"),  # QColor would paint it black on black
        (Key.OVERLAY_TEXT_COLOR, "#12345"),
        (Key.OVERLAY_BACKGROUND_COLOR, ["#000000", "#ffffff"]),  # INI "a, b" reads as a list
        (Key.OVERLAY_FONT_SIZE, "1e999"),
        (Key.OVERLAY_FONT_SIZE, float("inf")),
        (Key.OVERLAY_FONT_SIZE, 22.5),
        (Key.OVERLAY_FONT_SIZE, True),
        (Key.OVERLAY_OPACITY, ["85"]),
        (Key.OVERLAY_LOCKED, 7),
        (Key.OVERLAY_LOCKED, ["true"]),
        (Key.DEVICE_NAME, ["Speakers", " HDMI"]),
        (Key.ENGINE, None),
    ],
)
def test_every_kind_of_unusable_value_reads_as_the_default(key: Key, raw: object) -> None:
    store = DictStore()
    store.data[key.spec.name] = raw
    settings = Settings(store)
    assert settings.get(key) == key.spec.default
    assert key.spec.name in settings.problems()


def test_values_native_stores_give_are_accepted() -> None:
    store = DictStore()
    store.data.update(
        {
            "overlay/font_size": 30.0,
            "overlay/locked": 1,
            "device/name": 7,
            "overlay/text_color": "#FFD54F",
        }
    )
    settings = Settings(store)
    assert settings.get(Key.OVERLAY_FONT_SIZE) == 30
    assert settings.get(Key.OVERLAY_LOCKED) is True
    assert settings.get(Key.DEVICE_NAME) == "7"
    assert settings.get(Key.OVERLAY_TEXT_COLOR) == "#FFD54F"
    assert settings.problems() == {}


def test_an_unusable_value_is_logged_once_by_key_without_the_value(caplog) -> None:
    store = DictStore()
    store.data["overlay/text_color"] = "sk-secret-looking-0123"
    settings = Settings(store)
    with caplog.at_level("WARNING", logger="captioner.core.settings"):
        for _ in range(3):
            assert settings.get(Key.OVERLAY_TEXT_COLOR) == "#ffffff"
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "overlay/text_color" in message and "#ffffff" in message
    assert "sk-secret" not in message


def test_a_bad_colour_is_refused_on_write() -> None:
    with pytest.raises(ValueError, match="text_color"):
        Settings(DictStore()).set(Key.OVERLAY_TEXT_COLOR, "red-ish")
