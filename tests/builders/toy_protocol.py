"""A protocol written the way the README's "How to add a protocol" says: its own module (this
file: its [protocol] table, metrics, blueprint, runtime values, record, figures) and one registry
line (added by the test). Nothing else in milasim is touched."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from sim.config import Section
from sim.figures.style import STYLE, new_figure, save_figure
from sim.metrics import MORE, Metric
from sim.protocols.base import Protocol, Simulation
from sim.store import RunData


class ToyTable(Section):
    duration_s: Annotated[float, Field(gt=0, le=10)] = 0.5
    n_cells: Annotated[int, Field(ge=1, le=100)] = 20


class Toy(Protocol):
    name = "toy"
    table = ToyTable
    metrics = (Metric("toy_rate_hz", "toy firing rate", "Hz", ("toy",), MORE, panel=True,
                      printed=True),)

    builder = "toy_builder:build"

    def structure(self, cfg) -> dict[str, Any]:
        return {"n": cfg.protocol.n_cells, "duration_s": cfg.protocol.duration_s}

    def runtime_params(self, cfg, state) -> dict[str, float]:
        # the dose reaches the toy through the one receptor state, like any protocol
        return {"drive_mV": 8.0 + 10.0 * state.occupancy["exc"].before, "sigma_mV": 2.0}

    def record(self, cfg, state, sim: Simulation) -> tuple[RunData, dict[str, Any]]:
        n = sim.build.info["n"]
        t, i = sim.outputs["t"].astype(float), sim.outputs["i"].astype(np.int32)
        run = self.new_run(cfg, state, sim, spikes={"exc": (t, i)}, n_nodes={"exc": n},
                           duration_s=sim.duration_s)
        rate = len(t) / (n * sim.duration_s)
        run.put("analysis", "toy_rate_hz", rate, "Hz")
        return run, {"toy_rate_hz": rate}

    def figures(self, run: RunData, folder: Path) -> list[Path]:
        import matplotlib

        with matplotlib.rc_context(STYLE):
            fig = new_figure((4, 3))
            ax = fig.add_subplot()
            t, i = run.spikes["exc"]
            ax.plot(t, i, "|")
            return [save_figure(fig, Path(folder) / "toy.png")]


PROTOCOL = Toy()
