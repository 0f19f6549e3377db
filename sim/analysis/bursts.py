"""Network bursts and seizure-like metrics from spike times: pure numpy/scipy, no Brian2.

Pipeline (parameters: :class:`BurstParams`, the ``[analysis]`` keys of a config)::

    spikes of the network populations (exc + inh pooled)
      -> population rate r(t): spikes per neuron per second in bins of ``rate_bin_ms``
      -> smoothed rate s(t): Gaussian kernel, SD ``burst_smooth_ms`` (0 = no smoothing)
      -> baseline b = the ``burst_baseline_percentile``-th percentile of s, at most
         ``burst_baseline_max_hz`` if s rests below that for >= 1 s somewhere (a run that spends
         > 90 % of its time in one ictal event has no low percentile: its baseline would be the
         event's own rate); a record that never rests keeps its own level (a steady state).
         With ``burst_baseline_until_s`` set, b is the same percentile of s over the record up to
         that time only (a control period, e.g. before a Mg2+ wash-out), not capped
      -> threshold  = max(burst_threshold_factor * b, b + burst_min_excess_hz)
      -> stretches where s > threshold
      -> stretches separated by gaps <= ``burst_merge_gap_ms`` merged into one event
      -> events shorter than ``burst_min_duration_ms`` dropped (after merging)

Conventions
- An event spans bins ``[start_bin, stop_bin)``; its duration is ``(stop_bin - start_bin) * bin``,
  so synthetic rectangular bursts aligned to bins come back with their exact duration.
- Smoothing widens events: with a threshold low on a burst's flank, each edge moves outwards by
  up to ~2 x ``burst_smooth_ms`` (at a threshold half-way up the flank, not at all).
- Edge events: an event that touches the start or the end of the record is *counted* (in
  ``n_bursts``, ``burst_rate_hz``, ``fraction_time_in_bursts``, the ictal/interictal split) but its
  true duration is unknown, so it is left out of ``mean_burst_duration_s``; it is flagged in
  :attr:`Bursts.touches_start` / :attr:`Bursts.touches_end` and counted in ``n_bursts_truncated``.
  An event that touches the start has no known onset, so no interburst interval starts from it.
  Its observed duration is a lower bound: an edge event is ictal-like if its *observed* part already
  lasts ``ictal_min_duration_s``, interictal-like otherwise.
- Interburst interval = onset-to-onset time of consecutive events (the "recurring at 4-160 s"
  measure of docs/literature.md §4).
- Ictal-like: duration >= ``ictal_min_duration_s``; interictal-like: shorter. The two add up to
  ``n_bursts``.
- Runaway (saturated activity, not bursting): the smoothed rate stays >= ``runaway_rate_hz`` from
  some onset to the end of the record (dips <= ``burst_merge_gap_ms`` ignored) for at least
  ``runaway_min_fraction`` of the record, OR the mean rate over the record is >=
  ``runaway_rate_hz`` and the rate never rests (below a tenth of ``runaway_rate_hz``) for
  ``_RUNAWAY_REST_S`` (1 s): ictal events with ion dynamics hold the network near 200 Hz for
  most of a record and still terminate, with seconds of post-ictal silence between them.
  A runaway run has NO bursts: :func:`detect_bursts` returns no events, and :func:`burst_metrics`
  reports ``n_bursts = n_ictal_like = n_interictal_like = n_bursts_truncated = 0`` and NaN for
  every per-burst quantity (``burst_rate_hz``, durations, intervals, ``fraction_time_in_bursts``,
  ``spikes_per_burst``, ``peak_rate_hz``, ``fraction_recruited``), with ``runaway = True`` and
  ``runaway_onset_s``. Rates and synchrony are still reported.
- A run without spikes: no bursts, rates 0, synchrony NaN.
- Synchrony: Golomb's chi (Golomb 2007 Scholarpedia; used for bursting networks in Golomb et al.
  2006), chi^2 = Var_t[mean_i x_i(t)] / mean_i Var_t[x_i(t)], with x_i the spike count of neuron i
  in bins of ``synchrony_bin_ms``, over a random subsample of at most ``synchrony_max_neurons``
  neurons that fired at least once (silent neurons carry no timing). chi = 1 for identical trains,
  ~ 1/sqrt(N) for N independent ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from scipy.ndimage import gaussian_filter1d

#: Populations pooled by default: the recurrent network (``input`` generators are not part of it).
NETWORK_POPULATIONS = ("exc", "inh")

_RUNAWAY_REST_S = 1.0  # a rest this long means the high state ends: not a runaway
_EPS = 1e-9  # tolerance, in bins, for times that fall on a bin edge up to rounding


# --------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class BurstParams:
    """Parameters of the detection. The ``[analysis]`` table of a run's configuration has the
    same names and these defaults; it documents each one with its source and checks its range."""

    rate_bin_ms: float = 1.0
    warmup_s: float = 2.0
    burst_smooth_ms: float = 10.0
    burst_baseline_percentile: float = 10.0
    burst_baseline_max_hz: float = 20.0
    burst_baseline_until_s: float | None = None
    burst_threshold_factor: float = 3.0
    burst_min_excess_hz: float = 5.0
    burst_min_duration_ms: float = 20.0
    burst_merge_gap_ms: float = 100.0
    ictal_min_duration_s: float = 10.0
    runaway_rate_hz: float = 100.0
    runaway_min_fraction: float = 0.25
    synchrony_bin_ms: float = 10.0
    synchrony_max_neurons: int = 200

    def __post_init__(self) -> None:
        if not self.rate_bin_ms > 0:
            raise ValueError(f"rate_bin_ms must be > 0, got {self.rate_bin_ms}")
        if not 0 <= self.burst_baseline_percentile <= 100:
            raise ValueError("burst_baseline_percentile must be in [0, 100], got "
                             f"{self.burst_baseline_percentile}")
        if not self.burst_baseline_max_hz > 0:
            raise ValueError(f"burst_baseline_max_hz must be > 0, got {self.burst_baseline_max_hz}")
        if self.burst_threshold_factor < 1 or self.burst_min_excess_hz <= 0:
            raise ValueError("burst_threshold_factor must be >= 1 and burst_min_excess_hz > 0")
        if min(self.warmup_s, self.burst_smooth_ms, self.burst_min_duration_ms,
               self.burst_merge_gap_ms) < 0:
            raise ValueError("durations must be >= 0")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> BurstParams:
        """The fields of ``values`` (e.g. ``cfg.analysis.model_dump()``) that are parameters here."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


