"""A sweep's output folder, and the task each Dask worker runs for one grid point. No Dask here.

Layout of ``OUT``::

    OUT/sweep.json             the grid (experiment, swept keys, run ids), rewritten by each invocation
    OUT/sweep.csv              one row per finished run, rebuilt from OUT/runs/ at the end
    OUT/figures/*.png          dose-response figures
    OUT/runs/<run_id>/         a FINISHED run: run.h5, summary.json, figures/, run.log
    OUT/failed/<run_id>/       the last failed attempt of a run (its run.log kept); rerun on --resume
    OUT/.tmp/<run_id>-<token>/ a run in progress

A run is written into ``OUT/.tmp/`` and renamed to ``OUT/runs/<run_id>/`` only when
:func:`sim.runner.execute` has returned, so a folder under ``runs/`` always holds a complete run
(the rename is atomic on one filesystem). If two attempts of one run both finish (a worker thought
lost that was not), the first rename wins and the second attempt's folder is discarded: a finished
run is never rewritten.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config import Config
from sim.errors import MilasimError, RunError

RUN_MARKER = "summary.json"


@dataclass(frozen=True)
class SweepLayout:
    root: Path

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def failed(self) -> Path:
        return self.root / "failed"

    @property
    def tmp(self) -> Path:
        return self.root / ".tmp"

    @property
    def figures(self) -> Path:
        return self.root / "figures"

    @property
    def csv(self) -> Path:
        return self.root / "sweep.csv"

    @property
    def manifest(self) -> Path:
        return self.root / "sweep.json"

    def run_dir(self, run_id: str) -> Path:
        return self.runs / run_id

    def failed_dir(self, run_id: str) -> Path:
        return self.failed / run_id

    def is_finished(self, run_id: str) -> bool:
        return (self.run_dir(run_id) / RUN_MARKER).is_file()

    def finished_ids(self) -> list[str]:
        """Run ids with a complete folder under ``runs/`` (sorted). Reads only."""
        if not self.runs.is_dir():
            return []
        return sorted(d.name for d in self.runs.iterdir()
                      if d.is_dir() and not d.name.startswith(".") and (d / RUN_MARKER).is_file())

    def clean_tmp(self, run_ids: set[str]) -> None:
        """Remove leftover in-progress folders of runs in ``run_ids`` (finished ones: garbage)."""
        if not self.tmp.is_dir():
            return
        for d in self.tmp.iterdir():
            if d.name.split("-")[0] in run_ids:
                shutil.rmtree(d, ignore_errors=True)
        try:
            self.tmp.rmdir()  # only when empty
        except OSError:
            pass

    # ------------------------------------------------------------------ one run's lifecycle
    def new_tmp(self, run_id: str) -> Path:
        path = self.tmp / f"{run_id}-{os.getpid()}-{secrets.token_hex(4)}"
        path.mkdir(parents=True)
        return path

    def commit(self, run_id: str, tmp: Path) -> bool:
        """Rename a complete ``tmp`` into ``runs/<run_id>``; False if another attempt won."""
        self.runs.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(tmp, self.run_dir(run_id))
        except OSError:
            if not self.is_finished(run_id):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
            return False
        shutil.rmtree(self.failed_dir(run_id), ignore_errors=True)
        return True

    def keep_failed(self, run_id: str, tmp: Path) -> Path:
        """Move a failed attempt to ``failed/<run_id>`` (replacing an older one); returns it."""
        target = self.failed_dir(run_id)
        self.failed.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(tmp, target)
        except OSError:  # a concurrent attempt put its own there: keep ours beside it
            return tmp
        return target


def run_point(cfg: Config, run_id: str, out_root: str) -> dict[str, Any]:
    """The Dask task: one grid point into ``OUT/runs/<run_id>/``.

    Returns ``{"run_id", "status": "done"|"failed", ...}``. A :class:`~sim.errors.MilasimError`
    (a run that failed, deterministically) is returned as ``"failed"`` with the kept log's path, so
    Dask does not retry it (a full disk while writing the results is one: sim.runner.execute);
    any other exception, and a run error the interpreter caused (``RunError.transient``), is
    re-raised after keeping the log, so Dask's ``retries`` get a chance (a lost file system, a
    bug, CPython 3.11's spurious SystemError).
    """
    from sim.runner import execute

    layout = SweepLayout(Path(out_root))
    if layout.is_finished(run_id):  # an earlier attempt finished after all
        return {"run_id": run_id, "status": "done", "duplicate": True}
    tmp = layout.new_tmp(run_id)
    try:
        summary = execute(cfg, tmp, progress=False)
    except MilasimError as exc:
        kept = layout.keep_failed(run_id, tmp)
        if isinstance(exc, RunError) and exc.transient:  # the interpreter's fault: retry
            raise
        return {"run_id": run_id, "status": "failed",
                "error": str(exc).replace(str(tmp), str(kept)),
                "log": str(kept / "run.log")}
    except BaseException:
        layout.keep_failed(run_id, tmp)
        raise
    won = layout.commit(run_id, tmp)
    return {"run_id": run_id, "status": "done", "duplicate": not won,
            "wall_time_s": summary.get("wall_time_s")}
