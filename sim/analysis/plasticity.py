"""Calcium-controlled plasticity (Shouval, Bear & Cooper 2002) and LTP/LTD protocol schedules.

Pure numpy: no Brian2. The Brian2 preparation (``sim.protocols.ltp``) integrates the same rule
from the expressions :data:`OMEGA_EXPR` / :data:`ETA_EXPR`, whose parameters are runtime values
named as in :class:`RuleParams`, so the unit tests here and the compiled network share one rule.

The rule (docs/literature.md §5; Shouval, Bear & Cooper 2002, PNAS 99:10831)::

    dW/dt = eta(Ca) * (Omega(Ca) - W)
    Omega(Ca) = 0.25 + sig(Ca - alpha_ltp, beta) - 0.25 * sig(Ca - alpha_ltd, beta)
    sig(x, b) = 1 / (1 + exp(-b x))
    eta(Ca)   = scale / (P1 / (P2 + Ca^P3) + P4)

with Ca the NMDA- and spike-driven calcium above rest, in uM. Between alpha_ltd (0.35 uM) and
alpha_ltp (0.55 uM) Omega is ~0 (depression); above alpha_ltp it is ~1 (potentiation); at rest
it is ~0.25, the weight every synapse starts from. eta rises steeply with Ca (Ca^3), so the
weight hardly moves at rest: with Ca back at rest the rule is linear in W with constant
coefficients and a wait of any length is applied exactly by :func:`relax_at_rest`.

``scale`` (the learning-rate scale) is the one parameter not in the paper; see RuleParams.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import ArrayLike

# --------------------------------------------------------------------------- the rule


@dataclass(frozen=True)
class RuleParams:
    """Parameters of the Shouval-Bear-Cooper rule (Ca in uM).

    Sources: alpha/beta/P1-P4 from Shouval, Bear & Cooper 2002 (docs/literature.md §5).
    ``learning_rate_scale`` is assumed: it multiplies eta (P4 = 1 s gives at most 1/s, so one
    second of 100 Hz stimulation would drive W most of the way to 1, i.e. +300 %). 0.25... 1 is
    the plausible span; the default was calibrated so that 1 Hz x 900 gives ~ -20 to -30 % and
    100 Hz x 1 s a few tens of % (Dudek & Bear 1992; magnitudes assumed, docs/literature.md §5).
    """

    alpha_ltd_uM: float = 0.35
    alpha_ltp_uM: float = 0.55
    beta_per_uM: float = 80.0
    eta_p1_s: float = 0.1
    eta_p2: float = 1e-5
    eta_p3: float = 3.0
    eta_p4_s: float = 1.0
    learning_rate_scale: float = 1.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _sig(x: np.ndarray, beta: float) -> np.ndarray:
    # 1/(1+exp(-b x)) without overflow warnings for large |b x|
    z = np.clip(-beta * x, -700.0, 700.0)
    return 1.0 / (1.0 + np.exp(z))


def omega(ca_uM: ArrayLike, params: RuleParams = RuleParams()) -> np.ndarray:
    """Omega(Ca): the weight the rule drives towards at calcium ``ca_uM`` (Shouval 2002)."""
    ca = np.asarray(ca_uM, dtype=float)
    p = params
    return 0.25 + _sig(ca - p.alpha_ltp_uM, p.beta_per_uM) - 0.25 * _sig(ca - p.alpha_ltd_uM, p.beta_per_uM)


def eta(ca_uM: ArrayLike, params: RuleParams = RuleParams()) -> np.ndarray:
    """eta(Ca), the learning rate in 1/s (Shouval 2002, times ``learning_rate_scale``)."""
    ca = np.asarray(ca_uM, dtype=float)
    if np.any(ca < 0):
        raise ValueError("calcium must be >= 0")
    p = params
    return p.learning_rate_scale / (p.eta_p1_s / (p.eta_p2 + ca**p.eta_p3) + p.eta_p4_s)


def rest_weight(params: RuleParams = RuleParams(), ca_rest_uM: float = 0.0) -> float:
    """The fixed point of the rule at resting calcium: every synapse's baseline weight."""
    return float(omega(ca_rest_uM, params))


