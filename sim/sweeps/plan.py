"""What a sweep would do, before it goes to a cluster: ``milasim validate EXPERIMENT``.

Every grid point is resolved and validated (by :func:`~sim.sweeps.grid.load_experiment`); the plan
adds what the output folder already holds (finished runs are skipped with ``--resume``) and which
network builds the grid needs, and which of those the local build cache already has. Nothing is
written and nothing is compiled.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sim.sweeps.grid import Experiment, load_experiment


@dataclass(frozen=True)
class Plan:
    experiment: Experiment
    out_dir: Path
    finished: frozenset[str]
    #: build key -> number of runs that use it
    builds: dict[str, int]
    #: build keys already compiled in the local cache
    cached: frozenset[str]
    cache_dir: Path
    #: total simulated time; None when a protocol's schedule is compiled into its build (LTP)
    simulated_s: float | None

    @property
    def to_run(self) -> int:
        return sum(p.run_id not in self.finished for p in self.experiment.points)


def plan_experiment(path: str | Path, overrides: Iterable[str] = (),
                    out_dir: str | Path | None = None) -> Plan:
    """The plan of the experiment file ``path`` (InputError/ConfigError if any point is bad)."""
    from sim.engine import build_key, cache_root
    from sim.paths import default_out_dir
    from sim.protocols import get
    from sim.sweeps.layout import SweepLayout

    experiment = load_experiment(path, list(overrides))
    out = Path(out_dir) if out_dir is not None else default_out_dir(Path(path))
    finished = frozenset(SweepLayout(out).finished_ids()) if out.is_dir() else frozenset()
    builds: Counter[str] = Counter()
    keys: dict[str, str] = {}  # blueprint -> build key (the key reads the sources: once each)
    simulated: float | None = 0.0
    for point in experiment.points:
        protocol = get(point.config.experiment.protocol)
        blueprint = protocol.blueprint(point.config)
        text = blueprint.to_json()
        if text not in keys:
            keys[text] = build_key(blueprint)
        builds[keys[text]] += 1
        duration = protocol.duration(point.config)
        simulated = None if simulated is None or duration is None else simulated + duration
    root = cache_root()
    cached = frozenset(k for k in builds if (root / k / "manifest.json").is_file())
    return Plan(experiment=experiment, out_dir=out, finished=finished & set(experiment.run_ids),
                builds=dict(builds), cached=cached, cache_dir=root, simulated_s=simulated)


def _axis_name(keys: tuple[str, ...]) -> str:
    return keys[0] if len(keys) == 1 else f"({', '.join(keys[:2])}{', ...' if len(keys) > 2 else ''} together)"


def describe_plan(plan: Plan) -> str:
    """The lines ``milasim validate EXPERIMENT`` prints."""
    exp = plan.experiment
    n = len(exp.points)
    factors = " x ".join(f"{len(a.steps)} {_axis_name(a.keys)}" for a in exp.axes) or "no axes"
    lines = [f"{exp.path}: ok, every grid point valid: {n} run(s) ({factors})"]
    if plan.simulated_s is not None:
        lines.append(f"  simulated time: {plan.simulated_s:g} s in all "
                     f"({plan.simulated_s / 3600:.2g} h)")
    done = len(plan.finished)
    lines.append(f"  already finished in {plan.out_dir}: {done} of {n}; {plan.to_run} to run"
                 + (" (add --resume to `milasim sweep` to keep them)" if done else ""))
    missing = len(plan.builds) - len(plan.cached)
    per_build = ", ".join(f"{key[:8]}: {count} runs" for key, count in plan.builds.items())
    lines.append(f"  network builds: {len(plan.builds)} ({per_build}); {len(plan.cached)} compiled "
                 f"in {plan.cache_dir}, {missing} to compile (about a minute each, once per "
                 "structure and CPU level)")
    return "\n".join(lines)
