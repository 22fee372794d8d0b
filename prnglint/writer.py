"""Write a fixed file back without ever leaving it half-written or clobbering news.

The new bytes go to a temporary file in the same folder, are flushed to
disk, take the original's permission bits (and owner, where allowed), and
then take the original's place in one step. A reader sees the old file or
the new one, never a mix. The file on disk is compared with the bytes the
fix was computed from before the temporary file is written, again under a
lock just before the swap, and (on Linux) once more after it, on the text
swapped out: if someone changed it meanwhile, their text stays and nothing is
written. A file without write permission is refused rather than replaced,
even by a user (root) whom the folder would let replace it; so is a file
with other hard links, which would keep the old text. A temporary file left
by a prnglint process that was killed is removed by the next write beside it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TEMP_SUFFIX = ".prnglint-tmp"


class WriteError(Exception):
    """A fixed file that was not written; the message says why, and the file is unchanged."""


def write_atomically(path: Path, data: bytes, *, expected: bytes) -> None:
    """Replace the contents of `path` by `data` if it still holds `expected`.

    Symbolic links are followed, so the link stays and its target changes.
    Raises WriteError (and leaves the file as it was) when the file is
    read-only, has other hard links (replacing it would leave them with the
    old text), changed since `expected` was read, or cannot be replaced.

    The last comparison and the replacement happen under a lock on the
    folder (so that two prnglint runs take turns), and where the system can
    swap two names in one step (`renameat2` with `RENAME_EXCHANGE`, Linux)
    the text that was replaced is compared once more after the swap: an edit
    saved at the last instant is swapped back in, and the fix is refused.
    """
    target = Path(os.path.realpath(path))
    try:
        before = os.stat(target)
    except FileNotFoundError:
        raise WriteError("the file was deleted after it was read; not written") from None
    except OSError as exc:
        raise WriteError(_reason(exc)) from None
    if not stat.S_ISREG(before.st_mode):
        raise WriteError("not a regular file; not written")
    if not before.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
        raise WriteError("the file is read-only; not written")
    if before.st_nlink > 1:
        raise WriteError(
            f"it has {before.st_nlink} hard links, and replacing it would leave the others with the old text; not written"
        )
    remove_stale_temporary_files(target)
    _check_unchanged(target, expected)
    try:
        descriptor, temp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=TEMP_SUFFIX
        )
    except OSError as exc:
        raise WriteError(f"cannot create a temporary file beside it: {_reason(exc)}; not written") from None
    temp = Path(temp_name)
    _IN_FLIGHT.add(temp_name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), stat.S_IMODE(before.st_mode))
            if (before.st_uid, before.st_gid) != (os.getuid(), os.getgid()):
                # Only a privileged user may give the file back to its owner; others keep theirs.
                with contextlib.suppress(OSError):
                    os.fchown(handle.fileno(), before.st_uid, before.st_gid)
        with _folder_lock(target.parent):
            _check_unchanged(target, expected)
            if _exchange(temp, target):
                # `temp` now names what `target` held an instant ago.
                if _read(temp) != expected:
                    _exchange(temp, target)
                    raise WriteError(_CHANGED)
                _remove(temp)
            else:
                os.replace(temp, target)
    except WriteError:
        _remove(temp)
        raise
    except OSError as exc:
        _remove(temp)
        raise WriteError(f"{_reason(exc)}; not written") from None
    except BaseException:
        # Ctrl-C or SIGTERM while writing: the file stays as it was, and no temporary file is left.
        _remove(temp)
        raise
    finally:
        _IN_FLIGHT.discard(temp_name)
    _sync_folder(target.parent)


_CHANGED = "the file changed on disk after it was read; not written (run prnglint again)"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_renameat2: Any = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap the files named `a` and `b` in one step; False where the system cannot."""
    global _renameat2
    if _renameat2 is None:
        _renameat2 = False
        if sys.platform == "linux":
            try:
                import ctypes

                function = ctypes.CDLL(None, use_errno=True).renameat2
                function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
                _renameat2 = function
            except (OSError, AttributeError):
                pass
    if _renameat2 is False:
        return False
    import ctypes

    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # this file system cannot swap; a plain rename then
    raise OSError(error, os.strerror(error), str(b))


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive `flock` on the folder while a file in it is replaced (none where folders cannot be locked)."""
    try:
        import fcntl

        descriptor = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:
            pass
        yield
    finally:
        os.close(descriptor)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def remove_stale_temporary_files(target: Path) -> None:
    """Remove temporary files of `target` left by prnglint processes that were killed while writing it."""
    prefix = f".{target.name}."
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
            continue
        pid = name[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(target.parent, name))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# The temporary files this process is writing now; a signal handler that ends
# the process removes them first (`remove_temporary_files`).
_IN_FLIGHT: set[str] = set()


def remove_temporary_files() -> None:
    """Remove the temporary files this process is writing (from a handler that is about to end it)."""
    for name in list(_IN_FLIGHT):
        with contextlib.suppress(OSError):
            os.unlink(name)


def _check_unchanged(target: Path, expected: bytes) -> None:
    try:
        current = target.read_bytes()
    except OSError as exc:
        raise WriteError(f"cannot read it again before writing: {_reason(exc)}; not written") from None
    if current != expected:
        raise WriteError(_CHANGED)


def _remove(temp: Path) -> None:
    with contextlib.suppress(OSError):
        temp.unlink()


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; some systems cannot open folders, which is fine."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)
