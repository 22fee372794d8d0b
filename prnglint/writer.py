"""Write a fixed file back without ever leaving it half-written or clobbering news.

The new bytes go to a temporary file in the same folder, are flushed to
disk, take the original's permission bits (and owner, where allowed), and
then replace the original in one `os.replace`. A reader sees the old file or
the new one, never a mix. Before replacing, the file on disk is compared with
the bytes the fix was computed from: if someone changed it meanwhile, nothing
is written. A file without write permission is refused rather than replaced,
even by a user (root) whom the folder would let replace it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".prnglint-tmp"


class WriteError(Exception):
    """A fixed file that was not written; the message says why, and the file is unchanged."""


def write_atomically(path: Path, data: bytes, *, expected: bytes) -> None:
    """Replace the contents of `path` by `data` if it still holds `expected`.

    Symbolic links are followed, so the link stays and its target changes.
    Raises WriteError (and leaves the file as it was) when the file is
    read-only, changed since `expected` was read, or cannot be replaced.
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
    _check_unchanged(target, expected)
    try:
        descriptor, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
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
        # The window between this check and the rename is as short as it can be.
        _check_unchanged(target, expected)
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
        raise WriteError("the file changed on disk after it was read; not written (run prnglint again)")


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
