"""Burst detection and seizure-like metrics on synthetic rates and spike trains, known bursts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis.bursts import (
    BurstParams,
    burst_metrics,
    detect_bursts,
    golomb_chi,
    network_bursts,
    population_rate,
    smooth_rate,
)
from sim.config import ConfigError, resolve

BIN = 0.001  # s
RAW = dict(burst_smooth_ms=0.0)  # exact edges: no smoothing


def P(**kw) -> BurstParams:  # noqa: N802 - short for the many parameter sets below
    return BurstParams(**kw)


def rect_rate(duration_s: float, bursts: list[tuple[float, float, float]], base: float = 2.0):
    """A 1 ms-binned rate: ``base`` Hz plus rectangular (start_s, stop_s, height_hz) bursts."""
    r = np.full(int(round(duration_s / BIN)), base)
    for start, stop, height in bursts:
        r[int(round(start / BIN)):int(round(stop / BIN))] = height
    return r


# --------------------------------------------------------------------------- population_rate
def test_population_rate_counts_per_neuron_per_second():
    times = np.array([0.0, 0.0004, 0.0015, 0.0099, 0.0100, 0.0100])
    rate = population_rate(times, n_neurons=10, t_stop_s=0.01, bin_s=0.001)
    assert rate.shape == (10,)
    # bin 0: 2 spikes, bin 1: 1, bin 9: 1 + 2 at exactly t_stop (counted in the last bin)
    expected = np.zeros(10)
    expected[[0, 1, 9]] = [2, 1, 3]
    np.testing.assert_allclose(rate, expected / (10 * 0.001))


def test_population_rate_bin_edges_and_window():
    # 0.3 s / 1 ms is 299.999... in floating point; the spike belongs to bin 300
    rate = population_rate([0.3, -0.1, 2.5], n_neurons=1, t_stop_s=1.0, bin_s=0.001)
    assert rate.size == 1000 and rate.sum() == pytest.approx(1000.0)
    assert rate[300] == pytest.approx(1000.0)
    shifted = population_rate([1.75], 4, t_stop_s=2.0, bin_s=0.5, t_start_s=1.0)
    np.testing.assert_allclose(shifted, [0.0, 0.5])


def test_population_rate_no_spikes_and_bad_input():
    np.testing.assert_array_equal(population_rate([], 5, 1.0, 0.1), np.zeros(10))
    with pytest.raises(ValueError):
        population_rate([], 5, 0.0, 0.1)
    with pytest.raises(ValueError):
        population_rate([], 0, 1.0, 0.1)


# --------------------------------------------------------------------------- detect_bursts
def test_rectangular_bursts_exact_counts_and_durations():
    r = rect_rate(10.0, [(1.0, 1.2, 50), (3.0, 3.5, 50), (6.0, 6.05, 40)])
    b = detect_bursts(r, BIN, P(**RAW))
    assert b.n == 3
    np.testing.assert_allclose(b.start_s, [1.0, 3.0, 6.0], atol=BIN / 2)
    np.testing.assert_allclose(b.duration_s, [0.2, 0.5, 0.05], atol=BIN / 2)
    np.testing.assert_allclose(b.peak_hz, [50, 50, 40])
    assert b.baseline_hz == pytest.approx(2.0)
    assert b.threshold_hz == pytest.approx(7.0)  # max(3 x 2, 2 + 5)
    np.testing.assert_allclose(b.interburst_interval_s, [2.0, 3.0], atol=BIN / 2)
    assert not b.runaway and not b.touches_start.any() and not b.touches_end.any()


def test_threshold_is_factor_times_baseline_when_larger():
    r = rect_rate(5.0, [(1.0, 1.3, 35.0), (2.0, 2.3, 25.0)], base=10.0)  # threshold 30 Hz
    b = detect_bursts(r, BIN, P(**RAW))
    assert b.threshold_hz == pytest.approx(30.0)
    assert b.n == 1 and b.start_s[0] == pytest.approx(1.0)


def test_baseline_is_capped_for_a_run_mostly_inside_one_event():
    # 120 s at 2 Hz with 200 Hz events over 1-100 s and 108-119 s: 10 s (8 %) at rest, so the 10th
    # percentile is the events' rate and an uncapped threshold (600 Hz) would hide both events
    r = rect_rate(120.0, [(1.0, 100.0, 200.0), (108.0, 119.0, 200.0)])
    uncapped = detect_bursts(r, BIN, P(burst_baseline_max_hz=1000.0, **RAW))
    assert uncapped.baseline_hz == pytest.approx(200.0) and uncapped.n == 0
    b = detect_bursts(r, BIN, P(**RAW))
    assert b.baseline_hz == pytest.approx(20.0) and b.threshold_hz == pytest.approx(60.0)
    assert b.n == 2 and not b.runaway
    np.testing.assert_allclose(b.start_s, [1.0, 108.0], atol=BIN / 2)
    np.testing.assert_allclose(b.duration_s, [99.0, 11.0], atol=BIN / 2)
    # a steady high state that never rests is not one run-long event: no ceiling, no event
    steady = detect_bursts(rect_rate(120.0, [], base=90.0), BIN, P(**RAW))
    assert steady.baseline_hz == pytest.approx(90.0) and steady.n == 0
    # a rest shorter than 1 s is not a rest
    brief = rect_rate(120.0, [(0.0, 60.0, 90.0), (60.9, 120.0, 90.0)], base=2.0)
    assert detect_bursts(brief, BIN, P(**RAW)).baseline_hz == pytest.approx(90.0)
    # a baseline below the ceiling is left alone
    assert detect_bursts(rect_rate(5.0, [(1.0, 1.3, 35.0)], base=10.0), BIN,
                         P(**RAW)).baseline_hz == pytest.approx(10.0)


def test_merging_of_events_separated_by_short_gaps():
    r = rect_rate(5.0, [(1.0, 1.2, 50), (1.23, 1.4, 50), (3.0, 3.2, 50), (3.3, 3.5, 50)])
    b = detect_bursts(r, BIN, P(burst_merge_gap_ms=50.0, **RAW))
    # the 30 ms gap is merged, the 100 ms gap is not
    assert b.n == 3
    np.testing.assert_allclose(b.duration_s, [0.4, 0.2, 0.2], atol=BIN / 2)
    # a gap of exactly the merge gap is merged (<=); no merging at all with 0
    assert detect_bursts(r, BIN, P(burst_merge_gap_ms=100.0, **RAW)).n == 2
    assert detect_bursts(r, BIN, P(burst_merge_gap_ms=0.0, **RAW)).n == 4


def test_minimum_duration_applies_after_merging():
    r = rect_rate(5.0, [(1.0, 1.01, 80), (2.0, 2.01, 80), (2.03, 2.04, 80), (4.0, 4.025, 80)])
    b = detect_bursts(r, BIN, P(burst_min_duration_ms=20.0, burst_merge_gap_ms=50.0, **RAW))
    # 10 ms alone: dropped; 10 + 20 gap + 10 = 40 ms merged: kept; 25 ms: kept
    assert b.n == 2
    np.testing.assert_allclose(b.start_s, [2.0, 4.0], atol=BIN / 2)
    np.testing.assert_allclose(b.duration_s, [0.04, 0.025], atol=BIN / 2)
    no_minimum = P(burst_min_duration_ms=0.0, burst_merge_gap_ms=0.0, **RAW)
    assert detect_bursts(r, BIN, no_minimum).n == 4


def test_edge_bursts_are_counted_and_flagged():
    r = rect_rate(10.0, [(0.0, 0.3, 50), (5.0, 5.4, 50), (9.8, 10.0, 50)])
    b = detect_bursts(r, BIN, P(**RAW))
    assert b.n == 3
    np.testing.assert_array_equal(b.touches_start, [True, False, False])
    np.testing.assert_array_equal(b.touches_end, [False, False, True])
    np.testing.assert_array_equal(b.complete, [False, True, False])
    np.testing.assert_allclose(b.duration_s, [0.3, 0.4, 0.2], atol=BIN / 2)
    # no interval starts at the first event (its onset is before the record)
    np.testing.assert_allclose(b.interburst_interval_s, [4.8], atol=BIN / 2)


def test_silence_and_constant_activity_have_no_bursts():
    for r in (np.zeros(5000), np.full(5000, 8.0)):
        b = detect_bursts(r, BIN)
        assert b.n == 0 and not b.runaway


def test_smoothing_keeps_edges_when_threshold_is_at_half_height():
    r = rect_rate(4.0, [(1.0, 1.5, 100.0)], base=0.0)
    b = detect_bursts(r, BIN, P(burst_smooth_ms=10.0, burst_min_excess_hz=50.0))
    assert b.n == 1
    assert b.start_s[0] == pytest.approx(1.0, abs=BIN)
    assert b.duration_s[0] == pytest.approx(0.5, abs=2 * BIN)
    # smoothing a 10 ms spike in 1 ms bins lowers its peak, a flat trace stays flat
    s = smooth_rate(rect_rate(1.0, [(0.5, 0.501, 1000.0)], base=0.0), BIN, 10.0)
    assert s.max() < 100 and s.sum() == pytest.approx(1000.0)


def test_runaway_trace_gives_no_bursts():
    r = rect_rate(10.0, [(1.0, 1.2, 50), (3.0, 10.0, 300)])
    b = detect_bursts(r, BIN, P(**RAW))
    assert b.runaway and b.runaway_onset_s == pytest.approx(3.0)
    assert b.n == 0
    # a long high-rate event that ends before the record does (mean rate < 100 Hz) is an event
    ends = detect_bursts(rect_rate(10.0, [(3.0, 9.0, 150)]), BIN, P(**RAW))
    assert not ends.runaway and ends.n == 1 and ends.duration_s[0] == pytest.approx(6.0)
    # saturation for only the last 10 % of the record is not enough (runaway_min_fraction 0.25)
    late = detect_bursts(rect_rate(10.0, [(9.0, 10.0, 300)]), BIN, P(**RAW))
    assert not late.runaway and late.n == 1 and late.touches_end[0]


def test_runaway_by_mean_rate_near_saturation():
    # saturated bursts alternating with short pauses: never pinned, mean rate 150 Hz
    r = np.tile(np.r_[np.full(300, 200.0), np.zeros(100)], 20)
    b = detect_bursts(r, BIN, P(burst_merge_gap_ms=50.0, **RAW))
    assert b.runaway and b.n == 0
    assert not detect_bursts(r * 0.5, BIN, P(burst_merge_gap_ms=50.0, **RAW)).runaway


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="burst_threshold_factor"):
        detect_bursts(np.zeros(10), BIN, P(burst_threshold_factor=-1.0))
    with pytest.raises(ValueError, match="burst_baseline_max_hz"):
        P(burst_baseline_max_hz=0.0)
    with pytest.raises(TypeError, match="no_such_key"):
        detect_bursts(np.zeros(10), BIN, P(no_such_key=1.0))
    with pytest.raises(ValueError):
        detect_bursts(np.array([0.0, np.nan]), BIN)


# --------------------------------------------------------------------------- config
def test_baseline_from_a_control_period():
    """A Mg2+ wash-out: 20 s of asynchronous firing at 14 Hz in normal ACSF, then post-ictal-like
    silence at 0.2 Hz with a 15 s seizure at 170 Hz from 60 s. Over the whole record the low
    percentile is the silence's, so the 14 Hz control period lies above the threshold and joins
    the seizure's count; with the control period as the baseline it does not."""
    r = rect_rate(120.0, [(0.0, 20.0, 14.0), (60.0, 75.0, 170.0)], base=0.2)
    whole = detect_bursts(r, BIN, P(**RAW))
    assert whole.threshold_hz == pytest.approx(5.2) and whole.n == 2
    assert whole.start_s[0] == pytest.approx(0.0)  # the control period is an "event"
    b = detect_bursts(r, BIN, P(burst_baseline_until_s=20.0, **RAW))
    assert b.baseline_hz == pytest.approx(14.0) and b.threshold_hz == pytest.approx(42.0)
    assert b.n == 1
    np.testing.assert_allclose([b.start_s[0], b.duration_s[0]], [60.0, 15.0], atol=BIN / 2)
    # the window is counted from the record's own start (after the warm-up)
    late = detect_bursts(r[2000:], BIN, P(burst_baseline_until_s=20.0, **RAW), t_start_s=2.0)
    assert late.baseline_hz == pytest.approx(14.0) and late.n == 1
    with pytest.raises(ValueError, match="burst_baseline_until_s"):
        detect_bursts(r[2000:], BIN, P(burst_baseline_until_s=1.0, **RAW), t_start_s=2.0)
    # the config refuses a control period inside the warm-up or beyond the run
    with pytest.raises(ConfigError, match="analysis.burst_baseline_until_s"):
        resolve({"analysis": {"burst_baseline_until_s": 1.0}})
    with pytest.raises(ConfigError, match="analysis.burst_baseline_until_s"):
        resolve({"analysis": {"burst_baseline_until_s": 30.0}, "protocol": {"duration_s": 20.0}})


