"""Where the Dask workers come from: a local cluster, an existing scheduler, or a batch system.

- ``local`` (default): an in-process :class:`distributed.LocalCluster` of ``workers`` processes
  (default: the machine's cores), one thread each: a run is one single-threaded binary.
- ``scheduler``: ``--scheduler tcp://host:port`` connects to a running ``dask scheduler``; its
  workers keep their own environment (set ``MILASIM_CACHE_DIR`` where they are started).
- ``slurm`` / ``pbs`` / ``sge``: dask-jobqueue (imported only then) submits ``[cluster] jobs``
  batch jobs of ``cores`` cores, ``processes`` workers each (default one per core). The sweep's
  ``MILASIM_CACHE_DIR``, when set, is exported into the job script, so all jobs share one build
  cache: point it at a shared file system.

Dask itself is imported here only inside functions, so reading an experiment never needs it.
"""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError
from sim.sweeps.grid import ClusterConfig

BATCH_KINDS = ("slurm", "pbs", "sge")
KINDS = ("local", *BATCH_KINDS)


@dataclass(frozen=True)
class Target:
    """Resolved choice of workers: ``kind`` is "local", "scheduler" or a batch system."""

    kind: str
    workers: int | None = None
    address: str | None = None
    spec: ClusterConfig | None = None

    def describe(self) -> str:
        if self.kind == "local":
            return f"a local cluster of {self.workers} worker process(es)"
        if self.kind == "scheduler":
            return f"the Dask scheduler at {self.address}"
        spec = self.spec or ClusterConfig(kind=self.kind)  # type: ignore[arg-type]
        size = (f"{self.workers} worker(s)" if self.workers else
                f"{spec.jobs} job(s) x {spec.processes_per_job} worker(s)")
        return f"{self.kind.upper()} ({size}, queue {spec.queue or 'default'})"


def machine_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def choose_target(
    file_cluster: ClusterConfig | None,
    workers: int | None = None,
    scheduler: str | None = None,
    cluster: str | None = None,
) -> Target:
    """Command-line choices over the experiment's ``[cluster]`` table. InputError on a clash."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise InputError(f"--workers must be a whole number >= 1, got {workers!r}")
    if scheduler and cluster:
        raise InputError(f"--scheduler and --cluster {cluster}: give one of the two")
    if scheduler:
        address = scheduler.strip()
        if not address or any(c.isspace() for c in address):
            raise InputError(f"--scheduler {scheduler!r}: expected an address like "
                             "tcp://host:8786")
        return Target(kind="scheduler", address=address)
    if cluster is not None and cluster not in KINDS:
        raise InputError(f"--cluster must be one of {', '.join(KINDS)}, got {cluster!r}")
    kind = cluster or (file_cluster.kind if file_cluster else "local")
    if kind == "local":
        n = workers or (file_cluster.workers if file_cluster else None) or machine_cores()
        return Target(kind="local", workers=n)
    _need_jobqueue(kind)  # before anything is written
    spec = file_cluster or ClusterConfig.model_validate({"kind": kind})
    return Target(kind=kind, workers=workers, spec=spec)


def _need_jobqueue(kind: str) -> None:
    import importlib.util

    if importlib.util.find_spec("dask_jobqueue") is None:
        raise InputError(f"--cluster {kind} needs dask-jobqueue: "
                         "pip install 'milasim[slurm]' (or pip install dask-jobqueue)")


def _jobqueue_cluster(target: Target) -> Any:
    _need_jobqueue(target.kind)
    import dask_jobqueue
    spec = target.spec or ClusterConfig(kind=target.kind)  # type: ignore[arg-type]
    cls = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster,
           "sge": dask_jobqueue.SGECluster}[target.kind]
    prologue = list(spec.job_script_prologue)
    cache = os.environ.get("MILASIM_CACHE_DIR")
    if cache:
        prologue.insert(0, f"export MILASIM_CACHE_DIR={shlex.quote(cache)}")
    kwargs: dict[str, Any] = {
        "cores": spec.cores,
        "processes": spec.processes_per_job,
        "memory": spec.memory,
        "walltime": spec.walltime,
        "job_extra_directives": list(spec.job_extra_directives),
        "job_script_prologue": prologue,
        "job_name": "milasim",
    }
    optional = {"queue": spec.queue, "interface": spec.interface, "python": spec.python,
                "local_directory": spec.local_directory, "log_directory": spec.log_directory}
    kwargs.update({k: v for k, v in optional.items() if v is not None})
    if spec.account is not None:
        kwargs["project" if target.kind == "sge" else "account"] = spec.account
    try:
        batch = cls(**kwargs)
    except (ValueError, TypeError) as exc:
        raise InputError(f"[cluster] {target.kind}: {exc}") from None
    if target.workers:
        batch.scale(n=target.workers)
    else:
        batch.scale(jobs=spec.jobs)
    return batch


def _has_bokeh() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


def dashboard_of(client: Any) -> str | None:
    """The dashboard address, if the scheduler serves one (it needs bokeh where it runs)."""
    try:
        if "dashboard" not in client.scheduler_info().get("services", {}):
            return None
        return client.dashboard_link if client.run_on_scheduler(_has_bokeh) else None
    except Exception:  # noqa: BLE001 - a dashboard is a nicety, never a reason to fail
        return None


@contextmanager
def connect(target: Target, *, quiet: bool = False) -> Iterator[tuple[Any, Any]]:
    """A :class:`distributed.Client` for ``target`` (and the cluster object it owns, or None);
    both closed on exit. A scheduler that cannot be reached is an InputError."""
    from distributed import Client, LocalCluster

    owned = None
    if target.kind == "local":
        owned = LocalCluster(
            n_workers=target.workers, threads_per_worker=1, processes=True,
            dashboard_address="127.0.0.1:0", host="127.0.0.1",
            silence_logs=logging.ERROR if quiet else logging.WARNING,
            preload=["sim.sweeps.worker_setup"],  # Ctrl-C is for the sweep, not its workers
        )
        client = Client(owned)
    elif target.kind == "scheduler":
        try:
            client = Client(target.address, timeout="15s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {target.address}: cannot connect ({exc})") from None
    else:
        owned = _jobqueue_cluster(target)
        client = Client(owned)
    try:
        yield client, owned
    finally:
        try:
            client.close()
        finally:
            if owned is not None:
                owned.close()
