"""Two-scale event detection (sim.analysis.ictal) on synthetic traces with exact answers."""

import math

import numpy as np
import pytest

from sim.analysis.ictal import IctalParams, detect_ictal, ictal_metrics

BIN = 0.01  # s
THRESHOLD = 10.0  # Hz


def trace(duration_s, high):
    """A rate trace at 2 Hz with 200 Hz over each (start, stop) of ``high`` (bin-aligned)."""
    s = np.full(round(duration_s / BIN), 2.0)
    for a, b in high:
        s[round(a / BIN):round(b / BIN)] = 200.0
    return s


def seizure_record():
    """90 s: discharges at 5, 10, 15 s; a 20 s seizure at 20 s (8 s tonic, clonic bursts at 4 Hz
    then 2 Hz); discharges at 50, 55 s; a 15 s tonic-only seizure at 60 s; a discharge at 80 s."""
    high = [(5, 5.2), (10, 10.2), (15, 15.2), (20, 28)]
    high += [(28.15 + 0.25 * k, 28.25 + 0.25 * k) for k in range(24)]
    high += [(34.4 + 0.5 * k, 34.5 + 0.5 * k) for k in range(12)]
    high += [(50, 50.2), (55, 55.2), (60, 75), (80, 80.2)]
    return trace(90, high)


def test_seizures_phases_and_discharges_have_exact_values():
    ev = detect_ictal(seizure_record(), THRESHOLD, BIN)
    assert ev.n == 2
    np.testing.assert_allclose(ev.start_s, [20, 60])
    np.testing.assert_allclose(ev.stop_s, [40, 75])
    np.testing.assert_allclose(ev.tonic_s, [8, 15])
    np.testing.assert_array_equal(ev.clonic_bursts, [36, 0])
    np.testing.assert_allclose(ev.clonic_first_hz[0], 4.0)
    np.testing.assert_allclose(ev.clonic_last_hz[0], 2.0)
    np.testing.assert_allclose(ev.postictal_s, [10, 5])
    assert ev.discharge_start_bin.size == 6

    m = ictal_metrics(ev, {}, {}, k_o_mM=np.array([3.5, 9.0, 4.0]))
    assert m["ictal_event_count"] == 2
    assert m["ictal_rate_per_min"] == pytest.approx(2 / 1.5)
    assert m["mean_ictal_duration_s"] == pytest.approx(17.5)
    assert m["mean_interictal_interval_s"] == pytest.approx(40)
    assert m["time_to_first_ictal_s"] == pytest.approx(20)
    assert m["interictal_discharge_rate_hz"] == pytest.approx(6 / 55)
    assert m["postictal_suppression_s"] == pytest.approx(7.5)
    assert m["tonic_duration_s"] == pytest.approx(11.5)
    assert m["clonic_first_hz"] == pytest.approx(4.0)  # the tonic-only seizure has no clonic phase
    assert m["k_o_peak_mM"] == 9.0


def test_minimum_duration_and_merge_gap_decide_what_is_ictal():
    s = trace(60, [(10, 13), (30, 34), (36.5, 42)])  # 3 s; 4 s + 5.5 s with a 2.5 s gap
    assert detect_ictal(s, THRESHOLD, BIN).n == 0
    short = detect_ictal(s, THRESHOLD, BIN, IctalParams(ictal_min_duration_s=2.5))
    np.testing.assert_allclose(short.start_s, [10, 30, 36.5])
    merged = detect_ictal(s, THRESHOLD, BIN, IctalParams(ictal_merge_gap_s=3.0))
    np.testing.assert_allclose(merged.start_s, [30])
    np.testing.assert_allclose(merged.stop_s, [42])


def test_edge_events_are_counted_but_not_averaged():
    s = trace(60, [(0, 15), (30, 45), (50, 60)])
    ev = detect_ictal(s, THRESHOLD, BIN)
    assert ev.n == 3
    m = ictal_metrics(ev, {}, {})
    assert m["mean_ictal_duration_s"] == pytest.approx(15)  # only the complete one
    assert m["time_to_first_ictal_s"] == pytest.approx(30)  # the first onset seen
    assert m["mean_interictal_interval_s"] == pytest.approx(20)  # 30 -> 50 only
    np.testing.assert_allclose(ev.postictal_s, [15, 5, np.nan])  # the last is censored
    assert m["postictal_suppression_s"] == pytest.approx(10)
    assert math.isnan(m["k_o_peak_mM"])


def test_rates_split_inside_and_between_events():
    s = trace(20, [(5, 6)])  # one discharge: 1 s inside, 19 s outside
    ev = detect_ictal(s, THRESHOLD, BIN)
    times = np.concatenate([np.full(100, 5.5), np.full(19, 12.0)])  # 100 in, 19 out
    m = ictal_metrics(ev, {"exc": times}, {"exc": 10})
    assert m["rate_exc_in_events_hz"] == pytest.approx(100 / (10 * 1.0))
    assert m["rate_exc_between_events_hz"] == pytest.approx(19 / (10 * 19.0))
    assert m["ictal_event_count"] == 0 and math.isnan(m["mean_ictal_duration_s"])


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="bin_s"):
        detect_ictal(np.zeros(10), 1.0, 0.0)
    with pytest.raises(ValueError, match="NaN"):
        detect_ictal(np.array([0.0, np.nan]), 1.0, 0.1)
    with pytest.raises(ValueError, match="tonic_active_fraction"):
        IctalParams(tonic_active_fraction=0)


