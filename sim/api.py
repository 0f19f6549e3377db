"""The Python API: what a notebook calls. The ``milasim`` command is a thin layer over the same
functions (``sim.runner.execute``, ``sim.sweeps.run_sweep``, ``sim.pharmacology.report``).

    import sim
    r = sim.run("configs/epileptiform.toml", set={"protocol.duration_s": 10})
    r.summary["rate_exc_hz"], r.spikes["exc"].times_s, r.rates_hz["exc"], r.figures()
    r2 = sim.load(r.path)                       # the same run, read back from its folder
    s = sim.sweep("experiments/dose_comparison.toml", workers=2)
    s.table                                      # one row per run (a pandas DataFrame)
    p = sim.pk("configs/default.toml", set={"drug.dose_mg_per_kg": 100})
    p.summary["glycine_site_occupancy"], p.time_course["glycine_uM"]

Overrides (``set=``) are the config keys of ``docs/config.md`` with Python values, exactly as
``--set KEY=VALUE`` on the command line. Errors are the command line's: :class:`sim.errors.InputError`
or :class:`sim.errors.ConfigError` for bad input (one line naming the key), :class:`sim.errors.RunError`
for a run that failed (its log kept). Arrays are numpy; every name carries its unit
(``times_s``, ``rates_hz``, ``v_exc_mV``); ``units`` maps each stored dataset to its unit.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from sim.config import Config, load_raw, resolve
from sim.errors import InputError

Overrides = Mapping[str, Any] | Iterable[str] | None

__all__ = ["PK", "Run", "Spikes", "Sweep", "load", "pk", "run", "sweep"]


def _pairs(overrides: Overrides) -> list[tuple[str, Any]]:
    """``set=`` as (key, value) pairs: a mapping, or ``KEY=VALUE`` strings as on the command line."""
    from sim.config import parse_override

    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return list(overrides.items())
    if isinstance(overrides, str):
        return [parse_override(overrides)]
    return [parse_override(o) for o in overrides]


def _config(config: str | Path | Config, overrides: Overrides) -> Config:
    """A validated Config from a path or a Config, with ``overrides`` applied."""
    raw = config.to_dict() if isinstance(config, Config) else load_raw(config)
    return resolve(raw, _pairs(overrides))


# --------------------------------------------------------------------------- one run
class Spikes(NamedTuple):
    """One population's spikes: times (s) and neuron ids, sorted by time."""

    times_s: np.ndarray
    node_ids: np.ndarray
    n_nodes: int


@dataclass
class Run:
    """A finished run: its folder, summary and stored data (read from ``run.h5`` on first use)."""

    path: Path

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self._data = None
        self._summary: dict[str, Any] | None = None

    def __repr__(self) -> str:
        s = self.summary
        return (f"Run({str(self.path)!r}, protocol={s.get('protocol')!r}, seed={s.get('seed')}, "
                f"glycine_site_occupancy={s.get('glycine_site_occupancy', float('nan')):.3f})")

    @property
    def summary(self) -> dict[str, Any]:
        """summary.json: the metrics (None where a metric is undefined), conditions, versions."""
        if self._summary is None:
            from sim.store import read_summary

            self._summary = read_summary(self.path / "summary.json")
        return self._summary

    @property
    def data(self):
        """Everything run.h5 holds (:class:`sim.store.RunData`)."""
        if self._data is None:
            from sim.store import read_run

            self._data = read_run(self.path / "run.h5")
        return self._data

    @property
    def config(self) -> Config:
        return self.data.config

    @property
    def protocol(self) -> str:
        return str(self.summary.get("protocol", self.data.protocol))

    @property
    def duration_s(self) -> float:
        return float(self.data.duration_s)

    @property
    def spikes(self) -> dict[str, Spikes]:
        """Population -> :class:`Spikes` (times in s, ids, population size)."""
        d = self.data
        return {pop: Spikes(t, i, int(d.n_nodes[pop])) for pop, (t, i) in d.spikes.items()}

    @property
    def rates_hz(self) -> dict[str, np.ndarray]:
        """Population -> mean firing rate per neuron (Hz) in bins of :attr:`rate_dt_s`."""
        return dict(self.data.rates)

    @property
    def rate_dt_s(self) -> float:
        return float(self.data.rate_dt_s)

    @property
    def rate_t_s(self) -> np.ndarray:
        """Start time (s) of each rate bin."""
        n = len(next(iter(self.data.rates.values()), ()))
        return np.arange(n) * self.rate_dt_s

    @property
    def traces(self) -> dict[str, np.ndarray]:
        """Recorded time series, units in the names (``t_s``, ``v_exc_mV``, ``k_o_mM``, ...)."""
        return dict(self.data.traces)

    @property
    def conditions(self) -> dict[str, Any]:
        """The receptor state and bath the run was simulated with (units in the names)."""
        return dict(self.data.conditions)

    @property
    def analysis(self) -> dict[str, Any]:
        """Metrics and detected events as stored (e.g. ``events/start_s``, ``ictal/stop_s``)."""
        return dict(self.data.analysis)

    @property
    def units(self) -> dict[str, dict[str, str]]:
        """Group -> dataset -> unit, as declared in run.h5."""
        return self.data.units

    def to_nwb(self, path: str | Path) -> Path:
        """Write the run as an NWB file (``milasim export``; needs pynwb)."""
        from sim.nwb import export_nwb

        return export_nwb(self.data, path)

    def figures(self, folder: str | Path | None = None) -> list[Path]:
        """Draw the run's figures (default: into its ``figures/``); returns their paths."""
        from sim.runner import draw_figures

        return draw_figures(self.data, Path(folder) if folder else self.path / "figures")