def test_analysis_keys_live_in_the_config():
    cfg = resolve({"analysis": {"burst_merge_gap_ms": 20, "ictal_min_duration_s": 10.0}})
    assert cfg.analysis.burst_merge_gap_ms == 20.0
    params = BurstParams.from_mapping(cfg.analysis.model_dump())
    assert params.ictal_min_duration_s == 10.0 and params.burst_merge_gap_ms == 20.0
    # the config's defaults are the detector's (one definition, in sim.analysis.bursts)
    assert BurstParams.from_mapping(resolve({}).analysis.model_dump()) == BurstParams()
    with pytest.raises(ConfigError, match="analysis.burst_min_excess_hz"):
        resolve({"analysis": {"burst_min_excess_hz": 0.0}})
    with pytest.raises(ConfigError, match="analysis.runaway_min_fraction"):
        resolve({"analysis": {"runaway_min_fraction": 1.5}})


# --------------------------------------------------------------------------- spike trains
def burst_trains(n=200, duration=10.0, bursts=((2.0, 2.2, 200), (5.0, 5.5, 100)), seed=0,
                 base_hz=2.0, period=0.01):
    """Poisson background (outside bursts) + bursts in which the first ``k`` neurons fire
    once per ``period`` (10 ms) with a random phase: exactly one spike per 10 ms bin each."""
    rng = np.random.default_rng(seed)
    times, ids = [], []
    n_bg = rng.poisson(base_hz * n * duration)
    t_bg, i_bg = rng.uniform(0, duration, n_bg), rng.integers(0, n, n_bg)
    outside = np.ones(n_bg, bool)
    for start, stop, _ in bursts:
        outside &= ~((t_bg >= start) & (t_bg < stop))
    times.append(t_bg[outside])
    ids.append(i_bg[outside])
    for start, stop, k in bursts:
        phase = rng.uniform(0, period, k)
        for cycle in range(int(round((stop - start) / period))):
            times.append(start + cycle * period + phase)
            ids.append(np.arange(k))
    t, i = np.concatenate(times), np.concatenate(ids)
    return t, i