def analysed_window(params: BurstParams, duration_s: float) -> tuple[float, float]:
    """``(t_start, t_stop)`` of a run that the metrics cover: after the warm-up (at most half)."""
    return min(params.warmup_s, 0.5 * duration_s), duration_s


def _n_bins(span_s: float, bin_s: float) -> int:
    return max(1, int(np.ceil(span_s / bin_s - _EPS)))


def _bin_index(times_s: np.ndarray, t_start_s: float, bin_s: float, n_bins: int) -> np.ndarray:
    idx = np.floor((times_s - t_start_s) / bin_s + _EPS).astype(np.int64)
    return np.minimum(idx, n_bins - 1)  # a spike at exactly t_stop goes into the last bin


def _in_window(times_s: np.ndarray, t_start_s: float, t_stop_s: float) -> np.ndarray:
    return (times_s >= t_start_s) & (times_s <= t_stop_s)


def _check_window(t_start_s: float, t_stop_s: float, bin_s: float) -> None:
    if not t_stop_s > t_start_s:
        raise ValueError(f"t_stop_s ({t_stop_s}) must be > t_start_s ({t_start_s})")
    if not bin_s > 0:
        raise ValueError(f"bin_s must be > 0, got {bin_s}")


# --------------------------------------------------------------------------- rates
#: Spikes handled per step by the binning and selection helpers: minutes-long seizure runs carry
#: tens of millions of spikes, and every temporary is per chunk, never per run. A pass holds a
#: few int64/float64 temporaries of a chunk (~8-50 MB at 2^20 spikes); 2^22 put ~200 MB of them
#: on top of a 10 min run's arrays.
CHUNK_SPIKES = 1 << 20


