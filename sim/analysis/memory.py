"""Read-outs of the memory protocol, in numpy: storage, forgetting, recall and behaviour.

Everything here works on arrays the memory network returns (``sim.model.memory``) or on numbers,
so the tests can check each read-out on synthetic data with exact answers.

- **Storage and retention** (:func:`storage`): the share of UP synapses inside the assembly
  (both cells in it) and among control synapses (neither cell in it), just after training and
  just after the delay; ``retention_index`` is the assembly's excess of UP synapses after the
  delay over its excess after training (1: nothing forgotten, 0: back to the control level).
- **The delay** (:func:`delay_course`): the probability that a synapse UP (or DOWN) after
  training is UP after the delay, from the background-activity wait of
  :mod:`sim.analysis.background` (Higgins, Graupner & Brunel 2014) applied segment by segment,
  each with the glycine-site gate of its hours (a drug's time course, an antagonist's window).
- **Recall** (:func:`recall`): a cue drives half of the assembly; the read-out is how much of the
  cued half's firing reaches the other half beyond what reaches control cells,
  ``overlap = (r_uncued - r_control) / (r_cued - r_control)`` in the recall window, and the
  latency: the median time from cue onset to the first spike of the uncued assembly cells that
  fire in the window.
- **Behaviour** (:func:`step_through_latency`): passive-avoidance step-through latency from recall
  strength, a documented mapping with assumed anchors (docs/memory.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

from sim.analysis import background as bg
from sim.analysis.bistable import BistableParams


# --------------------------------------------------------------------------- storage
@dataclass(frozen=True)
class Storage:
    """UP shares of assembly and control synapses after training and after the delay."""

    assembly_trained: float
    control_trained: float
    assembly_delayed: float
    control_delayed: float
    n_assembly_synapses: int
    n_control_synapses: int

    @property
    def stored(self) -> float:
        """The assembly's excess of UP synapses over the control synapses after training."""
        return self.assembly_trained - self.control_trained

    @property
    def retention_index(self) -> float:
        """Excess after the delay / excess after training (NaN when nothing was stored)."""
        if self.stored <= 0:
            return math.nan
        return (self.assembly_delayed - self.control_delayed) / self.stored


def storage(pre: ArrayLike, post: ArrayLike, up_trained: ArrayLike, up_delayed: ArrayLike,
            n_assembly: int) -> Storage:
    """UP shares of the synapses whose two cells are both in the assembly (cells
    ``0 .. n_assembly - 1``) and of those whose two cells are both outside it."""
    pre, post = np.asarray(pre), np.asarray(post)
    trained, delayed = np.asarray(up_trained, dtype=float), np.asarray(up_delayed, dtype=float)
    if not (pre.shape == post.shape == trained.shape == delayed.shape):
        raise ValueError("pre, post and the two UP arrays must have one entry per synapse")
    inside = (pre < n_assembly) & (post < n_assembly)
    outside = (pre >= n_assembly) & (post >= n_assembly)
    if not inside.any() or not outside.any():
        raise ValueError("the network has no assembly synapse or no control synapse")

    def share(x: np.ndarray, mask: np.ndarray) -> float:
        return float(np.mean(x[mask] > 0.5))

    return Storage(share(trained, inside), share(trained, outside), share(delayed, inside),
                   share(delayed, outside), int(inside.sum()), int(outside.sum()))


# --------------------------------------------------------------------------- the delay
@dataclass(frozen=True)
class Transitions:
    """P(UP after the delay | UP after training) and P(UP after | DOWN after)."""

    up_from_up: float
    up_from_down: float


@lru_cache(maxsize=256)
def _wait(rate_hz: float, gate: float, prep: bg.Preparation, params: BistableParams,
          seed: int) -> bg.BackgroundWait:
    """The Fokker-Planck wait at one background rate and gate (cached: a sweep's runs share it)."""
    from dataclasses import replace

    prep = replace(prep, nmda_occupancy=gate, apv_unblocked=1.0)
    return bg.BackgroundWait(bg.calcium_statistics(rate_hz, prep, params, seed=seed), params)


