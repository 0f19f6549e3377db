"""One run, end to end: drug -> receptor state -> network -> analysis -> run.h5, summary.json, figures.

:func:`execute` is what ``milasim run`` and every sweep task call. It writes into ``out_dir``:

- ``run.h5`` (atomic: written under a temporary name, renamed when whole),
- ``summary.json`` (atomic, written last: its presence means the run finished),
- ``figures/*.png``,
- ``run.log`` (the binary's output; kept when a run fails).
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

import sim
from sim.config import Config
from sim.errors import InputError, RunError
from sim.store import RunData, write_run

def provenance(cfg: Config) -> dict[str, Any]:
    """Root attributes of run.h5: versions, seed, hash (the compiler comes from the build)."""
    return {
        "config_hash": cfg.config_hash(),
        "seed": cfg.simulation.seed,
        "sim_version": sim.__version__,
        "brian2_version": version("brian2"),
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "protocol": cfg.experiment.protocol,
    }


def _jsonable(value: Any) -> Any:
    """Plain JSON: numpy scalars to Python, NaN/inf to null (strict JSON readers such as jq)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(_jsonable(data), indent=1) + "\n")
    os.replace(tmp, path)


def execute(cfg: Config, out_dir: Path, *, progress: bool = False,
            state: Any = None) -> dict[str, Any]:
    """Run ``cfg`` into ``out_dir``; returns the summary. RunError (log kept) on failure.

    ``state`` replaces the receptor state of ``receptor_state(cfg)`` (``milasim uncertainty``
    runs a network with sampled receptor constants that have no config keys)."""
    from sim.conditions import receptor_state
    from sim.protocols import get

    t0 = time.perf_counter()
    protocol = get(cfg.experiment.protocol)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / "run.log"
    try:
        log.write_text(f"# milasim {sim.__version__} run, config_hash {cfg.config_hash()}\n")
    except OSError as exc:  # a full disk before anything ran
        raise RunError(f"cannot write {log} ({exc.strerror or exc})") from None
    _remove_results(out_dir, figures=False)  # an earlier run's, or a killed write's leftovers
    try:
        state = receptor_state(cfg) if state is None else state
        simulated = protocol.simulate(cfg, state, out_dir, progress=progress, log_path=log)
        run, metrics = protocol.record(cfg, state, simulated)
    except RunError as exc:
        _note_in_log(log, f"failed: {exc}")
        raise
    except Exception as exc:  # a bug or a numerical failure: keep the log, say where it is
        _note_in_log(log, f"failed: {type(exc).__name__}: {exc}")
        raise RunError(f"{type(exc).__name__}: {exc} (log: {log})",
                       transient=isinstance(exc, SystemError)) from exc

    run.attrs = {**provenance(cfg), **run.attrs}
    wall = time.perf_counter() - t0
    common = state.summary()
    summary = {
        "glycine_uM": common.pop("glycine_uM"),
        "glycine_baseline_uM": common.pop("glycine_baseline_uM"),
        "glycine_site_occupancy": common.pop("glycine_site_occupancy"),
        "seed": cfg.simulation.seed,
        "config_hash": cfg.config_hash(),
        "wall_time_s": round(wall, 3),
        **metrics,
        "protocol": cfg.experiment.protocol,
        **common,
        "versions": {k: run.attrs[k] for k in ("sim_version", "brian2_version", "numpy_version",
                                                "compiler")},
        "config": cfg.to_dict(),
    }
    run.put("analysis", "wall_time_s", wall, "s")
    try:
        write_run(out_dir / "run.h5", run)
        draw_figures(run, out_dir / "figures")
        write_json_atomic(out_dir / "summary.json", summary)
    except (OSError, InputError, RunError) as exc:  # a full disk, a quota: nothing may look
        _remove_results(out_dir, figures=True)  # finished (the errors: save_figure's)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        _note_in_log(log, f"failed: cannot write the results: {reason}")
        raise RunError(f"cannot write the results into {out_dir}: {reason}; log: {log}") from None
    return summary


def _remove_results(out_dir: Path, *, figures: bool) -> None:
    """Delete run.h5, summary.json, their temporary files (and figures/) from ``out_dir``."""
    for path in (out_dir / "summary.json", out_dir / "run.h5", *out_dir.glob("*.tmp-*")):
        path.unlink(missing_ok=True)
    if figures:
        shutil.rmtree(out_dir / "figures", ignore_errors=True)


def _note_in_log(log: Path, line: str) -> None:
    """Append a line to the run's log; best effort (the disk may be the problem)."""
    try:
        with open(log, "a") as f:
            f.write(f"\n{line}\n")
    except OSError:
        pass


def draw_figures(run: RunData, folder: Path) -> list[Path]:
    """The run's figures, by its protocol (``milasim plot`` redraws them from run.h5)."""
    from sim.protocols import get

    return get(run.protocol).figures(run, folder)


def print_summary(summary: dict[str, Any], out_dir: Path) -> None:
    """The short table ``milasim run`` prints: the catalogue's printed metrics of the run's
    protocol, with units; a missing value says why."""
    from sim.metrics import display_unit, printed

    rows = []
    for metric in printed(str(summary.get("protocol", "epileptiform"))):
        if metric.name not in summary:
            continue
        value = summary[metric.name]
        if value is None:
            shown = f"- ({metric.missing or 'not defined for this run'})"
        elif isinstance(value, float):
            shown = f"{value:.4g} {display_unit(metric.unit)}".rstrip()
        else:
            shown = f"{value} {display_unit(metric.unit)}".rstrip()
        rows.append((metric.label, shown))
    rows.append(("output", str(out_dir)))
    width = max(len(k) for k, _ in rows)
    for key, shown in rows:
        print(f"  {key:<{width}}  {shown}")