def spike_chunks(n: int):
    """Slices of ``CHUNK_SPIKES`` covering ``range(n)``: how every pass over a run's spikes goes."""
    for lo in range(0, n, CHUNK_SPIKES):
        yield slice(lo, min(lo + CHUNK_SPIKES, n))


def binned_counts(times_s: np.ndarray, t_start_s: float, t_stop_s: float, bin_s: float) -> np.ndarray:
    """Spike counts in consecutive bins of ``bin_s`` from ``t_start_s`` (the bins of
    :func:`population_rate`), counted chunk by chunk."""
    _check_window(t_start_s, t_stop_s, bin_s)
    n_bins = _n_bins(t_stop_s - t_start_s, bin_s)
    t = np.asarray(times_s, dtype=np.float64).ravel()
    counts = np.zeros(n_bins, dtype=np.int64)
    for part in spike_chunks(t.size):
        chunk = t[part]
        chunk = chunk[_in_window(chunk, t_start_s, t_stop_s)]
        counts += np.bincount(_bin_index(chunk, t_start_s, bin_s, n_bins), minlength=n_bins)
    return counts


def population_rate(
    times_s: np.ndarray, n_neurons: int, t_stop_s: float, bin_s: float, t_start_s: float = 0.0
) -> np.ndarray:
    """Spikes per neuron per second in consecutive bins of ``bin_s`` from ``t_start_s``.

    Bin k covers ``[t_start + k bin, t_start + (k+1) bin)``; spikes outside
    ``[t_start_s, t_stop_s]`` are ignored, one at exactly ``t_stop_s`` counts in the last bin. If
    the window is not a whole number of bins the last bin is partial (still divided by ``bin_s``).
    """
    _check_window(t_start_s, t_stop_s, bin_s)
    if n_neurons <= 0:
        raise ValueError(f"n_neurons must be > 0, got {n_neurons}")
    return binned_counts(times_s, t_start_s, t_stop_s, bin_s) / (n_neurons * bin_s)


def pooled_rate(
    spikes: Mapping[str, tuple[np.ndarray, np.ndarray]], n_nodes: Mapping[str, int],
    populations: Sequence[str], t_stop_s: float, bin_s: float, t_start_s: float = 0.0,
) -> tuple[np.ndarray, int]:
    """(rate, total neurons) of ``populations`` pooled: the rate of their pooled spikes, counted
    per population (no pooled copy of the spikes)."""
    n_total = sum(int(n_nodes[pop]) for pop in populations)
    if n_total <= 0:
        raise ValueError(f"populations {list(populations)} have no neurons")
    counts = sum(binned_counts(spikes[pop][0], t_start_s, t_stop_s, bin_s) for pop in populations)
    counts = np.asarray(counts) if len(populations) else np.zeros(_n_bins(t_stop_s - t_start_s, bin_s))
    return counts / (n_total * bin_s), n_total


def is_sorted(times_s: np.ndarray, node_ids: np.ndarray | None = None) -> bool:
    """Whether spikes are in time order; with ``node_ids``, in the canonical order (by time, then
    strictly ascending id within a time step). Checked chunk by chunk, chunks overlapping by one
    spike, so no per-run temporary is made."""
    for part in spike_chunks(times_s.size):
        stop = min(part.stop + 1, times_s.size)
        step = np.diff(times_s[part.start:stop])
        bad = step < 0
        if node_ids is not None:
            bad |= (step == 0) & (np.diff(node_ids[part.start:stop]) <= 0)
        if np.any(bad):
            return False
    return True


