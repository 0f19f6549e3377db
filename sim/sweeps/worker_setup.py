"""Dask preload for the workers of the sweep's own LocalCluster: leave Ctrl-C to the sweep.

A terminal's Ctrl-C reaches every process of its process group, and the LocalCluster's worker
processes (and the simulation binaries they start) are in the sweep's group. Without this, each
worker prints a KeyboardInterrupt traceback and each running binary dies as a "failed run". With
SIGINT ignored here (an ignored signal stays ignored across fork and exec, so the binaries ignore it
too), only the sweep process reacts: it cancels what is pending and closes the cluster, which ends
the workers. Workers on a batch system or behind ``--scheduler`` are not affected.
"""

from __future__ import annotations

import signal
import threading
from typing import Any


def dask_setup(worker: Any) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
