"""The one catalogue of metrics: name, label, unit, which protocol reports it, which way is "more".

A protocol declares its own metrics (``Protocol.metrics`` in its module); :func:`catalogue`
gathers them after the metrics every run has (:data:`COMMON`). The summary printout of
``milasim run``, ``milasim compare``, the column order of ``sweep.csv``, the sweep figures' panels
and the units stored in run.h5 all read this catalogue, so a metric is named, labelled and unitised
in one place.

Units are plain ASCII as stored in files (``uM``, ``Hz``, ``s``, ``%``, ``1`` = dimensionless);
:func:`display_unit` gives the form figures show (``µM``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: ``direction`` values: a higher value is more seizure-like / more potentiation (+1), less (-1),
#: or the metric has no such reading (0).
MORE, LESS, NEUTRAL = 1, -1, 0


@dataclass(frozen=True)
class Metric:
    """One metric of summary.json.

    ``protocols``: the protocols that report it (empty: every run). ``panel``: drawn in sweep and
    comparison figures. ``printed``: shown in the table ``milasim run`` prints. ``missing``: why
    the value can be absent (null in summary.json), said wherever a table shows the gap.
    """

    name: str
    label: str
    unit: str = "1"
    protocols: tuple[str, ...] = ()
    direction: int = NEUTRAL
    non_negative: bool = True
    panel: bool = False
    printed: bool = False
    missing: str = ""

    @property
    def axis_label(self) -> str:
        """``"burst rate (Hz)"``; dimensionless metrics have no unit in brackets."""
        unit = display_unit(self.unit)
        return f"{self.label} ({unit})" if unit else self.label

    def reported_by(self, protocol: str) -> bool:
        return not self.protocols or protocol in self.protocols


#: Every run reports these (from its receptor state), before the protocol's own metrics ...
COMMON: tuple[Metric, ...] = (
    Metric("glycine_uM", "extracellular glycine", "uM", panel=True, printed=True),
    Metric("glycine_site_occupancy", "NMDA glycine-site occupancy", panel=True, printed=True),
    Metric("glycine_baseline_uM", "extracellular glycine without drug", "uM", printed=True),
    Metric("dose_mg_per_kg", "milacemide dose per kg", "mg/kg", printed=True),
    Metric("dose_mg", "milacemide dose", "mg", printed=True),
    Metric("mg_mM", "bath Mg2+", "mM", printed=True),
)
#: ... and these after them (provenance).
TRAILING: tuple[Metric, ...] = (
    Metric("seed", "seed"),
    Metric("wall_time_s", "wall time", "s", printed=True),
)


def display_unit(unit: str) -> str:
    """The unit as figures show it: ``uM`` -> ``µM``, dimensionless -> ``""``."""
    return {"1": "", "uM": "µM", "nM": "nM"}.get(unit, unit)


def catalogue() -> dict[str, Metric]:
    """Every metric, by name: :data:`COMMON`, each registered protocol's (in registry order), then
    :data:`TRAILING`."""
    from sim.protocols import all_protocols

    out = {m.name: m for m in COMMON}
    for protocol in all_protocols():
        for m in protocol.metrics:
            out.setdefault(m.name, m)
    out.update({m.name: m for m in TRAILING})
    return out


def get(name: str) -> Metric | None:
    return catalogue().get(name)


def unit(name: str) -> str:
    """The unit of a catalogued metric; KeyError names an uncatalogued one."""
    metric = catalogue().get(name)
    if metric is None:
        raise KeyError(f"metric {name!r} is not in the catalogue (sim.metrics / its protocol)")
    return metric.unit


def label(name: str) -> str:
    """Axis label of a metric (its name when it is not catalogued)."""
    metric = catalogue().get(name)
    return metric.axis_label if metric is not None else name


def ordered(names: Iterable[str]) -> list[str]:
    """``names`` with the catalogued ones first, in catalogue order, then the rest as given."""
    names = list(dict.fromkeys(names))
    known = [m for m in catalogue() if m in names]
    return known + [n for n in names if n not in known]


def panels(protocols: Iterable[str]) -> list[Metric]:
    """The metrics drawn for runs of ``protocols``, in catalogue order."""
    wanted = set(protocols)
    return [m for m in catalogue().values()
            if m.panel and (not m.protocols or wanted & set(m.protocols))]


def printed(protocol: str) -> list[Metric]:
    """The metrics ``milasim run`` prints for a run of ``protocol``."""
    return [m for m in catalogue().values() if m.printed and m.reported_by(protocol)]


def number(value: Any) -> float:
    """A summary value as a float: booleans 0/1, anything missing or not a number NaN."""
    if isinstance(value, bool):
        return float(value)
    if value is None or isinstance(value, str):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