def time_sorted(times_s: np.ndarray, node_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(times, ids)`` sorted by time (stable), without a copy when they already are (a run's
    spikes are: the monitor records them step by step)."""
    t = np.asarray(times_s, dtype=np.float64).ravel()
    i = np.asarray(node_ids).ravel()
    if t.shape != i.shape:
        raise ValueError("times_s and node_ids must have the same length")
    if is_sorted(t):
        return t, i
    order = np.argsort(t, kind="stable")
    return t[order], i[order]


def _first_in_bin(t: np.ndarray, bins: np.ndarray, t_start_s: float, bin_s: float,
                  n_bins: int) -> np.ndarray:
    """For each bin in ``bins``, the index of the first spike of the time-sorted ``t`` whose
    :func:`_bin_index` is at least that bin: a bisection on the spikes' own bin indices (the
    bins are monotone in time), so no per-spike array of bins is ever made."""
    lo = np.zeros(len(bins), dtype=np.int64)
    hi = np.full(len(bins), t.size, dtype=np.int64)
    bins = np.asarray(bins, dtype=np.int64)
    while np.any(lo < hi):
        open_ = lo < hi
        mid = (lo + hi) // 2
        at = _bin_index(t[np.where(open_, mid, 0)], t_start_s, bin_s, n_bins)
        right = open_ & (at >= bins)
        left = open_ & ~right
        hi = np.where(right, mid, hi)
        lo = np.where(left, mid + 1, lo)
    return lo


def smooth_rate(rate_hz: np.ndarray, bin_s: float, sigma_ms: float) -> np.ndarray:
    """Gaussian-smoothed rate (kernel SD ``sigma_ms``; edges extended with the edge value)."""
    rate = np.asarray(rate_hz, dtype=np.float64)
    sigma_bins = sigma_ms * 1e-3 / bin_s
    if sigma_bins <= 0 or rate.size == 0:
        return rate.copy()
    return gaussian_filter1d(rate, sigma_bins, mode="nearest")


def select_populations(
    spikes: Mapping[str, Any], populations: Sequence[str] | None = None
) -> list[str]:
    """The populations to pool: ``populations`` if given (all must exist), else those of
    :data:`NETWORK_POPULATIONS` present, else every population given."""
    if populations is not None:
        missing = [p for p in populations if p not in spikes]
        if missing:
            raise KeyError(f"no spikes for population(s) {missing}; have {sorted(spikes)}")
        return list(populations)
    chosen = [p for p in NETWORK_POPULATIONS if p in spikes]
    return chosen or list(spikes)


# --------------------------------------------------------------------------- detection
def _segments(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) bins of the runs of True in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _merge(
    starts: np.ndarray, stops: np.ndarray, max_gap_bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Merge consecutive segments whose gap (in bins) is <= ``max_gap_bins``."""
    if starts.size < 2:
        return starts, stops
    separate = (starts[1:] - stops[:-1]) > max_gap_bins
    return (np.concatenate((starts[:1], starts[1:][separate])),
            np.concatenate((stops[:-1][separate], stops[-1:])))


@dataclass(frozen=True)
class Bursts:
    """Detected network bursts on one population-rate trace (times in s, rates in Hz)."""

    t_start_s: float
    bin_s: float
    smoothed_hz: np.ndarray  # the trace the detection ran on
    baseline_hz: float
    threshold_hz: float
    start_bin: np.ndarray  # int, first bin of each event
    stop_bin: np.ndarray  # int, one past the last bin
    ictal_min_duration_s: float
    runaway: bool
    runaway_onset_s: float  # NaN unless runaway

    @property
    def n(self) -> int:
        return int(self.start_bin.size)

    @property
    def n_bins(self) -> int:
        return int(self.smoothed_hz.size)

    @property
    def start_s(self) -> np.ndarray:
        return self.t_start_s + self.start_bin * self.bin_s

    @property
    def stop_s(self) -> np.ndarray:
        return self.t_start_s + self.stop_bin * self.bin_s

    @property
    def duration_s(self) -> np.ndarray:
        """Observed durations (a lower bound for events touching an edge of the record)."""
        return (self.stop_bin - self.start_bin) * self.bin_s

    @property
    def touches_start(self) -> np.ndarray:
        return self.start_bin == 0

    @property
    def touches_end(self) -> np.ndarray:
        return self.stop_bin == self.n_bins

    @property
    def complete(self) -> np.ndarray:
        """Events whose onset and end both lie inside the record."""
        return ~(self.touches_start | self.touches_end)

    @property
    def peak_hz(self) -> np.ndarray:
        return np.array(
            [self.smoothed_hz[a:b].max() for a, b in zip(self.start_bin, self.stop_bin)],
            dtype=np.float64,
        )

    @property
    def ictal_like(self) -> np.ndarray:
        return self.duration_s >= self.ictal_min_duration_s - _EPS * self.bin_s

    @property
    def interburst_interval_s(self) -> np.ndarray:
        """Onset-to-onset intervals of consecutive events, none from an event without onset."""
        starts = self.start_s
        known = ~self.touches_start[:-1]
        return np.diff(starts)[known] if starts.size > 1 else np.empty(0)


