"""Batch sweeps: an experiment file's grid of runs, on Dask, resumable (``milasim sweep``).

- :mod:`sim.sweeps.grid`: experiment file -> validated grid points with run ids (no Dask);
- :mod:`sim.sweeps.layout`: the OUT folder and the per-run task (temporary folder, atomic rename);
- :mod:`sim.sweeps.cluster`: local cluster, existing scheduler, or SLURM/PBS/SGE via dask-jobqueue;
- :mod:`sim.sweeps.runner`: :func:`run_sweep`, the orchestration;
- :mod:`sim.sweeps.table` / :mod:`sim.sweeps.figures`: sweep.csv and the dose-response figures.

The command line calls ``run_sweep(...)`` and exits with ``report.exit_code``; see docs/sweeps.md.
"""

from sim.sweeps.grid import ClusterConfig, Experiment, GridPoint, load_experiment
from sim.sweeps.runner import RunFailure, SweepReport, run_sweep

__all__ = ["ClusterConfig", "Experiment", "GridPoint", "RunFailure", "SweepReport",
           "load_experiment", "run_sweep"]
