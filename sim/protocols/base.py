"""The interface every protocol implements, and what it shares.

A run goes through it in this order (``sim.runner.execute``)::

    state = sim.conditions.receptor_state(cfg)             # dose + bath -> receptors
    sim   = protocol.simulate(cfg, state, workdir)         # compile once per blueprint, run
    run, metrics = protocol.record(cfg, state, sim)        # -> run.h5 contents, summary metrics
    protocol.figures(run, folder)                          # figures from the stored run only

``blueprint`` (what is compiled: the builder and the structural parameters) and
``runtime_params`` (the values the binary runs with) are the two halves of a run's parameters; a
dose, bath, seed or duration change touches only the second.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.config import Section
from sim.engine import Blueprint, Build, get_build
from sim.store import RunData

if TYPE_CHECKING:  # pragma: no cover
    from sim.conditions import ReceptorState
    from sim.config import Config
    from sim.metrics import Metric


@dataclass
class Simulation:
    """The compiled build a run used, the simulated time and the arrays its binary returned."""

    build: Build
    outputs: dict[str, np.ndarray]
    duration_s: float

    @property
    def compiler(self) -> str:
        return str(self.build.manifest.get("compiler", ""))


class Protocol(ABC):
    """One kind of run. Subclasses set the class attributes and implement the abstract methods."""

    #: the value of ``experiment.protocol``
    name: ClassVar[str]
    #: the engine builder that compiles its network, ``"package.module:function"``
    builder: ClassVar[str]
    #: the schema of the ``[protocol]`` table for this protocol
    table: ClassVar[type[Section]]
    #: the metrics its summary.json holds beyond the common ones (sim.metrics)
    metrics: ClassVar[tuple[Metric, ...]] = ()
    #: outputs of the binary read as float32 (long traces: half the memory and run.h5 space)
    float32_outputs: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def structure(self, cfg: Config) -> dict[str, Any]:
        """The structural parameters of ``cfg`` (JSON-able): a change means a new build."""

    def check(self, cfg: Config) -> None:
        """Raise ConfigError (naming the key) for a config this protocol cannot run. Called when
        a config is resolved, so bad input fails before anything is written; the default builds
        the structure, whose schedules check themselves."""
        self.structure(cfg)

    def blueprint(self, cfg: Config) -> Blueprint:
        """What to compile: the builder and the structural parameters of ``cfg``."""
        return Blueprint(builder=self.builder, structure=self.structure(cfg))

    @abstractmethod
    def runtime_params(self, cfg: Config, state: ReceptorState) -> dict[str, float]:
        """The command-line values of one run (receptor state, bath, every runtime parameter)."""

    def progress_label(self, cfg: Config) -> str:
        return self.name

    def duration(self, cfg: Config) -> float | None:
        """The simulated time of a run of ``cfg``, given to the binary at run time (None: the
        build's own, for protocols whose schedule is compiled)."""
        return None

    def simulate(self, cfg: Config, state: ReceptorState, workdir: Path, *,
                 progress: bool = False, log_path: Path | None = None) -> Simulation:
        """Compile (once per blueprint) and run the binary with this run's values."""
        build = get_build(self.blueprint(cfg), quiet=not progress)
        duration = self.duration(cfg)
        duration = build.duration_s if duration is None else float(duration)
        outputs = build.run(self.runtime_params(cfg, state), seed=cfg.simulation.seed,
                            workdir=workdir, duration_s=duration, progress=progress,
                            log_path=log_path, label=self.progress_label(cfg),
                            float32=self.float32_outputs)
        return Simulation(build=build, outputs=outputs, duration_s=duration)

    @abstractmethod
    def record(self, cfg: Config, state: ReceptorState,
               sim: Simulation) -> tuple[RunData, dict[str, Any]]:
        """The run's stored data (run.h5) and its summary metrics, analysis included."""

    @abstractmethod
    def figures(self, run: RunData, folder: Path) -> list[Path]:
        """The run's figures, drawn from what the store holds (``milasim plot`` calls this too)."""

    # ------------------------------------------------------------------ shared helpers
    def unit(self, metric: str) -> str:
        """The catalogued unit of one of this protocol's metrics (KeyError if not catalogued)."""
        for m in self.metrics:
            if m.name == metric:
                return m.unit
        raise KeyError(f"metric {metric!r} of the {self.name} protocol is not in its catalogue")

    def new_run(self, cfg: Config, state: ReceptorState, sim: Simulation, **fields: Any) -> RunData:
        """A RunData with the config, the drug time course and the receptor state filled in."""
        run = RunData(config_toml=cfg.to_toml(), attrs={"compiler": sim.compiler}, **fields)
        for name, (value, unit) in state.drug_course().items():
            run.put("drug", name, value, unit)
        for name, (value, unit) in state.conditions().items():
            run.put("conditions", name, value, unit)
        return run
