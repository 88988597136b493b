"""Worker processes that end when the batch that started them ends (private).

A batch killed with SIGKILL (``kill -9``, an out-of-memory kill of the job) cannot shut its pool
down. Without help its forkserver and its idle workers then wait forever on a pipe (each worker
holds both ends of the task queue, so it never reads end-of-file). Two mechanisms stop that:

- on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the process when its parent
  dies. The forkserver sets it when it imports this module (it is the first module in the
  forkserver's preload list), so it dies with the batch; each worker sets it in its initializer,
  so it dies with the forkserver (or with the batch, for spawned workers);
- everywhere, a daemon thread in each worker that polls :func:`os.getppid` and exits the
  process when it changes (the parent died and the process was handed to another one).
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


def _watch_parent(ppid: int) -> None:
    event = threading.Event()
    while not event.wait(_POLL_S):
        if os.getppid() != ppid:
            os._exit(1)  # the parent is gone: nothing will ever read our results


def worker_initializer() -> None:
    """Initializer of the batch's pool workers: end with the parent (see the module notes)."""
    die_with_parent()
    ppid = os.getppid()
    threading.Thread(
        target=_watch_parent, args=(ppid,), name="stockingsim-lifeline", daemon=True
    ).start()


def _in_forkserver() -> bool:
    argv = " ".join(getattr(sys, "orig_argv", sys.argv))
    return "multiprocessing.forkserver" in argv


if _in_forkserver():  # imported by the forkserver of a batch pool (its preload list)
    die_with_parent()