def relax_at_rest(
    w: ArrayLike, duration_s: ArrayLike, params: RuleParams = RuleParams(), ca_rest_uM: float = 0.0
) -> np.ndarray:
    """Exact solution of the rule over ``duration_s`` with Ca held at rest.

    With Ca constant, dW/dt = eta (Omega - W) is linear: W(t) = Omega + (W0 - Omega) exp(-eta t).
    Broadcasts ``w`` against ``duration_s`` (e.g. weights of shape (n,1) and times of shape (m,)).
    """
    w0 = np.asarray(w, dtype=float)
    t = np.asarray(duration_s, dtype=float)
    if np.any(t < 0):
        raise ValueError("duration_s must be >= 0")
    target = omega(ca_rest_uM, params)
    rate = eta(ca_rest_uM, params)
    return target + (w0 - target) * np.exp(-rate * t)


def integrate_rule(
    w0: float, ca_uM: ArrayLike, dt_s: float, params: RuleParams = RuleParams()
) -> np.ndarray:
    """Weight trajectory for a given calcium trace (exact per step for piecewise-constant Ca).

    A reference for tests and figures; returns W at the end of each step.
    """
    ca = np.asarray(ca_uM, dtype=float)
    decay = np.exp(-eta(ca, params) * dt_s)
    target = omega(ca, params)
    out = np.empty_like(ca)
    w = float(w0)
    for k in range(ca.size):
        w = target[k] + (w - target[k]) * decay[k]
        out[k] = w
    return out


#: The same rule for Brian2, with RuleParams' field names as (shared, constant) variables and
#: ``ca`` (in uM, dimensionless) as the calcium. eta is in 1/s: multiply by ``Hz``.
SIG_TEMPLATE = "1 / (1 + exp(-beta_per_uM * ({x})))"
OMEGA_EXPR = (
    "0.25 + " + SIG_TEMPLATE.format(x="ca - alpha_ltp_uM")
    + " - 0.25 * " + SIG_TEMPLATE.format(x="ca - alpha_ltd_uM")
)
ETA_EXPR = "learning_rate_scale / (eta_p1_s / (eta_p2 + ca**eta_p3) + eta_p4_s)"


# --------------------------------------------------------------------------- schedules


@dataclass
class Schedule:
    """Presynaptic pulse times of one arm of the preparation and its measurement windows (s).

    ``pulses_s`` are all pulses of the stimulated pathway (test and induction), sorted.
    ``test_s`` are the test pulses (a subset), ``induction`` the (start, end) of induction
    (end = last induction pulse + one inter-pulse interval), ``clamp`` the (start, end) windows
    in which the postsynaptic cell is voltage-clamped (pairing), ``duration_s`` the simulated time.
    """

    pulses_s: np.ndarray
    test_s: np.ndarray
    induction: tuple[float, float]
    duration_s: float
    clamp: list[tuple[float, float]] = field(default_factory=list)
    label: str = ""

    @property
    def baseline_test_s(self) -> np.ndarray:
        return self.test_s[self.test_s < self.induction[0]]

    @property
    def post_test_s(self) -> np.ndarray:
        return self.test_s[self.test_s >= self.induction[1]]

    @property
    def n_induction_pulses(self) -> int:
        return int(self.pulses_s.size - self.test_s.size)


def train(rate_hz: float, n_pulses: int, start_s: float = 0.0) -> np.ndarray:
    """``n_pulses`` pulses at ``rate_hz`` starting at ``start_s``."""
    if rate_hz <= 0 or n_pulses < 0:
        raise ValueError("rate_hz must be > 0 and n_pulses >= 0")
    return start_s + np.arange(n_pulses) / rate_hz


def hfs_pulses(trains: int = 1, train_interval_s: float = 20.0, rate_hz: float = 100.0,
               train_s: float = 1.0) -> np.ndarray:
    """High-frequency stimulation: ``trains`` trains of ``rate_hz`` for ``train_s``, onsets
    ``train_interval_s`` apart (100 Hz x 1 s; docs/literature.md §5)."""
    n = int(round(rate_hz * train_s))
    return np.concatenate([train(rate_hz, n, k * train_interval_s) for k in range(trains)])


def tbs_pulses(bursts: int = 5, pulses_per_burst: int = 4, intraburst_hz: float = 100.0,
               burst_interval_s: float = 0.2) -> np.ndarray:
    """Theta bursts: ``bursts`` bursts of 4 pulses at 100 Hz, 200 ms apart (Larson & Munkacsy 2015)."""
    return np.concatenate(
        [train(intraburst_hz, pulses_per_burst, k * burst_interval_s) for k in range(bursts)]
    )


def lfs_pulses(n_pulses: int = 900, rate_hz: float = 1.0) -> np.ndarray:
    """Low-frequency stimulation: 900 pulses at 1 Hz (Dudek & Bear 1992)."""
    return train(rate_hz, n_pulses)


