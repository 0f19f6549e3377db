"""Sampling plans and indices, through SALib: Morris screening, then Sobol (Saltelli sampling).

Parameters are sampled in their sampling coordinates (log10 for the log-uniform ones) and mapped
to natural units before a model sees them; the indices are those of the sampled inputs, which a
monotone change of coordinates does not alter. Every row of a Saltelli design is a draw from the
joint input distribution, so the medians and intervals use all of them. The cases of an
experiment share one design, so their outputs are paired row by row (``p_above_first``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def problem(parameters) -> dict:
    """The SALib problem dictionary for a model's parameters."""
    return {
        "num_vars": len(parameters),
        "names": [p.name for p in parameters],
        "bounds": [p.sampling_bounds for p in parameters],
    }


def to_natural(parameters, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.column_stack([p.to_natural(x[:, j]) for j, p in enumerate(parameters)])


def sobol_design(parameters, n: int, seed: int) -> np.ndarray:
    """Saltelli's design for first-order and total indices: N (D + 2) rows, sampling coordinates."""
    from SALib.sample import sobol

    return sobol.sample(problem(parameters), n, calc_second_order=False, scramble=True, seed=seed)


def morris_design(parameters, trajectories: int, levels: int, seed: int) -> np.ndarray:
    """Morris's elementary-effect trajectories: r (D + 1) rows, sampling coordinates."""
    from SALib.sample import morris

    return morris.sample(problem(parameters), trajectories, num_levels=levels, seed=seed)


@dataclass(frozen=True)
class OutputSummary:
    """One output of one case: spread and indices (dicts by parameter name)."""

    median: float
    low: float
    high: float
    S1: dict[str, float]
    ST: dict[str, float]
    S1_conf: dict[str, float]
    ST_conf: dict[str, float]
    mu_star: dict[str, float] | None
    sigma: dict[str, float] | None
    p_above_first: float | None
    n: int


def _constant(y: np.ndarray) -> bool:
    return bool(np.ptp(y) <= 1e-12 * max(1.0, float(np.max(np.abs(y)))))


def summarise(parameters, y_sobol: np.ndarray, *, x_morris: np.ndarray | None = None,
              y_morris: np.ndarray | None = None, levels: int = 4, seed: int = 1,
              interval_percent: float = 90.0, first: np.ndarray | None = None) -> OutputSummary:
    """Spread and indices of one output column (``y_sobol`` in the design's row order)."""
    from SALib.analyze import morris, sobol

    names = [p.name for p in parameters]
    prob = problem(parameters)
    y = np.asarray(y_sobol, dtype=float)
    tail = (100.0 - interval_percent) / 2.0
    finite = y[np.isfinite(y)]
    if finite.size < y.size:
        # a metric a run does not define (an event metric of a runaway network run): the spread
        # of the defined values, and no indices (Saltelli's estimators need every row)
        nan = dict.fromkeys(names, float("nan"))
        low, med, high = (np.percentile(finite, [tail, 50.0, 100.0 - tail]) if finite.size
                          else (float("nan"),) * 3)
        return OutputSummary(float(med), float(low), float(high), nan, nan, nan, nan, None, None,
                             None, int(finite.size))
    low, med, high = np.percentile(y, [tail, 50.0, 100.0 - tail])
    if _constant(y):  # no variance to apportion: every index is 0
        zeros = dict.fromkeys(names, 0.0)
        s1 = st = s1c = stc = zeros
    else:
        res = sobol.analyze(prob, y, calc_second_order=False, print_to_console=False, seed=seed)
        s1, st = dict(zip(names, map(float, res["S1"]))), dict(zip(names, map(float, res["ST"])))
        s1c = dict(zip(names, map(float, res["S1_conf"])))
        stc = dict(zip(names, map(float, res["ST_conf"])))
    mu_star = sigma = None
    if x_morris is not None and y_morris is not None and len(y_morris):
        ym = np.asarray(y_morris, dtype=float)
        if _constant(ym):
            mu_star = sigma = dict.fromkeys(names, 0.0)
        else:
            m = morris.analyze(prob, np.asarray(x_morris), ym, num_levels=levels,
                               print_to_console=False, seed=seed)
            mu_star = dict(zip(names, map(float, m["mu_star"])))
            sigma = dict(zip(names, map(float, m["sigma"])))
    above = None if first is None else float(np.mean(y > np.asarray(first, dtype=float)))
    return OutputSummary(float(med), float(low), float(high), s1, st, s1c, stc, mu_star, sigma,
                         above, int(y.size))
