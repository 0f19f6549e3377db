"""Ictal (seizure-like) events on a second time scale: pure numpy, no Brian2.

The interictal detector (:mod:`sim.analysis.bursts`) merges gaps of at most ~100 ms, so the
clonic phase of a seizure (bursts at 1-5 Hz) comes out of it as many short events. This module
looks at the same thresholded population rate on the scale of seconds:

    active(t) = smoothed pooled rate > the burst threshold (the same rule and threshold as the
                interictal detector, see sim.analysis.bursts)
      -> active stretches separated by gaps <= ``ictal_merge_gap_s`` merged (the envelope)
      -> envelope stretches lasting >= ``ictal_min_duration_s`` are ictal events
         (10 s by default; 2.5 s, the shortest low-Mg2+ discharge of Avoli et al. 1991, as an option)
      -> every interictal-detector event outside the ictal events is an interictal discharge

Per ictal event:

- **tonic phase**: on a grid of windows of ``phase_window_s`` from the onset, the longest run of
  windows in which the network is active for at least ``tonic_active_fraction`` of the time
  (sustained firing; the first of equally long ones); discharges before it open the event (an
  event need not start with sustained firing); a remainder shorter than one window joins it;
- **clonic phase**: the rest of the event after the tonic phase; its bursts are the active
  stretches in it (the interictal detector's gap merging applies), their frequency is reported
  for the first and the second half of the phase (``clonic_first_hz``, ``clonic_last_hz``:
  slowing = last < first);
- **phase threshold** (``phase_threshold_fraction``, 0 = off, the default): in a clonic phase the
  rate between bursts need not fall below the detection threshold (configs/seizure_slow_ahp.toml
  keeps firing at 10-60 Hz between bursts of 60-250 Hz), so the event reads as one tonic
  stretch. With a fraction f > 0 both phases are read on a threshold of its own per event,
  max(detection threshold, f x the event's peak smoothed rate): sustained firing near the peak is
  tonic, bursts that rise above f x peak out of a lower floor are clonic;
- **post-ictal suppression**: from the end of the event to the onset of the next active stretch
  of any kind (NaN when none follows before the end of the record: censored).

Events touching an edge of the record are counted (their observed duration is a lower bound) but
left out of the mean duration, and give no interval from an unknown onset. Intervals are onset to
onset between consecutive ictal events (Avoli et al. 1991 report recurrence the same way).

**Start-up events** (``ictal_startup_s``, 0 = off, the default): a network started rested (no AHP,
full synaptic resources, [K+]o at the bath's) can open with an event in its first fraction of a
second that no later moment of the run would make. With ``ictal_startup_s = S > 0`` an ictal
event that begins before S is the start-up transient: it stays in ``run.h5`` and the figure
(``/analysis/ictal/startup``), but no metric counts it: not the count or the rate (both over the
record after S), not a duration, interval, phase or post-ictal suppression, not the time to the
first event, and the [K+]o peak is read after it has ended. The rates inside and between events
still count its spikes as inside an event (they were).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

# the same thresholded-stretch primitives as the interictal detector, so both scales agree
from sim.analysis.bursts import _EPS, _merge, _segments, spike_chunks


@dataclass(frozen=True)
class IctalParams:
    """The ictal detector's parameters; the ``[analysis]`` table has the same names."""

    ictal_min_duration_s: float = 10.0
    ictal_merge_gap_s: float = 2.0
    phase_window_s: float = 0.5
    tonic_active_fraction: float = 0.9
    phase_threshold_fraction: float = 0.0
    burst_merge_gap_ms: float = 100.0
    burst_min_duration_ms: float = 20.0
    ictal_startup_s: float = 0.0

    def __post_init__(self) -> None:
        if not self.ictal_min_duration_s > 0 or self.ictal_merge_gap_s < 0:
            raise ValueError("ictal_min_duration_s must be > 0 and ictal_merge_gap_s >= 0")
        if not self.ictal_startup_s >= 0:
            raise ValueError("ictal_startup_s must be >= 0")
        if not self.phase_window_s > 0 or not 0 < self.tonic_active_fraction <= 1:
            raise ValueError("phase_window_s must be > 0 and tonic_active_fraction in (0, 1]")
        if not 0 <= self.phase_threshold_fraction < 1:
            raise ValueError("phase_threshold_fraction must be in [0, 1)")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> IctalParams:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