def _interval_after(pulses: np.ndarray) -> float:
    """One inter-pulse interval (the smallest), used to close an induction window."""
    if pulses.size < 2:
        return 0.0
    return float(np.min(np.diff(pulses)))


def make_schedule(
    induction_pulses_s: ArrayLike,
    *,
    baseline_s: float,
    test_interval_s: float,
    post_s: float,
    clamp_relative: Sequence[tuple[float, float]] = (),
    label: str = "",
) -> Schedule:
    """Place an induction (times relative to its first pulse) between baseline and post test pulses.

    Test pulses run every ``test_interval_s`` up to one interval before ``baseline_s`` (induction
    starts at ``baseline_s``, the last baseline test pulse is the one at or after t = 0 that is a
    whole number of intervals earlier); after induction, test pulses resume one interval after the
    induction end and continue while earlier than the induction end + ``post_s``, where the
    simulation of this arm ends.
    """
    ind = np.sort(np.asarray(induction_pulses_s, dtype=float))
    if ind.size == 0:
        raise ValueError("an induction needs at least one pulse")
    if baseline_s < test_interval_s:
        raise ValueError("baseline_s must hold at least one test interval")
    start = float(baseline_s)
    ind = ind - ind[0] + start
    end = float(ind[-1] + max(_interval_after(ind), 0.01))
    base_tests = np.arange(start - test_interval_s, -1e-9, -test_interval_s)[::-1]
    post_tests = np.arange(end + test_interval_s, end + post_s - 1e-6, test_interval_s)
    tests = np.concatenate([base_tests, post_tests])
    pulses = np.sort(np.concatenate([tests, ind]))
    clamp = [(start + a, start + b) for a, b in clamp_relative]
    duration = end + post_s
    return Schedule(pulses_s=pulses, test_s=tests, induction=(start, end),
                    duration_s=float(duration), clamp=clamp, label=label)


# --------------------------------------------------------------------------- measurements


def ltp_percent(w_baseline: ArrayLike, w_after: ArrayLike) -> float:
    """Efficacy change in % of baseline: 100 (mean W after / mean W before - 1); < 0 is LTD."""
    base = float(np.mean(w_baseline))
    if base <= 0:
        raise ValueError("baseline efficacy must be > 0")
    return 100.0 * (float(np.mean(w_after)) / base - 1.0)


def sample_at(t_s: np.ndarray, values: np.ndarray, at_s: ArrayLike) -> np.ndarray:
    """Rows of ``values`` (time x ...) at the last sample not later than each ``at_s``."""
    t = np.asarray(t_s, dtype=float)
    idx = np.searchsorted(t, np.asarray(at_s, dtype=float) + 1e-9, side="right") - 1
    if np.any(idx < 0):
        raise ValueError("a requested time precedes the first sample")
    return np.asarray(values)[idx]


def efficacy(w: ArrayLike, w_rest: float, plastic_fraction: float) -> np.ndarray:
    """AMPA efficacy relative to rest: ``1 - f + f W / W_rest`` (f = the plastic fraction).

    Only a fraction ``f`` of a synapse's AMPA efficacy follows the rule; the rest is fixed. With the
    rule's W in [0, 1] and W_rest = Omega(0) ~ 0.25, efficacy lies in [1 - f, 1 + 3 f].
    """
    if w_rest <= 0:
        raise ValueError("w_rest must be > 0")
    if not 0.0 <= plastic_fraction <= 1.0:
        raise ValueError("plastic_fraction must be in [0, 1]")
    return 1.0 - plastic_fraction + plastic_fraction * np.asarray(w, dtype=float) / w_rest


#: The exact wait is sampled every ``sample_s``, but at most this many times (a 14-day wait
#: sampled every 10 s would be 120 960 samples of every synapse).
MAX_WAIT_SAMPLES = 1000


@dataclass(frozen=True)
class RestModel:
    """What a rule's state means as efficacy, and how it moves with calcium at rest.

    ``efficacy(x)``: efficacy relative to baseline (1 = unchanged) of states ``x`` (any shape);
    ``relax(x, t)``: states ``x`` (synapses,) after each wait ``t`` (samples,), shape
    (synapses, samples), exact."""

    efficacy: Callable[[np.ndarray], np.ndarray]
    relax: Callable[[np.ndarray, np.ndarray], np.ndarray]
    #: optional: mean efficacy of states ``x`` after each wait ``t`` (samples,), for waits that
    #: follow a density of states rather than each synapse (sim.analysis.background)
    mean_efficacy: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None


