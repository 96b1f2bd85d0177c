"""The safe writer behind every export: nothing that was at the path is ever destroyed.

Each case here destroyed data before (issue 12 item 6): the input overwritten
by its own transcript, an existing file replaced silently, a symlink turned
into a regular file, a FIFO (standing in for a device node) replaced, and a
full disk leaving a half-written or missing file with no word about the old one.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from captioner.core import safe_write
from captioner.core.export import ExportError, ExportOptions, export, write_atomic
from captioner.core.safe_write import TargetExists, write_text
from captioner.core.transcript import Translation, Turn, Word


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "home")  # conftest's HOME


def test_the_input_file_is_refused_even_with_overwrite(tmp_path: Path) -> None:
    recording = tmp_path / "talk.wav"
    recording.write_bytes(b"RIFF precious audio")
    with pytest.raises(ExportError, match="input file"):
        write_text(recording, "transcript", overwrite=True, inputs=[recording])
    assert recording.read_bytes() == b"RIFF precious audio"


def test_the_input_is_recognised_through_a_hard_link_and_a_symlink(tmp_path: Path) -> None:
    recording = tmp_path / "talk.wav"
    recording.write_bytes(b"RIFF precious audio")
    hard = tmp_path / "same.txt"
    os.link(recording, hard)
    with pytest.raises(ExportError, match="input file"):
        write_text(hard, "transcript", overwrite=True, inputs=[recording])
    # The input given through a symlink, the output by its real name.
    alias = tmp_path / "alias.wav"
    alias.symlink_to(recording)
    with pytest.raises(ExportError, match="input file"):
        write_text(recording, "transcript", overwrite=True, inputs=[alias])
    assert recording.read_bytes() == b"RIFF precious audio"


def test_an_existing_file_is_kept_without_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("my notes")
    with pytest.raises(TargetExists, match="--force"):
        write_text(target, "transcript", overwrite=False)
    assert target.read_text() == "my notes"
    assert _names(tmp_path) == ["notes.txt"]  # no temp file left behind


def test_overwrite_replaces_a_regular_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("old")
    write_text(target, "new transcript", overwrite=True)
    assert target.read_text() == "new transcript"
    write_text(tmp_path / "fresh.txt", "x", overwrite=False)  # a new path needs no overwrite
    assert (tmp_path / "fresh.txt").read_text() == "x"


def test_a_symlink_is_never_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("linked document")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with pytest.raises(ExportError, match="symbolic link"):
        write_text(link, "transcript", overwrite=True)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "linked document"
    # A dangling link too: writing would have created a regular file in its place.
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "nowhere.txt")
    with pytest.raises(ExportError, match="symbolic link"):
        write_text(dangling, "transcript", overwrite=True)
    assert dangling.is_symlink()


def test_a_fifo_standing_in_for_a_device_is_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ExportError, match="not a regular file"):
        write_text(fifo, "transcript", overwrite=True)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="folder"):
        write_text(tmp_path, "transcript", overwrite=True)


def test_a_full_disk_leaves_the_old_file_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("old, complete")
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, fd: int, mode: str) -> None:
            self._file = real_fdopen(fd, mode)

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self._file.close()

        def write(self, data: bytes) -> int:
            self._file.write(data[:3])  # part of it went to disk, then the disk filled
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safe_write.os, "fdopen", FullDisk)
    with pytest.raises(ExportError) as caught:
        write_atomic(target, "a much longer new transcript")
    message = str(caught.value)
    assert str(target) in message and "left unchanged" in message
    assert target.read_text() == "old, complete"
    assert _names(tmp_path) == ["notes.txt"]  # the temp file was removed


def test_a_permission_error_at_the_rename_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("old")

    def refuse(*_args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(safe_write.os, "replace", refuse)
    with pytest.raises(ExportError, match="left unchanged"):
        write_text(target, "new", overwrite=True)
    assert target.read_text() == "old" and _names(tmp_path) == ["notes.txt"]


def _translated_turn() -> Turn:
    words = (Word("Hello", 0, 600, 0.9), Word("there.", 700, 1500, 0.9))
    return Turn(
        "t1", 1, "Hello there.", words, finished=True, translation=Translation("fr", "Bonjour.")
    )


def test_translation_tracks_obey_the_same_rules_and_nothing_is_half_written(
    tmp_path: Path,
) -> None:
    out = tmp_path / "talk.srt"
    real = tmp_path / "elsewhere.srt"
    real.write_text("keep me")
    (tmp_path / "talk.fr.srt").symlink_to(real)
    options = ExportOptions(subtitle_translation="separate")
    with pytest.raises(ExportError, match="symbolic link"):
        export(out, [_translated_turn()], options=options)
    assert not out.exists()  # all targets checked before any was written
    assert (tmp_path / "talk.fr.srt").is_symlink() and real.read_text() == "keep me"

    (tmp_path / "talk.fr.srt").unlink()
    (tmp_path / "talk.fr.srt").write_text("earlier French track")
    with pytest.raises(TargetExists):
        export(out, [_translated_turn()], options=options, overwrite=False)
    assert (tmp_path / "talk.fr.srt").read_text() == "earlier French track"
    assert not out.exists()