TRAIN_PARAMS = dict(rate_bin_ms=10.0, burst_smooth_ms=0.0, burst_min_excess_hz=20.0,
                    burst_merge_gap_ms=50.0)


def test_metrics_of_spike_trains_with_known_bursts():
    t, i = burst_trains()
    n_exc = 150  # split the 200 neurons into exc (0-149) and inh (150-199)
    spikes = {"exc": (t[i < n_exc], i[i < n_exc]), "inh": (t[i >= n_exc], i[i >= n_exc] - n_exc),
              "input": (np.linspace(0, 10, 10_000), np.zeros(10_000, int))}
    m = burst_metrics(spikes, {"exc": n_exc, "inh": 50, "input": 1}, 10.0,
                      P(ictal_min_duration_s=0.4, **TRAIN_PARAMS))
    assert m["n_bursts"] == 2 and m["n_bursts_truncated"] == 0
    assert m["n_ictal_like"] == 1 and m["n_interictal_like"] == 1
    assert m["burst_rate_hz"] == pytest.approx(0.2)
    assert m["mean_burst_duration_s"] == pytest.approx(0.35, abs=0.01)  # (0.2 + 0.5) / 2
    assert m["mean_interburst_interval_s"] == pytest.approx(3.0, abs=0.01)
    assert m["fraction_time_in_bursts"] == pytest.approx(0.07, abs=0.002)
    # burst 1: 200 neurons x 20 cycles, burst 2: 100 neurons x 50 cycles
    assert m["spikes_per_burst"] == pytest.approx((200 * 20 + 100 * 50) / 2)
    assert m["fraction_recruited"] == pytest.approx((1.0 + 0.5) / 2)
    assert m["peak_rate_hz"] == pytest.approx((100.0 + 50.0) / 2)
    assert m["runaway"] is False and math.isnan(m["runaway_onset_s"])
    assert set(m) >= {"rate_exc_hz", "rate_inh_hz", "synchrony_chi", "mean_rate_hz"}
    assert "rate_input_hz" not in m  # input generators are not pooled by default
    total = sum(len(s[0]) for p, s in spikes.items() if p != "input")
    assert m["mean_rate_hz"] == pytest.approx(total / (200 * 10.0))
    for key, value in m.items():
        assert type(value) in (int, float, bool), key