def run(config: str | Path | Config, set: Overrides = None, out: str | Path | None = None, *,
        seed: int | None = None, progress: bool = False) -> Run:
    """Run one config (a path or a :class:`~sim.config.Config`) and return the finished
    :class:`Run`. ``set``: overrides ``{"bath.mg_mM": 0}``; ``seed``: shorthand for
    ``simulation.seed``; ``out``: the run folder (default: a new temporary folder, so that
    notebook runs never overwrite each other); ``progress``: a progress bar on stderr.
    The first run of a network structure compiles it (about a minute); later doses, seeds and
    durations reuse the build."""
    from sim.engine import compile_flags
    from sim.paths import prepare_out_dir
    from sim.runner import execute

    cfg = _config(config, set)
    if seed is not None:
        cfg = resolve(cfg.to_dict(), [("simulation.seed", int(seed))])
    compile_flags()  # a bad MILASIM_ARCH is bad input before anything is written
    folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="milasim-run-"))
    prepare_out_dir(folder)
    execute(cfg, folder, progress=progress)
    return Run(folder)


def load(path: str | Path) -> Run:
    """A finished run from its folder (or its run.h5). InputError if it is not one."""
    path = Path(path)
    folder = path.parent if path.name == "run.h5" else path
    if not (folder / "summary.json").is_file():
        raise InputError(f"{path}: not a finished run folder (no summary.json)")
    return Run(folder)


# --------------------------------------------------------------------------- sweeps
@dataclass
class Sweep:
    """A sweep's output folder: its table (one row per finished run) and its runs."""

    path: Path
    report: Any = None  # the SweepReport when this process ran it

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    @property
    def csv(self) -> Path:
        return self.path / "sweep.csv"

    @property
    def table(self):
        """sweep.csv as a pandas DataFrame (``pip install pandas``; :attr:`rows` needs nothing)."""
        try:
            import pandas as pd
        except ImportError:
            raise InputError("Sweep.table needs pandas (pip install pandas); Sweep.rows gives "
                             "the same rows as dicts") from None
        return pd.read_csv(self.csv)

    @property
    def rows(self) -> list[dict[str, str]]:
        """sweep.csv as a list of dicts (values as strings, empty = undefined)."""
        import csv

        with open(self.csv, newline="") as f:
            return list(csv.DictReader(f))

    def runs(self) -> dict[str, Run]:
        """Run id -> :class:`Run` of every finished run in the folder."""
        from sim.sweeps.layout import SweepLayout

        layout = SweepLayout(self.path)
        return {rid: Run(layout.run_dir(rid)) for rid in layout.finished_ids()}


def sweep(experiment: str | Path, set: Overrides = None, out: str | Path | None = None, *,
          workers: int | None = None, scheduler: str | None = None, cluster: str | None = None,
          resume: bool = False, quiet: bool = True) -> Sweep:
    """Run an experiment file's grid (as ``milasim sweep``) and return the :class:`Sweep`.
    ``set`` may hold config keys and ``sweep.<key>`` lists (``{"sweep.simulation.seed": [1, 2]}``).
    Failed runs are reported in ``Sweep.report.failed``; finished runs are never lost."""
    from sim.sweeps import run_sweep

    report = run_sweep(experiment, _pairs(set), out, workers=workers,
                       scheduler=scheduler, cluster=cluster, resume=resume, quiet=quiet)
    return Sweep(report.out_dir, report)


# --------------------------------------------------------------------------- the drug alone
@dataclass
class PK:
    """The drug module's answer for one config: ``summary`` (scalars with units in the names)
    and ``time_course`` (arrays, ``t_h`` and concentrations in uM)."""

    report: dict[str, Any]

    @property
    def summary(self) -> dict[str, Any]:
        return {k: v for k, v in self.report.items() if k != "time_course"}

    @property
    def time_course(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.report["time_course"].items()}

    def table(self) -> str:
        """The table ``milasim pk`` prints."""
        from sim.pharmacology.report import format_pk_table

        return format_pk_table(self.report)

    def figure(self, path: str | Path) -> Path:
        """Draw the time courses (``milasim pk --out``'s figure) into ``path``."""
        from sim.figures.pk import plot_pk

        return plot_pk(self.report, Path(path))


def pk(config: str | Path | Config, set: Overrides = None) -> PK:
    """Dose -> plasma and brain milacemide -> glycinamide -> glycine -> occupancy, no network."""
    from sim.pharmacology.report import pk_report

    return PK(pk_report(_config(config, set)))