def _bins(seconds: float, bin_s: float, *, up: bool = False) -> int:
    x = seconds / bin_s
    return int(np.ceil(x - _EPS)) if up else int(np.floor(x + _EPS))


@dataclass(frozen=True)
class IctalEvents:
    """Ictal events and interictal discharges on one thresholded rate trace (bins of ``bin_s``
    from ``t_start_s``). Arrays of ``start_bin``/``stop_bin`` are per ictal event."""

    t_start_s: float
    bin_s: float
    n_bins: int
    start_bin: np.ndarray
    stop_bin: np.ndarray
    tonic_s: np.ndarray
    phase_level_hz: np.ndarray  # the level the phases were read on (the threshold, or f x peak)
    clonic_bursts: np.ndarray
    clonic_first_hz: np.ndarray
    clonic_last_hz: np.ndarray
    postictal_s: np.ndarray
    discharge_start_bin: np.ndarray  # interictal discharges (outside ictal events)
    discharge_stop_bin: np.ndarray
    active_start_bin: np.ndarray  # every active stretch (after the burst-scale merge)
    active_stop_bin: np.ndarray
    startup_bins: int = 0  # events beginning in bins [0, startup_bins) are the start-up transient

    @property
    def n(self) -> int:
        return int(self.start_bin.size)

    @property
    def startup(self) -> np.ndarray:
        """Per event: it begins before ``ictal_startup_s`` (the start-up transient)."""
        return self.start_bin < self.startup_bins

    @property
    def onset_known(self) -> np.ndarray:
        """Per event: a spontaneous onset inside the record (not cut by its start, not start-up)."""
        return (self.start_bin > 0) & ~self.startup

    @property
    def start_s(self) -> np.ndarray:
        return self.t_start_s + self.start_bin * self.bin_s

    @property
    def stop_s(self) -> np.ndarray:
        return self.t_start_s + self.stop_bin * self.bin_s

    @property
    def duration_s(self) -> np.ndarray:
        return (self.stop_bin - self.start_bin) * self.bin_s

    @property
    def complete(self) -> np.ndarray:
        return self.onset_known & (self.stop_bin < self.n_bins)

    def in_events(self) -> np.ndarray:
        """Boolean per bin: inside an ictal event or an interictal discharge."""
        mask = np.zeros(self.n_bins, dtype=bool)
        for a, b in zip(self.active_start_bin, self.active_stop_bin):
            mask[a:b] = True
        for a, b in zip(self.start_bin, self.stop_bin):
            mask[a:b] = True
        return mask


def _longest_run(flags: np.ndarray) -> tuple[int, int]:
    """(start, stop) of the longest run of True in ``flags`` (the first of equal ones); (0, 0)
    when there is none."""
    starts, stops = _segments(flags)
    if not starts.size:
        return 0, 0
    i = int(np.argmax(stops - starts))
    return int(starts[i]), int(stops[i])