#: Gates are resolved to this many decimals for the calcium statistics (0.001 of activation).
GATE_DECIMALS = 3
#: Points per segment of the UP-share course along the delay (geometric in time).
POINTS_PER_SEGMENT = 10


@dataclass(frozen=True)
class DelayCourse:
    """The delay's transitions and the UP shares along it (for the figures)."""

    transitions: Transitions
    t_s: np.ndarray  # from the start of the delay, increasing, from 0
    up_from_up: np.ndarray  # P(UP at t | UP at 0)
    up_from_down: np.ndarray  # P(UP at t | DOWN at 0)

    def up_share(self, before: float) -> np.ndarray:
        """The UP share along the delay of synapses whose UP share was ``before`` at its start."""
        return before * self.up_from_up + (1.0 - before) * self.up_from_down


def delay_course(segments: Sequence[tuple[float, float]], rate_hz: float,
                 prep: bg.Preparation, params: BistableParams, seed: int = 0) -> DelayCourse:
    """The delay's transition probabilities for ``segments`` = [(duration_s, gate), ...] in
    order, ``gate`` the glycine-site activation x APV-free share during that segment.

    Each segment's propagator exp(L d) is built from exp(L d / 2^(n-1)) by squaring (the way
    scipy's expm itself works), which also gives the course at d / 2^(n-1), ..., d / 2, d. The
    calcium statistics use ``seed`` (a property of the background rate, not of the run: fixed,
    so runs share the cache). With ``rate_hz`` 0 the wait is silent: every synapse keeps its
    settled state (``sim.analysis.bistable.relax_at_rest``)."""
    return _delay_course(tuple((float(d), round(float(g), GATE_DECIMALS)) for d, g in segments),
                         float(rate_hz), prep, params, int(seed))


@lru_cache(maxsize=64)
def _delay_course(segments: tuple[tuple[float, float], ...], rate_hz: float,
                  prep: bg.Preparation, params: BistableParams, seed: int) -> DelayCourse:
    if rate_hz < 0:
        raise ValueError("rate_hz must be >= 0")
    if any(d < 0 for d, _ in segments):
        raise ValueError("segment durations must be >= 0")
    total = sum(d for d, _ in segments)
    if rate_hz == 0 or total == 0:
        t = np.array([0.0, total]) if total > 0 else np.array([0.0])
        return DelayCourse(Transitions(1.0, 0.0), t, np.ones_like(t), np.zeros_like(t))
    t_out, p_out = [0.0], [np.array([1.0, 0.0])]
    dens = None
    now = 0.0
    for d, gate in segments:
        if d <= 0:
            continue
        w = _wait(rate_hz, gate, prep, params, seed)
        if dens is None:  # synapses start settled: UP at rho = 1, DOWN at rho = 0
            dens = np.zeros((w.rho.size, 2))
            dens[np.argmin(np.abs(w.rho - 1.0)), 0] = 1.0
            dens[np.argmin(np.abs(w.rho)), 1] = 1.0
        n = POINTS_PER_SEGMENT
        prop = w.propagator(d / 2 ** (n - 1))
        for k in range(n):
            if k:
                prop = prop @ prop
            here = np.clip(prop @ dens, 0.0, None)
            here /= here.sum(axis=0, keepdims=True)
            t_out.append(now + d / 2 ** (n - 1 - k))
            p_out.append(w.up_fraction(here.T))
        dens, now = here, now + d
    p = np.array(p_out)
    return DelayCourse(Transitions(float(p[-1, 0]), float(p[-1, 1])), np.array(t_out),
                       p[:, 0], p[:, 1])