def test_metrics_edge_burst_excluded_from_mean_duration():
    t, i = burst_trains(bursts=((0.0, 0.3, 200), (4.0, 4.2, 200), (9.6, 10.0, 200)))
    m = burst_metrics({"exc": (t, i)}, {"exc": 200}, 10.0, P(**TRAIN_PARAMS))
    assert m["n_bursts"] == 3 and m["n_bursts_truncated"] == 2
    assert m["mean_burst_duration_s"] == pytest.approx(0.2, abs=0.01)
    assert m["mean_interburst_interval_s"] == pytest.approx(5.6, abs=0.01)
    assert m["fraction_time_in_bursts"] == pytest.approx(0.09, abs=0.002)


def test_metrics_no_spikes():
    empty = (np.empty(0), np.empty(0, int))
    m = burst_metrics({"exc": empty, "inh": empty}, {"exc": 80, "inh": 20}, 2.0)
    assert m["n_bursts"] == 0 and m["burst_rate_hz"] == 0.0 and m["fraction_time_in_bursts"] == 0
    assert math.isnan(m["mean_burst_duration_s"]) and math.isnan(m["spikes_per_burst"])
    assert math.isnan(m["synchrony_chi"]) and m["runaway"] is False
    assert m["rate_exc_hz"] == 0.0 and m["rate_inh_hz"] == 0.0


