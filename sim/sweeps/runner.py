"""``milasim sweep``: every grid point of an experiment as a Dask task, resumable.

:func:`run_sweep` does, in this order:

1. read and validate the whole grid (:func:`sim.sweeps.grid.load_experiment`) and the choice of
   workers; any problem is an InputError/ConfigError (exit 2) and nothing is written;
2. look at ``OUT/runs/``: finished runs are recognised by id. Without ``resume`` an OUT that holds
   finished runs is refused (InputError naming ``--resume``); with it they are skipped;
3. submit the remaining points (:func:`sim.sweeps.layout.run_point`, ``retries`` for raised errors;
   a worker that dies has its task rescheduled by the scheduler) and follow them with a progress
   bar. A failed run is reported with its log as soon as it fails, and the sweep goes on;
4. rebuild ``OUT/sweep.csv`` from the run folders and draw ``OUT/figures/``, also after an
   interruption (SIGINT or SIGTERM: pending tasks are cancelled, finished runs kept, exit code 130).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.paths import default_out_dir, prepare_out_dir
from sim.sweeps.grid import Experiment, GridPoint, load_experiment
from sim.sweeps.layout import SweepLayout, run_point

#: Dask ``retries`` of a task that raised (not of a run that failed: that is final).
RETRIES = 2
EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


@dataclass
class RunFailure:
    run_id: str
    values: dict[str, Any]
    error: str
    log: str | None = None

    def line(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.values.items())
        log = f"; log: {self.log}" if self.log and self.log not in self.error else ""
        return f"run {self.run_id} ({shown}) failed: {self.error}{log}"


@dataclass
class SweepReport:
    """What a sweep did. ``exit_code``: 130 interrupted, 1 a run failed, 0 otherwise."""

    experiment: str
    out_dir: Path
    total: int
    target: str = ""
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[RunFailure] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)
    interrupted: bool = False
    csv: Path | None = None
    rows: int = 0
    figures: list[Path] = field(default_factory=list)
    dashboard: str | None = None
    wall_time_s: float = 0.0

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if self.failed or self.not_run else EXIT_OK

    def summary(self) -> str:
        head = (f"sweep {self.experiment}: {self.total} runs: {len(self.done)} done, "
                f"{len(self.failed)} failed, {len(self.skipped)} skipped (finished before)")
        if self.not_run:
            head += f", {len(self.not_run)} not run"
        lines = [f"{head} [{_duration(self.wall_time_s)}]"]
        if self.interrupted:
            lines.append("  interrupted: finished runs kept; add --resume to do the rest")
        lines += [f"  {f.line()}" for f in self.failed]
        if self.csv is not None:
            lines.append(f"  table:   {self.csv} ({self.rows} rows)")
        lines += [f"  figure:  {p}" for p in self.figures]
        for figure in self.figures[:1]:  # the first figure's table: the sweep at a glance
            table = Path(figure).with_suffix(".md")
            if table.is_file():
                lines += ["", table.read_text().rstrip()]
        return "\n".join(lines)


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


# --------------------------------------------------------------------------- signals
class _Stop:
    """What SIGINT/SIGTERM do during a sweep.

    The first signal raises KeyboardInterrupt, except while results are being collected
    (``deferred``): then it only sets ``requested`` and the collecting loop raises at a point of
    its choosing, never inside a Dask call (distributed's ``sync`` does not survive an exception
    raised inside it cleanly). A second signal exits at once with 130.
    """

    def __init__(self) -> None:
        self.requested = False
        self.deferred = False

    def handler(self, signum: int, frame: Any) -> None:
        if self.requested:
            print("milasim: interrupted again, exiting without cleaning up", file=sys.stderr)
            os._exit(EXIT_INTERRUPTED)
        self.requested = True
        if not self.deferred:
            raise KeyboardInterrupt

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt


@contextmanager
def _interruptible() -> Iterator[_Stop]:
    """Install :class:`_Stop` for SIGINT and SIGTERM (main thread only), restore on exit."""
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in old:
        signal.signal(s, stop.handler)
    try:
        yield stop
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


# --------------------------------------------------------------------------- the sweep
def run_sweep(
    experiment_path: str | Path,
    overrides: Iterable[str | tuple[str, Any]] = (),
    out_dir: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    cluster: str | None = None,
    resume: bool = False,
    quiet: bool = False,
) -> SweepReport:
    """Run the grid of ``experiment_path`` into ``out_dir`` (default ``results/<stem>/``).

    ``overrides``: ``--set`` strings (``"bath.mg_mM=0"``, ``"sweep.simulation.seed=[1,2]"``,
    ``"cluster.jobs=4"``). ``workers``: local worker processes (default: the machine's cores), or
    with a batch system the number of workers to ask for. ``scheduler``: address of a running Dask
    scheduler. ``cluster``: "local" | "slurm" | "pbs" | "sge" (default: ``[cluster] kind`` of the
    file, else local). ``resume``: keep finished runs and do the rest. ``quiet``: no progress bar,
    no summary (failed runs are still reported on stderr).

    Raises InputError/ConfigError (exit 2, nothing written) for a bad experiment, option or OUT;
    returns a :class:`SweepReport` otherwise (``report.exit_code`` is the command's exit code).
    """
    t0 = time.perf_counter()
    from sim.sweeps.cluster import choose_target

    experiment = load_experiment(experiment_path, overrides or ())
    target = choose_target(experiment.cluster, workers, scheduler, cluster)
    out = Path(out_dir) if out_dir is not None else default_out_dir(Path(experiment_path))
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    finished = set(SweepLayout(out).finished_ids())
    if finished and not resume:
        mine = finished & set(experiment.run_ids)
        if mine:
            raise InputError(f"--out {out}: already holds {len(mine)} finished run(s) of this "
                             "experiment; add --resume to keep them and run the rest, or choose "
                             "another --out")
        raise InputError(f"--out {out}: already holds {len(finished)} finished run(s) of another "
                         "sweep; choose another --out (or add --resume to add this grid to them)")
    created = not out.exists()
    prepare_out_dir(out)
    layout = SweepLayout(out.resolve())
    layout.clean_tmp(finished)

    todo = [p for p in experiment.points if p.run_id not in finished]
    report = SweepReport(experiment=experiment.name, out_dir=layout.root,
                         total=len(experiment.points), target=target.describe(),
                         skipped=[p.run_id for p in experiment.points if p.run_id in finished])
    say = (lambda text: None) if quiet else (lambda text: print(f"milasim: {text}",
                                                                  file=sys.stderr))
    skipped = f" ({len(report.skipped)} finished before, skipped)" if report.skipped else ""
    say(f"sweep {experiment.name}: {report.total} runs{skipped} into {layout.root}")

    started = time.time()
    with _interruptible() as stop:
        try:
            if todo:
                say(f"running {len(todo)} on {report.target}; the first run of each network "
                    "structure compiles it (once)")
                _run_on_dask(todo, layout, target, report, quiet, stop)
        except InputError:  # the workers could not be had (unreachable scheduler, bad [cluster])
            if created:
                with contextlib.suppress(OSError):
                    layout.root.rmdir()  # only if still empty: nothing written
            raise
        except KeyboardInterrupt:
            report.interrupted = True
            # what is on disk counts: runs may have finished after the last result was read
            on_disk = set(layout.finished_ids())
            failed = {f.run_id for f in report.failed}
            report.done = [p.run_id for p in todo if p.run_id in on_disk]
            report.failed = [f for f in report.failed if f.run_id not in on_disk]
            report.not_run = [p.run_id for p in todo
                              if p.run_id not in on_disk and p.run_id not in failed]
            _forget_interrupted_attempts(layout, report.not_run, since=started)
        _finish(experiment, layout, report, quiet)
    report.wall_time_s = time.perf_counter() - t0
    if not quiet:
        print(report.summary())
    return report


def _forget_interrupted_attempts(layout: SweepLayout, run_ids: list[str], since: float) -> None:
    """Attempts cut short by stopping the workers are not failures: drop their folders."""
    for run_id in run_ids:
        folder = layout.failed_dir(run_id)
        log = folder / "run.log"
        if log.is_file() and log.stat().st_mtime >= since:
            shutil.rmtree(folder, ignore_errors=True)
    try:
        layout.failed.rmdir()  # only when empty
    except OSError:
        pass


def _write_manifest(layout: SweepLayout, experiment: Experiment) -> None:
    data = {**experiment.manifest(), "written": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    tmp = layout.manifest.with_name(f".{layout.manifest.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1, default=str) + "\n")
    os.replace(tmp, layout.manifest)


def _finish(experiment: Experiment, layout: SweepLayout, report: SweepReport, quiet: bool) -> None:
    """sweep.csv and figures from what is on disk (also after an interruption)."""
    from sim.figures.sweep import plot_sweep
    from sim.sweeps.table import rebuild

    _write_manifest(layout, experiment)
    table = rebuild(layout, experiment)
    report.csv, report.rows = layout.csv, len(table.rows)
    try:
        description = experiment.base.experiment.description
        title = f"{experiment.name}: {description}" if description else experiment.name
        report.figures = plot_sweep(table, layout.figures, title=title,
                                    metrics=experiment.figure_metrics)
    except Exception as exc:  # noqa: BLE001 - the runs and the table are done; say, don't lose them
        print(f"milasim: warning: the sweep figures could not be drawn ({type(exc).__name__}: "
              f"{exc}); sweep.csv is complete", file=sys.stderr)
    layout.clean_tmp(set(layout.finished_ids()))


def _failure_of(future: Any, point: GridPoint, layout: SweepLayout) -> RunFailure:
    """A task that raised (after its retries) or whose workers kept dying."""
    exc = future.exception()
    name = type(exc).__name__
    if name == "KilledWorker":
        error = "its worker died every time it ran it (KilledWorker: out of memory or killed?)"
    else:
        error = f"{name}: {exc}"
    log = layout.failed_dir(point.run_id) / "run.log"
    return RunFailure(point.run_id, dict(point.values), error,
                      str(log) if log.is_file() else None)


def _quiet_distributed() -> None:
    """The nannies' warnings about killing busy workers, expected after a Ctrl-C: off."""
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)


def _run_on_dask(todo: list[GridPoint], layout: SweepLayout, target: Any, report: SweepReport,
                 quiet: bool, stop: _Stop | None = None) -> None:
    from distributed import as_completed
    from tqdm import tqdm

    from sim.sweeps.cluster import connect, dashboard_of

    stop = stop or _Stop()
    with connect(target, quiet=quiet) as (client, _):
        report.dashboard = dashboard_of(client)
        if not quiet:
            if report.dashboard:
                print(f"milasim: Dask dashboard: {report.dashboard}", file=sys.stderr)
            if target.kind != "local" and not client.scheduler_info().get("workers"):
                print("milasim: no worker has joined yet; runs start when workers do"
                      + (" (batch jobs queued)" if target.kind != "scheduler" else ""),
                      file=sys.stderr)
        token = secrets.token_hex(4)
        futures = {
            client.submit(run_point, p.config, p.run_id, str(layout.root), retries=RETRIES,
                          key=f"milasim-run-{p.run_id}-{token}", pure=False): p
            for p in todo
        }
        bar = tqdm(total=report.total, initial=len(report.skipped), unit="run",
                   desc=f"sweep {report.experiment}", disable=quiet, file=sys.stderr,
                   dynamic_ncols=True, smoothing=0.1)
        resubmits: dict[str, int] = {}
        stop.deferred = True
        try:
            stop.check()
            pending = as_completed(futures)
            while not pending.is_empty():
                if not pending.has_ready():
                    time.sleep(0.1)
                    stop.check()
                    continue
                for future in pending.next_batch(block=False):
                    point = futures[future]
                    if _collect(future, point, layout, report):
                        bar.update(1)
                        continue
                    # lost with its worker before we read it, or cancelled from outside: the
                    # files count; otherwise run it again (bounded, like Dask's own retries)
                    resubmits[point.run_id] = resubmits.get(point.run_id, 0) + 1
                    if resubmits[point.run_id] > RETRIES:
                        report.failed.append(RunFailure(
                            point.run_id, dict(point.values),
                            f"its result was lost {RETRIES + 1} times (workers dying?)"))
                        bar.update(1)
                        continue
                    client.cancel([future])
                    again = client.submit(
                        run_point, point.config, point.run_id, str(layout.root),
                        retries=RETRIES, pure=False,
                        key=f"milasim-run-{point.run_id}-{token}-{resubmits[point.run_id]}")
                    futures[again] = point
                    pending.add(again)
                stop.check()
        except KeyboardInterrupt:
            if target.kind == "local":  # our own workers are about to be stopped
                _quiet_distributed()
            client.cancel([f for f in futures if not f.done()])
            raise
        finally:
            stop.deferred = False
            bar.close()


def _collect(future: Any, point: GridPoint, layout: SweepLayout, report: SweepReport) -> bool:
    """One finished future into the report (a failed run is printed at once).

    Returns False when the future holds no outcome and the run is not finished on disk either
    (its result was lost with a dead worker, or it was cancelled from outside): the caller runs it
    again.
    """
    from tqdm import tqdm

    status = future.status
    if status == "finished":
        try:
            outcome = future.result(timeout=60)
        except Exception:  # noqa: BLE001 - lost between "finished" and the fetch: the disk decides
            outcome = None
        if outcome is not None and outcome["status"] == "done":
            report.done.append(point.run_id)
            return True
        if outcome is not None:
            failure = RunFailure(point.run_id, dict(point.values), outcome["error"],
                                 outcome.get("log"))
            report.failed.append(failure)
            tqdm.write(f"milasim: {failure.line()}", file=sys.stderr)
            return True
    elif status == "error":
        failure = _failure_of(future, point, layout)
        report.failed.append(failure)
        tqdm.write(f"milasim: {failure.line()}", file=sys.stderr)
        return True
    if point.run_id in set(layout.finished_ids()):
        report.done.append(point.run_id)
        return True
    return False
