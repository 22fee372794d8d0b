"""The janitor of one ``prnglint verify`` run: cleans up if the command dies without doing so.

``prnglint verify`` cleans up after itself when it ends, when it is
interrupted (SIGINT) and when it is asked to stop (SIGTERM, SIGHUP). Nothing
runs in a process killed with SIGKILL, though, so the command starts this
small process first, in a session of its own (a signal sent to the command's
process group does not reach it), and keeps a pipe to its standard input:

* the command writes ``group PGID`` for every worker process group it starts,
  and ``done`` once it has cleaned up itself;
* when the pipe closes without ``done`` (the command died, however), the
  janitor kills every group it was told about and removes the run's folder,
  unless the run was asked to keep it.

It is run as a script (``python -I -S janitor.py FOLDER keep|remove``), so it
starts in a few milliseconds and imports nothing of prnglint. The workers do
not rely on it alone: each also asks the kernel to kill it when its parent
dies (see ``worker.die_with_parent``).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys


def main(argv: list[str]) -> int:
    """Wait for the command's pipe to close; clean up unless it said ``done``."""
    folder, keep = argv[0], argv[1] == "keep"
    # Interrupts meant for the command are not for the janitor.
    for number in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)
    groups: list[int] = []
    for line in sys.stdin:
        word, _, value = line.strip().partition(" ")
        if word == "done":
            return 0
        if word == "group" and value.isdigit():
            groups.append(int(value))
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