def test_metrics_runaway_reports_no_burst_metrics():
    rng = np.random.default_rng(3)
    t_bg, i_bg = rng.uniform(0, 2.0, 400), rng.integers(0, 100, 400)
    t_sat = np.concatenate([np.arange(2.0, 6.0, 0.004) + rng.uniform(0, 0.004) for _ in range(100)])
    i_sat = np.repeat(np.arange(100), t_sat.size // 100)
    spikes = {"exc": (np.r_[t_bg, t_sat], np.r_[i_bg, i_sat])}
    m = burst_metrics(spikes, {"exc": 100}, 6.0)
    assert m["runaway"] is True
    assert m["runaway_onset_s"] == pytest.approx(2.0, abs=0.05)
    assert m["n_bursts"] == 0 and m["n_ictal_like"] == 0 and m["n_interictal_like"] == 0
    for key in ("burst_rate_hz", "mean_burst_duration_s", "mean_interburst_interval_s",
                "fraction_time_in_bursts", "spikes_per_burst", "peak_rate_hz",
                "fraction_recruited"):
        assert math.isnan(m[key]), key
    assert m["rate_exc_hz"] > 150


def test_network_bursts_uses_config_bin_and_populations():
    t, i = burst_trains()
    b = network_bursts({"exc": (t, i)}, {"exc": 200}, 10.0, P(**TRAIN_PARAMS))
    assert b.bin_s == pytest.approx(0.01) and b.n == 2
    with pytest.raises(KeyError):
        network_bursts({"exc": (t, i)}, {"exc": 200}, 10.0, populations=["inh"])


# --------------------------------------------------------------------------- synchrony
def test_golomb_chi_synchronous_trains_is_one():
    rng = np.random.default_rng(1)
    shared = np.sort(rng.uniform(0, 5.0, 50))
    t = np.tile(shared, 100)
    i = np.repeat(np.arange(100), shared.size)
    assert golomb_chi(t, i, 5.0, 0.01) == pytest.approx(1.0, abs=1e-9)


def test_golomb_chi_independent_poisson_is_near_zero_and_scales_with_sample():
    rng = np.random.default_rng(2)
    n, duration, rate = 1000, 10.0, 10.0
    k = rng.poisson(rate * n * duration)
    t, i = rng.uniform(0, duration, k), rng.integers(0, n, k)
    chi_200 = golomb_chi(t, i, duration, 0.01, max_neurons=200)
    chi_all = golomb_chi(t, i, duration, 0.01, max_neurons=n)
    # independent trains: chi ~ 1/sqrt(N)
    assert chi_200 == pytest.approx(1 / np.sqrt(200), abs=0.03)
    assert chi_all == pytest.approx(1 / np.sqrt(n), abs=0.015)
    assert golomb_chi(t, i, duration, 0.01, max_neurons=200, seed=5) < 0.15


def test_golomb_chi_of_bursting_trains_is_high_and_degenerate_cases_nan():
    t, i = burst_trains()
    assert burst_metrics({"exc": (t, i)}, {"exc": 200}, 10.0, P(**TRAIN_PARAMS))[
        "synchrony_chi"] > 0.5
    assert math.isnan(golomb_chi([0.1, 0.2], [3, 3], 1.0, 0.01))  # one active neuron
    with pytest.raises(ValueError):
        golomb_chi([0.1], [1, 2], 1.0, 0.01)