def detect_ictal(smoothed_hz: np.ndarray, threshold_hz: float, bin_s: float,
                 params: IctalParams = IctalParams(), *, t_start_s: float = 0.0) -> IctalEvents:
    """Ictal events, their phases and the interictal discharges of a smoothed rate trace."""
    p = params
    if not bin_s > 0:
        raise ValueError(f"bin_s must be > 0, got {bin_s}")
    s = np.asarray(smoothed_hz, dtype=np.float64).ravel()
    if not np.all(np.isfinite(s)):
        raise ValueError("smoothed_hz contains NaN or inf")
    n = s.size
    active = s > threshold_hz
    # the burst scale: the interictal detector's merge and minimum duration
    gap = _bins(p.burst_merge_gap_ms * 1e-3, bin_s)
    shortest = _bins(p.burst_min_duration_ms * 1e-3, bin_s, up=True)
    a0, b0 = _merge(*_segments(active), gap)
    keep = (b0 - a0) >= shortest
    a0, b0 = a0[keep], b0[keep]
    # the seizure scale: merge gaps up to ictal_merge_gap_s, keep the long ones
    ea, eb = _merge(a0, b0, _bins(p.ictal_merge_gap_s, bin_s))
    long_ = (eb - ea) >= _bins(p.ictal_min_duration_s, bin_s, up=True)
    ea, eb = ea[long_], eb[long_]

    win = max(1, _bins(p.phase_window_s, bin_s))
    tonic, levels, n_clonic, first, last, post = [], [], [], [], [], []
    for a, b in zip(ea, eb):
        # the phases' own threshold (the detection threshold unless phase_threshold_fraction > 0);
        # ``on`` is the event's bins, from its onset
        on, level = active[a:b], float(threshold_hz)
        if p.phase_threshold_fraction > 0:
            level = max(level, p.phase_threshold_fraction * float(s[a:b].max()))
            on = s[a:b] > level
        # tonic: the longest run of windows (from the onset, phase_window_s each) active for
        # >= tonic_active_fraction of their bins; the discharges before it open the event
        nwin = (b - a) // win
        sustained = on[:nwin * win].reshape(nwin, win).mean(axis=1) \
            >= p.tonic_active_fraction - _EPS
        t0, t1 = _longest_run(sustained)
        c0 = a + t1 * win if t1 > t0 else a
        if b - c0 < win:  # a tail shorter than one window is not a phase of its own
            c0 = b
        tonic.append((c0 - (a + t0 * win)) * bin_s if t1 > t0 else 0.0)
        levels.append(level)
        if p.phase_threshold_fraction > 0:  # bursts above the event's own level, after the tonic
            ca, cb = _merge(*_segments(on[c0 - a:]), gap)
            onsets = c0 + ca[(cb - ca) >= shortest]
        else:  # bursts of the whole-record detection that start in the clonic phase
            onsets = a0[(a0 >= c0) & (a0 < b)]
        n_clonic.append(int(onsets.size))
        half = c0 + (b - c0) // 2
        span1, span2 = (half - c0) * bin_s, (b - half) * bin_s
        first.append(np.count_nonzero(onsets < half) / span1 if span1 > 0 else np.nan)
        last.append(np.count_nonzero(onsets >= half) / span2 if span2 > 0 else np.nan)
        later = a0[a0 >= b]
        post.append((later[0] - b) * bin_s if later.size and b < n else np.nan)

    outside = np.ones(a0.size, dtype=bool)
    for a, b in zip(ea, eb):
        outside &= ~((a0 >= a) & (b0 <= b))
    as_array = np.asarray
    return IctalEvents(
        t_start_s=float(t_start_s), bin_s=float(bin_s), n_bins=n,
        start_bin=ea.astype(np.int64), stop_bin=eb.astype(np.int64),
        tonic_s=as_array(tonic, dtype=np.float64),
        phase_level_hz=as_array(levels, dtype=np.float64),
        clonic_bursts=as_array(n_clonic, dtype=np.int64),
        clonic_first_hz=as_array(first, dtype=np.float64),
        clonic_last_hz=as_array(last, dtype=np.float64),
        postictal_s=as_array(post, dtype=np.float64),
        discharge_start_bin=a0[outside].astype(np.int64),
        discharge_stop_bin=b0[outside].astype(np.int64),
        active_start_bin=a0.astype(np.int64), active_stop_bin=b0.astype(np.int64),
        startup_bins=_bins(p.ictal_startup_s, bin_s, up=True),
    )


