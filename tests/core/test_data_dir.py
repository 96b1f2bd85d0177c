"""The start-up check of the sessions folder: it must really write, since root ignores chmod."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from captioner.core.data_dir import check_folder

AS_ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


def test_a_usable_folder_is_created_and_left_clean(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "sessions"
    check = check_folder(folder)
    assert check.problem is None and check.folder == folder
    assert folder.is_dir() and list(folder.iterdir()) == []  # the probe is gone


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "sessions"
    path.write_text("notes")
    check = check_folder(path)
    assert check.problem == f"Sessions cannot be saved in “{path}”: it is a file, not a folder."
    assert path.read_text() == "notes"


def test_a_folder_under_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    check = check_folder(tmp_path / "file" / "sessions")
    assert check.problem is not None and "part of the path is not a folder" in check.problem


def test_a_read_only_disk_is_found_by_writing(tiny_tmpfs) -> None:
    disk = tiny_tmpfs("ro")  # refuses root too, unlike chmod
    check = check_folder(disk)
    assert check.problem == f"Sessions cannot be saved in “{disk}”: the disk is read-only."


@pytest.mark.skipif(AS_ROOT, reason="root reads and writes through chmod")
def test_permissions_are_found_by_trying(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o300)  # writable, not listable
    try:
        check = check_folder(locked)
        assert check.problem is None  # sessions are kept…
        assert "cannot be read" in (check.unlisted or "")  # …but the history won't see them
        locked.chmod(0o500)  # listable, not writable
        assert "permission denied" in (check_folder(locked).problem or "")
    finally:
        locked.chmod(0o700)


def test_a_folder_that_takes_writes_but_cannot_be_listed_is_kept_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root lists any folder, so the kernel's refusal is stood in for here
    # (test_permissions_are_found_by_trying does it for real as a user).
    import captioner.core.data_dir as data_dir

    def refuse(_path: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(data_dir.os, "scandir", refuse)
    check = check_folder(tmp_path)
    assert check.problem is None
    assert check.unlisted == (
        f"Sessions are saved in “{tmp_path}”, but the folder cannot be read (permission "
        "denied): past sessions and crash recovery will not be shown."
    )