def segments_for(delay_s: float, gate_at: Callable[[float], float],
                 exposed: tuple[float, float], n_exposed: int = 12) -> list[tuple[float, float]]:
    """Split a delay of ``delay_s`` into segments, each with the gate at its midpoint:
    ``n_exposed`` equal segments over the ``exposed`` interval (s from the start of the delay,
    where the gate changes: a drug's or an antagonist's hours) and one segment before and one
    after it. ``gate_at(t_s)`` gives the gate at ``t_s`` from the start of the delay."""
    if delay_s <= 0:
        return []
    a, b = (min(max(x, 0.0), delay_s) for x in exposed)
    out = []
    if a > 0:
        out.append((a, gate_at(0.5 * a)))
    if b > a:
        step = (b - a) / n_exposed
        out += [(step, gate_at(a + (k + 0.5) * step)) for k in range(n_exposed)]
    if delay_s > b:
        out.append((delay_s - b, gate_at(0.5 * (b + delay_s))))
    return out


# --------------------------------------------------------------------------- recall
@dataclass(frozen=True)
class Recall:
    overlap: float  # (r_uncued - r_control) / (r_cued - r_control)
    latency_ms: float  # median first-spike latency of the uncued assembly cells that fire (NaN: none)
    rate_cued_hz: float
    rate_uncued_hz: float
    rate_control_hz: float
    recruited_fraction: float  # share of uncued assembly cells that fire in the window


def recall(spike_t: ArrayLike, spike_i: ArrayLike, *, n_exc: int, n_assembly: int, n_cued: int,
           cue_on_s: float, window_s: float) -> Recall:
    """Recall read-out of the window ``[cue_on_s, cue_on_s + window_s)``. Cells ``0 .. n_cued-1``
    are cued, ``n_cued .. n_assembly-1`` the uncued rest of the assembly, the others control."""
    t, i = np.asarray(spike_t, dtype=float), np.asarray(spike_i)
    if not 0 < n_cued < n_assembly < n_exc:
        raise ValueError("need 0 < n_cued < n_assembly < n_exc")
    if window_s <= 0:
        raise ValueError("window_s must be > 0")
    inside = (t >= cue_on_s) & (t < cue_on_s + window_s)
    t, i = t[inside], i[inside]
    counts = np.bincount(i, minlength=n_exc)[:n_exc]
    r_cued = counts[:n_cued].mean() / window_s
    r_uncued = counts[n_cued:n_assembly].mean() / window_s
    r_control = counts[n_assembly:].mean() / window_s
    spread = r_cued - r_control
    overlap = (r_uncued - r_control) / spread if spread > 0 else math.nan
    uncued = (i >= n_cued) & (i < n_assembly)
    first: dict[int, float] = {}
    for tk, ik in zip(t[uncued][::-1], i[uncued][::-1], strict=True):  # earliest wins
        first[int(ik)] = float(tk)
    latency = (1e3 * float(np.median(np.array(list(first.values())) - cue_on_s))
               if first else math.nan)
    return Recall(float(overlap), latency, float(r_cued), float(r_uncued), float(r_control),
                  len(first) / (n_assembly - n_cued))


# --------------------------------------------------------------------------- behaviour
def step_through_latency(strength: float, *, naive_s: float, trained_s: float,
                         cutoff_s: float) -> float:
    """Passive-avoidance step-through latency, s, from recall strength (1 = the reference memory):

        latency = naive_s * (trained_s / naive_s) ** strength, censored at cutoff_s

    strength 0 (no memory) gives the naive latency, 1 the trained reference's, more than 1 longer
    (to the cut-off); negative strength (recall below chance) is taken as 0."""
    if not 0 < naive_s <= trained_s <= cutoff_s:
        raise ValueError("need 0 < naive_s <= trained_s <= cutoff_s")
    if not math.isfinite(strength):
        return math.nan
    s = max(strength, 0.0)
    return float(min(cutoff_s, naive_s * (trained_s / naive_s) ** s))
