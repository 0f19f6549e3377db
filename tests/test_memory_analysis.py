"""The memory protocol's read-outs on synthetic data with exact answers (sim.analysis.memory)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis import background as bg
from sim.analysis import memory as mem
from sim.analysis.bistable import BistableParams


def test_storage_counts_assembly_and_control_synapses_exactly():
    # cells 0-1 are the assembly; synapses: 0->1, 1->0 (assembly), 2->3, 3->2 (control), 0->2 (mixed)
    pre, post = np.array([0, 1, 2, 3, 0]), np.array([1, 0, 3, 2, 2])
    trained = np.array([1, 1, 0, 1, 1])
    delayed = np.array([1, 0, 0, 0, 1])
    st = mem.storage(pre, post, trained, delayed, n_assembly=2)
    assert (st.assembly_trained, st.control_trained) == (1.0, 0.5)
    assert (st.assembly_delayed, st.control_delayed) == (0.5, 0.0)
    assert st.stored == 0.5
    assert st.retention_index == pytest.approx((0.5 - 0.0) / 0.5)
    assert (st.n_assembly_synapses, st.n_control_synapses) == (2, 2)


def test_retention_is_undefined_when_nothing_was_stored():
    pre, post = np.array([0, 2]), np.array([1, 3])
    st = mem.storage(pre, post, [0, 0], [0, 0], n_assembly=2)
    assert math.isnan(st.retention_index)
    with pytest.raises(ValueError, match="one entry per synapse"):
        mem.storage(pre, post, [0], [0, 0], n_assembly=2)


def test_recall_rates_overlap_and_latency_on_a_synthetic_raster():
    # 10 cells: 0-1 cued, 2-3 uncued assembly, 4-9 control; cue at 1.0 s, window 0.5 s
    t = np.array([0.5, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06, 1.2, 1.3, 1.6])
    i = np.array([2, 0, 0, 1, 1, 2, 3, 3, 4, 5])
    rc = mem.recall(t, i, n_exc=10, n_assembly=4, n_cued=2, cue_on_s=1.0, window_s=0.5)
    # in the window: cued 4 spikes / 2 cells, uncued 3 / 2, control 1 / 6 (the 0.5 and 1.6 s
    # spikes fall outside)
    assert rc.rate_cued_hz == pytest.approx(4.0)
    assert rc.rate_uncued_hz == pytest.approx(3.0)
    assert rc.rate_control_hz == pytest.approx(1 / 3)
    assert rc.overlap == pytest.approx((3.0 - 1 / 3) / (4.0 - 1 / 3))
    # first spikes of the uncued cells: 2 at 1.05 s, 3 at 1.06 s -> median 55 ms
    assert rc.latency_ms == pytest.approx(55.0)
    assert rc.recruited_fraction == 1.0


def test_recall_without_uncued_spikes_has_no_latency():
    rc = mem.recall(np.array([1.01]), np.array([0]), n_exc=10, n_assembly=4, n_cued=2,
                    cue_on_s=1.0, window_s=0.5)
    assert math.isnan(rc.latency_ms) and rc.recruited_fraction == 0.0
    assert rc.overlap == pytest.approx(0.0)


def test_step_through_latency_mapping_anchors_and_censoring():
    kw = {"naive_s": 15.0, "trained_s": 180.0, "cutoff_s": 300.0}
    assert mem.step_through_latency(0.0, **kw) == pytest.approx(15.0)
    assert mem.step_through_latency(1.0, **kw) == pytest.approx(180.0)
    assert mem.step_through_latency(0.5, **kw) == pytest.approx(15.0 * 12 ** 0.5)
    assert mem.step_through_latency(3.0, **kw) == 300.0  # censored at the cut-off
    assert mem.step_through_latency(-0.4, **kw) == pytest.approx(15.0)
    assert math.isnan(mem.step_through_latency(math.nan, **kw))
    with pytest.raises(ValueError):
        mem.step_through_latency(1.0, naive_s=200.0, trained_s=180.0, cutoff_s=300.0)


def test_segments_cover_the_delay_and_sample_the_exposed_window():
    gate = lambda t: 0.5 if t < 3600 else 0.4  # noqa: E731
    segs = mem.segments_for(10 * 3600.0, gate, exposed=(0.0, 7200.0), n_exposed=4)
    assert sum(d for d, _ in segs) == pytest.approx(36000.0)
    assert [g for _, g in segs] == [0.5, 0.5, 0.4, 0.4, 0.4]
    # an exposure in the middle of the delay: a segment before, n_exposed within, one after
    segs = mem.segments_for(10 * 3600.0, gate, exposed=(3600.0, 7200.0), n_exposed=3)
    assert len(segs) == 5 and segs[0][0] == pytest.approx(3600.0)
    assert mem.segments_for(0.0, gate, exposed=(0.0, 1.0)) == []


def test_silent_delay_keeps_every_synapse_in_its_state():
    course = mem.delay_course([(86400.0, 0.42)], 0.0, bg.Preparation(), BistableParams())
    assert (course.transitions.up_from_up, course.transitions.up_from_down) == (1.0, 0.0)


def test_delay_transitions_match_the_background_wait_and_forget_with_time():
    p, prep = BistableParams(), bg.Preparation()
    one_day = mem.delay_course([(86400.0, 0.42)], 0.2, prep, p)
    # the same wait computed directly with the background module's own propagator
    stats = bg.calcium_statistics(0.2, prep, p, seed=0)
    wait = bg.BackgroundWait(stats, p)
    start = np.zeros(wait.rho.size)
    start[np.argmin(np.abs(wait.rho - 1.0))] = 1.0
    direct = wait.up_fraction(wait.evolve(start, [86400.0])[0])
    assert one_day.transitions.up_from_up == pytest.approx(direct, abs=2e-3)
    # two half-day segments are the same wait as one day
    halves = mem.delay_course([(43200.0, 0.42), (43200.0, 0.42)], 0.2, prep, p)
    assert halves.transitions.up_from_up == pytest.approx(one_day.transitions.up_from_up,
                                                          abs=2e-3)
    # the course starts at 1 and falls; 14 days forget more than 1 day
    assert one_day.up_from_up[0] == 1.0 and np.all(np.diff(one_day.up_from_up) <= 1e-9)
    two_weeks = mem.delay_course([(14 * 86400.0, 0.42)], 0.2, prep, p)
    assert two_weeks.transitions.up_from_up < one_day.transitions.up_from_up < 1.0