def test_phase_threshold_reads_clonic_bursts_above_a_firing_floor():
    """A 20 s seizure at 10 s: 5 s tonic at 200 Hz, then bursts of 150 Hz out of a 40 Hz floor
    (never below the 10 Hz detection threshold), 10 at 2 Hz then 5 at 1 Hz. On the detection
    threshold the whole event is one tonic stretch; with phase_threshold_fraction 0.5 (level
    100 Hz) the bursts are clonic, and their frequency halves."""
    s = trace(40, [(10, 30)])
    s[round(15 / BIN):round(30 / BIN)] = 40.0
    onsets = [15 + 0.5 * k for k in range(10)] + [20 + 2 * k for k in range(5)]
    for t in onsets:
        s[round(t / BIN):round((t + 0.2) / BIN)] = 150.0
    plain = detect_ictal(s, THRESHOLD, BIN)
    np.testing.assert_allclose(plain.tonic_s, [20])
    np.testing.assert_array_equal(plain.clonic_bursts, [0])
    ev = detect_ictal(s, THRESHOLD, BIN, IctalParams(phase_threshold_fraction=0.5))
    np.testing.assert_allclose(ev.start_s, [10])
    np.testing.assert_allclose(ev.stop_s, [30])
    np.testing.assert_allclose(ev.tonic_s, [5])
    np.testing.assert_array_equal(ev.clonic_bursts, [15])
    np.testing.assert_allclose(ev.clonic_first_hz, [12 / 7.5])  # 15-22.5 s: 10 + 2 onsets
    np.testing.assert_allclose(ev.clonic_last_hz, [3 / 7.5])  # 22.5-30 s: 24, 26, 28 s
    # the level is never below the detection threshold: a fraction of a quiet event's peak is
    low = detect_ictal(trace(40, [(10, 30)]) / 25, 5.0, BIN,
                       IctalParams(phase_threshold_fraction=0.5))
    np.testing.assert_allclose(low.tonic_s, [20])
    with pytest.raises(ValueError, match="phase_threshold_fraction"):
        IctalParams(phase_threshold_fraction=1.0)


def test_discharges_that_open_an_event_come_before_its_tonic_phase():
    """Two 0.2 s discharges (10, 11 s) open the event, sustained firing follows (12-20 s), then
    bursts at 2 Hz (20.5-24.5 s) and 1 Hz (25.5-29.5 s). The tonic phase is the longest run of
    sustained windows, not only a leading one: 8 s, and the clonic phase is 20-29.7 s."""
    high = [(10, 10.2), (11, 11.2), (12, 20)]
    high += [(20.5 + 0.5 * k, 20.7 + 0.5 * k) for k in range(9)]
    high += [(25.5 + 1.0 * k, 25.7 + 1.0 * k) for k in range(5)]
    ev = detect_ictal(trace(40, high), THRESHOLD, BIN)
    np.testing.assert_allclose(ev.start_s, [10])
    np.testing.assert_allclose(ev.stop_s, [29.7])
    np.testing.assert_allclose(ev.tonic_s, [8])
    np.testing.assert_array_equal(ev.clonic_bursts, [14])
    np.testing.assert_allclose(ev.clonic_first_hz, [9 / 4.85])
    np.testing.assert_allclose(ev.clonic_last_hz, [5 / 4.85])


def test_startup_event_is_kept_but_left_out_of_every_metric():
    """100 s: an opening event at 0.05-15 s (a rested network's start), seizures at 40-55 and
    80-92 s, a discharge at 30 s; [K+]o peaks at 13 mM in the opening event, 11 mM later. With
    ictal_startup_s = 1 the opening event is still detected (and flagged) but counts nowhere:
    the first onset is 40 s, not 0.05 s, and the peak is the later one."""
    s = trace(100, [(0.05, 15), (30, 30.2), (40, 55), (80, 92)])
    t_k = np.arange(0, 100, 0.01)
    k_o = np.where(t_k < 15, 13.0, np.where((t_k > 40) & (t_k < 55), 11.0, 4.0))

    plain = ictal_metrics(detect_ictal(s, THRESHOLD, BIN), {}, {}, k_o, t_k)
    assert plain["ictal_event_count"] == 3
    assert plain["time_to_first_ictal_s"] == pytest.approx(0.05)  # the start, not a latency
    assert plain["mean_ictal_duration_s"] == pytest.approx((14.95 + 15 + 12) / 3)
    assert plain["k_o_peak_mM"] == 13.0

    ev = detect_ictal(s, THRESHOLD, BIN, IctalParams(ictal_startup_s=1.0))
    assert ev.n == 3
    np.testing.assert_array_equal(ev.startup, [True, False, False])
    np.testing.assert_array_equal(ev.complete, [False, True, True])
    m = ictal_metrics(ev, {}, {}, k_o, t_k)
    assert m["ictal_event_count"] == 2
    assert m["ictal_rate_per_min"] == pytest.approx(2 / 99 * 60)  # over the record after 1 s
    assert m["time_to_first_ictal_s"] == pytest.approx(40)
    assert m["mean_ictal_duration_s"] == pytest.approx(13.5)
    assert m["mean_interictal_interval_s"] == pytest.approx(40)  # 40 -> 80, not 0.05 -> 40
    assert m["postictal_suppression_s"] == pytest.approx(25)  # 55 -> 80 only (15 -> 30 was)
    assert m["k_o_peak_mM"] == 11.0
    with pytest.raises(ValueError, match="k_o_t_s"):
        ictal_metrics(ev, {}, {}, k_o)
    # an opening event that never ends leaves no [K+]o peak after it, and no event to count
    endless = detect_ictal(trace(100, [(0.05, 100)]), THRESHOLD, BIN, IctalParams(ictal_startup_s=1))
    m = ictal_metrics(endless, {}, {}, k_o, t_k)
    assert m["ictal_event_count"] == 0 and math.isnan(m["k_o_peak_mM"])
    with pytest.raises(ValueError, match="ictal_startup_s"):
        IctalParams(ictal_startup_s=-1.0)