def _rests(smoothed: np.ndarray, below_hz: float, bin_s: float) -> bool:
    """Whether the smoothed rate stays below ``below_hz`` for ``_RUNAWAY_REST_S`` somewhere (in
    whole bins, with the module's rounding tolerance, as every other duration here)."""
    starts, stops = _segments(smoothed < below_hz)
    return bool(starts.size) and int(np.max(stops - starts)) >= int(
        np.ceil(_RUNAWAY_REST_S / bin_s - _EPS))


def _runaway(smoothed: np.ndarray, raw: np.ndarray, bin_s: float, t_start_s: float,
             p: BurstParams) -> tuple[bool, float]:
    n = smoothed.size
    starts, stops = _segments(smoothed >= p.runaway_rate_hz)
    starts, stops = _merge(starts, stops, int(np.floor(p.burst_merge_gap_ms * 1e-3 / bin_s + _EPS)))
    min_bins = int(np.ceil(p.runaway_min_fraction * n - _EPS))
    pinned = bool(starts.size and stops[-1] == n and stops[-1] - starts[-1] >= min_bins)
    if pinned:
        return True, t_start_s + starts[-1] * bin_s
    rests = _rests(smoothed, p.runaway_rate_hz * 0.1, bin_s)
    if raw.size and float(np.mean(raw)) >= p.runaway_rate_hz and not rests:
        return True, t_start_s + (starts[0] * bin_s if starts.size else 0.0)
    return False, float("nan")


def _baseline(smoothed: np.ndarray, bin_s: float, p: BurstParams, t_start_s: float = 0.0) -> float:
    """The low percentile of the smoothed rate; capped at ``burst_baseline_max_hz`` only when the
    record rests below the cap for ``_RUNAWAY_REST_S`` somewhere (a run mostly inside one event).
    A record that never rests is a steady state, not an event: its own level stays the baseline,
    so a tonic 90 Hz state is not read as one run-long seizure. With ``burst_baseline_until_s``
    the percentile is of the control period before it (from ``t_start_s``), as it is."""
    if p.burst_baseline_until_s is not None:
        n = min(int(np.floor((p.burst_baseline_until_s - t_start_s) / bin_s + _EPS)), smoothed.size)
        if n < 1:
            raise ValueError(f"burst_baseline_until_s ({p.burst_baseline_until_s:g} s) must be "
                             f"after the start of the analysed record ({t_start_s:g} s)")
        return float(np.percentile(smoothed[:n], p.burst_baseline_percentile))
    baseline = float(np.percentile(smoothed, p.burst_baseline_percentile))
    if baseline <= p.burst_baseline_max_hz:
        return baseline
    return p.burst_baseline_max_hz if _rests(smoothed, p.burst_baseline_max_hz, bin_s) else baseline


def detect_bursts(
    rate_hz: np.ndarray, bin_s: float, params: BurstParams = BurstParams(), *,
    t_start_s: float = 0.0,
) -> Bursts:
    """Network bursts in a population-rate trace (Hz, bins of ``bin_s`` seconds from ``t_start_s``).

    The bin width used is ``bin_s`` (the trace's own), not ``params.rate_bin_ms``. A runaway trace
    yields no events.
    """
    p = params
    if not bin_s > 0:
        raise ValueError(f"bin_s must be > 0, got {bin_s}")
    raw = np.asarray(rate_hz, dtype=np.float64).ravel()
    if not np.all(np.isfinite(raw)):
        raise ValueError("rate_hz contains NaN or inf")
    smoothed = smooth_rate(raw, bin_s, p.burst_smooth_ms)
    baseline = _baseline(smoothed, bin_s, p, t_start_s) if raw.size else 0.0
    threshold = max(p.burst_threshold_factor * baseline, baseline + p.burst_min_excess_hz)
    runaway, onset = _runaway(smoothed, raw, bin_s, t_start_s, p)
    if runaway or raw.size == 0:
        starts = stops = np.empty(0, dtype=np.int64)
    else:
        starts, stops = _segments(smoothed > threshold)
        starts, stops = _merge(starts, stops,
                               int(np.floor(p.burst_merge_gap_ms * 1e-3 / bin_s + _EPS)))
        keep = (stops - starts) >= int(np.ceil(p.burst_min_duration_ms * 1e-3 / bin_s - _EPS))
        starts, stops = starts[keep], stops[keep]
    return Bursts(
        t_start_s=float(t_start_s), bin_s=float(bin_s), smoothed_hz=smoothed,
        baseline_hz=baseline, threshold_hz=float(threshold),
        start_bin=starts.astype(np.int64), stop_bin=stops.astype(np.int64),
        ictal_min_duration_s=p.ictal_min_duration_s, runaway=runaway, runaway_onset_s=float(onset),
    )