def shouval_rest(params: RuleParams = RuleParams(), plastic_fraction: float = 1.0) -> RestModel:
    w_rest = rest_weight(params)
    return RestModel(
        efficacy=lambda x: efficacy(x, w_rest, plastic_fraction),
        relax=lambda x, t: relax_at_rest(np.asarray(x)[:, None], np.asarray(t)[None, :], params),
    )


@dataclass
class EfficacyCourse:
    """Efficacy of one preparation against time from induction onset (simulated + exact wait)."""

    t_s: np.ndarray  # relative to induction onset
    percent: np.ndarray  # mean efficacy in % of baseline (100 = unchanged)
    ltp_percent: float  # change at the end of the wait (negative = LTD)
    ltp_percent_early: float  # change at the end of the simulated part
    n_simulated: int  # samples t_s[:n_simulated] are simulated, the rest the exact wait
    baseline_drift_percent: float = 0.0  # change over the baseline (test pulses only)


def efficacy_time_course(
    t_sim_s: ArrayLike,
    w_sim: ArrayLike,
    *,
    induction_start_s: float,
    induction_end_s: float,
    wait_s: float,
    sample_s: float,
    params: RuleParams = RuleParams(),
    plastic_fraction: float = 1.0,
    rest: RestModel | None = None,
) -> EfficacyCourse:
    """Efficacy course from simulated weights (time x synapses) plus the exact post-induction wait.

    ``rest`` is the rule's efficacy and exact relaxation at rest (:func:`shouval_rest` of
    ``params`` and ``plastic_fraction`` unless given; ``sim.analysis.bistable.rest_model`` for the
    Graupner-Brunel synapse, whose ``w_sim`` is rho).
    Baseline = mean efficacy at the last sample before ``induction_start_s``; its change from the
    first sample (t = 0, before any pulse) is the baseline drift. From the last
    simulated sample on, every synapse relaxes with Ca at rest (``rest.relax``) until
    ``wait_s`` after ``induction_end_s``; that stretch is sampled every ``sample_s`` (or at
    :data:`MAX_WAIT_SAMPLES` evenly spaced times if that is fewer). If the
    simulation already reaches that time, the simulated weights are used and nothing is added.
    """
    t_sim = np.asarray(t_sim_s, dtype=float)
    w = np.asarray(w_sim, dtype=float)
    if w.ndim == 1:
        w = w[:, None]
    if t_sim.size == 0 or w.shape[0] != t_sim.size:
        raise ValueError("t_sim_s and w_sim must have the same, non-zero number of samples")
    if wait_s < 0 or sample_s <= 0:
        raise ValueError("wait_s must be >= 0 and sample_s > 0")
    if rest is None:
        rest = shouval_rest(params, plastic_fraction)
    eff, relax = rest.efficacy, rest.relax

    base = float(np.mean(eff(sample_at(t_sim, w, induction_start_s - 1e-6))))
    drift = ltp_percent(eff(w[0]), [base])  # the first sample is the untouched start
    t_final = induction_end_s + wait_s
    t_end = float(t_sim[-1])
    early = ltp_percent([base], eff(w[-1]))
    if t_final <= t_end + 1e-9:
        keep = t_sim <= t_final + 1e-9
        t_all, mean_all = t_sim[keep], eff(w[keep]).mean(axis=1)
        final = ltp_percent([base], eff(sample_at(t_sim, w, t_final)))
        n_sim = int(keep.sum())
    else:
        remaining = t_final - t_end
        n = min(max(int(np.ceil(remaining / sample_s)), 1), MAX_WAIT_SAMPLES)
        tw = np.linspace(0.0, remaining, n + 1)[1:]
        if rest.mean_efficacy is not None:  # a density, not single synapses (background)
            waited = rest.mean_efficacy(w[-1], tw)
        else:
            waited = eff(relax(w[-1], tw)).mean(axis=0)  # relax: synapses x samples
        t_all = np.concatenate([t_sim, t_end + tw])
        mean_all = np.concatenate([eff(w).mean(axis=1), waited])
        final = ltp_percent([base], waited[-1:])
        n_sim = t_sim.size
    return EfficacyCourse(t_s=t_all - induction_start_s, percent=100.0 * mean_all / base,
                          ltp_percent=final, ltp_percent_early=early, n_simulated=n_sim,
                          baseline_drift_percent=drift)
