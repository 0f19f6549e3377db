"""Waits with background activity for the bistable synapse: hours or days in seconds of CPU.

In a silent slice the wait after induction is exact (``sim.analysis.bistable.relax_at_rest``).
In vivo the pre- and postsynaptic cells keep firing, and each background spike brings calcium
that may cross a threshold, so memories decay (Higgins, Graupner & Brunel 2014, PLoS Comput Biol
10:e1003834). This module follows their approach:

1. **Calcium statistics** (:func:`calcium_statistics`): the preparation's own calcium
   (docs/ltp.md) under independent Poisson pre- and postsynaptic firing at ``rate_hz``, in numpy:
   releases with probability ``release_probability`` open NMDA receptors (the saturating gating
   of one isolated release, summed: background releases rarely overlap), their calcium influx is
   weighted by the Mg2+ block and driving force at the spine voltage (rest plus the BPAP of
   postsynaptic spikes), and each postsynaptic spike adds its own calcium. The EPSP's own
   depolarisation is left out (a few mV at rest). Out come the fractions of time calcium spends
   above theta_d (alpha_d), above theta_p (alpha_p) and above either (alpha_n).
2. **Diffusion of rho**: averaged over many background events the rule becomes
   ``tau drho/dt = -rho (1 - rho) (rho* - rho) + gamma_p alpha_p (1 - rho) - gamma_d alpha_d rho``
   plus white noise of variance ``sigma^2 alpha_n / tau`` per unit time.
3. **Fokker-Planck** (:class:`BackgroundWait`): the density of rho on a grid, advanced exactly
   in time by the matrix exponential of its generator (scaling and squaring), so a 14-day wait
   costs one 400 x 400 matrix exponential.

``tests/test_background.py`` checks step 3 against Euler-Maruyama runs of the rule itself driven
by the same calcium, where transitions happen within minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.linalg import expm
from scipy.signal import lfilter, oaconvolve

from sim.analysis.bistable import BistableParams
from sim.receptors import mg_block


@dataclass(frozen=True)
class Preparation:
    """The calcium-relevant constants of the LTP preparation (sim.model.ltp; docs/ltp.md)."""

    release_probability: float = 0.5
    tau_nmda_ms: float = 200.0
    nmda_alpha_per_ms: float = 0.5
    tau_nmda_rise_ms: float = 2.0
    tau_ca_ms: float = 50.0
    ca_nmda_uM_per_ms: float = 0.75
    ca_bpap_uM: float = 0.2
    tau_ca_slow_ms: float = 5000.0
    ca_slow_uM_per_ms: float = 0.008  # the slow pool's NMDA gain (0 = no slow pool)
    bpap_mV: float = 100.0
    bpap_fast_fraction: float = 0.75
    tau_bpap_fast_ms: float = 3.0
    tau_bpap_slow_ms: float = 25.0
    e_ca_mV: float = 130.0
    e_l_mV: float = -65.0
    mg_mM: float = 1.0
    nmda_occupancy: float = 0.42
    apv_unblocked: float = 1.0


@dataclass(frozen=True)
class CalciumStats:
    rate_hz: float
    alpha_d: float  # fraction of time above theta_d
    alpha_p: float  # ... above theta_p
    alpha_n: float  # ... above either (the noise is on)
    duration_s: float  # simulated background used to estimate them


def _exp_filter(drive: np.ndarray, tau_steps: float) -> np.ndarray:
    """y[k] = a y[k-1] + drive[k], a = exp(-1 / tau_steps): exact for a drive that is a sum of
    impulses per step and exponential decay between steps."""
    a = math.exp(-1.0 / tau_steps)
    return lfilter([1.0], [1.0, -a], drive)


def release_gating(prep: Preparation, dt_s: float, duration_s: float = 2.0) -> np.ndarray:
    """NMDA gating s(t) after one release from rest (the saturating rise and decay of the
    preparation), sampled every ``dt_s`` with 20 substeps each."""
    n = int(round(duration_s / dt_s))
    h = dt_s / 20.0
    x, s = 1.0, 0.0
    out = np.empty(n)
    tr, td, alpha = (prep.tau_nmda_rise_ms * 1e-3, prep.tau_nmda_ms * 1e-3,
                     prep.nmda_alpha_per_ms * 1e3)
    for k in range(n):
        for _ in range(20):
            s += h * (-s / td + alpha * x * (1.0 - s))
            x -= h * x / tr
        out[k] = s
    return out


def calcium_trace(rate_hz: float, prep: Preparation, duration_s: float, dt_s: float = 5e-4,
                  seed: int = 0) -> np.ndarray:
    """Calcium (uM above rest) of one synapse under independent Poisson pre- and postsynaptic
    firing at ``rate_hz`` (step 1 of the module docstring), sampled every ``dt_s``."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s / dt_s))
    releases = rng.random(n) < rate_hz * prep.release_probability * dt_s
    posts = rng.random(n) < rate_hz * dt_s
    kernel = release_gating(prep, dt_s)
    s = oaconvolve(releases.astype(float), kernel)[:n]
    to_steps = 1e-3 / dt_s
    bpap = prep.bpap_mV * (
        prep.bpap_fast_fraction * _exp_filter(posts.astype(float), prep.tau_bpap_fast_ms * to_steps)
        + (1 - prep.bpap_fast_fraction) * _exp_filter(posts.astype(float),
                                                       prep.tau_bpap_slow_ms * to_steps))
    v_loc = prep.e_l_mV + bpap
    drive = mg_block(v_loc, prep.mg_mM) * (prep.e_ca_mV - v_loc) / (prep.e_ca_mV - prep.e_l_mV)
    nmda = 1e3 * dt_s * prep.nmda_occupancy * prep.apv_unblocked * s * drive
    ca = _exp_filter(prep.ca_nmda_uM_per_ms * nmda + prep.ca_bpap_uM * posts,
                     prep.tau_ca_ms * to_steps)
    if prep.ca_slow_uM_per_ms > 0:  # the slow pool: the same NMDA influx, no BPAP calcium
        ca += _exp_filter(prep.ca_slow_uM_per_ms * nmda, prep.tau_ca_slow_ms * to_steps)
    return ca