# --------------------------------------------------------------------------- synchrony
def golomb_chi(
    times_s: np.ndarray, node_ids: np.ndarray, t_stop_s: float, bin_s: float, *,
    max_neurons: int = 200, seed: int = 0, t_start_s: float = 0.0,
) -> float:
    """Golomb's synchrony measure chi in [0, 1] from per-neuron spike counts in bins of ``bin_s``.

    Uses a random subsample (seeded) of at most ``max_neurons`` of the neurons that fired in the
    window. NaN with fewer than two active neurons or when no neuron's count varies.
    """
    _check_window(t_start_s, t_stop_s, bin_s)
    t = np.asarray(times_s, dtype=np.float64).ravel()
    ids = np.asarray(node_ids).ravel()
    if t.shape != ids.shape:
        raise ValueError("times_s and node_ids must have the same length")
    n = int(ids.max()) + 1 if ids.size else 0
    return _golomb_chi({"all": time_sorted(t, ids)}, {"all": n}, t_stop_s, bin_s,
                       max_neurons=max_neurons, seed=seed, t_start_s=t_start_s)


def _golomb_chi(
    spikes: Mapping[str, tuple[np.ndarray, np.ndarray]], n_nodes: Mapping[str, int],
    t_stop_s: float, bin_s: float, *, max_neurons: int, seed: int, t_start_s: float,
) -> float:
    """:func:`golomb_chi` of time-sorted populations pooled (ids offset per population, in the
    given order; :func:`burst_analysis` passes its sorted windows), in windows of whole bins
    holding ~``CHUNK_SPIKES`` spikes each: memory O(window + bins), whatever the length of the
    run (a window's (neuron, bin) counts are complete, so the moments add up exactly)."""
    _check_window(t_start_s, t_stop_s, bin_s)
    offsets, at = {}, 0
    for pop, size in n_nodes.items():
        offsets[pop], at = at, at + int(size)
    fired = np.zeros(at, dtype=bool)
    for pop, (t, ids) in spikes.items():
        lo = np.searchsorted(t, t_start_s, side="left")
        hi = np.searchsorted(t, t_stop_s, side="right")
        for part in spike_chunks(hi - lo):
            fired[ids[lo + part.start:lo + part.stop].astype(np.int64) + offsets[pop]] = True
    active = np.flatnonzero(fired)
    if active.size < 2:
        return float("nan")
    if active.size > max_neurons:
        active = np.sort(np.random.default_rng(seed).choice(active, max_neurons, replace=False))
    n = active.size
    slot = np.full(at, -1, dtype=np.int64)  # neuron id (offset) -> its row among the chosen
    slot[active] = np.arange(n)
    n_bins = _n_bins(t_stop_s - t_start_s, bin_s)
    total = sum(t.size for t, _ in spikes.values())
    window = max(1, int(n_bins * CHUNK_SPIKES // max(total, 1)))
    sum_i = np.zeros(n)  # per chosen neuron: sum over bins of its count, and of its count^2
    sum_sq_i = np.zeros(n)
    pop_counts = np.zeros(n_bins, dtype=np.int64)  # chosen neurons' spikes per bin
    for first in range(0, n_bins, window):
        last = min(first + window, n_bins)
        keys = []
        for pop, (t, ids) in spikes.items():
            # one bin of margin either side; the bin index (as _bin_index) decides membership
            a = np.searchsorted(t, t_start_s + (first - 1) * bin_s, side="left")
            b = np.searchsorted(t, t_start_s + (last + 1) * bin_s, side="right")
            tc = t[a:b]
            row = slot[ids[a:b].astype(np.int64) + offsets[pop]]
            keep = _in_window(tc, t_start_s, t_stop_s) & (row >= 0)
            bins = _bin_index(tc[keep], t_start_s, bin_s, n_bins)
            row = row[keep]
            mine = (bins >= first) & (bins < last)
            keys.append(row[mine] * (last - first) + (bins[mine] - first))
        key, counts = np.unique(np.concatenate(keys), return_counts=True)
        owner = key // (last - first)
        sum_i += np.bincount(owner, weights=counts, minlength=n)
        sum_sq_i += np.bincount(owner, weights=counts.astype(np.float64) ** 2, minlength=n)
        pop_counts[first:last] += np.bincount(key % (last - first), weights=counts,
                                              minlength=last - first).astype(np.int64)
    mean_i = sum_i / n_bins
    var_i = np.maximum(sum_sq_i / n_bins - mean_i**2, 0.0)
    pop = pop_counts / n
    var_pop = max(float(np.mean(pop**2) - np.mean(pop) ** 2), 0.0)
    denom = float(np.mean(var_i))
    if denom <= 0:
        return float("nan")
    return float(min(np.sqrt(var_pop / denom), 1.0 + 1e-12))


# --------------------------------------------------------------------------- per-run metrics
def network_bursts(
    spikes: Mapping[str, tuple[np.ndarray, np.ndarray]], n_nodes: Mapping[str, int],
    t_stop_s: float, params: BurstParams = BurstParams(), *,
    populations: Sequence[str] | None = None, t_start_s: float = 0.0,
) -> Bursts:
    """Bursts of the pooled population rate of ``populations`` (default: exc and inh)."""
    return _pooled_detection(spikes, n_nodes, t_stop_s, params, populations, t_start_s)[-1]


def _pooled_detection(spikes, n_nodes, t_stop_s, params, populations, t_start_s):
    """(params, populations, n_total, bursts) of the pooled populations."""
    p = params
    pops = select_populations(spikes, populations)
    bin_s = p.rate_bin_ms * 1e-3
    rate, n_total = pooled_rate(spikes, n_nodes, pops, t_stop_s, bin_s, t_start_s)
    return p, pops, n_total, detect_bursts(rate, bin_s, p, t_start_s=t_start_s)


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if np.size(values) else float("nan")


def burst_metrics(
    spikes: Mapping[str, tuple[np.ndarray, np.ndarray]], n_nodes: Mapping[str, int],
    t_stop_s: float, params: BurstParams = BurstParams(), *,
    populations: Sequence[str] | None = None, t_start_s: float = 0.0, seed: int = 0,
) -> dict[str, float | int | bool]:
    """Seizure-like metrics of one run (see :func:`burst_analysis`)."""
    return burst_analysis(spikes, n_nodes, t_stop_s, params, populations=populations,
                          t_start_s=t_start_s, seed=seed)[1]


def burst_analysis(
    spikes: Mapping[str, tuple[np.ndarray, np.ndarray]], n_nodes: Mapping[str, int],
    t_stop_s: float, params: BurstParams = BurstParams(), *,
    populations: Sequence[str] | None = None, t_start_s: float = 0.0, seed: int = 0,
) -> tuple[Bursts, dict[str, float | int | bool]]:
    """The detected bursts of one run and its seizure-like metrics, as plain Python
    floats/ints/bools.

    ``spikes`` maps population -> (times_s, node_ids) and ``n_nodes`` population -> size (the
    shapes of a stored run). The populations in ``populations`` (default exc and
    inh) are pooled for detection, spike counts and recruitment. ``seed`` fixes the neuron
    subsample of the synchrony measure. Keys (see the module docstring for conventions):

    ``n_bursts``, ``n_bursts_truncated`` (touching an edge), ``n_ictal_like``,
    ``n_interictal_like``, ``burst_rate_hz`` (events per second of record),
    ``mean_burst_duration_s`` (complete events), ``mean_interburst_interval_s`` (onset to onset),
    ``fraction_time_in_bursts``, ``spikes_per_burst`` (mean spikes of all pooled populations per
    event), ``peak_rate_hz`` (mean over events of the smoothed rate's peak),
    ``fraction_recruited`` (mean over events of the fraction of pooled neurons firing >= 1 spike
    in it), ``synchrony_chi``, ``runaway``, ``runaway_onset_s``, ``mean_rate_hz`` (pooled),
    ``rate_<pop>_hz`` for each pooled population, ``baseline_rate_hz``, ``threshold_rate_hz``.
    """
    p, pops, n_total, bursts = _pooled_detection(
        spikes, n_nodes, t_stop_s, params, populations, t_start_s)
    bin_s = p.rate_bin_ms * 1e-3
    span = t_stop_s - t_start_s

    # each population's spikes inside the window, time-sorted: views, not copies
    windowed = {}
    for pop in pops:
        t, i = time_sorted(*spikes[pop])
        lo = np.searchsorted(t, t_start_s, side="left")
        hi = np.searchsorted(t, t_stop_s, side="right")
        windowed[pop] = (t[lo:hi], i[lo:hi])

    spikes_per = np.zeros(bursts.n, dtype=np.int64)
    active = np.zeros(bursts.n, dtype=np.int64)
    for pop, (t, i) in windowed.items():
        first = _first_in_bin(t, bursts.start_bin, t_start_s, bin_s, bursts.n_bins)
        last = _first_in_bin(t, bursts.stop_bin, t_start_s, bin_s, bursts.n_bins)
        spikes_per += last - first
        size = int(n_nodes[pop])
        for k, (a, b) in enumerate(zip(first, last)):
            active[k] += np.count_nonzero(np.bincount(i[a:b], minlength=size))
    recruited = active / n_total

    nan = float("nan")
    out: dict[str, float | int | bool] = {}
    if bursts.runaway:
        out.update(
            n_bursts=0, n_bursts_truncated=0, n_ictal_like=0, n_interictal_like=0,
            burst_rate_hz=nan, mean_burst_duration_s=nan, mean_interburst_interval_s=nan,
            fraction_time_in_bursts=nan, spikes_per_burst=nan, peak_rate_hz=nan,
            fraction_recruited=nan,
        )
    else:
        n_ictal = int(np.count_nonzero(bursts.ictal_like))
        out.update(
            n_bursts=bursts.n,
            n_bursts_truncated=int(np.count_nonzero(~bursts.complete)),
            n_ictal_like=n_ictal,
            n_interictal_like=bursts.n - n_ictal,
            burst_rate_hz=bursts.n / span,
            mean_burst_duration_s=_mean(bursts.duration_s[bursts.complete]),
            mean_interburst_interval_s=_mean(bursts.interburst_interval_s),
            fraction_time_in_bursts=float(np.sum(bursts.stop_bin - bursts.start_bin))
            / bursts.n_bins,
            spikes_per_burst=_mean(spikes_per.astype(np.float64)),
            peak_rate_hz=_mean(bursts.peak_hz),
            fraction_recruited=_mean(recruited),
        )
    out["synchrony_chi"] = _golomb_chi(
        windowed, {pop: int(n_nodes[pop]) for pop in pops}, t_stop_s, p.synchrony_bin_ms * 1e-3,
        max_neurons=p.synchrony_max_neurons, seed=seed, t_start_s=t_start_s,
    )
    out["runaway"] = bool(bursts.runaway)
    out["runaway_onset_s"] = float(bursts.runaway_onset_s)
    out["mean_rate_hz"] = float(sum(t.size for t, _ in windowed.values()) / (n_total * span))
    for pop in pops:
        out[f"rate_{pop}_hz"] = float(windowed[pop][0].size / (int(n_nodes[pop]) * span))
    out["baseline_rate_hz"] = float(bursts.baseline_hz)
    out["threshold_rate_hz"] = float(bursts.threshold_hz)
    return bursts, {k: (v if isinstance(v, bool) else int(v) if isinstance(v, (int, np.integer))
                        else float(v)) for k, v in out.items()}
