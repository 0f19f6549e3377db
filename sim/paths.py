"""Output folders: defaults, and a writability check made before any work starts."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sim.errors import InputError

RESULTS_ROOT = Path("results")


def default_out_dir(config_path: Path) -> Path:
    """``results/<config stem>/`` relative to the current directory (the README's output layout)."""
    return RESULTS_ROOT / Path(config_path).stem


def prepare_out_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and prove it is writable; InputError otherwise."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"--out {path}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".milasim-write-test-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"--out {path}: not writable ({exc.strerror})") from None
    return path
