"""The bistable calcium-based synapse of Graupner & Brunel (2012), in numpy: no Brian2.

Each synapse has an efficacy variable rho, 0 (DOWN) or 1 (UP) at rest (docs/literature.md §5)::

    tau drho/dt = -rho (1 - rho) (rho_star - rho)            bistability: stable at 0 and 1
                  + gamma_p (1 - rho) H(c - theta_p)           potentiation above theta_p
                  - gamma_d rho H(c - theta_d)                 depression above theta_d
                  + sigma sqrt(tau) H(c - min(theta)) xi(t)    noise while calcium is high

with c the synapse's calcium in units of ``gb_ca_unit_uM`` (milasim's NMDA and BPAP calcium, in
uM above rest, divided by it) and H the step function. rho has no hard bounds: the cubic pulls it
back to 0 or 1. The AMPA efficacy is ``w = 1 + (w_ratio - 1) rho`` (DOWN state 1, UP ``w_ratio``).

With calcium at rest only the cubic term acts, and it has an implicit closed form (partial
fractions): ``F(rho) = ln|rho - rho*| / (rho* (1 - rho*)) - ln(rho) / rho* - ln(1 - rho) /
(1 - rho*)`` grows by exactly ``t / tau``. :func:`relax_at_rest` inverts it by bisection inside
the synapse's basin, so a wait of any length costs ~60 vectorised evaluations. A synapse never
leaves its basin at rest: an UP synapse stays UP for ever, which is what makes potentiation last.

The Brian2 preparation (``sim.model.ltp``) steps the same equation (:data:`RHO_STEP`) with the
same parameter names as runtime values, so the tests here and the compiled network share one rule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class BistableParams:
    """Parameters of the Graupner-Brunel synapse as milasim uses them (defaults = the config's).

    Graupner & Brunel 2012 (PNAS 109:3991), hippocampal-slice fit: theta_d 1, rho* 0.5,
    gamma_d 313.1, gamma_p 1645.6, sigma 9.18, tau 688 s, with calcium in units of one
    presynaptic transient (tens of ms above theta_d). Refitted here (docs/ltp.md, "Calibration"):
    milasim's calcium is the NMDA current's, ~0.2 s above theta_d per release, so the calcium unit,
    theta_p, gamma_d, gamma_p, sigma and tau; theta_d and rho* are the paper's.
    """

    gb_ca_unit_uM: float = 0.2
    gb_theta_d: float = 1.0
    gb_theta_p: float = 5.25
    gb_gamma_d: float = 1.0
    gb_gamma_p: float = 250.0
    gb_sigma: float = 0.3
    gb_tau_s: float = 60.0
    gb_rho_star: float = 0.5
    gb_w_ratio: float = 2.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def efficacy(rho: ArrayLike, p: BistableParams = BistableParams()) -> np.ndarray:
    """AMPA efficacy of a synapse at ``rho``: 1 (DOWN) to ``gb_w_ratio`` (UP)."""
    return 1.0 + (p.gb_w_ratio - 1.0) * np.asarray(rho, dtype=float)


def drift(rho: ArrayLike, c: ArrayLike, p: BistableParams = BistableParams()) -> np.ndarray:
    """tau drho/dt without the noise, at calcium ``c`` (in units of ``gb_ca_unit_uM``)."""
    r, c = np.asarray(rho, dtype=float), np.asarray(c, dtype=float)
    return (-r * (1 - r) * (p.gb_rho_star - r) + p.gb_gamma_p * (1 - r) * (c > p.gb_theta_p)
            - p.gb_gamma_d * r * (c > p.gb_theta_d))


def _potential(rho: np.ndarray, s: float) -> np.ndarray:
    """F(rho), which grows by t / tau at rest (see the module docstring); infinite at 0, s, 1."""
    with np.errstate(divide="ignore"):
        return (np.log(np.abs(rho - s)) / (s * (1 - s)) - np.log(np.abs(rho)) / s
                - np.log(np.abs(1 - rho)) / (1 - s))


def relax_at_rest(rho: ArrayLike, duration_s: ArrayLike,
                  p: BistableParams = BistableParams()) -> np.ndarray:
    """Exact rho after ``duration_s`` with calcium at rest (below both thresholds).

    ``rho`` and ``duration_s`` broadcast (e.g. synapses of shape (n, 1) against waits of shape
    (m,)). Fixed points (0, rho*, 1) stay; every other synapse moves monotonically towards the
    stable state of its basin (1 above rho*, 0 below; from outside [0, 1] too) along the implicit
    solution, found by bisection on the path between its start and that state to ~1e-15."""
    t = np.asarray(duration_s, dtype=float)
    if np.any(t < 0):
        raise ValueError("duration_s must be >= 0")
    r0, t = np.broadcast_arrays(np.asarray(rho, dtype=float), t)
    s = p.gb_rho_star
    out = r0.copy()
    moving = (r0 != 0) & (r0 != 1) & (r0 != s) & (t > 0)
    if not moving.any():
        return out
    x = r0[moving]
    goal = np.where(x > s, 1.0, 0.0)
    target = _potential(x, s) + t[moving] / p.gb_tau_s
    lo, hi = np.zeros_like(x), np.ones_like(x)  # fraction of the way from x to its goal
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        later = _potential(x + mid * (goal - x), s) < target  # F rises along the path
        lo = np.where(later, mid, lo)
        hi = np.where(later, hi, mid)
        if np.all(hi - lo < 1e-16):
            break
    out[moving] = x + 0.5 * (lo + hi) * (goal - x)
    return out


def settled_state(rho: ArrayLike, p: BistableParams = BistableParams()) -> np.ndarray:
    """The stable state each synapse relaxes to with calcium at rest: 1 above rho*, else 0."""
    return (np.asarray(rho, dtype=float) > p.gb_rho_star).astype(float)


def integrate(rho0: ArrayLike, c: ArrayLike, dt_s: float, p: BistableParams = BistableParams(),
              rng: np.random.Generator | None = None) -> np.ndarray:
    """Euler-Maruyama steps of the rule for a calcium trace ``c`` (rows: time steps), as the
    compiled preparation steps it; without ``rng`` the noise is left out. Returns rho at the end."""
    r = np.array(rho0, dtype=float)
    c = np.asarray(c, dtype=float)
    k = dt_s / p.gb_tau_s
    for ck in c:
        r = r + k * drift(r, ck, p)
        if rng is not None and ck > min(p.gb_theta_d, p.gb_theta_p):
            r = r + p.gb_sigma * np.sqrt(k) * rng.standard_normal(r.shape)
    return r


#: One rule step for Brian2 (a run_regularly every ``rule_dt``), BistableParams' names as
#: (shared, constant) variables and ``ca`` in uM. ``rule_dt`` is a namespace constant (seconds).
RHO_STEP = """
c_gb = ca / gb_ca_unit_uM
k_gb = rule_dt / (gb_tau_s * second)
ltp_on = int(c_gb > gb_theta_p)
ltd_on = int(c_gb > gb_theta_d)
noise_on = int(c_gb > gb_theta_d or c_gb > gb_theta_p)
bistable_drift = -rho * (1 - rho) * (gb_rho_star - rho)
rho = rho + k_gb * (bistable_drift + gb_gamma_p * (1 - rho) * ltp_on - gb_gamma_d * rho * ltd_on) + gb_sigma * sqrt(k_gb) * noise_on * randn()
"""


def rest_model(p: BistableParams, w_rest: float, plastic_fraction: float = 1.0):
    """The Graupner-Brunel synapse for :func:`sim.analysis.plasticity.efficacy_time_course`:
    states are rho, efficacy ``1 - f + f w(rho) / w_rest`` (``w_rest`` the mean starting
    efficacy), relaxation :func:`relax_at_rest`."""
    from sim.analysis.plasticity import RestModel

    if w_rest <= 0:
        raise ValueError("w_rest must be > 0")

    def eff(x: np.ndarray) -> np.ndarray:
        return 1.0 - plastic_fraction + plastic_fraction * efficacy(x, p) / w_rest

    def relax(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return relax_at_rest(np.asarray(x, dtype=float)[:, None], np.asarray(t)[None, :], p)

    return RestModel(efficacy=eff, relax=relax)


def starting_up_fraction(n_syn: int, down_fraction: float) -> float:
    """The share of a cell's ``n_syn`` synapses that start UP: those whose (index + 0.5) / n_syn
    exceeds ``down_fraction`` (the compiled preparation's rule, ``sim.model.ltp``)."""
    idx = np.arange(n_syn)
    return float(np.mean((idx + 0.5) / n_syn > down_fraction))
