"""Worker processes that end when the batch that started them ends (private).

A batch killed with SIGKILL (``kill -9``, an out-of-memory kill of the job) cannot shut its pool
down. Without help its forkserver and its idle workers then wait forever on a pipe (each worker
holds both ends of the task queue, so it never reads end-of-file). Two mechanisms stop that:

- on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the process when its parent
  dies. The forkserver sets it when it imports this module (it is the first module in the
  forkserver's preload list), so it dies with the batch; each worker sets it in its initializer,
  so it dies with the forkserver (or with the batch, for spawned workers);
- everywhere, a daemon thread in each worker that exits the process when its parent changes
  (the parent died and the process was handed to another one) or when the batch process is
  gone (also when a forkserver started earlier by other code, without this module, lives on).
"""

from __future__ import annotations

import os
import signal
import sys
import threading

__all__ = ["die_with_parent", "worker_initializer"]

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_POLL_S = 0.5


def die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; False elsewhere)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):  # no libc symbol: the watchdog thread still works
        return False


def _alive(pid: int) -> bool:
    """Whether the process ``pid`` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):  # no /proc (macOS): kill(0) is the answer
        return True


def _watch_parent(ppid: int, batch_pid: int) -> None:
    event = threading.Event()
    while not event.wait(_POLL_S):
        if os.getppid() != ppid or not _alive(batch_pid):
            os._exit(1)  # the batch is gone: nothing will ever read our results


def worker_initializer(batch_pid: int) -> None:
    """Initializer of the batch's pool workers: end with the batch (see the module notes).

    Parameters
    ----------
    batch_pid : int
        Process id of the process that runs the batch.
    """
    die_with_parent()
    ppid = os.getppid()
    if not _alive(batch_pid):  # died between our start and now
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(ppid, batch_pid), name="stockingsim-lifeline", daemon=True
    ).start()


def _in_forkserver() -> bool:
    argv = " ".join(getattr(sys, "orig_argv", sys.argv))
    return "multiprocessing.forkserver" in argv


if _in_forkserver():  # imported by the forkserver of a batch pool (its preload list)
    die_with_parent()