def calcium_statistics(rate_hz: float, prep: Preparation, p: BistableParams,
                       duration_s: float = 2000.0, dt_s: float = 5e-4,
                       seed: int = 0) -> CalciumStats:
    """alpha_d, alpha_p, alpha_n at background rate ``rate_hz`` (0 Hz: all zero)."""
    if rate_hz < 0:
        raise ValueError("rate_hz must be >= 0")
    if rate_hz == 0:
        return CalciumStats(0.0, 0.0, 0.0, 0.0, 0.0)
    c = calcium_trace(rate_hz, prep, duration_s, dt_s, seed) / p.gb_ca_unit_uM
    above_d, above_p = c > p.gb_theta_d, c > p.gb_theta_p
    return CalciumStats(rate_hz, float(above_d.mean()), float(above_p.mean()),
                        float((above_d | above_p).mean()), duration_s)


class BackgroundWait:
    """The density of rho under background activity (steps 2-3 of the module docstring).

    The grid spans [-0.5, 1.5] in ``n_cells`` finite volumes with no flux through its ends;
    ``evolve`` applies exp(L t) to a density."""

    def __init__(self, stats: CalciumStats, p: BistableParams, n_cells: int = 400):
        self.stats, self.p = stats, p
        self.edges = np.linspace(-0.5, 1.5, n_cells + 1)
        self.rho = 0.5 * (self.edges[:-1] + self.edges[1:])
        h = self.edges[1] - self.edges[0]
        r = self.edges[1:-1]  # interior faces
        drift = (-r * (1 - r) * (p.gb_rho_star - r) + p.gb_gamma_p * stats.alpha_p * (1 - r)
                 - p.gb_gamma_d * stats.alpha_d * r) / p.gb_tau_s
        diff = 0.5 * p.gb_sigma ** 2 * stats.alpha_n / p.gb_tau_s
        # flux through face i+1/2 between cells i and i+1: upwind drift + central diffusion
        right = np.maximum(drift, 0.0) / h + diff / h ** 2  # from cell i to i+1
        left = np.maximum(-drift, 0.0) / h + diff / h ** 2  # from cell i+1 to i
        n = n_cells
        main = np.zeros(n)
        main[:-1] -= right
        main[1:] -= left
        self.generator = sparse.diags([main, right, left], [0, -1, 1], format="csc")
        self._propagators: dict[float, np.ndarray] = {}

    def density(self, rho: ArrayLike) -> np.ndarray:
        """Probabilities per cell of the synapses ``rho`` (a histogram summing to 1)."""
        idx = np.clip(np.searchsorted(self.edges, np.asarray(rho, dtype=float)) - 1, 0,
                      self.rho.size - 1)
        return np.bincount(idx, minlength=self.rho.size) / idx.size

    def propagator(self, dt_s: float) -> np.ndarray:
        """exp(L dt) as a dense matrix (scaling and squaring; cached per step length)."""
        key = round(float(dt_s), 9)
        if key not in self._propagators:
            self._propagators[key] = expm(self.generator.toarray() * key)
        return self._propagators[key]

    def evolve(self, density: np.ndarray, times_s: ArrayLike) -> np.ndarray:
        """Densities at each of ``times_s`` (increasing, >= 0): shape (times, cells). Evenly
        spaced times cost one matrix exponential and one product per time."""
        t = np.asarray(times_s, dtype=float)
        if t.size and (np.any(np.diff(t) < 0) or t[0] < 0):
            raise ValueError("times_s must be >= 0 and increasing")
        out = np.empty((t.size, self.rho.size))
        current, now = np.asarray(density, dtype=float), 0.0
        for k, tk in enumerate(t):
            if tk > now:
                current = self.propagator(tk - now) @ current
                current = np.clip(current, 0.0, None)
                current /= current.sum()
                now = tk
            out[k] = current
        return out

    def up_fraction(self, density: np.ndarray) -> np.ndarray:
        """Share of synapses above rho* (UP once settled)."""
        return density[..., self.rho > self.p.gb_rho_star].sum(axis=-1)


def rest_model(stats: CalciumStats, p: BistableParams, w_rest: float,
               plastic_fraction: float = 1.0):
    """The wait under background activity for
    :func:`sim.analysis.plasticity.efficacy_time_course`: the synapses' rho at the end of the
    simulation become a density that the Fokker-Planck equation carries through the wait; the
    mean efficacy is read from it. (``relax`` keeps the silent-slice solution, for callers that
    want single synapses.)"""
    from sim.analysis import bistable
    from sim.analysis.plasticity import RestModel

    silent = bistable.rest_model(p, w_rest, plastic_fraction)
    wait = BackgroundWait(stats, p)
    per_cell = silent.efficacy(wait.rho)

    def mean_efficacy(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return wait.evolve(wait.density(x), t) @ per_cell

    return RestModel(efficacy=silent.efficacy, relax=silent.relax, mean_efficacy=mean_efficacy)