def _mean(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else float("nan")


def _k_o_peak(ev: IctalEvents, k_o_mM: np.ndarray | None, k_o_t_s: np.ndarray | None) -> float:
    """The [K+]o peak of the record, after the end of the last start-up event if there is one
    (NaN if that event lasts to the end of the record: nothing comes after it)."""
    if k_o_mM is None or not len(k_o_mM):
        return float("nan")
    k = np.asarray(k_o_mM, dtype=np.float64)
    if ev.startup.any():
        if k_o_t_s is None:
            raise ValueError("k_o_t_s is needed to read the [K+]o peak after start-up events")
        if ev.stop_bin[ev.startup].max() >= ev.n_bins:
            return float("nan")
        k = k[np.asarray(k_o_t_s) >= ev.stop_s[ev.startup].max() - _EPS]
    return float(k.max()) if k.size else float("nan")


def ictal_metrics(ev: IctalEvents, spikes: Mapping[str, np.ndarray], n_nodes: Mapping[str, int],
                  k_o_mM: np.ndarray | None = None,
                  k_o_t_s: np.ndarray | None = None) -> dict[str, float | int]:
    """summary.json's ictal metrics of detected events (see the module docstring).

    ``spikes`` maps population -> spike times (s); rates in and between events are per neuron,
    over the bins of the record inside (or outside) any ictal event or interictal discharge.
    ``k_o_t_s`` (the times of ``k_o_mM``) is needed only to read the peak after start-up events.
    """
    counted = ~ev.startup
    span_s = (ev.n_bins - min(ev.startup_bins, ev.n_bins)) * ev.bin_s
    ictal_bins = int(np.sum(ev.stop_bin - ev.start_bin))
    free_s = (ev.n_bins - ictal_bins) * ev.bin_s
    starts = ev.start_s[counted]
    known = ev.onset_known[counted]
    intervals = np.diff(starts)[known[:-1]] if starts.size > 1 else np.empty(0)
    n = int(np.count_nonzero(counted))
    out: dict[str, float | int] = {
        "ictal_event_count": n,
        "ictal_rate_per_min": n / span_s * 60.0 if span_s > 0 else float("nan"),
        "mean_ictal_duration_s": _mean(ev.duration_s[ev.complete]),
        "mean_interictal_interval_s": _mean(intervals),
        "time_to_first_ictal_s": float(starts[known][0]) if known.any() else float("nan"),
        "interictal_discharge_rate_hz": (ev.discharge_start_bin.size / free_s
                                         if free_s > 0 else float("nan")),
        "postictal_suppression_s": _mean(ev.postictal_s[counted]),
        "tonic_duration_s": _mean(ev.tonic_s[ev.complete]),
        "clonic_first_hz": _mean(ev.clonic_first_hz[ev.complete]),
        "clonic_last_hz": _mean(ev.clonic_last_hz[ev.complete]),
        "k_o_peak_mM": _k_o_peak(ev, k_o_mM, k_o_t_s),
    }
    mask = ev.in_events()
    in_s, out_s = mask.sum() * ev.bin_s, (~mask).sum() * ev.bin_s
    for pop, times in spikes.items():
        t = np.asarray(times, dtype=np.float64)
        inside = total = 0
        for part in spike_chunks(t.size):  # tens of millions of spikes: per-chunk temporaries only
            idx = np.floor((t[part] - ev.t_start_s) / ev.bin_s + _EPS).astype(np.int64)
            idx = idx[(idx >= 0) & (idx < ev.n_bins)]
            inside += int(np.count_nonzero(mask[idx]))
            total += idx.size
        n_pop = int(n_nodes[pop])
        out[f"rate_{pop}_in_events_hz"] = (float(inside / (n_pop * in_s)) if in_s > 0
                                           else float("nan"))
        out[f"rate_{pop}_between_events_hz"] = (float((total - inside) / (n_pop * out_s))
                                                if out_s > 0 else float("nan"))
    return out
