"""Atomic writes: all or nothing, same permissions, never over someone else's change."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from prnglint import writer
from prnglint.writer import TEMP_SUFFIX, WriteError, write_atomically


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX))


def test_replaces_the_contents_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "script.py"
    path.write_bytes(b"old\n")
    path.chmod(0o751)
    write_atomically(path, b"new\r\n", expected=b"old\n")
    assert path.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert _leftovers(tmp_path) == []


def test_the_file_is_a_new_inode_so_readers_never_see_half_a_file(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    before = path.stat().st_ino
    with path.open("rb") as reader:
        write_atomically(path, b"new\n", expected=b"old\n")
        # A reader that opened the file before the write still sees the old file whole.
        assert reader.read() == b"old\n"
    assert path.stat().st_ino != before


def test_a_symbolic_link_stays_and_its_target_changes(tmp_path: Path) -> None:
    target = tmp_path / "real.py"
    target.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_atomically(link, b"new\n", expected=b"old\n")
    assert link.is_symlink()
    assert target.read_bytes() == b"new\n"


def test_a_read_only_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    path.chmod(0o444)
    with pytest.raises(WriteError, match="read-only"):
        write_atomically(path, b"new\n", expected=b"old\n")
    assert path.read_bytes() == b"old\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert _leftovers(tmp_path) == []


def test_a_file_changed_since_it_was_read_is_not_clobbered(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"someone else's edit\n")
    with pytest.raises(WriteError, match="changed on disk"):
        write_atomically(path, b"new\n", expected=b"old\n")
    assert path.read_bytes() == b"someone else's edit\n"
    assert _leftovers(tmp_path) == []


def test_a_change_while_the_temporary_file_is_written_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    real_fsync = os.fsync

    def fsync_then_edit(descriptor: int) -> None:
        real_fsync(descriptor)
        path.write_bytes(b"edited meanwhile\n")

    monkeypatch.setattr(writer.os, "fsync", fsync_then_edit)
    with pytest.raises(WriteError, match="changed on disk"):
        write_atomically(path, b"new\n", expected=b"old\n")
    assert path.read_bytes() == b"edited meanwhile\n"
    assert _leftovers(tmp_path) == []


def test_a_deleted_file_is_not_recreated(tmp_path: Path) -> None:
    path = tmp_path / "gone.py"
    with pytest.raises(WriteError, match="deleted"):
        write_atomically(path, b"new\n", expected=b"old\n")
    assert not path.exists()


def test_a_failed_rename_leaves_the_original_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "replace", refuse)
    monkeypatch.setattr(writer, "_exchange", refuse)
    with pytest.raises(WriteError, match="no space left on device"):
        write_atomically(path, b"new\n", expected=b"old\n")
    assert path.read_bytes() == b"old\n"
    assert _leftovers(tmp_path) == []


def test_a_folder_without_room_for_a_temporary_file_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")

    def refuse(**kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(writer.tempfile, "mkstemp", refuse)
    with pytest.raises(WriteError, match="temporary file"):
        write_atomically(path, b"new\n", expected=b"old\n")
    assert path.read_bytes() == b"old\n"


def test_a_save_between_the_last_check_and_the_swap_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The narrowest window: an editor saves right after the last comparison, before the rename."""
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    checks = []
    original_check = writer._check_unchanged

    def check_then_save(target: Path, expected: bytes) -> None:
        original_check(target, expected)
        checks.append(target)
        if len(checks) == 2:  # the check under the lock, just before the swap
            (tmp_path / ".save").write_bytes(b"saved by the editor\n")
            os.replace(tmp_path / ".save", path)

    monkeypatch.setattr(writer, "_check_unchanged", check_then_save)
    if sys.platform != "linux":
        pytest.skip("the swap that closes this window is Linux's renameat2")
    with pytest.raises(WriteError, match="changed on disk"):
        write_atomically(path, b"fixed\n", expected=b"old\n")
    assert path.read_bytes() == b"saved by the editor\n"
    assert _leftovers(tmp_path) == []
